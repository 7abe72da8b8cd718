import ChatProtocol
import ChatSystem
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
        var state = ChatState(address: options.address, scrollback: 1024)
        let endToken = "chatroom-end-of-input-\(getpid())"
        var welcomed = false
        var reading = true
        var quitting = false
        var finished = false
        // Typed lines longer than this are not sent (the server refuses lines past 4,096 bytes anyway).
        var framer = LineFramer(maxLineBytes: Self.maxInputLineBytes)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)

        func submit(_ frame: LineFramer.Frame) {
            guard case .line(let bytes) = frame else {
                note("a line longer than \(Self.maxInputLineBytes) bytes was not sent")
                return
            }
            switch connection.submit(String(decoding: bytes, as: UTF8.self), state: &state) {
            case .nothing, .clear, .sent, .notConnected:
                break
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
