import Histogram

/// What one event loop measured, merged by the coordinator into the report.
struct LoopResult: Sendable {
    /// Latencies of measured deliveries, in microseconds.
    var latency = LoopResult.makeHistogram()
    /// How late each send was against its timetable, in microseconds.
    var sendLag = LoopResult.makeHistogram()
    /// Messages sent, warm-up included.
    var sent = 0
    /// Messages sent in the measured window.
    var sentInWindow = 0
    /// Messages due but not sent.
    var skipped = 0
    /// Deliveries of this run's messages, warm-up included.
    var delivered = 0
    /// Deliveries of messages sent in the measured window.
    var deliveredInWindow = 0
    /// `MSG` lines with a token that is not of this run.
    var foreign = 0
    /// CPU time this loop's thread spent in the measured window, in nanoseconds (nil if it did not see it end);
    /// merged, the busiest loop's.
    var windowCPU: UInt64?

    /// A histogram of microseconds up to an hour, three significant digits.
    static func makeHistogram() -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(
            lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        return histogram
    }

    /// Adds another loop's results to these.
    mutating func merge(_ other: LoopResult) {
        latency.add(other.latency)
        sendLag.add(other.sendLag)
        sent += other.sent
        sentInWindow += other.sentInWindow
        skipped += other.skipped
        delivered += other.delivered
        deliveredInWindow += other.deliveredInWindow
        foreign += other.foreign
        if let cpu = other.windowCPU { windowCPU = max(windowCPU ?? 0, cpu) }
    }
}
