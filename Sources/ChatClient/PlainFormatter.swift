/// Formats lines for plain mode: one readable line per event, `12:01 <alice> hello`.
public enum PlainFormatter {
    /// The text of one line, without a line feed: the time, the marker and the body.
    ///
    /// - Parameter line: A scrollback line.
    /// - Returns: For example `12:01 <alice> hello`, `12:01 -> bob: hi`, `12:01 * bob joined`.
    public static func format(_ line: ChatLine) -> String {
        let parts = line.parts
        return "\(line.time) \(parts.marker)\(parts.body)"
    }
}
