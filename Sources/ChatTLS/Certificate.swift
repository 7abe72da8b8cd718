import COpenSSL
import Glibc

/// What a user is shown of a certificate: who it names, who signed it, when it is valid, its fingerprint.
public struct Certificate: Equatable, Sendable {
    /// The subject, RFC 2253 style (`CN=chat.example.org,O=Example`).
    public let subject: String
    /// The issuer, in the same form (the subject again for a self-signed certificate).
    public let issuer: String
    /// The SHA-256 digest of the whole certificate (DER).
    public let fingerprint: Fingerprint
    /// Its validity, as `YYYY-MM-DD` (UTC) dates.
    public let notBefore: String
    public let notAfter: String
    /// Whether today falls outside its validity.
    public let isExpired: Bool
    public let isNotYetValid: Bool

    /// Reads a certificate OpenSSL holds (the caller keeps its reference).
    init?(_ x509: OpaquePointer) {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(x509, EVP_sha256(), &digest, &length) == 1,
            let fingerprint = Fingerprint(bytes: Array(digest[..<Int(length)]))
        else { return nil }
        self.fingerprint = fingerprint
        subject = Self.text(of: X509_get_subject_name(x509))
        issuer = Self.text(of: X509_get_issuer_name(x509))
        notBefore = Self.date(X509_get0_notBefore(x509))
        notAfter = Self.date(X509_get0_notAfter(x509))
        isExpired = X509_cmp_current_time(X509_get0_notAfter(x509)) < 0
        isNotYetValid = X509_cmp_current_time(X509_get0_notBefore(x509)) > 0
    }

    /// The first certificate of a PEM file (the server's own, for its log).
    ///
    /// - Throws: ``TLSError`` when the file cannot be read or holds no certificate.
    public init(pemFile path: String) throws(TLSError) {
        guard let file = fopen(path, "r") else { throw TLSError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        ERR_clear_error()
        guard let x509 = PEM_read_X509(file, nil, nil, nil) else { throw TLSError.drained("no certificate in \(path)") }
        defer { X509_free(x509) }
        guard let certificate = Certificate(x509) else { throw TLSError.drained("cannot read the certificate in \(path)") }
        self = certificate
    }

    private static func text(of name: OpaquePointer?) -> String {
        guard let name else { return "" }
        var buffer = [CChar](repeating: 0, count: 512)
        let length = COpenSSL_name_text(name, &buffer, Int32(buffer.count))
        guard length > 0 else { return "" }
        return String(decoding: buffer[..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> String {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return "?" }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
    }
}
