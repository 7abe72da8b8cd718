import ChatSystem
import ChatTLS
import Glibc

/// The user's answer to a ``ConnectionEvent/certificateUnknown(_:)``.
enum CertificateAnswer: Equatable, Sendable {
    case trust
    case decline
}

extension ChatConnection {
    /// What the TLS step made of a new TCP connection (see ``secure(_:trustedThisRun:)``).
    enum Securing {
        /// No TLS: the socket carries the lines itself.
        case plain
        /// Encrypted, the certificate accepted: the lines go through the channel.
        case secured(TLSChannel)
        /// The attempt failed (the handshake failed or took too long): close, and retry after the backoff.
        case retry(String)
        /// Close and end, for good: a refused or declined certificate, or a stop. The reason to report as the
        /// last ``ConnectionEvent/disconnected(reason:retryIn:)``, if any.
        case end(String?)
    }

    /// The TLS context and the fingerprint given, made once for every connection of a run.
    ///
    /// - Throws: ``ClientError/tls(_:)`` when the authorities cannot be read or the fingerprint is not one.
    static func prepareTLS(_ settings: TLSSettings?) throws(ClientError) -> (TLSContext?, Fingerprint?) {
        guard let settings else { return (nil, nil) }
        var given: Fingerprint?
        if let text = settings.fingerprint {
            guard let fingerprint = Fingerprint(text) else {
                throw .tls("\(text) is not a fingerprint (sha256: and 64 hex digits)")
            }
            given = fingerprint
        }
        do throws(TLSError) {
            return (try TLSContext.client(authorityFile: settings.authorityFile), given)
        } catch {
            throw .tls(error.description)
        }
    }

    /// Trusts the certificate of the ``ConnectionEvent/certificateUnknown(_:)`` just reported: the connection
    /// pins it and goes on. Does nothing when no certificate waits for an answer.
    public func trustCertificate() {
        answerCertificate(.trust)
    }

    /// Declines the certificate of the ``ConnectionEvent/certificateUnknown(_:)`` just reported: the
    /// connection ends, without a retry. Does nothing when no certificate waits for an answer.
    public func declineCertificate() {
        answerCertificate(.decline)
    }

    private func answerCertificate(_ answer: CertificateAnswer) {
        let taken = shared.withLock { shared -> Bool in
            guard shared.awaitingCertificate, shared.certificateAnswer == nil else { return false }
            shared.certificateAnswer = answer
            return true
        }
        if taken { wake.wake() }
    }

    // MARK: The network thread

    /// Runs the handshake over a new connection (with ``Options/tls``), then decides on the certificate
    /// (``TrustDecision``), asking the user when it must.
    ///
    /// - Parameters:
    ///   - fd: The connected socket.
    ///   - trustedThisRun: A certificate the user trusted during this run and that could not be pinned.
    func secure(_ fd: Int32, trustedThisRun: inout (fingerprint: Fingerprint, notPinned: String)?) -> Securing {
        guard let settings = options.tls, let context = tlsContext else { return .plain }
        let channel: TLSChannel
        do throws(ClientError) {
            channel = try TLSChannel(context: context, host: options.address.host, fd: fd)
        } catch {
            return .retry(error.description)
        }
        switch channel.handshake(timeout: settings.handshakeTimeout, wake: wake, isStopped: { isStopped }) {
        case .complete: break
        case .failed(let reason): return .retry(reason)
        case .stopped: return .end(nil)
        }
        guard let peer = channel.engine.peerCertificate else { return .retry("the server sent no certificate") }
        let certificate = ServerCertificate(peer)
        let server = KnownServers.key(for: options.address)
        // With --tls-fingerprint, the pins are neither read nor written.
        let pinFile = givenFingerprint == nil ? settings.knownServersPath : nil
        let pins = pinFile.map { path in
            Result { () throws(KnownServers.Failure) in try KnownServers(path: path).pins(for: server) }
        }
        let decision = TrustDecision.decide(
            verification: channel.engine.verification, certificate: certificate, fingerprint: peer.fingerprint,
            server: server, given: givenFingerprint, pins: pins, pinFile: pinFile, trustedThisRun: trustedThisRun)
        let trust: TLSSession.Trust
        switch decision {
        case .accept(let accepted):
            trust = accepted
        case .refuse(let refusal):
            sink(.certificateRefused(refusal))
            return .end(nil)
        case .ask(let question):
            switch waitForAnswer(to: question) {
            case nil: return .end(nil)
            case .decline: return .end("the certificate of \(server) was not trusted")
            case .trust: break
            }
            if let pinFile {
                do throws(KnownServers.Failure) {
                    let line = try KnownServers(path: pinFile).add(peer.fingerprint, for: server)
                    trust = .trustedAndPinned(line: line, file: pinFile)
                } catch {
                    trust = .trustedForThisRun(notPinned: "it could not be pinned: \(error)")
                    trustedThisRun = (peer.fingerprint, "it could not be pinned: \(error)")
                }
            } else {
                trust = .trustedForThisRun(notPinned: "there is no home folder to pin it in")
                trustedThisRun = (peer.fingerprint, "there is no home folder to pin it in")
            }
        }
        sink(
            .secured(
                TLSSession(protocolVersion: channel.engine.protocolVersion, certificate: certificate, trust: trust)))
        return .secured(channel)
    }

    /// Reports the question and waits for ``trustCertificate()`` or ``declineCertificate()``.
    ///
    /// - Returns: The answer, or `nil` when the connection was stopped first.
    private func waitForAnswer(to question: CertificateQuestion) -> CertificateAnswer? {
        shared.withLock {
            $0.awaitingCertificate = true
            $0.certificateAnswer = nil
        }
        defer {
            shared.withLock {
                $0.awaitingCertificate = false
                $0.certificateAnswer = nil
            }
        }
        sink(.certificateUnknown(question))
        while true {
            let (stopped, answer) = shared.withLock { ($0.stopped, $0.certificateAnswer) }
            if stopped { return nil }
            if let answer { return answer }
            var fds = [pollfd(fd: wake.fd, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 1, -1) > 0 { wake.drain() }
        }
    }

    /// Seals the queued lines and sends the ciphertext the socket takes now; after `/quit`, the session's
    /// `close_notify` follows the last line.
    func flush(_ channel: TLSChannel) throws(ClientError) {
        // Plaintext is taken only while little ciphertext waits, so a slow socket holds back the queue.
        if channel.queuedOutput < 64 * 1024 {
            let (chunk, closing) = shared.withLock { shared -> ([UInt8], Bool) in
                let end = min(shared.outbound.count, shared.sentOffset + 64 * 1024)
                let chunk = Array(shared.outbound[shared.sentOffset..<end])
                shared.sentOffset = end
                if shared.sentOffset >= shared.outbound.count {
                    shared.outbound.removeAll(keepingCapacity: true)
                    shared.sentOffset = 0
                    return (chunk, shared.quitting)
                }
                return (chunk, false)
            }
            if !chunk.isEmpty {
                guard chunk.withUnsafeBytes({ channel.seal($0) }) else {
                    throw .tls("cannot encrypt: the TLS session failed")
                }
            }
            if closing { channel.closeSession() }
        }
        try channel.flush()
    }

    /// On a stop: the `close_notify`, sent if the socket takes it now (it is closed right after).
    func sayGoodbye(_ channel: TLSChannel) {
        channel.closeSession()
        try? channel.flush()
    }
}
