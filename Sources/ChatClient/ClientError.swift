import ChatSystem

/// A failure the client reports to its user.
public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed.
    case system(SystemError)
    /// The host name could not be resolved; the resolver's message.
    case resolve(String, String)
    /// Nothing listens at the address (the connection was refused).
    case refused(ServerAddress)
    /// The connection could not be made; the address and the reason.
    case unreachable(ServerAddress, String)
    /// The connection attempt was cancelled by ``ChatConnection/stop()``.
    case cancelled
    /// TLS could not be set up (an unreadable `--tls-ca`), or a TLS connection failed; what went wrong.
    case tls(String)

    public var description: String {
        switch self {
        case .system(let error): error.description
        case .resolve(let host, let message): "cannot resolve \(host): \(message)"
        case .refused(let address): "nothing answers on \(address) (connection refused)"
        case .unreachable(let address, let reason): "cannot connect to \(address): \(reason)"
        case .cancelled: "cancelled"
        case .tls(let reason): reason
        }
    }
}
