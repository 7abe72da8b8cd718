import ChatProtocol
import ChatSystem
import Glibc

/// Plain mode, for scripts and pipes: each input line is sent as the TUI would send it, and each
/// event is written as one readable line (`12:01 <alice> hello`).
///
/// Input is read once the server has welcomed the client (and, with ``historyCount``, once the last
/// stored messages are printed: they come before anything the input does). At the end of input the client sends a
/// `/ping` with a token of its own: the server answers a client's commands in order, so its `PONG`
/// proves every line before it was answered; the client then leaves with `/quit` and exits 0. After `/quit` it exits 0 once
/// the server closes. Losing the connection otherwise exits 1. Notes about the connection go to the
/// error stream, so the output holds only what the server said.
///
/// It never asks for a password: with one (the `password` option: `CHATROOM_PASSWORD`, `--password-file`)
/// it logs in right after the `WELCOME`; without, a registered name is refused (the server's error is
/// printed) and the client goes on with the name the server gave.
///
/// Nor does it ask whether to trust a TLS certificate: it connects when the certificate verifies, is
/// pinned, or matches `--tls-fingerprint`; otherwise it writes the certificate's subject and fingerprint,
/// and how to trust it, to the error stream, and exits 1.
public struct PlainClient {
    /// The connection settings (plain mode never reconnects).
    public var options: ChatConnection.Options
    /// The descriptor lines are read from.
    public var input: Int32
    /// Writes one line of output (the line feed is added by the callee).
    public var output: (String) -> Void
    /// Writes one note for the user (connection state).
    public var note: (String) -> Void
    /// The time stamped on each line.
    public var now: () -> LocalTime
    /// How many stored messages to print before the input runs (`--history N`, v1.1); `nil` prints none.
    public var historyCount: Int?

    /// Creates a plain-mode client.
    ///
    /// - Parameters:
    ///   - options: The server and the name to ask for; `reconnect` is turned off.
    ///   - input: Where lines come from (standard input by default).
    ///   - output: Called with each output line.
    ///   - note: Called with each note about the connection.
    ///   - now: The local time, for the stamps.
    ///   - historyCount: How many stored messages to print first, if any (1 to 1000).
    public init(
        options: ChatConnection.Options,
        input: Int32 = STDIN_FILENO,
        output: @escaping (String) -> Void,
        note: @escaping (String) -> Void,
        now: @escaping () -> LocalTime = LocalTime.now,
        historyCount: Int? = nil
    ) {
        self.options = options
        self.options.reconnect = false
        if historyCount != nil { self.options.capabilities = true }
        self.input = input
        self.output = output
        self.note = note
        self.now = now
        self.historyCount = historyCount
    }

    /// The longest input line sent, in bytes.
    static let maxInputLineBytes = 64 * 1024

    /// Runs until the input is answered, `/quit` is done, or the connection is lost.
    ///
    /// - Parameter socket: A socket already connected to the server, or `nil` to connect.
    /// - Returns: The exit status: 0 when everything sent was answered, 1 when the connection was lost.
    /// - Throws: ``ClientError`` when the connection cannot be set up.
    public func run(adopting socket: Int32? = nil) throws(ClientError) -> Int32 {
        let inbox = try Inbox<ConnectionEvent>()
        let connection = try ChatConnection(options: options) { inbox.post($0) }
        try connection.start(adopting: socket)
        // Room for the most history asked for, with a day-change line between each two of its messages.
        var state = ChatState(address: options.address, scrollback: 4096, tls: options.tls != nil)
        let endToken = "chatroom-end-of-input-\(getpid())"
        var welcomed = false
        // Until the stored messages asked for are printed (or the server turns out to keep none).
        var historyPending = historyCount != nil
        var askedHistory = false
        var reading = true
        var quitting = false
        var finished = false
        // Typed lines longer than this are not sent (the server refuses lines past 4,096 bytes anyway).
        var framer = LineFramer(maxLineBytes: Self.maxInputLineBytes)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)

        func print(_ line: ChatLine?) {
            guard let line else { return }
            switch line.kind {
            case .notice(let text): note(text)
            case .dayChanged(let date): note(date.description)
            default: output(PlainFormatter.format(line))
            }
        }

        func submit(_ frame: LineFramer.Frame) {
            guard case .line(let bytes) = frame else {
                note("a line longer than \(Self.maxInputLineBytes) bytes was not sent")
                return
            }
            let typed = String(decoding: bytes, as: UTF8.self)
            switch connection.submit(typed, state: &state) {
            case .nothing, .clear, .sent, .notConnected:
                break
            case .passwordWanted:
                // Plain mode never asks: the server answers the line with its usage.
                connection.send(typed)
            case .quit:
                quitting = true
                reading = false
                connection.quit()
            }
        }

        while true {
            var fds = [
                pollfd(fd: inbox.fd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: input, events: Int16(POLLIN), revents: 0),
            ]
            let watchInput = welcomed && !historyPending && reading
            if poll(&fds, watchInput ? 2 : 1, -1) < 0 && errno != EINTR {
                throw .system(SystemError("poll"))
            }
            if watchInput && fds[1].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count > 0 {
                    _ = chunk.withUnsafeBytes { bytes in
                        framer.push(UnsafeRawBufferPointer(rebasing: bytes[..<count])) { frame in
                            submit(frame)
                            return reading
                        }
                    }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    if reading { framer.finish(submit) }
                    if reading {
                        reading = false
                        connection.ping(endToken, showingOnReply: [], state: &state)
                    }
                }
            }
            for event in inbox.drain() {
                if event == .received(.pong(endToken)) {
                    // Everything sent is answered: leave with /quit, so others see a quit, not a lost connection.
                    finished = true
                    connection.quit()
                }
                if case .closed = event { return quitting || finished ? 0 : 1 }
                if finished { continue }
                // A certificate's warnings are notes, on the error stream; and line mode never asks.
                if case .certificateUnknown(let question) = event {
                    for line in question.lineModeLines { note(line) }
                    connection.declineCertificate()
                    continue
                }
                if case .certificateRefused(let refusal) = event {
                    for line in refusal.lines { note(line) }
                    continue
                }
                let top = state.lines.firstSequence
                let first = state.lines.nextSequence
                let outcome = state.apply(event, at: now())
                if outcome.welcomed { welcomed = true }
                if outcome.historyWanted == .recent, let historyCount {
                    askedHistory = connection.requestHistory(.recent, count: historyCount, state: &state)
                }
                if historyPending, case .capabilitiesRefused(.loginRequired, _) = event {
                    // A members-only room keeps its history from those not logged in.
                    historyPending = false
                    note("the server gives its history only to those logged in")
                }
                if historyPending && (state.history == .unavailable || (askedHistory && !state.awaitsHistory)) {
                    historyPending = false
                    if state.history == .unavailable { note("the server keeps no history") }
                }
                // Stored messages go on top of the scrollback; everything else at the bottom.
                if state.lines.firstSequence < top {
                    for sequence in state.lines.firstSequence..<top { print(state.lines[sequence: sequence]) }
                }
                for sequence in first..<state.lines.nextSequence { print(state.lines[sequence: sequence]) }
            }
        }
    }
}
