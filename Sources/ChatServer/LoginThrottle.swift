import ChatSystem

/// The guessing limit of `/login` and `/password`: failures counted in a sliding window, per address and
/// per account.
///
/// After ``limit`` failures within ``window`` from one address, or naming one account, further attempts
/// are refused without the password being checked, until the oldest counted failure leaves the window.
/// A refused attempt is neither checked nor counted, so a key never holds more than ``limit`` failures.
/// The per-account limit can lock an owner out for up to a window: that is the price of stopping a
/// guesser who spreads over many addresses.
///
/// The lock is held for memory work only.
final class LoginThrottle: Sendable {
    /// Failures that close a key.
    let limit: Int
    /// The window, in nanoseconds of the monotonic clock.
    let window: UInt64

    private struct State: Sendable {
        /// Monotonic times of the failures in the window, oldest first, by address and by account key.
        var byAddress: [String: [UInt64]] = [:]
        var byAccount: [String: [UInt64]] = [:]
        /// When the maps were last swept of keys whose failures all left the window.
        var swept: UInt64 = 0
    }

    private let state = Locked(State())

    init(limit: Int = 5, windowSeconds: UInt64 = 60) {
        self.limit = limit
        self.window = windowSeconds * 1_000_000_000
    }

    /// Whether an attempt from `address` naming `accountKey` may be checked now.
    ///
    /// - Returns: `nil` when it may; otherwise the whole seconds (rounded up) until it may.
    func refusal(address: String, accountKey: String, now: UInt64 = monotonicNanoseconds()) -> Int? {
        state.withLock { state in
            let waits = [state.byAddress[address], state.byAccount[accountKey]].compactMap { failures in
                wait(failures ?? [], now: now)
            }
            guard let longest = waits.max() else { return nil }
            return Int((longest + 999_999_999) / 1_000_000_000)
        }
    }

    /// Counts a failed attempt: against the address always, against the account when one was named that
    /// exists (`accountKey`).
    func recordFailure(address: String, accountKey: String?, now: UInt64 = monotonicNanoseconds()) {
        state.withLock { state in
            Self.append(now, to: &state.byAddress, key: address, window: window)
            if let accountKey { Self.append(now, to: &state.byAccount, key: accountKey, window: window) }
            // Keys whose failures have all left the window go, so the maps stay as small as the last window.
            if now - state.swept > window {
                state.swept = now
                let window = self.window
                state.byAddress = state.byAddress.filter { now - ($0.value.last ?? 0) < window }
                state.byAccount = state.byAccount.filter { now - ($0.value.last ?? 0) < window }
            }
        }
    }

    /// Nanoseconds until `failures` leave fewer than ``limit`` in the window, or `nil` when they already do.
    private func wait(_ failures: [UInt64], now: UInt64) -> UInt64? {
        let inWindow = failures.filter { now - $0 < window }
        guard inWindow.count >= limit else { return nil }
        // The attempt is allowed once all but limit - 1 of them have left.
        let opening = inWindow[inWindow.count - limit]
        return opening + window - now
    }

    private static func append(_ time: UInt64, to map: inout [String: [UInt64]], key: String, window: UInt64) {
        var failures = map[key, default: []].filter { time - $0 < window }
        failures.append(time)
        map[key] = failures
    }
}
