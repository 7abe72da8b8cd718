import ChatSystem
import Glibc

/// The clocks the bench reads: the shared monotonic clock that tokens carry, and CPU time.
enum Clock {
    /// `CLOCK_MONOTONIC` in nanoseconds: the clock of every token's send time, the same in every process.
    @inline(__always)
    static func monotonicNanoseconds() -> UInt64 { ChatSystem.monotonicNanoseconds() }

    /// CPU time the calling thread has used, in nanoseconds.
    static func threadCPUNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// CPU time this whole process has used (user and system, every thread), in nanoseconds.
    static func processCPUNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
