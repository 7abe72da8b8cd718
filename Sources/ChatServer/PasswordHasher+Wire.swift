import ChatPassword
import ChatProtocol

extension PasswordHasher {
    /// The lengths a password may have, in bytes of UTF-8: the protocol's (``ChatProtocol/Wire/passwordBytes``),
    /// here for the `accounts` subcommands, which do not import `ChatProtocol`.
    public static var acceptedPasswordBytes: ClosedRange<Int> { Wire.passwordBytes }
}
