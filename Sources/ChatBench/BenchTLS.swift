import ChatTLS

/// How the bench's clients check the server's certificate when they speak TLS (`--tls`).
public enum BenchTLS: Sendable, Equatable {
    /// The certificate must chain to these authorities (a PEM file, `--tls-ca`; `nil`: the system's store) and
    /// name `--host`; one that does not fails the run.
    case verified(authorityFile: String?)
    /// The certificate is not checked at all (`--tls-insecure`): for the bench alone, which sends nothing secret.
    case insecure

    /// The context every client's engine starts from.
    ///
    /// - Throws: ``BenchError/tls(_:)`` when the authorities cannot be read.
    func makeContext() throws(BenchError) -> TLSContext {
        do throws(TLSError) {
            switch self {
            case .verified(let authorityFile): return try TLSContext.client(authorityFile: authorityFile)
            case .insecure: return try TLSContext.client()
            }
        } catch {
            throw .tls(error.description)
        }
    }

    /// Whether a handshake that completed may go on to the chat, or why not.
    ///
    /// - Parameter engine: A client engine whose handshake is complete.
    /// - Returns: `nil` when the certificate is accepted; otherwise what is wrong with it.
    func rejection(of engine: TLSEngine) -> String? {
        guard case .verified = self else { return nil }
        switch engine.verification {
        case .verified: return nil
        case .unverified(let reason), .invalid(let reason): return reason
        }
    }
}
