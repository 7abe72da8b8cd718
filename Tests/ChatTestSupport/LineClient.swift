import ChatTLS
import Glibc

/// A blocking line-protocol client for tests: it sends lines and reads them back with a deadline.
///
/// Over TLS (`tls:`) it does the handshake as it connects, then seals what it sends and opens what it reads.
///
/// Use one from one thread at a time.
public final class LineClient: @unchecked Sendable {
    // @unchecked: a client is used by one thread at a time (each test thread owns its clients).
    public let fd: Int32
    private var buffer: [UInt8] = []
    private var closed = false
    private var pingCounter = 0
    /// Every line read so far, in order.
    public private(set) var received: [String] = []
    /// The TLS session, when connected with `tls:`.
    public private(set) var tls: TLSEngine?
    /// Over TLS, every byte read from the socket after the handshake, as it came (ciphertext).
    public private(set) var ciphertextReceived: [UInt8] = []

    /// Connects to a server on this machine.
    ///
    /// - Parameter source: The loopback address to connect from (`127.0.0.2`, `127.0.0.3`, ...), to act as
    ///   another machine; the system's choice when `nil`.
    ///   - tls: A client context to connect over TLS with (the handshake completes before this returns,
    ///     whatever the verification says: see ``tls``).
    public init(
        port: Int, host: String = "127.0.0.1", source: String? = nil, receiveBufferBytes: Int32? = nil,
        tls context: TLSContext? = nil
    ) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
        if var size = receiveBufferBytes {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, source, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                let code = errno
                Glibc.close(fd)
                throw TestFailure("bind to \(source) failed: errno \(code)")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            Glibc.close(fd)
            throw TestFailure("connect to \(host):\(port) failed: errno \(code)")
        }
        if let context { try handshake(TLSEngine(client: context, host: host)) }
    }

    /// Runs a TLS handshake over the connected socket, within 5 s.
    private func handshake(_ engine: TLSEngine) throws {
        let deadline = ContinuousClock.now + .seconds(5)
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let progress = engine.handshake()
            try sendRaw(engine.takeOutput(), sealing: false)
            switch progress {
            case .complete:
                tls = engine
                return
            case .failed(let reason): throw TestFailure("TLS handshake failed: \(reason)")
            case .needsInput: break
            }
            guard ContinuousClock.now < deadline else { throw TestFailure("no TLS handshake within 5 s") }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw TestFailure("the server closed the connection during the TLS handshake") }
            chunk[..<count].withUnsafeBytes { engine.feed($0) }
        }
    }

    /// Wraps a connected socket (one a ``ScriptedServer`` accepted); the client closes it.
    public init(adopting fd: Int32) {
        self.fd = fd
    }

    deinit { if !closed { Glibc.close(fd) } }

    /// Sends one line; the LF is added.
    public func send(_ line: String) throws {
        try sendRaw(Array(line.utf8) + [0x0A])
    }

    /// Sends bytes exactly as given (over TLS, sealed first unless `sealing` is `false`).
    public func sendRaw(_ bytes: [UInt8], sealing: Bool = true) throws {
        var bytes = bytes
        if sealing, let tls {
            bytes.withUnsafeBytes { _ = tls.write($0) }
            bytes = tls.takeOutput()
        }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw TestFailure("send failed: errno \(errno)")
            }
            offset += sent
        }
    }

    /// Reads the next line.
    ///
    /// - Parameter timeout: How long to wait for it.
    /// - Returns: The line without its LF, or `nil` when the server closed the connection.
    /// - Throws: ``TestFailure`` on time-out, naming the lines seen before.
    public func readLine(timeout: Duration = .seconds(5)) throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let lf = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<lf], as: UTF8.self)
                buffer.removeSubrange(...lf)
                received.append(line)
                return line
            }
            if closed { return nil }
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                throw TestFailure(
                    "no line within \(timeout); received so far: \(received.suffix(10)), "
                        + "partial: \(String(decoding: buffer.prefix(200), as: UTF8.self).debugDescription)")
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let millis = Int32(min(Double(left.components.seconds) * 1000 + Double(left.components.attoseconds) / 1e15 + 1, 60_000))
            let ready = poll(&pfd, 1, millis)
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0, let tls {
                ciphertextReceived += chunk[..<count]
                chunk[..<count].withUnsafeBytes { tls.feed($0) }
                opening: while true {
                    switch chunk.withUnsafeMutableBytes({ tls.read(into: $0) }) {
                    case .bytes(let opened): buffer.append(contentsOf: chunk[..<opened])
                    case .needsInput: break opening
                    case .closed, .failed:
                        closed = true
                        break opening
                    }
                }
            } else if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                closed = true
            }
        }
    }

    /// Reads lines up to and including one equal to `last`.
    ///
    /// - Returns: The lines before `last`.
    public func readLines(until last: String, timeout: Duration = .seconds(10)) throws -> [String] {
        var lines: [String] = []
        while true {
            guard let line = try readLine(timeout: timeout) else {
                throw TestFailure("connection closed before \(last.debugDescription); got \(lines.suffix(10))")
            }
            if line == last { return lines }
            lines.append(line)
        }
    }

    /// Reads `count` lines.
    public func readLines(_ count: Int, timeout: Duration = .seconds(5)) throws -> [String] {
        try (0..<count).map { _ in
            guard let line = try readLine(timeout: timeout) else {
                throw TestFailure("connection closed; received so far: \(received.suffix(10))")
            }
            return line
        }
    }

    /// Sends `/ping` with a fresh token and returns every line that arrived before its `PONG`.
    ///
    /// The server answers a client's commands in order, so an empty result proves nothing else was pending.
    public func sync(timeout: Duration = .seconds(10)) throws -> [String] {
        pingCounter += 1
        let token = "sync-\(pingCounter)"
        try send("/ping \(token)")
        return try readLines(until: "PONG \(token)", timeout: timeout)
    }

    /// Reads until the server closes the connection.
    ///
    /// - Returns: The lines read before the close.
    public func readUntilClosed(timeout: Duration = .seconds(5)) throws -> [String] {
        var lines: [String] = []
        while let line = try readLine(timeout: timeout) { lines.append(line) }
        return lines
    }

    /// Closes the write side, as `nc -N` does at end of input.
    public func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes the socket at once; with `reset`, the peer sees a connection reset rather than an orderly close.
    public func close(reset: Bool = false) {
        guard !closed else { return }
        if reset {
            var lingering = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingering, socklen_t(MemoryLayout<linger>.size))
        }
        Glibc.close(fd)
        closed = true
    }
}

extension LineClient: Hashable {
    public static func == (lhs: LineClient, rhs: LineClient) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
