import CSystemShims
import ChatProtocol
import ChatSystem
import ChatTLS
import Glibc
import Logging

extension ChatServer {
    /// What a server's TLS listener is started with.
    public struct TLSSettings: Sendable {
        /// The TLS listener's port unless told otherwise (7778).
        public static let defaultPort = Wire.defaultTLSPort

        /// The certificate (PEM, with its chain) and its key (PEM), reloaded by ``ChatServer/reloadCertificates()``.
        public var certificateFile: String
        public var keyFile: String
        /// The port of the TLS listener; 0 picks a free one.
        public var port: Int
        /// Whether the plain listener is left out.
        public var only: Bool
        /// Seconds a connection has for its handshake before it is closed.
        public var handshakeTimeout: Double

        public init(
            certificateFile: String, keyFile: String, port: Int = defaultPort, only: Bool = false,
            handshakeTimeout: Double = 10
        ) {
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.port = port
            self.only = only
            self.handshakeTimeout = handshakeTimeout
        }
    }

    /// The longest a TLS handshake may take, in nanoseconds.
    var handshakeLimit: UInt64 { UInt64(max(configuration.tls?.handshakeTimeout ?? 10, 0.001) * 1e9) }

    /// Loads the certificate and key again (SIGHUP): new connections get the new pair, open ones keep theirs.
    /// A pair that fails to load is logged and the old one kept.
    ///
    /// - Returns: Whether the new pair is in use; `false` also when the server has no TLS listener.
    @discardableResult
    public func reloadCertificates() -> Bool {
        guard let certificates else { return false }
        do throws(TLSError) {
            let context = try certificates.reload()
            logger.notice("tls certificate reloaded", metadata: Self.metadata(of: context))
            return true
        } catch {
            logger.error("tls certificate reload failed; keeping the one in use", metadata: ["error": "\(error)"])
            return false
        }
    }

    static func metadata(of context: TLSContext) -> Logger.Metadata {
        guard let certificate = context.certificate else { return [:] }
        return [
            "subject": "\(certificate.subject)", "fingerprint": "\(certificate.fingerprint)",
            "expires": "\(certificate.notAfter)",
        ]
    }

    // MARK: Admitting over TLS

    /// Starts a TLS connection's thread, which does the handshake and then serves it, or tells it which limit
    /// it passed. Its place is kept meanwhile (see ``Registry/reserve(_:)``).
    ///
    /// - Returns: The error when the process is out of threads or memory (the caller backs off).
    func admitTLS(_ fd: Int32, certificates: ServerCertificates) -> SystemError? {
        ServerSocket.configureAccepted(fd)
        let peer = ServerSocket.peer(fd)
        let engine: TLSEngine
        do throws(TLSError) {
            engine = try TLSEngine(server: certificates.context)
        } catch {
            logger.error("cannot start a TLS connection", metadata: ["peer": "\(peer.description)", "error": "\(error)"])
            close(fd)
            return nil
        }
        let outbox = Outbox(
            id: nextID.add(1, ordering: .relaxed).oldValue, fd: fd, peer: peer.description, address: peer.address,
            tls: engine)
        let reservation = registry.reserve(outbox)
        guard reservation != .closed else {
            close(fd)
            return nil
        }
        do {
            try ThreadSpawner.spawn(stackSize: configuration.threadStackBytes) { [self] in
                serveTLS(outbox, reservation)
            }
        } catch {
            logger.error("cannot start a connection thread", metadata: ["peer": "\(peer.description)", "error": "\(error)"])
            if reservation == .reserved { registry.releaseReservation(outbox) } else { registry.refusalEnded() }
            close(fd)
            return error
        }
        return nil
    }

    /// A TLS connection's thread: the handshake, then the session, or the refusal.
    private func serveTLS(_ outbox: Outbox, _ reservation: Registry.Reservation) {
        outbox.adoptOwner()
        var waitMask = sigset_t()
        _ = CSystemShims_prepare_wakeable_thread(&waitMask)
        func end() {
            close(outbox.fd)
            if reservation == .reserved { registry.releaseReservation(outbox) } else { registry.refusalEnded() }
        }
        handshakesRunning.add(1, ordering: .relaxed)
        let failure = handshake(outbox, waitMask: &waitMask)
        releaseHandshakeMemory()
        if let failure {
            logger.info("tls handshake failed", metadata: ["peer": "\(outbox.peer)", "reason": "\(failure)"])
            return end()
        }
        switch reservation {
        case .full:
            refuse(outbox, limit: "max-clients \(configuration.maxClients)", text: "the server is full")
            return end()
        case .tooManyFromAddress:
            refuse(
                outbox, limit: "max-per-ip \(configuration.maxPerAddress)", text: "too many connections from your address")
            return end()
        case .closed:
            return end()
        case .reserved:
            break
        }
        if let ban = sessionSettings.desk.addressBan(outbox.address) {
            logger.warning("refused", metadata: ["peer": "\(outbox.peer)", "limit": "banned"])
            let refusal =
                Event.error(.banned, "your address is banned \(AccountDesk.untilText(ban.until))").wireBytes
                + Event.bye("banned").wireBytes
            ServerSocket.sendBestEffort(outbox.fd, outbox.sealRefusal(refusal))
            return end()
        }
        var (admission, unsent) = registry.admit(outbox, reserved: true)
        guard case .admitted(let name) = admission else {
            close(outbox.fd)
            registry.sessionEnded(outbox)
            return
        }
        unsent.send(deferringTo: registry.flusher)
        logger.info("connect", metadata: ["name": "\(name)", "peer": "\(outbox.peer)", "tls": "\(outbox.tlsVersion)"])
        var session = Session(outbox: outbox, registry: registry, logger: logger, settings: sessionSettings)
        session.run(name: name)
    }

    /// Gives back what a handshake used and no longer needs, so that an idle TLS connection costs little more
    /// than a plain one: the deep stack pages OpenSSL touched (this thread goes on shallow), and, once the last
    /// of a burst of handshakes is done, the free pages their temporary buffers left in the heap (at most every
    /// 100 ms: a trim walks every malloc arena).
    private func releaseHandshakeMemory() {
        _ = CSystemShims_release_stack_below(16 * 1024)
        guard handshakesRunning.subtract(1, ordering: .relaxed).newValue == 0 else { return }
        let now = monotonicNanoseconds()
        let last = lastTrim.load(ordering: .relaxed)
        guard now - last >= 100_000_000,
            lastTrim.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged
        else { return }
        _ = CSystemShims_trim_heap()
    }

    /// Turns a TLS connection away past a limit, after its handshake: `ERROR server-full`, `BYE`, close.
    private func refuse(_ outbox: Outbox, limit: String, text: String) {
        logger.warning("refused", metadata: ["peer": "\(outbox.peer)", "limit": "\(limit)"])
        let refusal = Event.error(.serverFull, text).wireBytes + Event.bye("try again later").wireBytes
        ServerSocket.sendBestEffort(outbox.fd, outbox.sealRefusal(refusal))
    }

    /// Runs the handshake on the connection's own thread, within ``handshakeLimit``.
    ///
    /// - Returns: Why it failed, or `nil` once it is complete.
    private func handshake(_ outbox: Outbox, waitMask: inout sigset_t) -> String? {
        let deadline = monotonicNanoseconds() + handshakeLimit
        // A ClientHello is a few hundred bytes; a larger flight takes several reads.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { buffer.deallocate() }
        var received = UnsafeRawBufferPointer(start: nil, count: 0)
        while true {
            let (progress, output) = outbox.handshake(received)
            if !output.isEmpty, let failure = send(output, outbox, until: deadline, waitMask: &waitMask) {
                return failure
            }
            switch progress {
            case .complete: return nil
            case .failed(let reason): return reason
            case .needsInput: break
            }
            switch wait(outbox, for: POLLIN, until: deadline, waitMask: &waitMask) {
            case .some(let failure): return failure
            case .none: break
            }
            let count: Int?
            do {
                count = try receiveAvailable(outbox.fd, into: buffer)
            } catch {
                return "the connection was lost during the handshake (\(error))"
            }
            guard let count else {
                received = UnsafeRawBufferPointer(start: nil, count: 0)
                continue
            }
            if count == 0 { return "the peer closed the connection during the handshake" }
            received = UnsafeRawBufferPointer(rebasing: buffer[..<count])
        }
    }

    /// Sends handshake bytes, waiting for room in the socket until the deadline.
    private func send(_ bytes: [UInt8], _ outbox: Outbox, until deadline: UInt64, waitMask: inout sigset_t) -> String? {
        var offset = 0
        while offset < bytes.count {
            let sent: Int
            do {
                sent = try bytes.withUnsafeBytes { buffer throws(SystemError) in
                    try StreamSocket.send(outbox.fd, UnsafeRawBufferPointer(rebasing: buffer[offset...]))
                }
            } catch {
                return "the connection was lost during the handshake (\(error))"
            }
            offset += sent
            if offset < bytes.count, let failure = wait(outbox, for: POLLOUT, until: deadline, waitMask: &waitMask) {
                return failure
            }
        }
        return nil
    }

    /// Waits for the socket to be ready, the deadline, or the server's shutdown.
    ///
    /// - Returns: Why the handshake ends, or `nil` when the socket is ready (or the wait was interrupted).
    private func wait(_ outbox: Outbox, for events: Int32, until deadline: UInt64, waitMask: inout sigset_t)
        -> String?
    {
        let now = monotonicNanoseconds()
        guard now < deadline else { let limit = handshakeLimit % 1_000_000_000 == 0 ? "\(handshakeLimit / 1_000_000_000)" : String(format3: Double(handshakeLimit) / 1e9)
            return "no handshake within \(limit) s" }
        var socket = pollfd(fd: outbox.fd, events: Int16(events), revents: 0)
        let timeout = Int32(min((deadline - now) / 1_000_000 + 1, 60_000))
        // Returns EINTR when the shutdown wakes this thread (see Outbox).
        _ = CSystemShims_poll_wakeable(&socket, 1, timeout, &waitMask)
        if outbox.beginTurn().closing != nil { return "the server is shutting down" }
        return nil
    }
}
