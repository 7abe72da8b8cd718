import ChatProtocol
import Glibc

/// Plain mode, for scripts and pipes: each input line is sent as the TUI would send it, and each
/// event is written as one readable line (`12:01 <alice> hello`).
///
/// Input is read once the server has welcomed the client. At the end of input the client sends a
/// `/ping` with a token of its own: the server answers a client's commands in order, so its `PONG`
/// proves every line before it was answered; the client then leaves with `/quit` and exits 0. After `/quit` it exits 0 once
/// the server closes. Losing the connection otherwise exits 1. Notes about the connection go to the
/// error stream, so the output holds only what the server said.
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

    /// Creates a plain-mode client.
    ///
    /// - Parameters:
    ///   - options: The server and the name to ask for; `reconnect` is turned off.
    ///   - input: Where lines come from (standard input by default).
    ///   - output: Called with each output line.
    ///   - note: Called with each note about the connection.
    ///   - now: The local time, for the stamps.
    public init(
        options: ChatConnection.Options,
        input: Int32 = STDIN_FILENO,
        output: @escaping (String) -> Void,
        note: @escaping (String) -> Void,
        now: @escaping () -> LocalTime = LocalTime.now
    ) {
        self.options = options
        self.options.reconnect = false
        self.input = input
        self.output = output
        self.note = note
        self.now = now
    }

    /// Runs until the input is answered, `/quit` is done, or the connection is lost.
    ///
    /// - Parameter socket: A socket already connected to the server, or `nil` to connect.
    /// - Returns: The exit status: 0 when everything sent was answered, 1 when the connection was lost.
    /// - Throws: ``ClientError`` when the connection cannot be set up.
    public func run(adopting socket: Int32? = nil) throws(ClientError) -> Int32 {
        let inbox = try Inbox<ConnectionEvent>()
        let connection = try ChatConnection(options: options) { inbox.post($0) }
        try connection.start(adopting: socket)
        var state = ChatState(address: options.address, scrollback: 1024)
        let endToken = "chatroom-end-of-input-\(getpid())"
        var welcomed = false
        var reading = true
        var quitting = false
        var finished = false
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)

        func submit(_ line: String) {
            switch OutgoingLine.interpret(line) {
            case .nothing, .clear:
                break
            case .send(let wire):
                connection.send(wire)
            case .help:
                connection.send(Command.help.wireLine)
            case .users:
                state.sentUsersRequest(.typed)
                connection.send(Command.users.wireLine)
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
            let watchInput = welcomed && reading
            if poll(&fds, watchInput ? 2 : 1, -1) < 0 && errno != EINTR {
                throw .system("poll", errno)
            }
            if watchInput && fds[1].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if count > 0 {
                    pending.append(contentsOf: chunk[..<count])
                    while reading, let lf = pending.firstIndex(of: Wire.lineFeed) {
                        var line = pending[..<lf]
                        if line.last == Wire.carriageReturn { line = line.dropLast() }
                        let text = String(decoding: line, as: UTF8.self)
                        pending.removeSubrange(...lf)
                        submit(text)
                    }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    if reading && !pending.isEmpty {
                        submit(String(decoding: pending, as: UTF8.self))
                        pending.removeAll()
                    }
                    if reading {
                        reading = false
                        state.sentPing(token: endToken, showingOnReply: [])
                        connection.send(Command.ping(endToken).wireLine)
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
                let first = state.lines.nextSequence
                let outcome = state.apply(event, at: now())
                if outcome.welcomed { welcomed = true }
                for sequence in first..<state.lines.nextSequence {
                    guard let line = state.lines[sequence: sequence] else { continue }
                    if case .notice(let text) = line.kind { note(text) } else { output(PlainFormatter.format(line)) }
                }
            }
        }
    }
}
