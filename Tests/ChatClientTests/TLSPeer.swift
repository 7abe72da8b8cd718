import ChatTLS
import ChatTestSupport
import Glibc

/// The server's end of one TLS connection a ``ScriptedServer`` accepted, played by the test: the handshake,
/// then lines sealed and opened, and whether the client ended the session with `close_notify`.
final class TLSPeer {
    /// The accepted socket (it closes it).
    private let socket: LineClient
    private let engine: TLSEngine
    private var plaintext: [UInt8] = []
    /// The client's `close_notify` arrived.
    private(set) var closeNotified = false
    /// The socket reached its end.
    private(set) var ended = false

    /// Accepts the next connection and runs the server's side of its handshake.
    init(accepting server: ScriptedServer, context: TLSContext, timeout: Duration = .seconds(5)) throws {
        socket = try server.accept(timeout: timeout)
        engine = try TLSEngine(server: context)
        let deadline = ContinuousClock.now + timeout
        while true {
            let state = engine.handshake()
            try socket.sendRaw(engine.takeOutput(), sealing: false)
            switch state {
            case .complete: return
            case .failed(let reason): throw TestFailure("the test server's handshake failed: \(reason)")
            case .needsInput: break
            }
            guard try receive(until: deadline) else { throw TestFailure("the client ended during the handshake") }
        }
    }

    /// Seals lines (each with its LF) and sends them at once.
    func send(_ lines: [String]) throws {
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        bytes.withUnsafeBytes { _ = engine.write($0) }
        try socket.sendRaw(engine.takeOutput(), sealing: false)
    }

    /// The next line from the client, or `nil` once the session or the socket ended.
    ///
    /// - Throws: ``TestFailure`` when no line comes within `timeout`.
    func readLine(timeout: Duration = .seconds(5)) throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let end = plaintext.firstIndex(of: 0x0A) {
                defer { plaintext.removeSubrange(...end) }
                return String(decoding: plaintext[..<end], as: UTF8.self)
            }
            if closeNotified || ended { return nil }
            guard try receive(until: deadline) else { continue }
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            opening: while true {
                switch buffer.withUnsafeMutableBytes({ engine.read(into: $0) }) {
                case .bytes(let count): plaintext += buffer[..<count]
                case .needsInput: break opening
                case .closed:
                    closeNotified = true
                    break opening
                case .failed(let reason): throw TestFailure("the client's data is corrupt: \(reason)")
                }
            }
        }
    }

    /// Waits for ciphertext and feeds it to the engine.
    ///
    /// - Returns: `false` when the socket ended.
    /// - Throws: ``TestFailure`` at the deadline.
    private func receive(until deadline: ContinuousClock.Instant) throws -> Bool {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                throw TestFailure("the client sent nothing more (plaintext so far: \(plaintext))")
            }
            var pfd = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            let count = chunk.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                ended = true
                return false
            }
            chunk[..<count].withUnsafeBytes { engine.feed($0) }
            return true
        }
    }
}
