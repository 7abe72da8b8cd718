/// When a room event for a connection waits to share a write with the lines that follow it (a cork).
///
/// A write costs the kernel far more than a line in it (loopback TCP on the reference machine: about
/// 3.3 us a `sendmsg` against 0.6 us a line), so a connection that receives lines faster than ``interval``
/// gets them in batches: a line for a connection written less than `interval` ago waits until `interval`
/// after that write, and the lines that come meanwhile leave with it. The cork adapts to the rate each
/// connection receives at: a line for a connection that was quiet for `interval` leaves at once, and so does
/// one whose last two writes were more than ``window`` apart, so a connection that receives lines only now
/// and then (or a pair close together) never waits.
struct WriteCoalescing: Sendable, Equatable {
    /// The least time between two writes to a connection that receives lines steadily, in nanoseconds.
    var interval: UInt64
    /// How close the last two writes must be for the connection to count as receiving steadily, in nanoseconds.
    var window: UInt64

    /// A cork of `interval` for connections whose writes come within twice that of each other.
    init(interval: UInt64, window: UInt64? = nil) {
        self.interval = interval
        self.window = window ?? 2 * interval
    }

    /// When a line queued at `now` should be sent.
    ///
    /// - Parameters:
    ///   - now: When the line is queued (monotonic nanoseconds).
    ///   - lastWrite: When the connection was last written to (0: never).
    ///   - previousWrite: When it was written to before that (0: never).
    /// - Returns: The deadline to hold the line until, or `nil` to send it now.
    func deadline(now: UInt64, lastWrite: UInt64, previousWrite: UInt64) -> UInt64? {
        guard previousWrite != 0, now < lastWrite + interval, lastWrite - previousWrite < window else { return nil }
        return lastWrite + interval
    }
}
