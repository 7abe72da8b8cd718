/// What a bench run does: where it connects, how many clients, and the load they offer.
///
/// The defaults are chatload's (`shared/bench/chatload.c`), except the rate, which is the `mid` scenario's.
public struct BenchConfiguration: Sendable, Equatable {
    /// The server's host name or address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// How many clients connect.
    public var clients: Int
    /// How many of them broadcast (the first ones to connect); at most ``clients``.
    public var senders: Int
    /// Messages a second, all senders together (0: connect, send one probe broadcast, and stop).
    public var rate: Double
    /// Seconds measured, after ``warmup``.
    public var duration: Double
    /// Seconds of load before measuring starts.
    public var warmup: Double
    /// Bytes in each message body, the token included (the line is `/bc `, the body, LF).
    public var size: Int
    /// Connections being opened at once: connected but not yet welcomed.
    public var connectConcurrency: Int
    /// Seconds to wait for every client to be welcomed and every join announced.
    public var connectTimeout: Double
    /// Seconds to wait after the load for deliveries still in flight.
    public var drain: Double
    /// Event loop threads sharing the clients.
    public var threads: Int
    /// Unsent bytes one client may hold before a due message is skipped (the server is not reading).
    public var outboundLimit: Int
    /// The server's process ID, to read its CPU, threads and memory from `/proc` (0: none).
    public var serverPID: Int32
    /// TLS, and how the server's certificate is checked; `nil`: plain TCP.
    public var tls: BenchTLS?

    /// Creates a configuration.
    public init(
        host: String = "127.0.0.1",
        port: Int = 7777,
        clients: Int = 100,
        senders: Int = 10,
        rate: Double = 1000,
        duration: Double = 10,
        warmup: Double = 2,
        size: Int = 64,
        connectConcurrency: Int = 256,
        connectTimeout: Double = 120,
        drain: Double = 2,
        threads: Int = 1,
        outboundLimit: Int = 1 << 20,
        serverPID: Int32 = 0,
        tls: BenchTLS? = nil
    ) {
        self.host = host
        self.port = port
        self.clients = clients
        self.senders = senders
        self.rate = rate
        self.duration = duration
        self.warmup = warmup
        self.size = size
        self.connectConcurrency = connectConcurrency
        self.connectTimeout = connectTimeout
        self.drain = drain
        self.threads = threads
        self.outboundLimit = outboundLimit
        self.serverPID = serverPID
        self.tls = tls
    }

    /// The senders actually used: ``senders``, at most ``clients``, at least 1 when there is load.
    var effectiveSenders: Int { min(max(senders, 1), clients) }

    /// Checks that the values make a run.
    ///
    /// - Throws: ``BenchError/invalidConfiguration(_:)`` naming the first bad value.
    public func validate() throws(BenchError) {
        func fail(_ text: String) -> BenchError { .invalidConfiguration(text) }
        guard (1...65_535).contains(port) else { throw fail("--port must be between 1 and 65535") }
        guard clients >= 1 else { throw fail("--clients must be at least 1") }
        guard senders >= 0 else { throw fail("--senders must be 0 or more") }
        guard rate >= 0, rate.isFinite else { throw fail("--rate must be 0 or more") }
        guard rate == 0 || senders >= 1 else { throw fail("--senders must be at least 1 when --rate is above 0") }
        guard duration > 0, duration.isFinite else { throw fail("--duration must be above 0") }
        guard warmup >= 0, warmup.isFinite else { throw fail("--warmup must be 0 or more") }
        guard (1...BenchToken.maximumSize).contains(size) else {
            throw fail("--size must be between 1 and \(BenchToken.maximumSize)")
        }
        guard connectConcurrency >= 1 else { throw fail("--connect-concurrency must be at least 1") }
        guard connectTimeout > 0 else { throw fail("--connect-timeout must be above 0") }
        guard drain >= 0, drain.isFinite else { throw fail("--drain must be 0 or more") }
        guard (1...64).contains(threads) else { throw fail("--threads must be between 1 and 64") }
        guard outboundLimit >= 4096 else { throw fail("--outbound-limit must be at least 4096") }
        guard serverPID >= 0 else { throw fail("--server-pid must be a process ID") }
        if case .verified(let file?) = tls, file.isEmpty { throw fail("--tls-ca must name a file") }
    }
}
