import Glibc

/// `CLOCK_MONOTONIC` in nanoseconds: the same clock in every process on the machine (the bench's
/// tokens carry it from sender to receiver).
@inlinable
public func monotonicNanoseconds() -> UInt64 {
    nanoseconds(of: CLOCK_MONOTONIC)
}

/// CPU time the calling thread has used, in nanoseconds.
public func threadCPUNanoseconds() -> UInt64 {
    nanoseconds(of: CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time this whole process has used (user and system, every thread), in nanoseconds.
public func processCPUNanoseconds() -> UInt64 {
    nanoseconds(of: CLOCK_PROCESS_CPUTIME_ID)
}

@inlinable
func nanoseconds(of clock: clockid_t) -> UInt64 {
    var now = timespec()
    clock_gettime(clock, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// Sleeps until ``monotonicNanoseconds()`` reaches `deadline` (at once when it has), signals or not.
public func sleep(untilMonotonic deadline: UInt64) {
    var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nil) == EINTR {}
}
