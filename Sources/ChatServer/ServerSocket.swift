import ChatSystem
import Glibc

/// The socket calls only the server makes: listening, setting up accepted sockets, naming peers, refusing.
/// (Sending and receiving are ``StreamSocket`` and ``receiveAvailable(_:into:)``, shared with the client.)
enum ServerSocket {
    /// Turns on TCP keepalive so that a peer that vanished without a word is noticed within
    /// about two minutes (60 s idle, then 6 probes 10 s apart), and turns off Nagle's delay.
    static func configureAccepted(_ fd: Int32) {
        StreamSocket.setOption(fd, SOL_SOCKET, SO_KEEPALIVE, 1)
        StreamSocket.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, 60)
        StreamSocket.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, 10)
        StreamSocket.setOption(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, 6)
        StreamSocket.setNoDelay(fd)
    }

    /// Opens a listening TCP socket.
    ///
    /// - Parameters:
    ///   - host: A numeric address or a host name to resolve.
    ///   - port: The port, or 0 for any free one.
    ///   - backlog: The accept queue length.
    /// - Returns: The non-blocking socket and the port it is bound to.
    /// - Throws: ``ResolveError`` when `host` does not resolve, ``SystemError`` when it cannot be bound.
    static func listen(host: String, port: Int, backlog: Int32 = 4096) throws -> (fd: Int32, port: Int) {
        guard let address = try SocketAddress.resolve(host: host, port: port, passive: true).first else {
            throw ResolveError(host: host, message: "no address")
        }
        let fd = try StreamSocket.open(family: address.family)
        StreamSocket.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        let code = address.bind(fd)
        guard code == 0 else {
            close(fd)
            throw SystemError("bind(\(SocketAddress.text(host: host, port: port)))", code: code)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SystemError("listen")
            close(fd)
            throw error
        }
        return (fd, localPort(fd))
    }

    /// The local port a socket is bound to.
    static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        return port(of: storage)
    }

    /// The peer of a connected socket: its address, and `address:port` (`[address]:port` for IPv6).
    static func peer(_ fd: Int32) -> (address: String, description: String) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        guard rc == 0 else { return ("unknown", "unknown") }
        return describe(storage)
    }

    static func describe(_ storage: sockaddr_storage) -> (address: String, description: String) {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        var storage = storage
        let family = Int32(storage.ss_family)
        withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var address = sin.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
                }
            } else if family == AF_INET6 {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var address = sin6.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
                }
            }
        }
        let address = String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (address, SocketAddress.text(host: address, port: port(of: storage)))
    }

    private static func port(of storage: sockaddr_storage) -> Int {
        var storage = storage
        return withUnsafePointer(to: &storage) { pointer in
            if Int32(pointer.pointee.ss_family) == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                Int(UInt16(bigEndian: $0.pointee.sin_port))
            }
        }
    }

    /// Sends one small message at most once and without blocking (used for refusals).
    static func sendBestEffort(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { try? StreamSocket.send(fd, $0) }
    }
}
