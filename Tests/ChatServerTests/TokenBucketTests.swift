import Testing

@testable import ChatServer

/// A millisecond, in the bucket's nanoseconds.
private let ms: UInt64 = 1_000_000

/// The flood control: `burst` lines at once, then `rate` a second, on an injected clock.
@Suite struct TokenBucketTests {
    /// An arbitrary start, so that no test leans on the clock starting at 0.
    private static let start: UInt64 = 5_000 * ms

    /// A call on the bucket, at a monotonic time.
    enum Call {
        case take(UInt64)
        case hasToken(UInt64)
    }

    /// Makes `calls` in order and returns each answer.
    private func answers(_ bucket: inout TokenBucket, _ calls: [Call]) -> [Bool] {
        calls.map { call in
            switch call {
            case .take(let now): bucket.take(now: now)
            case .hasToken(let now): bucket.hasToken(now: now)
            }
        }
    }

    /// Takes tokens at `now` until the bucket refuses; returns how many it gave.
    private func drain(_ bucket: inout TokenBucket, now: UInt64) -> Int {
        var taken = 0
        while bucket.take(now: now) { taken += 1 }
        return taken
    }

    @Test(arguments: [(10, 5, 5), (20, 60, 60), (1, 1, 1), (100, 0, 1), (100, -3, 1)] as [(Double, Int, Int)])
    func aFullBucketGivesItsBurstAtOnce(rate: Double, burst: Int, expected: Int) {
        var bucket = TokenBucket(rate: rate, burst: burst, now: Self.start)
        #expect(bucket.burst == Double(expected))
        let taken = drain(&bucket, now: Self.start)
        let left = bucket.hasToken(now: Self.start)
        #expect(taken == expected)
        #expect(!left)
    }

    /// Rows: rate, how long after the bucket was emptied, tokens there to take.
    @Test(
        arguments: [
            // 10 a second: one every 100 ms.
            (10, 100 * ms - 1, 0), (10, 100 * ms, 1), (10, 250 * ms, 2), (10, 500 * ms, 5),
            // Never more than the burst (5), however long the pause.
            (10, 10_000 * ms, 5),
            // 3 a second: a token every 333,333,333 ns.
            (3, 333_333_333, 1), (3, 666_666_665, 1), (3, 666_666_666, 2),
        ] as [(Double, UInt64, Int)])
    func tokensComeBackAtTheRate(rate: Double, after elapsed: UInt64, expected: Int) {
        var bucket = TokenBucket(rate: rate, burst: 5, now: Self.start)
        _ = drain(&bucket, now: Self.start)
        let taken = drain(&bucket, now: Self.start + elapsed)
        #expect(taken == expected)
    }

    @Test func nanosUntilTokenIsTheWaitForTheNextOne() {
        // 4 a second: a token every 250 ms (binary fractions, so the sums below are exact).
        var bucket = TokenBucket(rate: 4, burst: 2, now: Self.start)
        #expect(bucket.nanosUntilToken() == 0)
        _ = drain(&bucket, now: Self.start)
        // A whole token to wait for; the extra nanosecond makes sure the wait is not a hair short.
        #expect(bucket.nanosUntilToken() == 250 * ms + 1)
        let halfway = answers(&bucket, [.hasToken(Self.start + 125 * ms)])
        #expect(halfway == [false])
        #expect(bucket.nanosUntilToken() == 125 * ms + 1)
        let there = answers(&bucket, [.hasToken(Self.start + 250 * ms)])
        #expect(there == [true])
        #expect(bucket.nanosUntilToken() == 0)
    }

    @Test func hasTokenTakesNothing() {
        var bucket = TokenBucket(rate: 1, burst: 1, now: Self.start)
        let got = answers(
            &bucket, [.hasToken(Self.start), .hasToken(Self.start), .take(Self.start), .hasToken(Self.start)])
        #expect(got == [true, true, true, false])
    }

    @Test func aClockReadingFromBeforeTheLastRefillAddsNothing() {
        // Another thread's earlier reading: no tokens, and the refill time stays where it was.
        var bucket = TokenBucket(rate: 10, burst: 1, now: Self.start)
        let got = answers(
            &bucket,
            [
                .take(Self.start), .take(Self.start - 1_000 * ms), .hasToken(Self.start + 100 * ms - 1),
                .take(Self.start + 100 * ms),
            ])
        #expect(got == [true, false, false, true])
    }

    @Test func aSteadyRateAtTheLimitIsNeverRefused() {
        // 20 a second with no burst to spare: one line every 50 ms always finds its token, one sooner does not.
        var bucket = TokenBucket(rate: 20, burst: 1, now: Self.start)
        let steady = answers(&bucket, (0..<100).map { .take(Self.start + UInt64($0) * 50 * ms) })
        #expect(steady == Array(repeating: true, count: 100))
        let sooner = answers(&bucket, [.take(Self.start + 99 * 50 * ms + 1)])
        #expect(sooner == [false])
    }
}
