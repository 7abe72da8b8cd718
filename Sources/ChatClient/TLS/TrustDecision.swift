import ChatTLS

/// What to do with a server's certificate once the handshake is done: the rules of trust on first use, as
/// ssh's, as a pure function of what the checks said, the fingerprint given and the pins found.
///
/// 1. Wrong whoever signed it (`.invalid`: another host's, expired, not yet valid): refused, always.
/// 2. It verifies: accepted, whatever the pins say (verifiable certificates need none).
/// 3. Otherwise (`.unverified`: self-signed, unknown authority) `--tls-fingerprint` decides, when given;
///    else a pin of the server that matches accepts it, and one that does not refuses it, naming the line;
///    else one the user already trusted during this run is accepted; else the user is asked.
enum TrustDecision: Equatable, Sendable {
    /// Connect.
    case accept(TLSSession.Trust)
    /// Ask the user (``CertificateQuestion``); plain mode, which never asks, refuses instead.
    case ask(CertificateQuestion)
    /// Refuse, for good.
    case refuse(CertificateRefusal)

    /// Decides.
    ///
    /// - Parameters:
    ///   - verification: What the engine's checks said.
    ///   - certificate: The certificate shown.
    ///   - fingerprint: Its fingerprint.
    ///   - server: `HOST:PORT`.
    ///   - given: `--tls-fingerprint`, if given: it replaces the pins for this run.
    ///   - pins: The server's pins in the pin file, or why they cannot be read; `nil` without a pin file.
    ///   - pinFile: The pin file's path, for the words.
    ///   - trustedThisRun: A fingerprint the user trusted earlier in this run and could not pin, and why not.
    static func decide(
        verification: TLSEngine.Verification, certificate: ServerCertificate, fingerprint: Fingerprint,
        server: String, given: Fingerprint?, pins: Result<[KnownServers.Pin], KnownServers.Failure>?,
        pinFile: String?, trustedThisRun: (fingerprint: Fingerprint, notPinned: String)?
    ) -> TrustDecision {
        let trustedBefore = trustedThisRun.map { $0.fingerprint == fingerprint } ?? false
        let reason: String
        switch verification {
        case .invalid(let why):
            return .refuse(.invalid(server: server, certificate: certificate, reason: why))
        case .verified:
            return .accept(.verified)
        case .unverified(let why):
            reason = why
        }
        if let given {
            guard given == fingerprint else {
                return .refuse(
                    .notTheGivenFingerprint(server: server, certificate: certificate, given: given.description))
            }
            return .accept(.fingerprintGiven)
        }
        switch pins {
        case .success(let found) where !found.isEmpty:
            if let pin = found.first(where: { $0.fingerprint == fingerprint }) {
                return .accept(.pinned(line: pin.line, file: pinFile ?? ""))
            }
            return .refuse(
                .changed(
                    server: server, certificate: certificate,
                    pins: found.map { CertificateRefusal.Pin(line: $0.line, fingerprint: $0.fingerprint.description) },
                    file: pinFile ?? ""))
        case .failure(let failure) where !trustedBefore:
            return .refuse(.pinsUnreadable(server: server, certificate: certificate, reason: failure.description))
        default:
            break
        }
        if let trustedThisRun, trustedBefore { return .accept(.trustedForThisRun(notPinned: trustedThisRun.notPinned)) }
        return .ask(CertificateQuestion(server: server, certificate: certificate, reason: reason, pinFile: pinFile))
    }
}
