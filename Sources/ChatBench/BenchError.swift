import ChatSystem

/// Why a bench run could not be made.
public enum BenchError: Error, Equatable, CustomStringConvertible {
    /// An option is out of range; the text names it.
    case invalidConfiguration(String)
    /// The host name did not resolve.
    case unresolvableHost(String)
    /// A system call failed.
    case system(SystemError)
    /// Not a single client was welcomed.
    case noClientConnected(failed: Int)
    /// Not enough descriptors for the clients even at the hard limit.
    case descriptorLimit(needed: Int, limit: Int)
    /// TLS could not be set up (the authorities file is unreadable, say); the text says why.
    case tls(String)
    /// The server's certificate did not verify (without `--tls-insecure`); the text says why.
    case certificateRejected(host: String, port: Int, reason: String)
    /// Not a single client got through its TLS handshake; the text is the first failure's reason.
    case handshakeFailed(failed: Int, reason: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let text):
            return text
        case .unresolvableHost(let host):
            return "cannot resolve \(host)"
        case .system(let error):
            return error.description
        case .noClientConnected(let failed):
            return "no client was welcomed (\(failed) failed): is the server running there?"
        case .descriptorLimit(let needed, let limit):
            return "\(needed) open files needed but the limit is \(limit): raise it with `ulimit -n` (as root)"
        case .tls(let text):
            return text
        case .certificateRejected(let host, let port, let reason):
            return "the certificate of \(host):\(port) does not verify: \(reason) (it must chain to the system's "
                + "authorities or to --tls-ca FILE's, and name --host; or skip the check with --tls-insecure)"
        case .handshakeFailed(let failed, let reason):
            return "no client completed its TLS handshake (\(failed) failed; first: \(reason)): "
                + "is that port the server's TLS listener?"
        }
    }
}
