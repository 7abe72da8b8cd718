import Histogram

/// Everything a run measured; ``text`` and ``json`` format it.
public struct BenchReport: Sendable, Equatable {
    /// What was run.
    public var configuration: BenchConfiguration
    /// How connecting went.
    public var connect: Connect
    /// The load's figures (when `--rate` is above 0).
    public var load: Load?
    /// The single broadcast sent when `--rate` is 0.
    public var probe: Probe?
    /// The server's process figures (with `--server-pid`).
    public var server: Server?
    /// The bench's own CPU use, and the machine's.
    public var tester: Tester

    /// Creates a report.
    public init(
        configuration: BenchConfiguration, connect: Connect, load: Load? = nil, probe: Probe? = nil,
        server: Server? = nil, tester: Tester
    ) {
        self.configuration = configuration
        self.connect = connect
        self.load = load
        self.probe = probe
        self.server = server
        self.tester = tester
    }

    /// Connecting every client: welcomes and the join announcements.
    public struct Connect: Sendable, Equatable {
        /// Clients asked for.
        public var clients: Int
        /// Clients welcomed.
        public var welcomed: Int
        /// Clients never welcomed.
        public var failed: Int
        /// Seconds until every client was welcomed or had failed (chatload's "connect").
        public var welcomeSeconds: Double
        /// Seconds until, in addition, every `JOIN` the server owed had been read.
        public var seconds: Double
        /// `JOIN` lines read.
        public var joins: Int
        /// `JOIN` lines owed: each welcomed client is announced to every one welcomed before it.
        public var joinsExpected: Int
        /// Whether `--connect-timeout` ran out first.
        public var timedOut: Bool
        /// Why the first failed client failed, if one did.
        public var firstError: String?
        /// TLS handshakes completed, their certificate accepted (`nil` for a plain run).
        public var handshakes: Int?
        /// The protocol they negotiated (`TLSv1.3`; `nil` for a plain run or when none completed).
        public var tlsVersion: String?

        /// Creates connect figures.
        public init(
            clients: Int, welcomed: Int, failed: Int, welcomeSeconds: Double, seconds: Double, joins: Int,
            joinsExpected: Int, timedOut: Bool = false, firstError: String? = nil, handshakes: Int? = nil,
            tlsVersion: String? = nil
        ) {
            self.clients = clients
            self.welcomed = welcomed
            self.failed = failed
            self.welcomeSeconds = welcomeSeconds
            self.seconds = seconds
            self.joins = joins
            self.joinsExpected = joinsExpected
            self.timedOut = timedOut
            self.firstError = firstError
            self.handshakes = handshakes
            self.tlsVersion = tlsVersion
        }

        /// The handshake rate: clients a second through the whole of connecting (TCP connect, the TLS handshake
        /// with `--tls`, `WELCOME`), over the time until all were welcomed, with up to `--connect-concurrency`
        /// under way at once. The same figure for plain and TLS runs, to set them side by side.
        public var handshakesPerSecond: Double? {
            welcomeSeconds > 0 && welcomed > 0 ? Double(welcomed) / welcomeSeconds : nil
        }
    }

    /// Percentiles of a set of durations, in microseconds, read from an HdrHistogram.
    public struct Latency: Sendable, Equatable {
        /// How many values were recorded.
        public var count: UInt64
        public var p50: UInt64
        public var p90: UInt64
        public var p99: UInt64
        public var p999: UInt64
        public var max: UInt64

        /// Creates latency figures from values.
        public init(count: UInt64, p50: UInt64, p90: UInt64, p99: UInt64, p999: UInt64, max: UInt64) {
            self.count = count
            self.p50 = p50
            self.p90 = p90
            self.p99 = p99
            self.p999 = p999
            self.max = max
        }

        /// Reads the percentiles of a histogram of microseconds (all 0 when it is empty).
        public init(_ histogram: Histogram<UInt64>) {
            guard histogram.totalCount > 0 else {
                self.init(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0)
                return
            }
            self.init(
                count: histogram.totalCount,
                p50: histogram.valueAtPercentile(50),
                p90: histogram.valueAtPercentile(90),
                p99: histogram.valueAtPercentile(99),
                p999: histogram.valueAtPercentile(99.9),
                max: histogram.maxRecorded)
        }
    }

    /// The open-loop load and its deliveries.
    public struct Load: Sendable, Equatable {
        /// Clients that sent.
        public var senders: Int
        /// Clients in the room when the load began: each message is owed to every one of them.
        public var receivers: Int
        /// The measured window's length in seconds (`--duration`).
        public var windowSeconds: Double
        /// Messages sent, warm-up included.
        public var sent: Int
        /// Messages sent in the measured window.
        public var sentInWindow: Int
        /// Messages due but not sent (the sender was gone or the server was not reading it).
        public var skipped: Int
        /// Deliveries owed: every message sent, to every receiver.
        public var expected: Int
        /// Deliveries received, warm-up included.
        public var delivered: Int
        /// Deliveries of messages sent in the measured window.
        public var deliveredInWindow: Int
        /// Receivers the server closed during the load.
        public var lostClients: Int
        /// Delivery latency of the messages sent in the window.
        public var latency: Latency
        /// How late the sends were against the timetable.
        public var sendLag: Latency

        /// Creates load figures.
        public init(
            senders: Int, receivers: Int, windowSeconds: Double, sent: Int, sentInWindow: Int, skipped: Int,
            expected: Int, delivered: Int, deliveredInWindow: Int, lostClients: Int, latency: Latency, sendLag: Latency
        ) {
            self.senders = senders
            self.receivers = receivers
            self.windowSeconds = windowSeconds
            self.sent = sent
            self.sentInWindow = sentInWindow
            self.skipped = skipped
            self.expected = expected
            self.delivered = delivered
            self.deliveredInWindow = deliveredInWindow
            self.lostClients = lostClients
            self.latency = latency
            self.sendLag = sendLag
        }

        /// Messages a second sent in the window.
        public var achievedRate: Double { windowSeconds > 0 ? Double(sentInWindow) / windowSeconds : 0 }
        /// Deliveries a second of the messages sent in the window (chatload's `deliveries_per_s`).
        public var deliveriesPerSecond: Double {
            windowSeconds > 0 ? Double(deliveredInWindow) / windowSeconds : 0
        }
        /// Deliveries owed but not received by the end of the drain.
        public var lost: Int { max(expected - delivered, 0) }

        /// Send lag at or past this (p99, microseconds) means the bench's own loop waited for a CPU.
        public static let lateSendLag: UInt64 = 1_000

        /// Whether the loop woke late for its sends: it then also read late, and the latencies hold its waits.
        public var benchWokeLate: Bool { sendLag.p99 >= Self.lateSendLag }
    }

    /// The broadcast sent after connecting when there is no load: how long it takes to reach everyone.
    public struct Probe: Sendable, Equatable {
        /// Clients it was owed to.
        public var receivers: Int
        /// Latency of each delivery; its maximum is the time to reach the last client.
        public var latency: Latency

        /// Creates probe figures.
        public init(receivers: Int, latency: Latency) {
            self.receivers = receivers
            self.latency = latency
        }
    }

    /// The server process, from `/proc/PID`.
    public struct Server: Sendable, Equatable {
        /// Its process ID.
        public var pid: Int32
        /// Read before the first client connected.
        public var before: ProcessSample
        /// Read when every client was in and announced.
        public var connected: ProcessSample
        /// Read at the end of the measured window (nil without load).
        public var underLoad: ProcessSample?
        /// CPU seconds over the measured window (nil without load).
        public var windowCPUSeconds: Double?
        /// Welcomed clients, to share the memory out.
        public var connections: Int

        /// Creates server figures.
        public init(
            pid: Int32, before: ProcessSample, connected: ProcessSample, underLoad: ProcessSample? = nil,
            windowCPUSeconds: Double? = nil, connections: Int
        ) {
            self.pid = pid
            self.before = before
            self.connected = connected
            self.underLoad = underLoad
            self.windowCPUSeconds = windowCPUSeconds
            self.connections = connections
        }

        /// Resident memory added per connection, in KiB: the RSS once every client was in and announced (idle,
        /// before any load) minus the RSS before the first connected, shared by the clients in. With `--tls`,
        /// the memory per TLS connection.
        public var residentKiBPerConnection: Double {
            connections > 0 ? Double(connected.residentKiB - before.residentKiB) / Double(connections) : 0
        }
    }

    /// The bench's own CPU, to tell whether it, not the server, was the limit.
    public struct Tester: Sendable, Equatable {
        /// Event loop threads.
        public var loops: Int
        /// CPU seconds the whole bench process used in the measured window.
        public var cpuSeconds: Double?
        /// The window those were measured over, in seconds.
        public var windowSeconds: Double
        /// The busiest loop thread's CPU over the window, as a share of one core (1 = saturated).
        public var busiestLoopShare: Double?
        /// CPUs on the machine.
        public var machineCores: Int
        /// Cores' worth of the machine busy over the window (everything: server, bench and others).
        public var machineBusyCores: Double?

        /// Creates tester figures.
        public init(
            loops: Int, cpuSeconds: Double?, windowSeconds: Double, busiestLoopShare: Double?, machineCores: Int,
            machineBusyCores: Double?
        ) {
            self.loops = loops
            self.cpuSeconds = cpuSeconds
            self.windowSeconds = windowSeconds
            self.busiestLoopShare = busiestLoopShare
            self.machineCores = machineCores
            self.machineBusyCores = machineBusyCores
        }

        /// A loop thread busy this much of the window may itself be holding the figures back.
        public static let saturationShare = 0.9

        /// Whether a loop thread was near a full core: the bench, not the server, may be the limit.
        public var saturated: Bool { (busiestLoopShare ?? 0) >= Self.saturationShare }
    }
}

extension BenchReport {
    /// Server CPU microseconds per measured delivery.
    public var serverCPUMicrosecondsPerDelivery: Double? {
        guard let cpu = server?.windowCPUSeconds, let load, load.deliveredInWindow > 0 else { return nil }
        return cpu * 1e6 / Double(load.deliveredInWindow)
    }
}
