import ChatSystem

/// Why a password could not be hashed. Never holds the password, nor any part of it.
public enum PasswordError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system gave no random bytes for a salt (`getrandom` failed).
    case noRandomness(SystemError)
    /// libargon2 refused to hash: a parameter out of its range, or no memory. `message` is libargon2's own
    /// text for `code` (`ARGON2_MEMORY_ALLOCATION_ERROR`: "Memory allocation error").
    case hashingFailed(code: Int32, message: String)

    public var description: String {
        switch self {
        case .noRandomness(let error): "no random bytes for a salt (\(error))"
        case .hashingFailed(let code, let message): "cannot hash the password: \(message) (argon2 error \(code))"
        }
    }
}
