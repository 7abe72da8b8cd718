import CSystemShims
import ChatProtocol
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
        /// The most unsent bytes queued for one client before it is dropped as `slow`.
        public var sendQueueBytes: Int
        /// The stack size of each connection's thread.
        public var threadStackBytes: Int
        /// The TEXT of every `WELCOME` line.
        public var greeting: String

        public init(
            host: String = "127.0.0.1",
            port: Int = Wire.defaultPort,
            maxClients: Int = 10_000,
            sendQueueBytes: Int = 1 << 20,
            threadStackBytes: Int = 256 * 1024,
            greeting: String = "Welcome to chatroom! Type /help for the commands."
        ) {
            self.host = host
            self.port = port
            self.maxClients = maxClients
            self.sendQueueBytes = sendQueueBytes
            self.threadStackBytes = threadStackBytes
            self.greeting = greeting
        }
    }

    private struct Listener {
        var fd: Int32 = -1
        var port = 0
        var acceptThreadRunning = false
    }

    public let configuration: Configuration
    let logger: Logger
    let registry: Registry
    private let listener = Locked(Listener())
    private let stopSignal: WakeSignal
    private let nextID = Atomic<UInt64>(1)

    /// Creates a server; nothing listens until ``start()``.
    ///
    /// - Throws: ``SystemError`` if the eventfd used to stop it cannot be made.
    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "chatroom-server"))
        throws
    {
        self.configuration = configuration
        self.logger = logger
        self.registry = Registry(
            maxClients: configuration.maxClients,
            sendQueueLimit: configuration.sendQueueBytes,
            greeting: configuration.greeting)
        self.stopSignal = try WakeSignal()
    }

    /// Binds, listens and starts accepting on a thread of its own.
    ///
    /// - Returns: The port the server listens on.
    /// - Throws: ``SystemError`` if the address cannot be bound.
    @discardableResult
    public func start() throws -> Int {
        let (fd, port) = try Socket.listen(host: configuration.host, port: configuration.port)
        listener.withLock {
            $0.fd = fd
            $0.port = port
            $0.acceptThreadRunning = true
        }
        do {
            try ThreadSpawner.spawn(stackSize: configuration.threadStackBytes) { [self] in acceptLoop(fd) }
        } catch {
            close(fd)
            throw error
        }
        let shown = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        logger.info("listening on \(shown):\(port)")
        return port
    }

    /// The port the server listens on (0 before ``start()``).
    public var port: Int { listener.withLock { $0.port } }

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
        stopSignal.signal()
        registry.closeAll(farewell: "server shutting down", deadline: deadline)
        // Sessions end by themselves by the deadline; wait for them (and the accept thread) a little past it.
        let waitUntil = deadline + 200_000_000
        var pause = timespec(tv_sec: 0, tv_nsec: 2_000_000)
        while (registry.liveSessions > 0 || listener.withLock({ $0.acceptThreadRunning }))
            && monotonicNanoseconds() < waitUntil
        {
            nanosleep(&pause, nil)
        }
        logger.info("stopped")
    }

    // MARK: Accepting

    private func acceptLoop(_ listenFD: Int32) {
        defer {
            close(listenFD)
            listener.withLock { $0.acceptThreadRunning = false }
        }
        var starved = false
        while true {
            var fds = [
                pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stopSignal.fd, events: Int16(POLLIN), revents: 0),
            ]
            // While out of file descriptors, back off instead of spinning on a ready listener.
            let ready = poll(&fds, starved ? 1 : 2, starved ? 100 : -1)
            if ready < 0 && errno != EINTR { return }
            if fds[1].revents != 0 { return }
            if starved {
                var stop = [pollfd(fd: stopSignal.fd, events: Int16(POLLIN), revents: 0)]
                if poll(&stop, 1, 0) > 0 { return }
            }
            while true {
                let fd = CSystemShims_accept_nonblocking(listenFD)
                if fd >= 0 {
                    if starved {
                        starved = false
                        logger.notice("accepting again")
                    }
                    admit(fd)
                    continue
                }
                switch errno {
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    if !starved {
                        starved = true
                        logger.error("accept failed, backing off", metadata: ["error": "\(SystemError("accept"))"])
                    }
                default:
                    break
                }
                break
            }
        }
    }

    private func admit(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let peer = Socket.peerDescription(fd)
        let connection: Connection
        do {
            connection = try Connection(id: nextID.add(1, ordering: .relaxed).oldValue, fd: fd, peer: peer)
        } catch {
            logger.error("cannot set up connection", metadata: ["peer": "\(peer)", "error": "\(error)"])
            close(fd)
            return
        }
        guard let name = registry.admit(connection) else {
            logger.warning("refused: server full", metadata: ["peer": "\(peer)", "max-clients": "\(configuration.maxClients)"])
            let refusal = ProtocolError.serverFull.event.wireBytes + Event.bye("try again later").wireBytes
            Socket.sendBestEffort(fd, refusal)
            close(fd)
            return
        }
        logger.info("connect", metadata: ["name": "\(name)", "peer": "\(peer)"])
        let registry = self.registry
        let logger = self.logger
        do {
            try ThreadSpawner.spawn(stackSize: configuration.threadStackBytes) {
                var session = Session(connection: connection, registry: registry, logger: logger)
                session.run(name: name)
            }
        } catch {
            logger.error("cannot start a connection thread", metadata: ["name": "\(name)", "error": "\(error)"])
            registry.remove(connection.id, reason: .lost)
            registry.sessionEnded()
            close(fd)
        }
    }
}
