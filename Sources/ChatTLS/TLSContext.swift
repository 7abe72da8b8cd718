import COpenSSL
import Glibc

/// The settings every TLS connection of one side starts from (an OpenSSL `SSL_CTX`): TLS 1.2 and 1.3 only,
/// OpenSSL's default secure ciphers, no renegotiation, no compression, buffers released while idle.
///
/// Immutable once made, and shared by the threads that start connections from it. A server that reloads its
/// certificate makes a new context; connections started from the old one keep it alive until they end.
public final class TLSContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX is configured in the initializers and only read afterwards (SSL_new), which
    // OpenSSL allows from any thread.
    let raw: OpaquePointer
    /// Client contexts check the server's name (see ``TLSEngine/init(client:host:)``).
    let isClient: Bool
    /// The server's certificate, for its log; `nil` for a client context.
    public let certificate: Certificate?

    private init(method: OpaquePointer, isClient: Bool, certificate: Certificate?) throws(TLSError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(method) else { throw TLSError.drained("cannot make a TLS context") }
        raw = context
        self.isClient = isClient
        self.certificate = certificate
        _ = COpenSSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
        _ = SSL_CTX_set_options(
            context,
            COpenSSL_OP_NO_RENEGOTIATION() | COpenSSL_OP_NO_COMPRESSION() | COpenSSL_OP_IGNORE_UNEXPECTED_EOF())
        _ = COpenSSL_CTX_set_mode(context, COpenSSL_MODE_RELEASE_BUFFERS())
    }

    /// A server's context, from a PEM certificate (with its chain) and the PEM key that matches it.
    ///
    /// - Throws: ``TLSError`` saying which file is unreadable or wrong, or that the key does not match.
    public static func server(certificateFile: String, keyFile: String) throws(TLSError) -> TLSContext {
        for path in [certificateFile, keyFile] where access(path, R_OK) != 0 {
            throw TLSError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        let certificate = try Certificate(pemFile: certificateFile)
        let context = try TLSContext(method: TLS_server_method(), isClient: false, certificate: certificate)
        // Connections never resume (nothing to gain for a chat that stays connected): no tickets, no cache.
        _ = SSL_CTX_set_num_tickets(context.raw, 0)
        _ = COpenSSL_CTX_disable_session_cache(context.raw)
        guard SSL_CTX_use_certificate_chain_file(context.raw, certificateFile) == 1 else {
            throw TLSError.drained("cannot load the certificate \(certificateFile)")
        }
        let mismatch = "the key \(keyFile) does not match the certificate \(certificateFile)"
        guard SSL_CTX_use_PrivateKey_file(context.raw, keyFile, SSL_FILETYPE_PEM) == 1 else {
            let reasons = openSSLReasons()
            throw TLSError(reasons == "key values mismatch" ? mismatch : "cannot load the key \(keyFile): \(reasons)")
        }
        guard SSL_CTX_check_private_key(context.raw) == 1 else { throw TLSError.drained(mismatch) }
        return context
    }

    /// A client's context, trusting the system's certificate authorities (`/etc/ssl/certs`) or, with
    /// `authorityFile`, that PEM file's alone.
    ///
    /// The handshake completes whatever the verification says; ``TLSEngine/verification`` tells the
    /// caller, who decides (a pin may still accept a certificate that does not verify).
    ///
    /// - Throws: ``TLSError`` when the file cannot be read or holds no certificate.
    public static func client(authorityFile: String? = nil) throws(TLSError) -> TLSContext {
        let context = try TLSContext(method: TLS_client_method(), isClient: true, certificate: nil)
        SSL_CTX_set_verify(context.raw, SSL_VERIFY_NONE, nil)
        if let authorityFile {
            guard access(authorityFile, R_OK) == 0 else {
                throw TLSError("cannot read \(authorityFile): \(String(cString: strerror(errno)))")
            }
            guard SSL_CTX_load_verify_locations(context.raw, authorityFile, nil) == 1 else {
                throw TLSError.drained("no certificate authority in \(authorityFile)")
            }
        } else if SSL_CTX_set_default_verify_paths(context.raw) != 1 {
            throw TLSError.drained("cannot read the system's certificate authorities")
        }
        return context
    }

    deinit { SSL_CTX_free(raw) }
}
