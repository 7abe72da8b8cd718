import Glibc

/// A listening socket on 127.0.0.1 whose connections a test answers line by line, playing a server
/// (a v1 one, or one that sends exactly the lines a case needs).
public final class ScriptedServer: @unchecked Sendable {
    // @unchecked: the descriptor is set once; one test thread accepts at a time.
    private let fd: Int32
    /// The port it listens on.
    public let port: Int

    /// Binds 127.0.0.1 on a free port and listens.
    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound, listen(fd, 16) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw TestFailure("bind or listen on 127.0.0.1 failed: errno \(code)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { Glibc.close(fd) }

    /// Waits for the next connection.
    ///
    /// - Parameter timeout: How long to wait.
    /// - Returns: The connection, to read what the client sends and write what the server says.
    public func accept(timeout: Duration = .seconds(5)) throws -> LineClient {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        let milliseconds = Int32(
            timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&fds, 1, milliseconds) == 1 else { throw TestFailure("no connection within \(timeout)") }
        let client = Glibc.accept(fd, nil, nil)
        guard client >= 0 else { throw TestFailure("accept failed: errno \(errno)") }
        return LineClient(adopting: client)
    }
}
