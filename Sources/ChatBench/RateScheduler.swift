/// The open-loop timetable of a load: message `k` is due at `start + k / rate`, whatever the server does.
///
/// Sends are scheduled by the clock alone, never by answers, so a slow server cannot slow the offered
/// load down (no coordinated omission): a sender that wakes late takes every message that fell due
/// meanwhile at once, and the lateness shows up as send lag.
public struct RateScheduler: Sendable {
    /// When message 0 is due (monotonic nanoseconds).
    public let start: UInt64
    /// No message is due at or after this time.
    public let end: UInt64
    /// Nanoseconds between two messages (0 when the rate is 0: nothing is ever due).
    public let interval: Double
    /// How many messages have been taken so far.
    public private(set) var taken: UInt64 = 0

    /// Creates a timetable.
    ///
    /// - Parameters:
    ///   - rate: Messages a second; 0 or less schedules none.
    ///   - start: When the first message is due (monotonic nanoseconds).
    ///   - end: The time no message is due at or after.
    public init(rate: Double, start: UInt64, end: UInt64) {
        self.start = start
        self.end = max(end, start)
        self.interval = rate > 0 && rate.isFinite ? 1e9 / rate : 0
    }

    /// When message `index` is due.
    ///
    /// - Parameter index: The message's place in the timetable, from 0.
    /// - Returns: Its due time in monotonic nanoseconds.
    @inline(__always)
    public func dueTime(of index: UInt64) -> UInt64 {
        start &+ UInt64((Double(index) * interval).rounded(.down))
    }

    /// How many messages the whole timetable holds: those due before ``end``.
    public var totalCount: UInt64 {
        guard interval > 0, end > start else { return 0 }
        // The first index due at or after `end`; the estimate can be one off either way from rounding.
        var count = UInt64((Double(end - start) / interval).rounded(.up))
        while count > 0 && dueTime(of: count - 1) >= end { count -= 1 }
        while dueTime(of: count) < end { count += 1 }
        return count
    }

    /// When the next message falls due, or `nil` when the timetable is done.
    public var nextDueTime: UInt64? {
        guard interval > 0 else { return nil }
        let due = dueTime(of: taken)
        return due < end ? due : nil
    }

    /// Whether every message of the timetable has been taken.
    public var isFinished: Bool { nextDueTime == nil }

    /// Takes the messages due at or before `now`.
    ///
    /// - Parameters:
    ///   - now: The current monotonic time in nanoseconds.
    ///   - limit: The most to take; the rest stay due for the next call.
    /// - Returns: The indices of the messages to send now (empty when none is due); each one's due time is
    ///   ``dueTime(of:)``.
    public mutating func takeDue(at now: UInt64, limit: UInt64 = .max) -> Range<UInt64> {
        let first = taken
        while taken - first < limit, let due = nextDueTime, due <= now { taken += 1 }
        return first..<taken
    }
}
