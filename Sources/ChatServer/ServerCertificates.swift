import ChatSystem
import ChatTLS

/// The server's certificate and key, as the TLS context new connections start from; reloaded in place (a
/// renewed certificate, on SIGHUP) without a restart.
///
/// A connection takes the context when it is accepted and keeps it to its end, so a reload changes nothing
/// for the connections already open.
final class ServerCertificates: Sendable {
    let certificateFile: String
    let keyFile: String
    private let current: Locked<TLSContext>

    /// Loads the pair.
    ///
    /// - Throws: ``TLSError`` naming the file that cannot be read or loaded, or the mismatch.
    init(certificateFile: String, keyFile: String) throws(TLSError) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        current = Locked(try TLSContext.server(certificateFile: certificateFile, keyFile: keyFile))
    }

    /// The context for a new connection.
    var context: TLSContext { current.withLock { $0 } }

    /// Loads the files again; on success new connections get the new pair, otherwise the old one stays.
    ///
    /// The files are read with no lock held; only the swap is under the lock.
    ///
    /// - Returns: The new context.
    /// - Throws: ``TLSError`` when the files do not load.
    @discardableResult
    func reload() throws(TLSError) -> TLSContext {
        let fresh = try TLSContext.server(certificateFile: certificateFile, keyFile: keyFile)
        current.withLock { $0 = fresh }
        return fresh
    }
}
