import Glibc

/// The TCP socket calls every end makes (server, client, bench), each retrying `EINTR`.
public enum StreamSocket {
    /// Opens a non-blocking, close-on-exec TCP socket.
    ///
    /// - Parameter family: `AF_INET` or `AF_INET6`, as the address it is for.
    /// - Throws: ``SystemError`` (`socket`) when no socket can be made (out of descriptors, say).
    public static func open(family: Int32) throws(SystemError) -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(family, type, 0)
        guard fd >= 0 else { throw SystemError("socket") }
        return fd
    }

    /// Turns off Nagle's delay: every end writes whole lines and wants them sent at once.
    public static func setNoDelay(_ fd: Int32) {
        setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    }

    /// Sets one integer socket option, ignoring failure (options here are tuning, not correctness).
    public static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var value = value
        setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sends what fits of `count` buffers without blocking, never raising SIGPIPE.
    ///
    /// One buffer (the common case at low rates) goes with `send`, which spares the kernel the message
    /// header and iovec copies of `sendmsg`.
    ///
    /// - Returns: The bytes sent; 0 when the socket buffer is full.
    /// - Throws: ``SystemError`` when the peer is gone.
    @inline(__always)
    public static func send(_ fd: Int32, _ iovecs: UnsafeMutablePointer<iovec>, count: Int) throws(SystemError) -> Int {
        guard count != 1 else {
            return try send(fd, UnsafeRawBufferPointer(start: iovecs.pointee.iov_base, count: iovecs.pointee.iov_len))
        }
        var header = msghdr()
        header.msg_iov = iovecs
        header.msg_iovlen = count
        while true {
            let sent = sendmsg(fd, &header, flags)
            if sent >= 0 { return sent }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: throw SystemError("sendmsg")
            }
        }
    }

    /// Sends what fits of `bytes` without blocking, never raising SIGPIPE.
    ///
    /// - Returns: The bytes sent; 0 when the socket buffer is full.
    /// - Throws: ``SystemError`` when the peer is gone.
    @inline(__always)
    public static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        while true {
            let sent = Glibc.send(fd, bytes.baseAddress, bytes.count, flags)
            if sent >= 0 { return sent }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: throw SystemError("send")
            }
        }
    }

    private static var flags: Int32 { Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT) }
}

/// Writes all of `bytes` to a blocking descriptor (a terminal, a pipe, a file), retrying `EINTR`.
///
/// - Returns: `false` when the descriptor failed (a closed pipe, say); what was written stays written.
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += written
    }
    return true
}

/// Writes `line` and a line feed to a blocking descriptor; see ``writeAll(_:_:)``.
@discardableResult
public func writeLine(_ line: String, to fd: Int32) -> Bool {
    var bytes = Array(line.utf8)
    bytes.append(0x0A)
    return bytes.withUnsafeBytes { writeAll(fd, $0) }
}
