import CSystemShims
import ChatSystem
import Glibc

/// An eventfd that one thread polls and others write to wake it (the accept thread's stop signal).
struct WakeSignal: ~Copyable, Sendable {
    let fd: Int32

    init() throws {
        fd = CSystemShims_eventfd()
        guard fd >= 0 else { throw SystemError("eventfd") }
    }

    /// Wakes the polling thread (a no-op if it is already due to wake).
    func signal() {
        var one: UInt64 = 1
        while write(fd, &one, 8) < 0 && errno == EINTR {}
    }

    /// Clears pending wake-ups; called by the polling thread after it wakes.
    func drain() {
        var value: UInt64 = 0
        while read(fd, &value, 8) < 0 && errno == EINTR {}
    }

    deinit { close(fd) }
}
