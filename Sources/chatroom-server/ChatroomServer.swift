import ArgumentParser
import ChatServer
import ChatStore
import ChatSystem
import ChatTLS
import Glibc
import Logging

@main
struct ChatroomServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chatroom-server",
        abstract: "Host a chatroom over TCP (wire protocol v1.1).",
        usage: """
            chatroom-server [<options>]
            chatroom-server accounts <subcommand> [<name>] [--store <path|none>]
            """,
        discussion: """
            Clients join with `chatroom`, or speak the line protocol directly: `nc 127.0.0.1 7777`.
            With --tls-cert and --tls-key a TLS listener runs beside the plain one (on --tls-port); clients join it \
            with `chatroom --tls`, or `openssl s_client -quiet -connect HOST:7778`.
            SIGINT or SIGTERM sends every client `BYE server shutting down` and exits 0; SIGHUP reloads the TLS \
            certificate and key (new connections get the new pair; a pair that fails to load is logged and the old \
            one kept), and without TLS is logged and ignored.
            Accounts, bans and mutes are kept in the store's file, beside the history; `chatroom-server accounts` \
            makes and changes accounts, also while the server runs.
            """,
        subcommands: [Accounts.self]
    )

    /// The library's defaults are the options' defaults: one place says what a plain server does.
    static let defaults = ChatServer.Configuration()

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

    /// `--store`, shared with the `accounts` subcommands (which see the value parsed here).
    @OptionGroup var storage: StoreOption

    private var store: String { storage.store }

    @Option(help: "The most messages the history keeps, the oldest going first (0: any number).")
    var retain = defaults.retention.keepNewest

    @Option(help: "Days a message is kept (0: forever).")
    var retainDays = 0

    @Flag(
        help: "Only logged-in accounts are in the room; registration is closed (accounts are made with `accounts add`)."
    )
    var membersOnly = defaults.membersOnly

    @Option(
        help: ArgumentHelp(
            "Seconds a connection to a members-only room has to log in before it is closed.", valueName: "seconds"))
    var loginTimeout = Int(defaults.loginTimeout)

    @Option(
        help: ArgumentHelp(
            "Whether /register makes accounts (default: open; closed with --members-only).", valueName: "open|closed"))
    var registration: Registration?

    @Option(
        name: .customLong("tls-cert"),
        help: ArgumentHelp("A PEM certificate (with its chain) for the TLS listener; needs --tls-key.", valueName: "file"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The certificate's PEM private key.", valueName: "file"))
    var tlsKey: String?

    @Option(name: .customLong("tls-port"), help: "The TCP port of the TLS listener (0 picks a free one).")
    var tlsPort = ChatServer.TLSSettings.defaultPort

    @Flag(name: .customLong("tls-only"), help: "Listen for TLS alone, leaving the plain port closed.")
    var tlsOnly = false

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
        guard retain >= 0 else { throw ValidationError("--retain must be 0 or more") }
        guard (0...36_500).contains(retainDays) else {
            throw ValidationError("--retain-days must be between 0 and 36500")
        }
        guard loginTimeout >= 1 else { throw ValidationError("--login-timeout must be at least 1") }
        guard (0...65_535).contains(tlsPort) else { throw ValidationError("--tls-port must be between 0 and 65535") }
        switch (tlsCertificate, tlsKey) {
        case (nil, nil):
            guard !tlsOnly else { throw ValidationError("--tls-only needs a certificate: --tls-cert FILE --tls-key FILE") }
        case (nil, _): throw ValidationError("--tls-key needs --tls-cert")
        case (_, nil): throw ValidationError("--tls-cert needs --tls-key")
        default: break
        }
        if membersOnly {
            guard registration != .open else {
                throw ValidationError("--members-only closes registration: accounts are made with `accounts add`")
            }
            guard store != "none" else {
                throw ValidationError("--members-only needs accounts, which --store none does not keep")
            }
        }
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
        let accounts: any AccountStore
        if store == "none" {
            history = NoStore()
            accounts = NoAccounts()
        } else {
            do throws(StoreError) {
                history = try SQLiteMessageStore(path: store)
                // The same file, migrated by the history's opening: accounts, bans and mutes.
                accounts = try SQLiteAccountStore(path: store)
            } catch {
                writeLine("chatroom-server: \(error)", to: STDERR_FILENO)
                throw ExitCode(1)
            }
            logger.info("history in \(store)", metadata: ["last-id": "\(history.lastID)"])
        }
        let tls = tlsCertificate.flatMap { certificate in
            tlsKey.map { ChatServer.TLSSettings(certificateFile: certificate, keyFile: $0, port: tlsPort, only: tlsOnly) }
        }
        let server: ChatServer
        do {
            server = try ChatServer(
            configuration: .init(
                host: host, port: port, maxClients: maxClients, maxPerAddress: maxPerIP, sendQueueBytes: sendq.bytes,
                rate: rate.perSecond, burst: burst, idleTimeout: Double(idleTimeout),
                coalescingInterval: coalesce / 1000,
                store: history,
                retention: Retention(
                    keepNewest: retain, maxAgeSeconds: retainDays > 0 ? Int64(retainDays) * 86_400 : nil),
                accounts: accounts, membersOnly: membersOnly, loginTimeout: Double(loginTimeout),
                registrationOpen: !membersOnly && (registration ?? .open) == .open, tls: tls),
            logger: logger)
        } catch let error as TLSError {
            writeLine("chatroom-server: \(error)", to: STDERR_FILENO)
            throw ExitCode(1)
        }
        do {
            try server.start()
        } catch {
            let ports = tls == nil ? "\(port)" : tlsOnly ? "\(tlsPort)" : "\(port) and \(tlsPort)"
            throw ValidationError("cannot listen on \(host):\(ports): \(error)")
        }
        while true {
            var received: Int32 = 0
            guard sigwait(&signals, &received) == 0 else { continue }
            if received == SIGHUP {
                if tls == nil {
                    logger.notice("SIGHUP received; nothing to reload, carrying on")
                } else {
                    logger.notice("SIGHUP received; reloading the TLS certificate")
                    server.reloadCertificates()
                }
                continue
            }
            logger.notice("signal received", metadata: ["signal": "\(received == SIGINT ? "SIGINT" : "SIGTERM")"])
            server.shutdown()
            return
        }
    }

    /// The server's options given a value other than their default, by name (`--port`): the `accounts`
    /// subcommands refuse them, since ArgumentParser hands the server's options to the server's command
    /// wherever they stand on the line.
    var changedOptions: [String] {
        let defaults = ChatroomServer.defaults
        let changed: [(String, Bool)] = [
            ("--host", host != defaults.host), ("--port", port != defaults.port),
            ("--max-clients", maxClients != defaults.maxClients), ("--max-per-ip", maxPerIP != defaults.maxPerAddress),
            ("--sendq", sendq.bytes != defaults.sendQueueBytes), ("--rate", rate.perSecond != defaults.rate),
            ("--burst", burst != defaults.burst), ("--idle-timeout", idleTimeout != Int(defaults.idleTimeout)),
            ("--coalesce", coalesce != defaults.coalescingInterval * 1000),
            ("--retain", retain != defaults.retention.keepNewest), ("--retain-days", retainDays != 0),
            ("--members-only", membersOnly != defaults.membersOnly),
            ("--login-timeout", loginTimeout != Int(defaults.loginTimeout)), ("--registration", registration != nil),
            ("--log-level", logLevel != .info),
        ]
        return changed.filter(\.1).map(\.0)
    }
}

/// `--store`: the server's file, for its history and its accounts, and the file the `accounts` subcommands
/// change.
struct StoreOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The file that keeps the room's history and accounts (SQLite, created if missing), or none to keep nothing.",
            valueName: "path|none"))
    var store = "chatroom.sqlite"

    func validate() throws {
        guard !store.isEmpty else { throw ValidationError("--store needs a path, or none") }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `--registration`: whether `/register` makes accounts.
enum Registration: String, ExpressibleByArgument, CaseIterable {
    case open
    case closed
}

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
