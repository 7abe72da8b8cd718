/// A certificate nothing here vouches for and the user has not pinned: the client may ask whether to trust
/// it (``ConnectionEvent/certificateUnknown(_:)``; the TUI asks with a ``CertificatePrompt``, plain mode never
/// asks).
public struct CertificateQuestion: Equatable, Sendable {
    /// `HOST:PORT`, as the pin would name it.
    public var server: String
    /// The certificate the server showed.
    public var certificate: ServerCertificate
    /// Why it does not verify (`self-signed certificate`).
    public var reason: String
    /// Where a yes pins it; `nil` when there is no pin file (a yes then trusts it for this run only).
    public var pinFile: String?

    /// Creates a question.
    public init(server: String, certificate: ServerCertificate, reason: String, pinFile: String?) {
        self.server = server
        self.certificate = certificate
        self.reason = reason
        self.pinFile = pinFile
    }

    /// The first line: `the certificate of 127.0.0.1:7778 cannot be verified (self-signed certificate), and is
    /// not pinned`.
    public var summary: String {
        "the certificate of \(server) cannot be verified (\(reason)), and is not pinned"
    }

    /// What plain mode writes before it exits: the summary, the certificate's details, and how to trust it.
    public var lineModeLines: [String] {
        [summary] + certificate.details + [
            "line mode never asks: if that is the server's fingerprint (ask its operator), run again with"
                + " --tls-fingerprint \(certificate.fingerprint), or answer yes once in the full-screen client,"
                + " which pins it"
        ]
    }
}
