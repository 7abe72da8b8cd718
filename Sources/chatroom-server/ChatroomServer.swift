import ArgumentParser
import ChatPassword
import ChatServer
import ChatStore
import ChatSystem
import Glibc
import Logging

@main
struct ChatroomServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chatroom-server",
        abstract: "Host a chatroom over TCP (wire protocol v1).",
        discussion: """
            Clients join with `chatroom`, or speak the line protocol directly: `nc 127.0.0.1 7777`.
            SIGINT or SIGTERM sends every client `BYE server shutting down` and exits 0; SIGHUP is logged and ignored.
            """
    )

    /// The library's defaults are the options' defaults: one place says what a plain server does.
    private static let defaults = ChatServer.Configuration()

    @Option(help: "The address to listen on.")
    var host = defaults.host

    @Option(help: "The TCP port to listen on (0 picks a free one).")
    var port = defaults.port

    @Option(help: "The most clients connected at once; past it a new connection gets ERROR server-full and BYE.")
    var maxClients = defaults.maxClients

    @Option(name: .customLong("max-per-ip"), help: "The most connections from one IP address (0: no limit).")
    var maxPerIP = defaults.maxPerAddress

    @Option(help: "A client whose unsent output passes this is dropped as slow (bytes, or with KiB/MiB/GiB).")
    var sendq = ByteCount(bytes: defaults.sendQueueBytes)

    @Option(help: "Lines a second one client may send (0: no limit); a faster client is read later, never cut off.")
    var rate = LineRate(perSecond: defaults.rate)

    @Option(help: "Lines a client may send at once before --rate applies.")
    var burst = defaults.burst

    @Option(help: "Seconds of silence after which a connection is closed (0: never).")
    var idleTimeout = Int(defaults.idleTimeout)

    @Option(
        help: ArgumentHelp(
            "Milliseconds a client that receives room events steadily waits between writes, so one write carries several lines (0: every line at once).",
            valueName: "ms"))
    var coalesce = defaults.coalescingInterval * 1000

    @Option(
        help: ArgumentHelp(
            "The file that keeps the room's history (SQLite, created if missing), or none to keep nothing.",
            valueName: "path|none"))
    var store = "chatroom.sqlite"

    @Option(help: "The most messages the history keeps, the oldest going first (0: any number).")
    var retain = defaults.retention.keepNewest

    @Option(help: "Days a message is kept (0: forever).")
    var retainDays = 0

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    mutating func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard maxClients > 0 else { throw ValidationError("--max-clients must be at least 1") }
        guard maxPerIP >= 0 else { throw ValidationError("--max-per-ip must be 0 or more") }
        guard sendq.bytes >= 8192 else { throw ValidationError("--sendq must be at least 8KiB") }
        guard burst >= 1 else { throw ValidationError("--burst must be at least 1") }
        guard idleTimeout >= 0 else { throw ValidationError("--idle-timeout must be 0 or more") }
        guard (0...1000).contains(coalesce) else { throw ValidationError("--coalesce must be between 0 and 1000 ms") }
        guard !store.isEmpty else { throw ValidationError("--store needs a path, or none") }
        guard retain >= 0 else { throw ValidationError("--retain must be 0 or more") }
        guard (0...36_500).contains(retainDays) else { throw ValidationError("--retain-days must be between 0 and 36500") }
    }

    func run() throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "chatroom-server")

        // Signals are taken synchronously by this thread with sigwait, so block them before any thread starts.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)
        // Past a file size limit a write fails (and the store refuses the broadcast) instead of killing us.
        signal(SIGXFSZ, SIG_IGN)

        let history: any MessageStore
        if store == "none" {
            history = NoStore()
        } else {
            do throws(StoreError) {
                history = try SQLiteMessageStore(path: store)
            } catch {
                writeLine("chatroom-server: \(error)", to: STDERR_FILENO)
                throw ExitCode(1)
            }
            logger.info("history in \(store)", metadata: ["last-id": "\(history.lastID)"])
        }
        let server = try ChatServer(
            configuration: .init(
                host: host, port: port, maxClients: maxClients, maxPerAddress: maxPerIP, sendQueueBytes: sendq.bytes,
                rate: rate.perSecond, burst: burst, idleTimeout: Double(idleTimeout), coalescingInterval: coalesce / 1000,
                store: history,
                retention: Retention(keepNewest: retain, maxAgeSeconds: retainDays > 0 ? Int64(retainDays) * 86_400 : nil)),
            logger: logger)
        do {
            try server.start()
        } catch {
            throw ValidationError("cannot listen on \(host):\(port): \(error)")
        }
        while true {
            var received: Int32 = 0
            guard sigwait(&signals, &received) == 0 else { continue }
            if received == SIGHUP {
                logger.notice("SIGHUP received; nothing to reload, carrying on")
                continue
            }
            logger.notice("signal received", metadata: ["signal": "\(received == SIGINT ? "SIGINT" : "SIGTERM")"])
            server.shutdown()
            return
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// A size given as bytes or with a binary suffix: `65536`, `64KiB`, `1MiB`, `1GiB`.
struct ByteCount: ExpressibleByArgument, CustomStringConvertible {
    var bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1), ("", 1)]
        for (suffix, scale) in units where argument.hasSuffix(suffix) {
            guard let number = Int(argument.dropLast(suffix.count)), number >= 0 else { continue }
            let (product, overflow) = number.multipliedReportingOverflow(by: scale)
            guard !overflow else { return nil }
            bytes = product
            return
        }
        return nil
    }

    var description: String {
        for (suffix, scale) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes >= scale && bytes % scale == 0 {
            return "\(bytes / scale)\(suffix)"
        }
        return "\(bytes)"
    }

    var defaultValueDescription: String { description }
}

/// A rate of lines: `20/s`, or a bare number of lines a second; `0` turns the limit off.
struct LineRate: ExpressibleByArgument, CustomStringConvertible {
    var perSecond: Double

    init(perSecond: Double) { self.perSecond = perSecond }

    init?(argument: String) {
        let number = argument.hasSuffix("/s") ? String(argument.dropLast(2)) : argument
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        perSecond = value
    }

    var description: String {
        perSecond == perSecond.rounded() ? "\(Int(perSecond))/s" : "\(perSecond)/s"
    }

    var defaultValueDescription: String { description }
}
