import COpenSSL

/// A TLS failure, with OpenSSL's reasons (its error queue for the calling thread) in words.
public struct TLSError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    /// `what`, followed by the reasons OpenSSL queued on this thread (which this empties).
    static func drained(_ what: String) -> TLSError {
        let reasons = openSSLReasons()
        return TLSError(reasons.isEmpty ? what : "\(what): \(reasons)")
    }
}

/// Empties this thread's OpenSSL error queue, returning its reasons (`certificate verify failed`), joined.
func openSSLReasons() -> String {
    var reasons: [String] = []
    while case let code = ERR_get_error(), code != 0 {
        if let reason = ERR_reason_error_string(code) {
            let text = String(cString: reason)
            if !reasons.contains(text) { reasons.append(text) }
        } else {
            reasons.append("error \(code)")
        }
    }
    return reasons.joined(separator: ": ")
}
