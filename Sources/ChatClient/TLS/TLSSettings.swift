/// How a ``ChatConnection`` speaks TLS (`chatroom --tls`): whom it trusts, and where it keeps its pins.
///
/// A certificate that verifies (against the system's authorities, or `authorityFile`'s, and naming the
/// host) is accepted. One that is wrong whoever signed it (another host's, expired, not yet valid) is
/// refused. One that nothing here vouches for (self-signed, an unknown authority) is accepted when it
/// matches `fingerprint`, when given, or else its pin in `knownServersPath`; unpinned, the user is asked
/// (``ConnectionEvent/certificateUnknown(_:)``).
public struct TLSSettings: Equatable, Sendable {
    /// A PEM file of the certificate authorities to trust instead of the system's (`--tls-ca`).
    public var authorityFile: String?
    /// The fingerprint that decides for a certificate that does not verify, for this run, instead of the
    /// pin file, which is then neither read nor written (`--tls-fingerprint`): `sha256:` and 64 hex digits.
    public var fingerprint: String?
    /// The pin file (``KnownServers``); `nil` when there is no home to keep it in: a certificate the user
    /// trusts is then trusted for this run only.
    public var knownServersPath: String?
    /// How long the handshake may take before the attempt counts as failed.
    public var handshakeTimeout: Duration

    /// Creates the settings.
    ///
    /// - Parameters:
    ///   - authorityFile: The authorities to trust instead of the system's.
    ///   - fingerprint: The fingerprint to accept for this run, instead of the pins.
    ///   - knownServersPath: The pin file (by default the user's, ``KnownServers/defaultPath(environment:)``).
    ///   - handshakeTimeout: The handshake's limit.
    public init(
        authorityFile: String? = nil, fingerprint: String? = nil,
        knownServersPath: String? = KnownServers.defaultPath(), handshakeTimeout: Duration = .seconds(10)
    ) {
        self.authorityFile = authorityFile
        self.fingerprint = fingerprint
        self.knownServersPath = knownServersPath
        self.handshakeTimeout = handshakeTimeout
    }
}
