import ChatSystem
import Glibc

/// The socket calls the client makes, each retrying `EINTR`.
enum ClientSocket {
    /// Opens a TCP connection, giving up after `timeout` or as soon as `cancelFD` becomes readable.
    ///
    /// - Parameters:
    ///   - address: Where to connect; a host name is resolved and each of its addresses tried in turn.
    ///   - timeout: How long one address may take to answer.
    ///   - cancelFD: A descriptor that, once readable, abandons the attempt (or -1).
    /// - Returns: The connected socket, non-blocking, with `TCP_NODELAY` set.
    /// - Throws: ``ClientError/refused(_:)`` when every address refused, or the first other failure.
    static func connect(to address: ServerAddress, timeout: Duration, cancelFD: Int32 = -1) throws(ClientError) -> Int32
    {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(address.host, String(address.port), &hints, &list)
        guard rc == 0, list != nil else {
            throw .resolve(address.host, String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var failure = ClientError.refused(address)
        var refusedOnly = true
        var entry = list
        while let info = entry {
            entry = info.pointee.ai_next
            do throws(ClientError) {
                return try connect(info.pointee, address: address, timeout: timeout, cancelFD: cancelFD)
            } catch .refused {
                continue
            } catch .cancelled {
                throw .cancelled
            } catch {
                if refusedOnly { failure = error }
                refusedOnly = false
            }
        }
        throw failure
    }

    private static func connect(
        _ info: addrinfo, address: ServerAddress, timeout: Duration, cancelFD: Int32
    ) throws(ClientError) -> Int32 {
        let fd = socket(
            info.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
            0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var keep = false
        defer { if !keep { close(fd) } }
        if Glibc.connect(fd, info.ai_addr, info.ai_addrlen) != 0 {
            guard errno == EINPROGRESS || errno == EINTR else { throw failure(errno, address) }
            var fds = [
                pollfd(fd: fd, events: Int16(POLLOUT), revents: 0),
                pollfd(fd: cancelFD, events: Int16(POLLIN), revents: 0),
            ]
            let deadline = ContinuousClock.now + timeout
            while true {
                let left = ContinuousClock.now.duration(to: deadline)
                guard left > .zero else { throw .unreachable(address, "timed out") }
                let ready = poll(&fds, cancelFD >= 0 ? 2 : 1, left.pollTimeout)
                if ready < 0 && errno != EINTR { throw .system("poll", errno) }
                if cancelFD >= 0 && fds[1].revents != 0 { throw .cancelled }
                if fds[0].revents != 0 { break }
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else { throw .system("getsockopt", errno) }
            guard code == 0 else { throw failure(code, address) }
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        keep = true
        return fd
    }

    private static func failure(_ code: Int32, _ address: ServerAddress) -> ClientError {
        code == ECONNREFUSED ? .refused(address) : .unreachable(address, String(cString: strerror(code)))
    }

    /// Sends what fits without blocking, never raising SIGPIPE.
    ///
    /// - Returns: The bytes sent; 0 when the socket buffer is full.
    /// - Throws: ``ClientError/system(_:_:)`` when the connection failed.
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(ClientError) -> Int {
        while true {
            let sent = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            if sent >= 0 { return sent }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: throw .system("send", errno)
            }
        }
    }

    /// Reads what is available without blocking (``receiveAvailable(_:into:)``), in the client's errors.
    ///
    /// - Returns: The bytes read, 0 at end of stream, or `nil` when nothing is available.
    /// - Throws: ``ClientError/system(_:_:)`` when the connection failed.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(ClientError) -> Int? {
        do {
            return try receiveAvailable(fd, into: buffer)
        } catch {
            throw .system(error.call, error.code)
        }
    }
}
