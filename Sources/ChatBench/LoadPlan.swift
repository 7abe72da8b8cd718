/// The load the coordinator hands the loops once every client is in.
struct LoadPlan: Sendable, Equatable {
    /// When the first message is due (monotonic nanoseconds).
    var start: UInt64
    /// When measuring starts: a delivery of a message sent at or after this is measured.
    var warmupEnd: UInt64
    /// When the timetable ends: no message is due at or after this.
    var end: UInt64
    /// The clients that broadcast, by index, in turn.
    var senders: [Int]
    /// Messages a second, all senders together.
    var rate: Double

    /// The share of the rate that falls to the senders in `owned`, and those senders.
    ///
    /// Message `k` of the whole timetable goes to `senders[k % senders.count]`; a loop holding some of the
    /// senders schedules their share of the messages at the matching share of the rate.
    ///
    /// - Parameter owned: Whether a client index belongs to the asking loop.
    /// - Returns: The loop's senders (in order) and their rate.
    func share(owned: (Int) -> Bool) -> (senders: [Int], rate: Double) {
        let mine = senders.filter(owned)
        guard !senders.isEmpty else { return ([], 0) }
        return (mine, rate * Double(mine.count) / Double(senders.count))
    }
}
