extension Duration {
    /// The duration as a `poll` time-out: whole milliseconds, rounded up so a wait never ends just
    /// short of its deadline; 0 for a duration that is already over.
    public var pollTimeout: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
