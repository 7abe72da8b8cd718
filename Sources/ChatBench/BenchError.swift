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
        }
    }
}
