/// An optional protocol feature a connection turns on with `/caps` (v1.1).
///
/// A connection starts with none, so a client that never sends `/caps` sees exactly v1. Once on, a
/// capability stays on for the life of the connection.
public enum Capability: String, CaseIterable, Comparable, Hashable, Sendable {
    /// Every `MSG` line carries its id in the store: `@id=42 MSG alice hi`.
    case ids
    /// Every `JOIN`, `LEAVE`, `NICK`, `MSG` and `DM` line carries the time the server accepted it.
    case time

    /// Reads a capability name, case-insensitively (`IDS` is `ids`).
    ///
    /// - Parameter name: The name as typed.
    /// - Returns: The capability, or `nil` for a name the protocol does not know.
    public init?(name: some StringProtocol) {
        self.init(rawValue: Name.key(name))
    }

    /// Orders capabilities by name, the order of a `CAPS` line.
    public static func < (lhs: Capability, rhs: Capability) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
