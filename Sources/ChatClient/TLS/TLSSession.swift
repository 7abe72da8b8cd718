/// An encrypted connection that is up: the protocol, the server's certificate, and why it was trusted
/// (``ConnectionEvent/secured(_:)``).
public struct TLSSession: Equatable, Sendable {
    /// Why the certificate was accepted.
    public enum Trust: Equatable, Sendable {
        /// It verifies: a trusted authority signed it for this host, and it is valid today.
        case verified
        /// It does not verify, and matches the server's pin (that line of the pin file).
        case pinned(line: Int, file: String)
        /// It does not verify, and matches `--tls-fingerprint`.
        case fingerprintGiven
        /// The user trusted it just now, and it was pinned on that line of the pin file.
        case trustedAndPinned(line: Int, file: String)
        /// The user trusted it during this run, and it could not be pinned: why.
        case trustedForThisRun(notPinned: String)
    }

    /// The protocol negotiated (`TLSv1.3`).
    public var protocolVersion: String
    /// The server's certificate.
    public var certificate: ServerCertificate
    /// Why it was accepted.
    public var trust: Trust

    /// Creates a session's description.
    public init(protocolVersion: String, certificate: ServerCertificate, trust: Trust) {
        self.protocolVersion = protocolVersion
        self.certificate = certificate
        self.trust = trust
    }

    /// What follows `connected to HOST:PORT` in the pane: `over TLSv1.3 (certificate verified)`.
    public var summary: String {
        let why =
            switch trust {
            case .verified: "certificate verified"
            case .pinned: "certificate pinned"
            case .fingerprintGiven: "certificate as given with --tls-fingerprint"
            case .trustedAndPinned(let line, let file): "certificate trusted, pinned on line \(line) of \(file)"
            case .trustedForThisRun(let reason): "certificate trusted for this run only: \(reason)"
            }
        return "over \(protocolVersion) (\(why))"
    }
}
