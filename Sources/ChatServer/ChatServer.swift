import CSystemShims
import ChatPassword
import ChatProtocol
import ChatStore
import ChatSystem
import ChatTLS
import Glibc
import Logging
import Synchronization

/// A chat server: one room, a thread per connection, wire protocol v1.
///
/// ```swift
/// let server = ChatServer(configuration: .init(port: 0), logger: logger)
/// let port = try server.start()
/// // ...
/// server.shutdown()
/// ```
public final class ChatServer: Sendable {
    /// What a server is started with.
    public struct Configuration: Sendable {
        /// The address to listen on.
        public var host: String
        /// The port to listen on; 0 picks a free one.
        public var port: Int
        /// The most connections admitted at once; past it a connection gets `ERROR server-full` and `BYE`.
        public var maxClients: Int
        /// The most connections from one address (0: no limit); past it, as for ``maxClients``.
        public var maxPerAddress: Int
        /// The most unsent bytes queued for one client before it is dropped as `slow`.
        public var sendQueueBytes: Int
        /// Lines a second one client may send (0: no limit); faster clients are read later, never cut off.
        public var rate: Double
        /// Lines a client may send at once before ``rate`` applies.
        public var burst: Int
        /// Seconds of silence after which a connection is closed as `lost` (0: never).
        public var idleTimeout: Double
        /// The stack size of each connection's thread.
        public var threadStackBytes: Int
        /// The TEXT of every `WELCOME` line.
        public var greeting: String
        /// Seconds a connection that receives room events steadily waits between writes, so that each write
        /// carries several lines (0: every line is sent at once). See ``WriteCoalescing``.
        public var coalescingInterval: Double
        /// Where the room's history is kept: every broadcast is committed to it before anyone is sent it.
        /// ``NoStore`` (the default here; `--store none`) keeps nothing, and `/history` is `unavailable`.
        public var store: any MessageStore
        /// What the store keeps.
        public var retention: Retention
        /// Accounts, bans and mutes (in the same file as the history); ``NoAccounts`` (`--store none`) keeps
        /// none, and nothing can be registered.
        public var accounts: any AccountStore
        /// Only logged-in connections are in the room (`--members-only`); registration is closed.
        public var membersOnly: Bool
        /// Seconds a connection to a members-only room has to log in before it is closed.
        public var loginTimeout: Double
        /// Whether `/register` makes accounts (`--registration open`, the default in an open room).
        public var registrationOpen: Bool
        /// A TLS listener beside the plain one (or instead of it), with its certificate; `nil`: plain only.
        public var tls: TLSSettings?

        public init(
            host: String = "127.0.0.1",
            port: Int = Wire.defaultPort,
            maxClients: Int = 10_000,
            maxPerAddress: Int = 0,
            sendQueueBytes: Int = 1 << 20,
            rate: Double = 20,
            burst: Int = 60,
            idleTimeout: Double = 0,
            threadStackBytes: Int = 256 * 1024,
            greeting: String = "Welcome to chatroom! Type /help for the commands.",
            coalescingInterval: Double = 0.002,
            store: any MessageStore = NoStore(),
            retention: Retention = Retention(),
            accounts: any AccountStore = NoAccounts(),
            membersOnly: Bool = false,
            loginTimeout: Double = 30,
            registrationOpen: Bool = true,
            tls: TLSSettings? = nil
        ) {
            self.host = host
            self.port = port
            self.maxClients = maxClients
            self.maxPerAddress = maxPerAddress
            self.sendQueueBytes = sendQueueBytes
            self.rate = rate
            self.burst = burst
            self.idleTimeout = idleTimeout
            self.threadStackBytes = threadStackBytes
            self.greeting = greeting
            self.coalescingInterval = coalescingInterval
            self.store = store
            self.retention = retention
            self.accounts = accounts
            self.membersOnly = membersOnly
            self.loginTimeout = loginTimeout
            self.registrationOpen = registrationOpen
            self.tls = tls
        }
    }

    private struct Listener {
        var port = 0
        var tlsPort = 0
        var acceptThreadRunning = false
    }

    public let configuration: Configuration
    let logger: Logger
    let registry: Registry
    private let listener = Locked(Listener())
    /// Wakes the accept thread to stop.
    private let stopWaker: PollWaker
    let nextID = Atomic<UInt64>(1)
    let sessionSettings: SessionSettings
    /// The TLS listener's certificate and key; `nil` without one.
    let certificates: ServerCertificates?
    /// TLS handshakes running now, and when the heap was last trimmed after them (see ``ChatServer/admitTLS``).
    let handshakesRunning = Atomic<Int>(0)
    let lastTrim = Atomic<UInt64>(0)
    /// Commits broadcasts before they are delivered; `nil` when the store keeps nothing.
    let storeWriter: StoreWriter?

    /// Creates a server; nothing listens until ``start()``.
    ///
    /// - Throws: ``SystemError`` if the eventfd that stops the accept thread cannot be made; ``TLSError`` when
    ///   the TLS certificate or key cannot be loaded (or do not match).
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "chatroom-server"))
        throws
    {
        self.configuration = configuration
        self.logger = logger
        let interval = UInt64(max(configuration.coalescingInterval, 0) * 1e9)
        let keeps = configuration.store.keepsMessages
        self.registry = Registry(
            maxClients: configuration.maxClients,
            maxPerAddress: configuration.maxPerAddress,
            sendQueueLimit: configuration.sendQueueBytes,
            greeting: configuration.greeting,
            flusher: interval > 0 ? try DeferredFlusher(coalescing: WriteCoalescing(interval: interval)) : nil,
            storesMessages: keeps, pendingWaker: keeps ? try PollWaker() : nil, lastMessageID: configuration.store.lastID,
            membersOnly: configuration.membersOnly)
        self.storeWriter = StoreWriter(
            store: configuration.store, registry: registry, retention: configuration.retention, logger: logger)
        self.sessionSettings = SessionSettings(
            rate: configuration.rate,
            burst: configuration.burst,
            idleTimeout: UInt64(max(configuration.idleTimeout, 0) * 1e9),
            store: configuration.store,
            desk: AccountDesk(
                store: configuration.accounts,
                registrationOpen: configuration.registrationOpen && !configuration.membersOnly,
                loginTimeout: configuration.membersOnly ? UInt64(max(configuration.loginTimeout, 0) * 1e9) : 0),
            membersOnly: configuration.membersOnly)
        self.certificates = try configuration.tls.map { settings throws(TLSError) in
            try ServerCertificates(certificateFile: settings.certificateFile, keyFile: settings.keyFile)
        }
        self.stopWaker = try PollWaker()
        // Connection threads are woken with a signal; its handler must be in place before any is sent.
        _ = CSystemShims_install_wake_handler()
    }

    /// One listening socket and whether it speaks TLS.
    private struct ListeningSocket: Sendable {
        let fd: Int32
        let port: Int
        let tls: Bool
    }

    /// Binds, listens and starts accepting on a thread of its own: the plain listener, and the TLS one when
    /// configured (``Configuration/tls``), or the TLS one alone.
    ///
    /// - Returns: The port the server listens on (the TLS one's with ``TLSSettings/only``).
    /// - Throws: ``ResolveError`` if the host does not resolve, ``SystemError`` if an address cannot be bound.
    @discardableResult
    public func start() throws -> Int {
        checkDescriptorLimit()
        var sockets: [ListeningSocket] = []
        do {
            if configuration.tls?.only != true {
                let (fd, port) = try ServerSocket.listen(host: configuration.host, port: configuration.port)
                sockets.append(ListeningSocket(fd: fd, port: port, tls: false))
            }
            if let tls = configuration.tls {
                let (fd, port) = try ServerSocket.listen(host: configuration.host, port: tls.port)
                sockets.append(ListeningSocket(fd: fd, port: port, tls: true))
            }
        } catch {
            for socket in sockets { close(socket.fd) }
            throw error
        }
        listener.withLock {
            $0.port = sockets.first { !$0.tls }?.port ?? 0
            $0.tlsPort = sockets.first { $0.tls }?.port ?? 0
            $0.acceptThreadRunning = true
        }
        do {
            try registry.flusher?.start(stackSize: configuration.threadStackBytes)
            try storeWriter?.start(stackSize: configuration.threadStackBytes)
            try ThreadSpawner.spawn(stackSize: configuration.threadStackBytes) { [self, sockets] in acceptLoop(sockets) }
        } catch {
            storeWriter?.stop(deadline: monotonicNanoseconds() + 500_000_000)
            registry.flusher?.stop()
            for socket in sockets { close(socket.fd) }
            throw error
        }
        for socket in sockets {
            let address = SocketAddress.text(host: configuration.host, port: socket.port)
            logger.info("listening on \(address)\(socket.tls ? " (tls)" : "")")
        }
        if let context = certificates?.context { logger.info("tls certificate", metadata: Self.metadata(of: context)) }
        return sockets[0].port
    }

    /// The port the plain listener listens on (0 before ``start()``, or without one).
    public var port: Int { listener.withLock { $0.port } }

    /// The port the TLS listener listens on (0 before ``start()``, or without one).
    public var tlsPort: Int { listener.withLock { $0.tlsPort } }

    /// Connections in the room now.
    public var connectionCount: Int { registry.count }

    /// Threads serving connections now (each ends shortly after its connection does).
    public var sessionThreadCount: Int { registry.liveSessions }

    /// Stops accepting, sends every client `BYE server shutting down`, and waits for queues to flush.
    ///
    /// - Parameter grace: How long clients get to take their last lines before they are cut.
    public func shutdown(grace: Duration = .milliseconds(1500)) {
        let (seconds, attoseconds) = grace.components
        let graceNanos = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        let deadline = monotonicNanoseconds() + graceNanos
        logger.info("shutting down", metadata: ["clients": "\(registry.count)"])
        stopWaker.wake()
        // What waits for the store is committed and delivered before the goodbye (at most a third of the grace).
        storeWriter?.stop(deadline: monotonicNanoseconds() + graceNanos / 3)
        registry.closeAll(farewell: "server shutting down", deadline: deadline)
        // Sessions end by themselves by the deadline; wait for them (and the accept thread) a little past it.
        let waitUntil = deadline + 200_000_000
        var pause = timespec(tv_sec: 0, tv_nsec: 2_000_000)
        while (registry.liveSessions > 0 || listener.withLock({ $0.acceptThreadRunning }))
            && monotonicNanoseconds() < waitUntil
        {
            nanosleep(&pause, nil)
        }
        registry.flusher?.stop()
        logger.info("stopped")
    }

    // MARK: Accepting

    private func acceptLoop(_ sockets: [ListeningSocket]) {
        defer {
            for socket in sockets { close(socket.fd) }
            listener.withLock { $0.acceptThreadRunning = false }
        }
        // Out of file descriptors: back off (logging once) instead of spinning on a listener that stays ready.
        var starved = false
        while true {
            // The listeners to accept from this time: all of them after a back-off, else those poll says are ready.
            var ready = sockets
            if starved {
                var stop = pollfd(fd: stopWaker.fd, events: Int16(POLLIN), revents: 0)
                if poll(&stop, 1, 100) > 0 { return }
            } else {
                var fds = sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
                fds.append(pollfd(fd: stopWaker.fd, events: Int16(POLLIN), revents: 0))
                if poll(&fds, nfds_t(fds.count), -1) < 0 && errno != EINTR { return }
                if fds[sockets.count].revents != 0 { return }
                ready = sockets.indices.filter { fds[$0].revents != 0 }.map { sockets[$0] }
            }
            for socket in ready { acceptAll(socket, starved: &starved) }
        }
    }

    /// Accepts every connection waiting on one listener.
    ///
    /// - Parameter starved: Set when the process runs out of descriptors or threads (the caller backs off), and
    ///   cleared when a connection is admitted again.
    private func acceptAll(_ socket: ListeningSocket, starved: inout Bool) {
        func starve(_ error: SystemError) {
            guard !starved else { return }
            starved = true
            logger.error("out of file descriptors, backing off", metadata: ["error": "\(error)"])
        }
        // JOIN lines for a burst of connections go out together: one write per member per batch.
        var unsent = Unsent()
        var admitted = 0
        defer { unsent.send(deferringTo: registry.flusher) }
        while true {
            if admitted % 64 == 63 { unsent.send(deferringTo: registry.flusher) }
            let fd = CSystemShims_accept_nonblocking(socket.fd)
            guard fd >= 0 else {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM: starve(SystemError("accept"))
                default: break
                }
                return
            }
            admitted += 1
            // A TLS connection's thread does its handshake, then joins (its JOIN leaves from there).
            let failed: SystemError?
            if socket.tls, let certificates {
                failed = admitTLS(fd, certificates: certificates)
            } else {
                failed = admit(fd, &unsent)
            }
            if let failed {
                starve(failed)
                return
            }
            if starved {
                starved = false
                logger.notice("accepting again")
            }
        }
    }

    /// Sets up, names and starts a connection, or refuses it.
    ///
    /// - Parameter unsent: Gathers what admitting left to send (the `WELCOME`, the `JOIN`s), for the caller.
    /// - Returns: The error when the process is out of descriptors or memory (the caller backs off).
    private func admit(_ fd: Int32, _ unsent: inout Unsent) -> SystemError? {
        ServerSocket.configureAccepted(fd)
        let peer = ServerSocket.peer(fd)
        let outbox = Outbox(
            id: nextID.add(1, ordering: .relaxed).oldValue, fd: fd, peer: peer.description, address: peer.address)
        if let ban = sessionSettings.desk.addressBan(peer.address) {
            logger.warning("refused", metadata: ["peer": "\(peer.description)", "limit": "banned"])
            let refusal =
                Event.error(.banned, "your address is banned \(AccountDesk.untilText(ban.until))").wireBytes
                + Event.bye("banned").wireBytes
            ServerSocket.sendBestEffort(fd, refusal)
            close(fd)
            return nil
        }
        let name: String
        let (admission, left) = registry.admit(outbox)
        unsent.add(left)
        switch admission {
        case .admitted(let given):
            name = given
        case .full:
            refuse(fd, peer: peer.description, limit: "max-clients \(configuration.maxClients)", text: "the server is full")
            return nil
        case .tooManyFromAddress:
            refuse(
                fd, peer: peer.description, limit: "max-per-ip \(configuration.maxPerAddress)",
                text: "too many connections from your address")
            return nil
        case .closed:
            close(fd)
            return nil
        }
        logger.info("connect", metadata: ["name": "\(name)", "peer": "\(peer.description)"])
        let registry = self.registry
        let logger = self.logger
        let settings = sessionSettings
        do {
            try ThreadSpawner.spawn(stackSize: configuration.threadStackBytes) {
                var session = Session(outbox: outbox, registry: registry, logger: logger, settings: settings)
                session.run(name: name)
            }
        } catch {
            logger.error("cannot start a connection thread", metadata: ["name": "\(name)", "error": "\(error)"])
            unsent.add(registry.remove(outbox.id, reason: .lost).unsent)
            unsent.send(deferringTo: registry.flusher)
            _ = outbox.retire()
            registry.sessionEnded(outbox)
            close(fd)
            return error
        }
        return nil
    }

    /// Turns a connection away past a limit: `ERROR server-full`, `BYE`, close. Existing users see nothing.
    private func refuse(_ fd: Int32, peer: String, limit: String, text: String) {
        logger.warning("refused", metadata: ["peer": "\(peer)", "limit": "\(limit)"])
        let refusal = Event.error(.serverFull, text).wireBytes + Event.bye("try again later").wireBytes
        ServerSocket.sendBestEffort(fd, refusal)
        close(fd)
    }

    /// Raises the open-file soft limit to the hard limit, and says so if `maxClients` still cannot fit.
    private func checkDescriptorLimit() {
        guard let current = DescriptorLimit.raiseToHardLimit() else { return }
        // Descriptors already open (standard streams, the stop and flusher eventfds, ...) plus the listener and
        // a spare; then one per connection, its socket (its thread is woken by a signal, not a descriptor).
        let reserve = openDescriptorCount() + 2
        let needed = configuration.maxClients + reserve
        if current < needed {
            let holds = max(current - reserve, 0)
            logger.warning(
                "the open-file limit is too low for max-clients",
                metadata: [
                    "max-clients": "\(configuration.maxClients)", "needed": "\(needed)",
                    "limit": "\(current)", "will-hold": "\(holds)",
                ])
        }
    }

    private func openDescriptorCount() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 16 }
        defer { closedir(directory) }
        var count = -1  // the directory's own descriptor
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return max(count, 0)
    }
}
