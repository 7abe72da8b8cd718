import CSystemShims
import Glibc

/// An eventfd that one thread `poll`s and others write to, to wake it.
///
/// Used where a thread sleeps in `poll` and other threads hand it work: the client's UI and plain-mode
/// loops (through their inbox), the server's accept thread (to stop) and its deferred flusher. It is one
/// descriptor, and waking never blocks: the counter only saturates, and a pending wake-up is all a writer
/// wants. (Connection threads in the server are woken differently, by a real-time signal: see
/// `CSystemShimsWake.h`.)
public final class PollWaker: Sendable {
    /// The descriptor to poll for `POLLIN`.
    public let fd: Int32

    /// Creates the eventfd, non-blocking and closed on exec.
    ///
    /// - Throws: ``SystemError`` (`eventfd`) when the process is out of descriptors.
    public init() throws(SystemError) {
        fd = CSystemShims_eventfd()
        guard fd >= 0 else { throw SystemError("eventfd") }
    }

    deinit { close(fd) }

    /// Wakes the polling thread (a no-op when a wake-up is already pending).
    public func wake() {
        var one: UInt64 = 1
        while write(fd, &one, 8) < 0 && errno == EINTR {}
    }

    /// Clears pending wake-ups; the polling thread calls this when it wakes.
    public func drain() {
        var value: UInt64 = 0
        while read(fd, &value, 8) < 0 && errno == EINTR {}
    }
}
