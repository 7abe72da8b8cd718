import ChatProtocol

/// The rules for the name of an account, for the server and for its `accounts` subcommands (which do not
/// import `ChatProtocol`).
///
/// An account's name is a valid protocol name (``ChatProtocol/Name/validate(_:)``: 1 to 24 ASCII letters,
/// digits, `_` and `-`, starting with a letter, not `server`) that is not one the server hands out: `user`
/// followed by digits, in any case (`user12`, `USER7`).
public enum AccountNames {
    /// Checks that `name` may be registered as an account.
    ///
    /// - Parameter name: The name as given.
    /// - Throws: ``AccountNameError`` with the rule it breaks.
    public static func validate(_ name: String) throws(AccountNameError) {
        do {
            try Name.validate(name)
        } catch {
            throw AccountNameError(name: name, reason: error.message)
        }
        guard !isGenerated(name) else {
            throw AccountNameError(name: name, reason: "names of the form user<digits> are the server's to give out")
        }
    }

    /// Whether `name` is of the form the server gives out to connections: `user` followed by one or more
    /// digits, without regard to case.
    public static func isGenerated(_ name: some StringProtocol) -> Bool {
        let bytes = Array(Name.key(name).utf8)
        let prefix = Array("user".utf8)
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return false }
        return bytes.dropFirst(prefix.count).allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}

/// A name that cannot be an account's, and why.
public struct AccountNameError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name as given.
    public var name: String
    /// The rule it breaks, as `ERROR bad-name` words it.
    public var reason: String

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }

    public var description: String { reason }
}
