import ChatClient
import Synchronization
import Testing

/// Time that moves only when told.
final class ManualClock: Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))
    var now: Instant { current.withLock { $0 } }

    func advance(by duration: Duration) {
        current.withLock { $0 = $0.advanced(by: duration) }
    }

    func at(_ seconds: Double) -> Instant { Instant(offset: .milliseconds(Int(seconds * 1000))) }
}

@Suite struct UsersRefreshPolicyTests {
    @Test func nothingIsDueBeforeConnecting() {
        let clock = ManualClock()
        var policy = UsersRefreshPolicy(now: { clock.now })
        #expect(policy.nextDeadline == nil)
        policy.membershipChanged()
        clock.advance(by: .seconds(60))
        #expect(!take(&policy))
    }

    @Test func dueOnConnectThenEveryThirtySeconds() {
        let clock = ManualClock()
        var policy = UsersRefreshPolicy(now: { clock.now })
        policy.connected()
        #expect(policy.nextDeadline == clock.at(0))
        #expect(take(&policy))
        #expect(!take(&policy))
        #expect(policy.nextDeadline == clock.at(30))
        clock.advance(by: .milliseconds(29_999))
        #expect(!take(&policy))
        clock.advance(by: .milliseconds(1))
        #expect(take(&policy))
        #expect(policy.nextDeadline == clock.at(60))
    }

    @Test func membershipChangesRefreshAtMostOnceASecond() {
        let clock = ManualClock()
        var policy = UsersRefreshPolicy(now: { clock.now })
        policy.connected()
        #expect(take(&policy))  // at 0
        clock.advance(by: .milliseconds(200))
        policy.membershipChanged()
        #expect(policy.nextDeadline == clock.at(1))
        #expect(!take(&policy))
        clock.advance(by: .milliseconds(300))
        policy.membershipChanged()  // a burst of changes owes one refresh
        #expect(!take(&policy))
        clock.advance(by: .milliseconds(500))  // at 1.0
        #expect(take(&policy))
        #expect(!take(&policy))
        #expect(policy.nextDeadline == clock.at(31))
        clock.advance(by: .seconds(5))  // a change long after the last refresh is due at once
        policy.membershipChanged()
        #expect(take(&policy))
        #expect(policy.nextDeadline == clock.at(36))
    }

    @Test func aTypedUsersCountsAsARefresh() {
        let clock = ManualClock()
        var policy = UsersRefreshPolicy(now: { clock.now })
        policy.connected()
        #expect(take(&policy))
        clock.advance(by: .seconds(10))
        policy.membershipChanged()
        policy.sentByUser()
        #expect(!take(&policy))
        #expect(policy.nextDeadline == clock.at(40))
    }

    @Test func disconnectingCancelsAndReconnectingStartsAfresh() {
        let clock = ManualClock()
        var policy = UsersRefreshPolicy(now: { clock.now })
        policy.connected()
        #expect(take(&policy))
        policy.membershipChanged()
        policy.disconnected()
        #expect(policy.nextDeadline == nil)
        clock.advance(by: .seconds(100))
        #expect(!take(&policy))
        policy.connected()
        #expect(take(&policy))
    }
}

@Suite struct BackoffTests {
    @Test func doublesUpToTheMaximum() {
        let backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(10))
        #expect(
            (0..<8).map { backoff.delay(attempt: $0) } == [
                .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10),
                .seconds(10),
            ])
        #expect(backoff.delay(attempt: 1000) == .seconds(10))
    }
}

/// `takeDue()` for use inside `#expect`, which cannot call a mutating method.
private func take(_ policy: inout UsersRefreshPolicy<ManualClock.Instant>) -> Bool {
    policy.takeDue()
}
