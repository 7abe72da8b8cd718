/// Holds a client to a rate of lines: `burst` at once, then `rate` a second.
struct TokenBucket {
    let nanosPerToken: UInt64
    let burst: Double
    private var tokens: Double
    private var refilledAt: UInt64

    /// - Parameters:
    ///   - rate: Lines a second, more than 0.
    ///   - burst: Lines that may come at once (at least 1).
    ///   - now: The monotonic time in nanoseconds.
    init(rate: Double, burst: Int, now: UInt64) {
        nanosPerToken = UInt64(1e9 / rate)
        self.burst = Double(max(burst, 1))
        tokens = self.burst
        refilledAt = now
    }

    /// Takes one token if there is one.
    mutating func take(now: UInt64) -> Bool {
        refill(now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether a token is there to take.
    mutating func hasToken(now: UInt64) -> Bool {
        refill(now)
        return tokens >= 1
    }

    /// Nanoseconds until the next token.
    func nanosUntilToken() -> UInt64 {
        tokens >= 1 ? 0 : UInt64((1 - tokens) * Double(nanosPerToken)) + 1
    }

    private mutating func refill(_ now: UInt64) {
        guard now > refilledAt else { return }
        tokens = min(burst, tokens + Double(now - refilledAt) / Double(nanosPerToken))
        refilledAt = now
    }
}
