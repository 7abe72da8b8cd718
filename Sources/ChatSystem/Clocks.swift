import Glibc

/// `CLOCK_MONOTONIC` in nanoseconds: the same clock in every process on the machine (the bench's
/// tokens carry it from sender to receiver).
@inlinable
public func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}
