import ChatClient
import ChatSystem
import Glibc

/// The full-screen client: one UI thread that owns the terminal, polls the keyboard and a wake pipe,
/// applies what arrived, and draws.
///
/// The network thread (``ChatConnection``) and the signal thread (``SignalWatcher``) never touch the
/// terminal: they post to an ``Inbox`` whose pipe wakes the UI thread. Each wake-up drains
/// everything queued before one redraw. Frames are paced: a frame is drawn at once when the last
/// one is at least ``frameInterval`` old, otherwise when it gets that old, and until then the UI
/// thread does not even wake for new messages. A lone key or message is on screen at once; a flood
/// is drawn at most 30 times a second, each frame showing everything that arrived since the last.
/// Lines are rendered once and kept while on screen (``RowCache``). Nothing runs on a timer except
/// the `/users` refresh and the wait for the server's goodbye, so an idle client sleeps in `poll`.
///
/// A password is asked for on the input line, masked (`password for alice: ••••••`), when the name asked
/// for belongs to an account, when a login went wrong (up to ``ChatState/loginTries`` in a row), and for
/// `/register`, `/login NAME` and `/password` typed without it. Enter answers, Esc cancels; the answers
/// never reach the input history, and a password typed in a command is masked too.
///
/// Over TLS, a certificate that does not verify and is not pinned is shown in a box over the pane (a
/// ``CertificatePrompt``: its subject, issuer, validity and fingerprint), and the input line asks
/// `trust it? (yes/no)`. Until it is answered nothing else takes the keys: yes (or the fingerprint) pins it
/// and the connection goes on; no, Esc or Ctrl-C ends the client, with status 1. A refused certificate is
/// shown in the pane, and again on the error stream once the terminal is given back (status 1).
public final class ChatApp {
    /// What the client is started with.
    public struct Options: Sendable {
        /// The connection (server, name, reconnection).
        public var connection: ChatConnection.Options
        /// The most lines the pane keeps.
        public var scrollback: Int
        /// Whether this process hosts the server it talks to.
        public var hosting: Bool
        /// Notes to show in the pane first.
        public var notes: [String]

        /// Creates the options.
        public init(
            connection: ChatConnection.Options, scrollback: Int = 10_000, hosting: Bool = false, notes: [String] = []
        ) {
            self.connection = connection
            self.scrollback = scrollback
            self.hosting = hosting
            self.notes = notes
        }
    }

    /// The client's own keys and commands, shown after the server's `HELP` lines.
    public static let helpLines = [
        "keys: Enter sends; Tab completes names and commands; Up/Down recall what you sent",
        "Left/Right, Home/End, Ctrl-A/Ctrl-E move; Alt-B/Alt-F move by word",
        "Backspace/Delete delete; Ctrl-U, Ctrl-K, Ctrl-W delete to the start, to the end, the word before",
        "PgUp/PgDn or the mouse wheel scroll; at the top, PgUp loads older messages",
        "End on an empty line (or sending) returns to the bottom",
        "Ctrl-L redraws; Ctrl-C or /quit leaves",
        "/register, /login NAME and /password ask for the passwords: they show as •, Enter sends, Esc cancels",
        "Tab completes the operators' commands too (/kick, /ban, /mute, ...) and the name after them",
        "/clear empties this pane (the client's own command); plain text is sent to everyone",
    ]

    private enum Message: Sendable {
        case connection(ConnectionEvent)
        case signal(Int32)
    }

    /// The shortest time between two frames.
    static let frameInterval: Duration = .milliseconds(33)

    private let options: Options
    private let terminal: Terminal
    private let connection: ChatConnection
    private let inbox: Inbox<Message>
    private var state: ChatState
    private var editor = InputEditor()
    /// The password being asked for on the input line, if any, and what was typed in answer (masked).
    private var prompt: PasswordPrompt?
    private var secret = InputEditor()
    /// The certificate being asked about, if any, and the answer being typed.
    private var certificatePrompt: CertificatePrompt?
    private var certificateAnswer = InputEditor(historyLimit: 1)
    /// The exit status, and the lines to write to the error stream once the terminal is given back.
    private var exitStatus: Int32 = 0
    private var farewell: [String] = []
    private var completer = TabCompleter()
    private var decoder = KeyDecoder()
    private var scroll = PaneScroll()
    private var policy = UsersRefreshPolicy(now: { ContinuousClock.now })
    private var quitDeadline: ContinuousClock.Instant?
    private var leaving = false
    private var done = false
    private var dirty = true
    private var lastFrame: ContinuousClock.Instant?
    private let rowCache = RowCache()
    private var clearScreen = false

    /// Runs the client until the user leaves; the terminal is restored on every way out.
    ///
    /// The caller blocks the signals first (``SignalWatcher/blockSignals()``), before any thread starts.
    ///
    /// - Parameters:
    ///   - options: What to connect to and how.
    ///   - socket: A socket already connected to the server, or `nil` to connect.
    /// - Returns: The exit status.
    /// - Throws: ``TerminalError`` or ``ClientError`` when the client cannot start.
    public static func run(_ options: Options, adopting socket: Int32?) throws -> Int32 {
        let inbox = try Inbox<Message>()
        try SignalWatcher.start { inbox.post(.signal($0)) }
        let connection = try ChatConnection(options: options.connection) { inbox.post(.connection($0)) }
        let app: ChatApp
        do {
            let terminal = try Terminal()
            // The one place the terminal is given back: every exit path of the UI thread passes here.
            defer { terminal.end() }
            app = ChatApp(options: options, terminal: terminal, connection: connection, inbox: inbox)
            try connection.start(adopting: socket)
            defer { connection.stop() }
            try app.loop()
        }
        for line in app.farewell { writeLine("chatroom: " + line, to: STDERR_FILENO) }
        return app.exitStatus
    }

    private init(options: Options, terminal: Terminal, connection: ChatConnection, inbox: Inbox<Message>) {
        self.options = options
        self.terminal = terminal
        self.connection = connection
        self.inbox = inbox
        self.state = ChatState(
            address: options.connection.address, scrollback: options.scrollback, tls: options.connection.tls != nil)
        let now = LocalTime.now()
        for note in options.notes { state.note(note, at: now) }
    }

    // MARK: The loop

    private func loop() throws {
        while !done {
            var frameDue: ContinuousClock.Instant?
            if dirty {
                let now = ContinuousClock.now
                if let lastFrame, now < lastFrame + Self.frameInterval {
                    frameDue = lastFrame + Self.frameInterval
                } else {
                    lastFrame = now
                    draw()
                    dirty = false
                }
            }
            var fds = [
                pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                pollfd(fd: inbox.fd, events: Int16(POLLIN), revents: 0),
            ]
            // While a frame is due, only keys wake the thread: messages gather in the inbox until then.
            if poll(&fds, frameDue == nil ? 2 : 1, timeout(frameDue: frameDue)) < 0 {
                guard errno == EINTR else { throw ClientError.system(SystemError("poll")) }
            }
            if fds[0].revents & Int16(POLLIN) == 0 && fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                return  // the terminal is gone
            }
            // Read keys on every wake-up: curses may hold some (KEY_RESIZE) that the descriptor does not show.
            let keys = decoder.decode(terminal.readKeys())
            for key in keys { handle(key) }
            for message in inbox.drain() { handle(message) }
            tick()
        }
    }

    /// Milliseconds until the next timed duty (a frame, the `/users` refresh, giving up on the
    /// server's goodbye), or -1 to sleep until woken.
    private func timeout(frameDue: ContinuousClock.Instant?) -> Int32 {
        let deadlines = [policy.nextDeadline, quitDeadline, frameDue].compactMap { $0 }
        guard let next = deadlines.min() else { return -1 }
        return ContinuousClock.now.duration(to: next).pollTimeout
    }

    private func tick() {
        if policy.takeDue() {
            connection.requestUsers(.automatic, state: &state)
        }
        if let quitDeadline, ContinuousClock.now >= quitDeadline { done = true }
    }

    private func draw() {
        let frame = ScreenComposer.compose(
            state: state, editor: editor, scroll: scroll, hosting: options.hosting, rows: terminal.rows,
            columns: terminal.columns, cache: rowCache,
            secret: prompt.map { ScreenComposer.Secret(label: $0.label, editor: secret) },
            dialog: certificatePrompt.map {
                Dialog(title: $0.title, paragraphs: $0.lines, label: $0.label, editor: certificateAnswer)
            })
        terminal.draw(frame, clear: clearScreen)
        clearScreen = false
        rowCache.sweep()
    }

    // MARK: Messages from other threads

    private func handle(_ message: Message) {
        dirty = true
        switch message {
        case .signal(let signal):
            switch signal {
            case SIGWINCH: terminal.updateSize()
            case SIGHUP: done = true
            default: leave()
            }
        case .connection(let event):
            let now = LocalTime.now()
            let outcome = state.apply(event, at: now)
            if let wanted = outcome.historyWanted {
                connection.requestHistory(wanted, count: historyCount, state: &state, at: now)
            }
            if outcome.welcomed { policy.connected() }
            if outcome.membershipChanged { policy.membershipChanged() }
            if outcome.disconnected { policy.disconnected() }
            if case .passwordWanted(let name) = event, prompt == nil {
                let stay = state.ownName.map { "press Esc to stay \($0)" } ?? "press Esc to cancel"
                state.note("log in as \(name) below, or \(stay)", at: now)
            }
            if let request = outcome.passwordWanted { ask(request) }
            if let question = outcome.certificateQuestion {
                certificatePrompt = CertificatePrompt(question)
                certificateAnswer = InputEditor(historyLimit: 1)
            }
            if case .certificateRefused(let refusal) = event {
                exitStatus = 1
                farewell = refusal.lines
            }
            // The connection also ends for good when the server said not to come back (a kick, a ban): the
            // client stays, showing why, until the user leaves.
            if outcome.closed && leaving { done = true }
        }
    }

    // MARK: Certificates

    /// A key while a certificate is asked about: editing, Enter answers; Esc and Ctrl-C decline.
    private func handleCertificatePrompt(_ key: Key) {
        switch key {
        case .enter: answerCertificate()
        case .escape, .control("c"): declineCertificate()
        case .end: _ = certificateAnswer.apply(.end)
        default:
            if let edit = Self.lineEdit(for: key) { _ = certificateAnswer.apply(edit) } else { _ = handleViewKey(key) }
        }
    }

    private func answerCertificate() {
        guard var current = certificatePrompt else { return }
        let typed = certificateAnswer.text
        certificateAnswer = InputEditor(historyLimit: 1)
        switch current.answer(typed) {
        case .trust:
            certificatePrompt = nil
            connection.trustCertificate()
        case .decline:
            declineCertificate()
        case .again:
            certificatePrompt = current
        }
    }

    /// Declines the certificate asked about and ends the client.
    private func declineCertificate() {
        guard let current = certificatePrompt else { return }
        certificatePrompt = nil
        connection.declineCertificate()
        exitStatus = 1
        farewell = ["the certificate of \(current.question.server) was not trusted; not connecting"]
        done = true
    }

    // MARK: Passwords

    /// Asks for a password on the input line, unless one is asked for already.
    private func ask(_ request: PasswordRequest) {
        guard prompt == nil else { return }
        prompt = PasswordPrompt(request)
        secret = InputEditor(historyLimit: 1)
    }

    /// A key while a password is asked for: editing, Enter answers, Esc cancels. No history, no
    /// completion: nothing typed here is kept or matched against anything.
    private func handlePrompt(_ key: Key) {
        switch key {
        case .enter: answerPrompt()
        case .escape: cancelPrompt()
        case .end: _ = secret.apply(.end)
        default:
            // Tab, Up/Down and the other keys with no binding here do nothing.
            if let edit = Self.lineEdit(for: key) { _ = secret.apply(edit) } else { _ = handleViewKey(key) }
        }
    }

    /// The edit a key makes on an input line, the same on the chat's line and on a password prompt's
    /// (history, completion and word moves are the chat line's alone).
    private static func lineEdit(for key: Key) -> EditorKey? {
        switch key {
        case .text(let text): .insert(text)
        case .left, .control("b"): .left
        case .right, .control("f"): .right
        case .home, .control("a"): .home
        case .control("e"): .end
        case .backspace: .backspace
        case .delete, .control("d"): .delete
        case .control("u"): .killToStart
        case .control("k"): .killToEnd
        case .control("w"): .killWordBackward
        default: nil
        }
    }

    /// Scrolling, redrawing, leaving and resizing, whatever the input line is doing.
    ///
    /// - Returns: Whether the key was one of them.
    private func handleViewKey(_ key: Key) -> Bool {
        switch key {
        case .pageUp: scrollUp(by: max(1, paneSize.height - 1))
        case .pageDown: scrollDown(by: max(1, paneSize.height - 1))
        case .wheelUp: scrollUp(by: 3)
        case .wheelDown: scrollDown(by: 3)
        case .control("l"): clearScreen = true
        case .control("c"): leave()
        case .resize: terminal.updateSize()
        default: return false
        }
        return true
    }

    private func answerPrompt() {
        guard var current = prompt else { return }
        let typed = secret.text
        secret = InputEditor(historyLimit: 1)
        // An empty answer is no password: the question stays (Esc cancels).
        guard !typed.isEmpty else { return }
        switch connection.answer(&current, with: typed, state: &state) {
        case .next: prompt = current
        case .sent, .mismatch, .notConnected: prompt = nil
        }
    }

    private func cancelPrompt() {
        guard let current = prompt else { return }
        prompt = nil
        secret = InputEditor(historyLimit: 1)
        state.note(current.cancelledNote(ownName: state.ownName), at: LocalTime.now())
    }

    // MARK: Keys

    private func handle(_ key: Key) {
        dirty = true
        if key != .tab { completer.reset() }
        if certificatePrompt != nil {
            handleCertificatePrompt(key)
            return
        }
        if prompt != nil {
            handlePrompt(key)
            return
        }
        switch key {
        case .enter:
            // A line with a password never joins the history (Up would bring it back).
            let keep = !OutgoingLine.carriesPassword(editor.text)
            if let line = editor.enter(keepingInHistory: keep) { submit(line) }
        case .tab:
            if let completed = completer.complete(
                text: editor.text, cursor: editor.cursor, names: state.users)
            {
                editor.replace(text: completed.text, cursor: completed.cursor)
            }
        case .end:
            if editor.isEmpty { scroll.scrollToBottom() } else { edit(.end) }
        case .wordLeft, .alt("b"): edit(.wordLeft)
        case .wordRight, .alt("f"): edit(.wordRight)
        case .up, .control("p"): edit(.historyPrevious)
        case .down, .control("n"): edit(.historyNext)
        default:
            // Keys with no binding (a lone Esc, other Ctrl and Alt keys) do nothing.
            if let lineEdit = Self.lineEdit(for: key) { edit(lineEdit) } else { _ = handleViewKey(key) }
        }
    }

    private func edit(_ key: EditorKey) {
        _ = editor.apply(key)
    }

    private var paneSize: (height: Int, width: Int) {
        guard case .chat(let layout) = Layout.compute(rows: terminal.rows, columns: terminal.columns) else {
            return (0, 0)
        }
        return (layout.messages.height, layout.messages.width)
    }

    private func scrollUp(by rows: Int) {
        let size = paneSize
        let count = historyCount
        scroll.scrollUp(by: rows, state: &state, height: size.height, width: size.width, cache: rowCache) {
            connection.reachedTopOfHistory(count: count, state: &$0)
        }
    }

    /// How many stored messages to ask for at a time: three panes' worth, 50 to 1000.
    private var historyCount: Int {
        min(1000, max(50, 3 * paneSize.height))
    }

    private func scrollDown(by rows: Int) {
        scroll.scrollDown(by: rows, in: state.lines, width: paneSize.width, cache: rowCache)
    }

    // MARK: Sending

    private func submit(_ line: String) {
        scroll.scrollToBottom()
        let clientHelp = Self.helpLines.map { ChatLine.Kind.help($0) }
        switch connection.submit(line, state: &state, clientHelp: clientHelp) {
        case .nothing:
            break
        case .clear:
            state.clear()
            scroll = PaneScroll()
        case .quit:
            leave()
        case .sent(let sent):
            if sent == .users { policy.sentByUser() }
        case .passwordWanted(let request):
            ask(request)
        case .notConnected(let unsent):
            state.add(.problem("not connected, nothing was sent (your line is back in the input)"), at: LocalTime.now())
            editor.replace(text: line, cursor: line.count)
            if unsent == .help {
                for kind in clientHelp { state.add(kind, at: LocalTime.now()) }
            }
        }
    }

    /// Leaves: `/quit` and a short wait for the server's goodbye, or at once when not connected
    /// (or when asked a second time).
    private func leave() {
        if leaving || !connection.isConnected {
            done = true
            return
        }
        leaving = true
        connection.quit()
        quitDeadline = ContinuousClock.now + .milliseconds(1500)
    }
}
