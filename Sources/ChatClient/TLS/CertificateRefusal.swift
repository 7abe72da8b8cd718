/// Why a server's certificate was refused, for good: the connection ends and does not retry
/// (``ConnectionEvent/certificateRefused(_:)``).
public enum CertificateRefusal: Equatable, Sendable {
    /// A pin's line in the pin file, and the fingerprint it holds.
    public struct Pin: Equatable, Sendable {
        public var line: Int
        public var fingerprint: String

        public init(line: Int, fingerprint: String) {
            self.line = line
            self.fingerprint = fingerprint
        }
    }

    /// It is wrong whoever signed it (another host's, expired, not yet valid): refused, pinned or not.
    case invalid(server: String, certificate: ServerCertificate, reason: String)
    /// It does not verify and is not the one pinned for the server (ssh's "host key has changed").
    case changed(server: String, certificate: ServerCertificate, pins: [Pin], file: String)
    /// It does not verify and is not the one given with `--tls-fingerprint`.
    case notTheGivenFingerprint(server: String, certificate: ServerCertificate, given: String)
    /// It does not verify, and the pin file cannot be read to look for its pin.
    case pinsUnreadable(server: String, certificate: ServerCertificate, reason: String)

    /// The certificate refused.
    public var certificate: ServerCertificate {
        switch self {
        case .invalid(_, let certificate, _), .changed(_, let certificate, _, _),
            .notTheGivenFingerprint(_, let certificate, _), .pinsUnreadable(_, let certificate, _):
            certificate
        }
    }

    /// The warning, a line each, as the pane shows it and plain mode writes it: what is wrong, the
    /// fingerprints, and what the user may do.
    public var lines: [String] {
        switch self {
        case .invalid(let server, let certificate, let reason):
            return [
                "the certificate of \(server) is refused: \(reason)",
                ServerCertificate.detail("subject", certificate.subject),
                ServerCertificate.detail("fingerprint", certificate.fingerprint),
                "a certificate that is wrong whoever signed it is never accepted, pinned or not; not connecting",
            ]
        case .changed(let server, let certificate, let pins, let file):
            let lines = pins.map(\.line)
            let which =
                lines.count == 1
                ? "line \(lines[0])"
                : "lines " + lines.dropLast().map(String.init).joined(separator: ", ")
                    + " and \(lines[lines.count - 1])"
            return ["WARNING: the certificate of \(server) has changed!"]
                + [
                    "it is not the one pinned for this server: someone may be intercepting the connection,"
                        + " or the server has a new certificate"
                ]
                + pins.map { ServerCertificate.detail("pinned", $0.fingerprint) }
                + [
                    ServerCertificate.detail("shown", certificate.fingerprint),
                    ServerCertificate.detail("subject", certificate.subject),
                    "if the new certificate is expected (ask the server's operator), delete \(which) of \(file)"
                        + " and connect again; not connecting",
                ]
        case .notTheGivenFingerprint(let server, let certificate, let given):
            return [
                "the certificate of \(server) is refused: it is not the one given with --tls-fingerprint",
                ServerCertificate.detail("given", given),
                ServerCertificate.detail("shown", certificate.fingerprint),
                ServerCertificate.detail("subject", certificate.subject),
                "not connecting",
            ]
        case .pinsUnreadable(let server, let certificate, let reason):
            return [
                "the certificate of \(server) cannot be verified, and the pins cannot be read: \(reason)",
                ServerCertificate.detail("subject", certificate.subject),
                ServerCertificate.detail("fingerprint", certificate.fingerprint),
                "not connecting",
            ]
        }
    }
}
