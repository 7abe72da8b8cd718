/// How long to wait before each reconnection attempt: doubling from ``initial`` up to ``maximum``.
public struct Backoff: Equatable, Sendable {
    /// The wait before the first attempt after a loss.
    public var initial: Duration
    /// The longest wait.
    public var maximum: Duration

    /// Creates a backoff.
    ///
    /// - Parameters:
    ///   - initial: The first wait.
    ///   - maximum: The cap on every wait.
    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(10)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait before a reconnection attempt.
    ///
    /// - Parameter attempt: 0 for the first attempt after the connection was lost, 1 for the next, ...
    /// - Returns: `initial * 2^attempt`, at most ``maximum``.
    public func delay(attempt: Int) -> Duration {
        var delay = initial
        for _ in 0..<max(0, attempt) {
            delay = delay * 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}
