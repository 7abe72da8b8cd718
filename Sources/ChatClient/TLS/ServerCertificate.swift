import ChatTLS

/// What the user is shown of a server's certificate: who it names, who signed it, when it is valid, and its
/// fingerprint, written `sha256:` and 64 lower-case hex digits.
///
/// The client's own copy of ChatTLS's `Certificate`, so that the TUI and the executable never see OpenSSL's side.
public struct ServerCertificate: Equatable, Sendable {
    /// The subject (`CN=chat.example.org`).
    public var subject: String
    /// The issuer (the subject again for a self-signed certificate).
    public var issuer: String
    /// `sha256:` and 64 lower-case hex digits.
    public var fingerprint: String
    /// The first and last days of its validity, `YYYY-MM-DD` (UTC).
    public var notBefore: String
    public var notAfter: String

    /// Creates a certificate's description.
    public init(subject: String, issuer: String, fingerprint: String, notBefore: String, notAfter: String) {
        self.subject = subject
        self.issuer = issuer
        self.fingerprint = fingerprint
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    init(_ certificate: Certificate) {
        self.init(
            subject: certificate.subject, issuer: certificate.issuer, fingerprint: certificate.fingerprint.description,
            notBefore: certificate.notBefore, notAfter: certificate.notAfter)
    }

    /// A detail as shown under a certificate's heading: two spaces, the label padded to 13 columns, the value.
    static func detail(_ label: String, _ value: String) -> String {
        "  " + label + String(repeating: " ", count: max(1, 13 - label.count)) + value
    }

    /// Everything the user may check: subject, issuer, validity and fingerprint, one line each.
    var details: [String] {
        [
            Self.detail("subject", subject), Self.detail("issuer", issuer),
            Self.detail("valid", "\(notBefore) to \(notAfter)"), Self.detail("fingerprint", fingerprint),
        ]
    }
}
