/// A command the server refuses. Each case maps to exactly one wire ``ErrorCode``.
///
/// A refused command has no effect; the server answers it with the ``Event/error(_:_:)`` event
/// built from ``code`` and ``message``.
public enum ProtocolError: Error, Equatable, Sendable {
    /// The command word is not one the protocol knows (`/frobnicate`).
    case unknownCommand(String)
    /// The command is malformed: missing arguments, an unclosed quote, text after a closing quote, an
    /// unknown capability, a `/history` count or id out of range.
    case badSyntax(String)
    /// `/dm` named nobody who is connected.
    case noSuchUser(String)
    /// `/nick` asked for a name the naming rules refuse.
    case badName(String)
    /// `/nick` asked for a name someone else holds (compared case-insensitively).
    case nameTaken(String)
    /// `/bc`, `/dm` or `/search` without text, or with only blanks.
    case emptyMessage
    /// More than ``Wire/maxLineBytes`` bytes before the line feed.
    case lineTooLong
    /// The line is not valid UTF-8.
    case badEncoding
    /// The line holds a control character (C0 other than TAB, DEL, or C1).
    case badText
    /// The connection limit is reached.
    case serverFull
    /// The message store cannot serve the command (v1.1): it cannot take the message, or the server keeps
    /// nothing (`--store none` answers `/history` and `/search` with this). The text says which.
    case unavailable(String)
    /// Moderation: `/unban` or `/unmute` of something not banned or not muted; the text is sent as given
    /// (`not banned`, `not muted`), with the `no-such-user` code.
    case notFound(String)
    /// Accounts: the name belongs to an account; the text says whose or why.
    case nameRegistered(String)
    /// Accounts: a password outside ``Wire/passwordBytes``.
    case badPassword
    /// Accounts: a wrong name or password, or too many attempts (the text says which).
    case loginFailed(String)
    /// Accounts: the command needs the connection to be logged in.
    case loginRequired(String)
    /// Moderation: the sender is not an operator, or the command is aimed at one.
    case notOperator(String)
    /// Moderation: a banned address or account; the text says until when.
    case banned(String)
    /// Moderation: the sender is muted; the text says for how long.
    case muted(String)

    /// The wire code for this error.
    public var code: ErrorCode {
        switch self {
        case .unknownCommand: .unknownCommand
        case .badSyntax: .badSyntax
        case .noSuchUser: .noSuchUser
        case .badName: .badName
        case .nameTaken: .nameTaken
        case .emptyMessage: .emptyMessage
        case .lineTooLong: .lineTooLong
        case .badEncoding: .badEncoding
        case .badText: .badText
        case .serverFull: .serverFull
        case .unavailable: .unavailable
        case .notFound: .noSuchUser
        case .nameRegistered: .nameRegistered
        case .badPassword: .badPassword
        case .loginFailed: .loginFailed
        case .loginRequired: .loginRequired
        case .notOperator: .notOperator
        case .banned: .banned
        case .muted: .muted
        }
    }

    /// The human-readable text that follows the code on the wire.
    public var message: String {
        switch self {
        case .unknownCommand(let word): "unknown command \(word) (try /help)"
        case .badSyntax(let detail): detail
        case .noSuchUser(let name): "no user named \(name)"
        case .badName(let detail): detail
        case .nameTaken(let name): "the name \(name) is taken"
        case .emptyMessage: "the message is empty"
        case .lineTooLong: "line longer than \(Wire.maxLineBytes) bytes"
        case .badEncoding: "line is not valid UTF-8"
        case .badText: "line holds a control character"
        case .serverFull: "the server is full"
        case .unavailable(let detail): detail
        case .notFound(let detail): detail
        case .nameRegistered(let detail): detail
        case .badPassword: "a password is \(Wire.passwordBytes.lowerBound) to \(Wire.passwordBytes.upperBound) bytes"
        case .loginFailed(let detail): detail
        case .loginRequired(let detail): detail
        case .notOperator(let detail): detail
        case .banned(let detail): detail
        case .muted(let detail): detail
        }
    }

    /// The `ERROR` event that reports this error.
    public var event: Event { .error(code, message) }
}
