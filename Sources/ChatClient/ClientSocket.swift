import ChatSystem
import Glibc

/// How the client opens its connection; sending and receiving are ``StreamSocket`` and
/// ``receiveAvailable(_:into:)``, as in the server.
public enum ClientSocket {
    /// Opens a TCP connection, giving up after `timeout` or as soon as `cancelFD` becomes readable.
    ///
    /// - Parameters:
    ///   - address: Where to connect; a host name is resolved and each of its addresses tried in turn.
    ///   - timeout: How long one address may take to answer.
    ///   - cancelFD: A descriptor that, once readable, abandons the attempt (or -1).
    /// - Returns: The connected socket, non-blocking, with `TCP_NODELAY` set.
    /// - Throws: ``ClientError/refused(_:)`` when every address refused, or the first other failure.
    public static func connect(
        to address: ServerAddress, timeout: Duration, cancelFD: Int32 = -1
    ) throws(ClientError) -> Int32 {
        let candidates: [SocketAddress]
        do throws(ResolveError) {
            candidates = try SocketAddress.resolve(host: address.host, port: address.port)
        } catch {
            throw .resolve(error.host, error.message)
        }
        var failure = ClientError.refused(address)
        var refusedOnly = true
        for candidate in candidates {
            do throws(ClientError) {
                return try connect(candidate, address: address, timeout: timeout, cancelFD: cancelFD)
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
        _ candidate: SocketAddress, address: ServerAddress, timeout: Duration, cancelFD: Int32
    ) throws(ClientError) -> Int32 {
        let fd: Int32
        do throws(SystemError) {
            fd = try StreamSocket.open(family: candidate.family)
        } catch {
            throw .system(error)
        }
        var keep = false
        defer { if !keep { close(fd) } }
        let started = candidate.connect(fd)
        guard started == 0 || started == EINTR else { throw failure(started, address) }
        var fds = [
            pollfd(fd: fd, events: Int16(POLLOUT), revents: 0),
            pollfd(fd: cancelFD, events: Int16(POLLIN), revents: 0),
        ]
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw .unreachable(address, "timed out") }
            let ready = poll(&fds, cancelFD >= 0 ? 2 : 1, left.pollTimeout)
            if ready < 0 && errno != EINTR { throw .system(SystemError("poll")) }
            if cancelFD >= 0 && fds[1].revents != 0 { throw .cancelled }
            if fds[0].revents != 0 { break }
        }
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else {
            throw .system(SystemError("getsockopt"))
        }
        guard code == 0 else { throw failure(code, address) }
        StreamSocket.setNoDelay(fd)
        keep = true
        return fd
    }

    private static func failure(_ code: Int32, _ address: ServerAddress) -> ClientError {
        code == ECONNREFUSED ? .refused(address) : .unreachable(address, String(cString: strerror(code)))
    }
}
