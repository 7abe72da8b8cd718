/// The machine-readable code of an `ERROR` event, exactly as it appears on the wire.
public enum ErrorCode: String, CaseIterable, Sendable {
    case unknownCommand = "unknown-command"
    case badSyntax = "bad-syntax"
    case noSuchUser = "no-such-user"
    case badName = "bad-name"
    case nameTaken = "name-taken"
    case emptyMessage = "empty-message"
    case lineTooLong = "line-too-long"
    case badEncoding = "bad-encoding"
    case badText = "bad-text"
    case serverFull = "server-full"
    /// v1.1: the message store cannot serve the command.
    case unavailable = "unavailable"
    /// Accounts: the name belongs to an account (`/nick`, `/register`), or the connection is logged in and
    /// keeps its account's name.
    case nameRegistered = "name-registered"
    /// Accounts: a password outside 8 to 256 bytes.
    case badPassword = "bad-password"
    /// Accounts: a wrong name or password, or too many attempts.
    case loginFailed = "login-failed"
    /// Accounts: the command needs a logged-in connection (every command but a few in a members-only room).
    case loginRequired = "login-required"
    /// Moderation: the sender is not an operator, or the target is one.
    case notOperator = "not-operator"
    /// Moderation: the address or the account is banned.
    case banned = "banned"
    /// Moderation: the sender's broadcasts and direct messages are refused for now.
    case muted = "muted"
}
