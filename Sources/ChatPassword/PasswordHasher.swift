import CArgon2
import ChatSystem

/// Makes and checks password hashes (Argon2id). To be written.
public final class PasswordHasher: Sendable {
    public init() {}
}
