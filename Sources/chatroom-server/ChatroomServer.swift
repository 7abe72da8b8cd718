import ArgumentParser
import ChatServer
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

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The TCP port to listen on (0 picks a free one).")
    var port = 7777

    @Option(help: "The most clients connected at once; past it a new connection gets ERROR server-full and BYE.")
    var maxClients = 10_000

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    mutating func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard maxClients > 0 else { throw ValidationError("--max-clients must be at least 1") }
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

        let server = try ChatServer(
            configuration: .init(host: host, port: port, maxClients: maxClients),
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
