import ChatSystem
import Glibc

/// Thin wrappers over the socket calls the server makes, each retrying `EINTR`.
enum Socket {
    /// Turns on TCP keepalive so that a peer that vanished without a word is noticed within
    /// about two minutes (60 s idle, then 6 probes 10 s apart), and turns off Nagle's delay.
    static func configureAccepted(_ fd: Int32) {
        var one: Int32 = 1
        var idle: Int32 = 60
        var interval: Int32 = 10
        var probes: Int32 = 6
        let size = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &probes, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, size)
    }

    /// Opens a listening TCP socket.
    ///
    /// - Parameters:
    ///   - host: A numeric address or a host name to resolve.
    ///   - port: The port, or 0 for any free one.
    ///   - backlog: The accept queue length.
    /// - Returns: The non-blocking socket and the port it is bound to.
    static func listen(host: String, port: Int, backlog: Int32 = 4096) throws -> (fd: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let info = list else {
            throw SystemError("getaddrinfo(\(host)): \(String(cString: gai_strerror(rc)))", code: EINVAL)
        }
        defer { freeaddrinfo(list) }
        let fd = Glibc.socket(
            info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
                | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let error = SystemError("bind(\(host):\(port))")
            close(fd)
            throw error
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
        let port = port(of: storage)
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
        return (address, family == AF_INET6 ? "[\(address)]:\(port)" : "\(address):\(port)")
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

    /// Sends what fits without blocking, never raising SIGPIPE.
    ///
    /// - Returns: The bytes sent; 0 when the socket buffer is full.
    /// - Throws: ``SystemError`` when the peer is gone.
    static func send(_ fd: Int32, _ iov: UnsafeMutablePointer<iovec>, count: Int) throws -> Int {
        var header = msghdr()
        header.msg_iov = iov
        header.msg_iovlen = count
        let flags = Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)
        while true {
            // One line (the common case at low rates) goes with send(), which spares the kernel the message
            // header and iovec copies of sendmsg().
            let sent =
                count == 1 ? Glibc.send(fd, iov.pointee.iov_base, iov.pointee.iov_len, flags) : sendmsg(fd, &header, flags)
            if sent >= 0 { return sent }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: throw SystemError("sendmsg")
            }
        }
    }

    /// Sends one small message at most once and without blocking (used for refusals).
    static func sendBestEffort(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
    }
}
