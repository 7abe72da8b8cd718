/// When the client sends `/users` to refresh its sidebar: on connect, after any `JOIN`/`LEAVE`/`NICK`
/// (at most once per ``throttle``), and every ``period``.
///
/// It only ever asks what time it is, through an injected `now`, so tests step time by hand:
///
/// ```swift
/// var policy = UsersRefreshPolicy(now: { ContinuousClock.now })
/// policy.connected()
/// if policy.takeDue() { connection.send("/users") }
/// // sleep until policy.nextDeadline, then ask again
/// ```
public struct UsersRefreshPolicy<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The time now, which decides what is due.
    public let now: @Sendable () -> Instant
    /// The shortest time between two refreshes caused by membership changes.
    public var throttle: Duration
    /// The time after which a refresh is due even with no change.
    public var period: Duration
    private var active = false
    private var owed = false
    private var lastSent: Instant?

    /// Creates a policy; nothing is due until ``connected()``.
    ///
    /// - Parameters:
    ///   - now: The time now.
    ///   - throttle: At most one change-driven refresh per this interval.
    ///   - period: A refresh at least this often.
    public init(
        now: @escaping @Sendable () -> Instant, throttle: Duration = .seconds(1), period: Duration = .seconds(30)
    ) {
        self.now = now
        self.throttle = throttle
        self.period = period
    }

    /// The client is in the room (after `WELCOME`): a refresh is due at once.
    public mutating func connected() {
        active = true
        owed = true
        lastSent = nil
    }

    /// The connection is down: nothing is due until the next ``connected()``.
    public mutating func disconnected() {
        active = false
        owed = false
        lastSent = nil
    }

    /// Someone joined, left or was renamed: a refresh is owed, due once the throttle allows.
    public mutating func membershipChanged() {
        if active { owed = true }
    }

    /// The user typed `/users`: its reply refreshes the sidebar too, so the next one can wait.
    public mutating func sentByUser() {
        guard active else { return }
        owed = false
        lastSent = now()
    }

    /// When the next refresh is due, or `nil` when none is scheduled.
    public var nextDeadline: Instant? {
        guard active else { return nil }
        guard let lastSent else { return now() }
        let periodic = lastSent.advanced(by: period)
        return owed ? min(lastSent.advanced(by: throttle), periodic) : periodic
    }

    /// Whether a refresh is due now; if so, it counts as sent.
    ///
    /// - Returns: `true` when the caller should send `/users` now.
    public mutating func takeDue() -> Bool {
        guard let deadline = nextDeadline, deadline <= now() else { return false }
        owed = false
        lastSent = now()
        return true
    }
}
