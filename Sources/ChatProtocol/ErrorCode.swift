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
}
