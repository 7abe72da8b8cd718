import ChatProtocol

/// Everything the client knows about the conversation: the scrollback, who is in the room, the
/// user's own name and the state of the connection.
///
/// A value type driven by ``apply(_:at:)`` with each ``ConnectionEvent``, so it is tested without a
/// network or a terminal. Stored messages (v1.1: the history on connecting, older ones, the ones missed
/// while away, search results) are placed by `ChatState+History.swift`.
public struct ChatState: Sendable {
    /// The state of the link to the server.
    public enum Link: Equatable, Sendable {
        /// Trying to connect.
        case connecting
        /// Connected.
        case connected
        /// Not connected; `retryIn` is when the next attempt starts, `nil` when none will.
        case disconnected(reason: String, retryIn: Duration?)
        /// The connection ended for good.
        case closed
    }

    /// What applying one event changed, for the caller's follow-up work.
    public struct Outcome: Equatable, Sendable {
        /// A `WELCOME` arrived: the user is in the room.
        public var welcomed = false
        /// Someone joined, left or was renamed.
        public var membershipChanged = false
        /// The connection was lost or ended.
        public var disconnected = false
        /// The connection ended for good.
        public var closed = false
        /// Lines added at the bottom of the scrollback.
        public var linesAdded = 0
        /// Stored messages to ask for now (``ChatConnection/requestHistory(_:count:state:at:)``): the recent
        /// ones once the server turned ids on, the next round of the ones missed while away.
        public var historyWanted: HistoryRequest?
        /// A password to ask the user for now (a ``PasswordPrompt``): the name asked for belongs to an
        /// account, or a login went wrong and may be tried again. Plain mode never asks.
        public var passwordWanted: PasswordRequest?
        /// A certificate to ask the user about now (a ``CertificatePrompt``): the connection waits for the
        /// answer. Plain mode never asks.
        public var certificateQuestion: CertificateQuestion?
    }

    /// How many logins in a row may go wrong before the client stops asking and the user carries on as a guest.
    public static let loginTries = 3

    /// Who asked for a `USERS` line: the server answers a client's commands in order, so the replies
    /// are matched to the requests by position.
    public enum UsersRequest: Equatable, Sendable {
        /// The client's own refresh: the reply only updates the sidebar.
        case automatic
        /// The user typed `/users`: the reply is shown in the pane too.
        case typed
    }

    /// The server this state is about.
    public let address: ServerAddress
    /// Whether the connection speaks TLS (`--tls`): nothing is ever sent to the server in the clear.
    public let usesTLS: Bool
    /// The TLS session of the connection now up, or being set up (its ``ConnectionEvent/secured(_:)``).
    public private(set) var tlsSession: TLSSession?
    /// The lines shown in the pane, oldest first.
    public internal(set) var lines: Scrollback<ChatLine>
    /// Everyone in the room, sorted as the server sorts them.
    public private(set) var users: [String] = []
    /// The name the server gave the user, once welcomed.
    public private(set) var ownName: String?
    /// The link to the server.
    public private(set) var link: Link = .connecting
    /// The account the user is logged in as (accounts: `REGISTERED`, `LOGGED-IN`); `nil` for a guest, and
    /// while not connected.
    public private(set) var account: String?
    /// Logins that went wrong in a row (``ConnectionEvent/loginFailed(name:)``), up to ``loginTries``.
    private var loginFailures = 0
    /// The `BAN` lines of a `/bans` answer, until its `BANS-END`.
    private var bansAnswer: [BanEntry] = []
    private var usersRequests: [UsersRequest] = []
    /// Lines to show, instead of the `PONG`, when the ping with that token is answered.
    private var pongActions: [String: [ChatLine.Kind]] = [:]
    /// `/help` requests so far, for the token of the `/ping` that follows each.
    private var helpRequests = 0
    /// The reason of the last failed attempt, so a run of identical failures is noted once.
    private var lastFailure: String?
    /// Whether a connection was ever up: the ones after it are reconnections.
    private var connectedBefore = false
    /// What the history aspect keeps (`ChatState+History.swift`).
    var store = StoreState()
    /// The day of the newest line in the conversation's flow, for day-change lines.
    var lastDate: LocalDate?
    /// The local day as of the last event: stored messages from before it show their date.
    var today: LocalDate?

    /// Creates an empty state.
    ///
    /// - Parameters:
    ///   - address: The server, for the status line.
    ///   - scrollback: The most lines kept.
    ///   - tls: Whether the connection speaks TLS.
    public init(address: ServerAddress, scrollback: Int = 10_000, tls: Bool = false) {
        self.address = address
        self.usesTLS = tls
        self.lines = Scrollback(capacity: scrollback)
    }

    /// Records that a `/users` went to the server, so its reply is routed.
    public mutating func sentUsersRequest(_ request: UsersRequest) {
        usersRequests.append(request)
    }

    /// Records that `/ping TOKEN` went to the server, so its `PONG` shows `lines` instead of itself.
    public mutating func sentPing(token: String, showingOnReply lines: [ChatLine.Kind]) {
        pongActions[token] = lines
    }

    /// A new token for the `/ping` that follows a `/help` (see ``ChatConnection/submit(_:state:clientHelp:)``).
    mutating func nextHelpToken() -> String {
        helpRequests += 1
        return "chatroom-help-\(helpRequests)"
    }

    /// Records that the user started a login (typed `/login`): the tries that went wrong before no longer count.
    mutating func loginStarted() {
        loginFailures = 0
    }

    /// Adds a note from the client.
    public mutating func note(_ text: String, at time: LocalTime) {
        add(.notice(text), at: time)
    }

    /// Adds a line.
    public mutating func add(_ kind: ChatLine.Kind, at time: LocalTime) {
        add(ChatLine(time: time, kind: kind))
    }

    /// Adds a line to the conversation: at the bottom, or to the lines held back while the messages
    /// missed are fetched (they go first).
    mutating func add(_ line: ChatLine) {
        if let id = line.id { store.ids.insert(id) }
        if store.held != nil {
            store.held?.append(.flow(line))
        } else {
            appendToFlow(line)
        }
    }

    /// Appends a line of the conversation's flow, after a day-change line when its day is not the day
    /// of the line before.
    mutating func appendToFlow(_ line: ChatLine) {
        if let date = line.time.date {
            if let lastDate, lastDate != date {
                appendLine(ChatLine(time: line.time, kind: .dayChanged(date)))
            }
            lastDate = date
        }
        appendLine(line)
    }

    /// Appends a line outside the flow (a search result: it neither starts a day nor ends one).
    mutating func appendAside(_ line: ChatLine) {
        if store.held != nil {
            store.held?.append(.aside(line))
        } else {
            appendLine(line)
        }
    }

    /// Appends to the scrollback, forgetting the id of the line that falls off the top.
    mutating func appendLine(_ line: ChatLine) {
        if lines.isFull, let id = lines.first?.id { store.ids.remove(id) }
        lines.append(line)
    }

    /// Empties the scrollback (`/clear`).
    public mutating func clear() {
        lines.removeAll()
        lastDate = nil
        store.cleared()
    }

    /// Applies one event from the connection.
    ///
    /// - Parameters:
    ///   - event: The event, in the order the connection reported it.
    ///   - time: The local time now: it stamps the lines added, except those of the room's flow that carry
    ///     the server's time (v1.1, the `time` tag), which are stamped with that.
    /// - Returns: What changed.
    @discardableResult
    public mutating func apply(_ event: ConnectionEvent, at time: LocalTime) -> Outcome {
        var outcome = Outcome()
        let before = lines.nextSequence
        if let date = time.date { today = date }
        switch event {
        case .connecting:
            link = .connecting
            tlsSession = nil
        case .secured(let session):
            tlsSession = session
        case .certificateUnknown(let question):
            outcome.certificateQuestion = question
        case .certificateRefused(let refusal):
            for line in refusal.lines { add(.problem(line), at: time) }
        case .connected(let address):
            link = .connected
            lastFailure = nil
            usersRequests.removeAll()
            pongActions.removeAll()
            account = nil
            bansAnswer.removeAll()
            connectionStarted(reconnecting: connectedBefore, at: time)
            connectedBefore = true
            note("connected to \(address)" + (tlsSession.map { " " + $0.summary } ?? ""), at: time)
        case .received(let event, let tags):
            apply(event, tags: tags, at: time, outcome: &outcome)
        case .capabilitiesRefused(let code, _):
            capabilitiesRefused(code, at: time)
        case .passwordWanted(let name):
            loginFailures = 0
            outcome.passwordWanted = .login(name: name)
        case .loginFailed(let name):
            loginFailures += 1
            if loginFailures < Self.loginTries {
                outcome.passwordWanted = .login(name: name)
            } else {
                loginFailures = 0
                let stay = ownName.map { "; you stay \($0)" } ?? ""
                note("\(Self.loginTries) tries went wrong\(stay) (/login \(name) tries again)", at: time)
            }
        case .unreadable(let text):
            add(.problem(text), at: time)
        case .disconnected(let reason, let retryIn):
            let wasConnected = link == .connected
            link = .disconnected(reason: reason, retryIn: retryIn)
            tlsSession = nil
            account = nil
            users.removeAll()
            usersRequests.removeAll()
            pongActions.removeAll()
            connectionLost(at: time)
            outcome.disconnected = true
            // While the server stays away, each failed attempt shows in the status line; the pane
            // gets a line only when something new happens.
            if wasConnected || reason != lastFailure {
                let retry = retryIn.map { "; reconnecting in \(Self.describe($0))" } ?? ""
                note("disconnected: \(reason)\(retry)", at: time)
            }
            lastFailure = reason
        case .closed:
            link = .closed
            tlsSession = nil
            account = nil
            users.removeAll()
            connectionLost(at: time)
            outcome.disconnected = true
            outcome.closed = true
        }
        // (Not in a defer: that would run after the value returned was copied.)
        outcome.linesAdded = lines.nextSequence - before
        return outcome
    }

    private mutating func apply(_ event: Event, tags: Tags, at time: LocalTime, outcome: inout Outcome) {
        switch event {
        case .welcome(let name, let text):
            ownName = name
            users = [name]
            outcome.welcomed = true
            add(.welcome(name: name, text: text), at: time)
        case .join(let name):
            insertUser(name)
            outcome.membershipChanged = true
            add(liveLine(.joined(name), tags: tags, arrival: time))
        case .leave(let name, let reason):
            users.removeAll { $0 == name }
            outcome.membershipChanged = true
            add(liveLine(.left(name, reason), tags: tags, arrival: time))
        case .nick(let old, let new):
            let isMe = old == ownName
            if isMe { ownName = new }
            users.removeAll { $0 == old }
            insertUser(new)
            outcome.membershipChanged = true
            add(liveLine(.renamed(old: old, new: new, isMe: isMe), tags: tags, arrival: time))
        case .message(let from, let text):
            if let id = tags.id, !liveMessageIsNew(id: id) { return }
            add(liveLine(messageKind(from: from, text: text), tags: tags, arrival: time))
        case .directMessage(let from, let to, let text):
            let kind: ChatLine.Kind =
                from == ownName ? .directSent(to: to, text: text) : .directReceived(from: from, text: text)
            add(liveLine(kind, tags: tags, arrival: time))
        case .users(let names):
            users = names.sorted(by: Name.areInIncreasingOrder)
            let request = usersRequests.isEmpty ? .typed : usersRequests.removeFirst()
            if request == .typed { add(.users(users), at: time) }
        case .help(let text):
            add(.help(text), at: time)
        case .pong(let token):
            if let token, let action = pongActions.removeValue(forKey: token) {
                for kind in action { add(kind, at: time) }
            } else {
                add(.pong(token), at: time)
            }
        case .error(let code, let text):
            if code == .unavailable && answeredUnavailable(at: time) { return }
            add(.error(code, text), at: time)
        case .bye(let text):
            add(.bye(text), at: time)
        case .caps(let capabilities):
            outcome.historyWanted = capabilitiesOn(capabilities.map(\.rawValue), at: time)
        case .history(let message):
            store.historyAnswer.append(message)
        case .historyEnd(let count):
            outcome.historyWanted = historyAnswered(count: count, at: time)
        case .found(let message):
            store.foundAnswer.append(message)
        case .foundEnd:
            searchAnswered(at: time)
        case .registered(let name):
            account = name
            loginFailures = 0
            add(.reply("registered \(name); you are logged in"), at: time)
        case .loggedIn(let name):
            account = name
            loginFailures = 0
            add(.reply("logged in as \(name)"), at: time)
        case .passwordChanged:
            add(.reply("password changed"), at: time)
        case .muted(let name):
            add(.reply("\(name) is muted"), at: time)
        case .unmuted(let name):
            add(.reply("\(name) is no longer muted"), at: time)
        case .unbanned(let target):
            add(.reply("\(target) is no longer banned"), at: time)
        case .ban(let entry):
            bansAnswer.append(entry)
        case .bansEnd:
            for row in Self.bansTable(bansAnswer) { add(.reply(row), at: time) }
            bansAnswer.removeAll()
        }
    }

    /// The rows that show a `/bans` answer: a heading, then one aligned row per ban, oldest first:
    /// `account  bob        until 2026-12-02 15:00  by carol  spam` (the end in local time).
    static func bansTable(_ bans: [BanEntry]) -> [String] {
        guard !bans.isEmpty else { return ["no bans"] }
        let columns = bans.map { ban in
            [
                ban.kind.rawValue, ban.target, ban.until.map { "until " + LocalTime($0).dated } ?? "until unbanned",
                "by " + ban.by, ban.reason,
            ]
        }
        let widths = (0..<4).map { index in columns.map { $0[index].count }.max() ?? 0 }
        let rows = columns.map { fields in
            let padded = (0..<4).map { fields[$0] + String(repeating: " ", count: widths[$0] - fields[$0].count) }
            let row = "  " + (padded + [fields[4]]).joined(separator: "  ")
            return String(row.reversed().drop(while: { $0 == " " }).reversed())
        }
        return ["\(bans.count) \(bans.count == 1 ? "ban" : "bans"):"] + rows
    }

    /// A line of the room's flow (`MSG`, `DM`, `JOIN`, `LEAVE`, `NICK`) as it arrives: at the server's time
    /// (the `time` tag, v1.1) in the local time zone, as stored messages are shown, or at its arrival when
    /// the line has no tag; dated, like a stored message, when the server's time is from an earlier day.
    ///
    /// - Parameters:
    ///   - kind: What the line says.
    ///   - tags: The line's tags: its id (a `MSG`) and its time, when the server gave them.
    ///   - arrival: When it arrived, for a line without a time.
    func liveLine(_ kind: ChatLine.Kind, tags: Tags, arrival: LocalTime) -> ChatLine {
        guard let serverTime = tags.time else { return ChatLine(time: arrival, kind: kind, id: tags.id) }
        let time = LocalTime(serverTime)
        return ChatLine(time: time, kind: kind, id: tags.id, serverTime: serverTime, showsDate: isBeforeToday(time))
    }

    /// Whether a time is from a day before today (the local day as of the last event).
    func isBeforeToday(_ time: LocalTime) -> Bool {
        time.date.flatMap { date in today.map { date < $0 } } ?? false
    }

    /// A broadcast's kind, with what it means to the user now: their own line, or one naming them.
    func messageKind(from: String, text: String) -> ChatLine.Kind {
        let isOwn = from == ownName
        let mentions = !isOwn && ownName.map { ChatLine.text(text, mentions: $0) } == true
        return .message(from: from, text: text, isOwn: isOwn, mentionsMe: mentions)
    }

    private mutating func insertUser(_ name: String) {
        guard !users.contains(name) else { return }
        let index = users.firstIndex { Name.areInIncreasingOrder(name, $0) } ?? users.endIndex
        users.insert(name, at: index)
    }

    /// A short duration for people: `500ms`, `2s`, `1.5s`.
    static func describe(_ duration: Duration) -> String {
        let millis =
            Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
        if millis < 1000 { return "\(millis)ms" }
        if millis % 1000 == 0 { return "\(millis / 1000)s" }
        return "\(millis / 1000).\(millis % 1000 / 100)s"
    }
}
