/// Formats lines for plain mode: one readable line per event, `12:01 <alice> hello`.
public enum PlainFormatter {
    /// The text of one line, without a line feed: the stamp, the marker and the body.
    ///
    /// - Parameter line: A scrollback line.
    /// - Returns: For example `12:01 <alice> hello`, `12:01 -> bob: hi`, `12:01 * bob joined`,
    ///   `2026-11-30 15:41 <bob> from an earlier day`, `-- Tuesday 1 December 2026`.
    public static func format(_ line: ChatLine) -> String {
        let parts = line.parts
        let stamp = line.stamp
        return stamp.isEmpty ? parts.marker + parts.body : "\(stamp) \(parts.marker)\(parts.body)"
    }
}
