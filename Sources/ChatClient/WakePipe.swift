import Glibc

/// A pipe one thread `poll`s and others write to, to wake it.
///
/// Writing never blocks: when the pipe is full a wake-up is already pending, which is all a writer wants.
public final class WakePipe: Sendable {
    /// The end to poll for `POLLIN`.
    public let readFD: Int32
    private let writeFD: Int32

    /// Creates the pipe, both ends non-blocking and closed on exec.
    ///
    /// - Throws: ``ClientError/system(_:_:)`` when the pipe cannot be made.
    public init() throws(ClientError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .system("pipe", errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Wakes the polling thread.
    public func signal() {
        var byte: UInt8 = 1
        while write(writeFD, &byte, 1) < 0 && errno == EINTR {}
    }

    /// Empties the pipe; the polling thread calls this when it wakes.
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            if count > 0 { continue }
            if count < 0 && errno == EINTR { continue }
            return
        }
    }
}
