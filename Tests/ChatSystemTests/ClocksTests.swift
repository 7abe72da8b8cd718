import ChatSystem
import Glibc
import Testing

@Suite struct ClocksTests {
    private func clockMonotonic() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    @Test func readsCLOCK_MONOTONICInNanoseconds() {
        let before = clockMonotonic()
        let reading = monotonicNanoseconds()
        let after = clockMonotonic()
        #expect(before <= reading && reading <= after, "\(before) <= \(reading) <= \(after)")
    }

    @Test func neverGoesBack() {
        var last = monotonicNanoseconds()
        var backwards: [(UInt64, UInt64)] = []
        for _ in 0..<100_000 {
            let now = monotonicNanoseconds()
            if now < last { backwards.append((last, now)) }
            last = now
        }
        #expect(backwards.isEmpty, "went back: \(backwards.prefix(5))")
    }

    @Test func advancesAsTimePasses() {
        let start = monotonicNanoseconds()
        // Measures a span of time: a busy wait for the other clock to pass it.
        let end = ContinuousClock.now + .milliseconds(20)
        while ContinuousClock.now < end {}
        let elapsed = monotonicNanoseconds() - start
        #expect(elapsed >= 20_000_000, "\(elapsed) ns")
    }

    @Test func isOneClockForEveryThread() throws {
        let seen = Seen<UInt64>()
        let before = monotonicNanoseconds()
        let thread = try ThreadSpawner.spawnJoinable { seen.record(monotonicNanoseconds()) }
        ThreadSpawner.join(thread)
        let after = monotonicNanoseconds()
        let reading = try #require(seen.value)
        #expect(before <= reading && reading <= after, "\(before) <= \(reading) <= \(after)")
    }
}
