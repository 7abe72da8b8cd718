/// One ban, as a `BAN` line gives it (accounts and moderation).
public struct BanEntry: Equatable, Hashable, Sendable {
    /// What a ban binds to.
    public enum Kind: String, CaseIterable, Sendable {
        /// An account: its `/login` is refused.
        case account
        /// An IP address (as the server prints it: `127.0.0.2`, `::1`): its connections are refused.
        case address
    }

    public var kind: Kind
    /// The account's name (its stored spelling) or the address.
    public var target: String
    /// When the ban ends; `nil` for never (until `/unban`).
    public var until: Timestamp?
    /// The operator who banned.
    public var by: String
    /// Why, as the operator gave it; possibly empty.
    public var reason: String

    public init(kind: Kind, target: String, until: Timestamp?, by: String, reason: String) {
        self.kind = kind
        self.target = target
        self.until = until
        self.by = by
        self.reason = reason
    }

    /// `KIND TARGET UNTIL BY REASON`, the fields of a `BAN` line; an empty reason leaves no trailing space.
    public var wireFields: String {
        let head = "\(kind.rawValue) \(target) \(until?.rfc3339 ?? "never") \(by)"
        return reason.isEmpty ? head : head + " " + reason
    }
}
