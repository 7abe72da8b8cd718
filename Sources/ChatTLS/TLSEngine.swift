import COpenSSL
import Glibc

/// One TLS connection working on memory: ciphertext from the socket goes in (``feed(_:)``), plaintext comes
/// out (``read(into:)``); plaintext goes in (``write(_:)``), ciphertext for the socket comes out
/// (``takeOutput(into:)``). It makes no system call, so its owner decides who touches the socket and when.
///
/// Not thread-safe: one thread at a time. The server keeps each connection's engine under that connection's
/// lock (so any thread may seal lines for it, while the socket I/O happens outside the lock); the client's
/// network thread owns its engine alone.
public final class TLSEngine: @unchecked Sendable {
    // @unchecked: see above; every use is serialised by the owner.
    private let ssl: OpaquePointer
    /// Ciphertext fed in, not yet read by OpenSSL; and ciphertext made, not yet taken. Both owned by `ssl`.
    private var incoming: OpaquePointer
    private var outgoing: OpaquePointer
    /// The server's name as the client asked for it (for the verification's words).
    private let host: String?

    /// How a handshake stands after a step.
    public enum Handshake: Equatable, Sendable {
        case complete
        /// It waits for the peer: send the output, then feed what comes back.
        case needsInput
        case failed(String)
    }

    /// What one ``read(into:)`` gave.
    public enum Read: Equatable, Sendable {
        case bytes(Int)
        /// Nothing more until more ciphertext is fed.
        case needsInput
        /// The peer closed the TLS session (`close_notify`).
        case closed
        case failed(String)
    }

    /// Whether a server's certificate may be trusted, as far as the authorities and its dates tell.
    public enum Verification: Equatable, Sendable {
        /// It chains to a trusted authority, names the host, and is valid today.
        case verified
        /// Nothing here vouches for it (self-signed, or an authority not trusted here): only a pin can accept it.
        case unverified(String)
        /// It is wrong whoever signed it (another host's, expired, not yet valid): refused, pinned or not.
        case invalid(String)
    }

    /// A server side connection.
    public convenience init(server context: TLSContext) throws(TLSError) {
        try self.init(context: context, host: nil)
        SSL_set_accept_state(ssl)
    }

    /// A client side connection to `host` (a name or an address), which its certificate must name to verify;
    /// a name is also sent as the server name (SNI).
    public convenience init(client context: TLSContext, host: String) throws(TLSError) {
        try self.init(context: context, host: host)
        SSL_set_connect_state(ssl)
        let unbracketed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if Self.isAddress(unbracketed) {
            _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), unbracketed)
        } else {
            _ = COpenSSL_set_tlsext_host_name(ssl, unbracketed)
            _ = SSL_set1_host(ssl, unbracketed)
        }
    }

    private init(context: TLSContext, host: String?) throws(TLSError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.raw) else { throw TLSError.drained("cannot start a TLS connection") }
        guard let incoming = COpenSSL_new_mem_bio(), let outgoing = COpenSSL_new_mem_bio() else {
            SSL_free(ssl)
            throw TLSError.drained("cannot start a TLS connection")
        }
        SSL_set_bio(ssl, incoming, outgoing)
        self.ssl = ssl
        self.incoming = incoming
        self.outgoing = outgoing
        self.host = host
    }

    deinit { SSL_free(ssl) }

    // MARK: Handshake

    /// Takes the handshake as far as the input fed so far allows.
    public func handshake() -> Handshake {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .complete }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .needsInput
        default: return .failed(failure("the handshake failed"))
        }
    }

    /// The negotiated protocol (`TLSv1.3`).
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    /// The peer's certificate, once the handshake has got it.
    public var peerCertificate: Certificate? {
        guard let x509 = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(x509) }
        return Certificate(x509)
    }

    /// What the client's checks said of the server's certificate, once the handshake is complete.
    public var verification: Verification {
        guard let certificate = peerCertificate else { return .invalid("the server sent no certificate") }
        if certificate.isExpired { return .invalid("it expired on \(certificate.notAfter)") }
        if certificate.isNotYetValid { return .invalid("it is not valid before \(certificate.notBefore)") }
        let code = Int32(SSL_get_verify_result(ssl))
        switch code {
        case X509_V_OK:
            return .verified
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return .invalid("it is for \(certificate.subject), not \(host ?? "this host")")
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_UNTRUSTED:
            return .unverified(String(cString: X509_verify_cert_error_string(Int(code))))
        default:
            return .invalid(String(cString: X509_verify_cert_error_string(Int(code))))
        }
    }

    // MARK: Data

    /// Hands OpenSSL ciphertext that came from the socket.
    public func feed(_ ciphertext: UnsafeRawBufferPointer) {
        guard let base = ciphertext.baseAddress, ciphertext.count > 0 else { return }
        // A memory BIO takes everything: it grows.
        _ = BIO_write(incoming, base, Int32(ciphertext.count))
    }

    /// Decrypts into `buffer` as much as the input fed so far holds, up to its size.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Read {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        var total = 0
        while total < buffer.count {
            ERR_clear_error()
            var count = 0
            if SSL_read_ex(ssl, base + total, buffer.count - total, &count) == 1 {
                total += count
                continue
            }
            if total > 0 { return .bytes(total) }
            switch SSL_get_error(ssl, 0) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .needsInput
            case SSL_ERROR_ZERO_RETURN: return .closed
            default: return .failed(failure("the connection's data is corrupt"))
            }
        }
        return .bytes(total)
    }

    /// Whether input is fed and not yet decrypted, or decrypted and not yet read: a reader must call
    /// ``read(into:)`` again before it waits on the socket.
    public var hasBufferedInput: Bool {
        SSL_pending(ssl) > 0 || BIO_ctrl_pending(incoming) > 0
    }

    /// Encrypts `plaintext` as TLS records into the output.
    ///
    /// - Returns: `false` when the connection has failed (nothing more can be sent).
    @discardableResult
    public func write(_ plaintext: UnsafeRawBufferPointer) -> Bool {
        guard let base = plaintext.baseAddress, plaintext.count > 0 else { return true }
        ERR_clear_error()
        var written = 0
        guard SSL_write_ex(ssl, base, plaintext.count, &written) == 1 else {
            ERR_clear_error()
            return false
        }
        return true
    }

    /// Queues a `close_notify` alert, the orderly end of the TLS session, into the output.
    public func close() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// Bytes of ciphertext waiting to be sent.
    public var pendingOutput: Int { Int(BIO_ctrl_pending(outgoing)) }

    /// Moves up to `buffer.count` bytes of ciphertext into `buffer`.
    ///
    /// - Returns: How many bytes were moved.
    public func takeOutput(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0, pendingOutput > 0 else { return 0 }
        return max(Int(BIO_read(outgoing, base, Int32(min(buffer.count, Int(Int32.max))))), 0)
    }

    /// All the ciphertext waiting to be sent.
    public func takeOutput() -> [UInt8] {
        let count = pendingOutput
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = takeOutput(into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// Gives back the memory of buffers grown by a burst and empty now, so an idle connection holds little.
    ///
    /// OpenSSL's own record buffers are released while idle (`SSL_MODE_RELEASE_BUFFERS`); a memory BIO keeps
    /// its largest size, so an empty one past `limit` bytes is replaced by a new one.
    public func releaseIdleBuffers(limit: Int = 4096) {
        var length = 0
        var capacity = 0
        COpenSSL_mem_sizes(incoming, &length, &capacity)
        if length == 0 && capacity > limit, let fresh = COpenSSL_new_mem_bio() {
            SSL_set0_rbio(ssl, fresh)
            incoming = fresh
        }
        COpenSSL_mem_sizes(outgoing, &length, &capacity)
        if length == 0 && capacity > limit, let fresh = COpenSSL_new_mem_bio() {
            SSL_set0_wbio(ssl, fresh)
            outgoing = fresh
        }
    }

    private func failure(_ what: String) -> String {
        let reasons = openSSLReasons()
        return reasons.isEmpty ? what : "\(what): \(reasons)"
    }

    private static func isAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
