import COpenSSL
import Glibc

/// Certificates made for a test, in PEM files under a directory: EC P-256 keys, a name and addresses in the
/// subject alternative names, dates relative to now, signed by themselves or by a test authority.
public struct TestCertificate {
    /// The PEM certificate and its PEM key.
    public let certificatePath: String
    public let keyPath: String
    /// Who signed it: the authority's certificate and key (`nil` when self-signed).
    public let issuer: (certificatePath: String, keyPath: String)?

    /// Makes `NAME.pem` and `NAME.key` in `directory`.
    ///
    /// - Parameters:
    ///   - commonName: The subject's CN.
    ///   - names: DNS names and IP addresses for the subject alternative names (`localhost`, `127.0.0.1`).
    ///   - days: Validity from `notBefore` days to `notAfter` days from now (negative: in the past).
    ///   - signedBy: An authority made with `isAuthority`; `nil` signs with its own key.
    ///   - isAuthority: Marks it a CA (basic constraints), to sign others.
    public init(
        in directory: String, name: String, commonName: String = "localhost",
        names: [String] = ["localhost", "127.0.0.1"], days: (notBefore: Int, notAfter: Int) = (-1, 365),
        signedBy authority: TestCertificate? = nil, isAuthority: Bool = false
    ) throws {
        certificatePath = "\(directory)/\(name).pem"
        keyPath = "\(directory)/\(name).key"
        issuer = authority.map { ($0.certificatePath, $0.keyPath) }
        guard let key = COpenSSL_new_P256_key() else { throw TestFailure("cannot make an EC key") }
        defer { EVP_PKEY_free(key) }
        guard let x509 = X509_new() else { throw TestFailure("X509_new failed") }
        defer { X509_free(x509) }
        X509_set_version(x509, 2)
        var serial = [UInt8](repeating: 0, count: 8)
        _ = RAND_bytes(&serial, 8)
        ASN1_INTEGER_set_uint64(X509_get_serialNumber(x509), serial.withUnsafeBytes { $0.load(as: UInt64.self) } >> 1)
        X509_gmtime_adj(X509_getm_notBefore(x509), days.notBefore * 86_400)
        X509_gmtime_adj(X509_getm_notAfter(x509), days.notAfter * 86_400)
        X509_set_pubkey(x509, key)
        let subject = X509_get_subject_name(x509)
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, commonName, -1, -1, 0)
        var signingKey = key
        var loadedIssuer: OpaquePointer?
        var loadedKey: OpaquePointer?
        defer {
            if let loadedIssuer { X509_free(loadedIssuer) }
            if let loadedKey { EVP_PKEY_free(loadedKey) }
        }
        if let authority {
            loadedIssuer = try Self.read(authority.certificatePath) { PEM_read_X509($0, nil, nil, nil) }
            loadedKey = try Self.read(authority.keyPath) { PEM_read_PrivateKey($0, nil, nil, nil) }
            X509_set_issuer_name(x509, X509_get_subject_name(loadedIssuer))
            signingKey = loadedKey!
        } else {
            X509_set_issuer_name(x509, subject)
        }
        var extensions = ["basicConstraints": isAuthority ? "critical,CA:TRUE" : "CA:FALSE"]
        if !names.isEmpty {
            extensions["subjectAltName"] = names.map { Self.isAddress($0) ? "IP:\($0)" : "DNS:\($0)" }
                .joined(separator: ",")
        }
        for (extensionName, value) in extensions {
            var context = X509V3_CTX()
            X509V3_set_ctx(&context, loadedIssuer ?? x509, x509, nil, nil, 0)
            guard let made = X509V3_EXT_conf(nil, &context, extensionName, value) else {
                throw TestFailure("cannot make the extension \(extensionName)=\(value)")
            }
            X509_add_ext(x509, made, -1)
            X509_EXTENSION_free(made)
        }
        guard X509_sign(x509, signingKey, EVP_sha256()) > 0 else { throw TestFailure("X509_sign failed") }
        try Self.write(certificatePath) { PEM_write_X509($0, x509) }
        try Self.write(keyPath) { PEM_write_PrivateKey($0, key, nil, nil, 0, nil, nil) }
    }

    /// The certificate's fingerprint as the client writes it (`sha256:` and 64 hex digits).
    public var fingerprint: String {
        get throws {
            let x509 = try Self.read(certificatePath) { PEM_read_X509($0, nil, nil, nil) }
            defer { X509_free(x509) }
            var digest = [UInt8](repeating: 0, count: 64)
            var length: UInt32 = 0
            X509_digest(x509, EVP_sha256(), &digest, &length)
            return "sha256:" + digest[..<Int(length)].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }

    private static func read(_ path: String, _ body: (UnsafeMutablePointer<FILE>) -> OpaquePointer?) throws
        -> OpaquePointer
    {
        guard let file = fopen(path, "r") else { throw TestFailure("cannot open \(path)") }
        defer { fclose(file) }
        guard let value = body(file) else { throw TestFailure("cannot read \(path)") }
        return value
    }

    private static func write(_ path: String, _ body: (UnsafeMutablePointer<FILE>) -> Int32) throws {
        guard let file = fopen(path, "w") else { throw TestFailure("cannot create \(path)") }
        defer { fclose(file) }
        guard body(file) == 1 else { throw TestFailure("cannot write \(path)") }
    }

    private static func isAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
