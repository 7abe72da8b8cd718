import ArgumentParser
import ChatBench
import ChatSystem
import Glibc

@main
struct ChatroomBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chatroom-bench",
        abstract: "Load-test a chatroom server: open-loop broadcasts, delivery latency, loss and server cost.",
        discussion: """
            Connects --clients clients (at most --connect-concurrency at a time) and waits until each is welcomed \
            and every JOIN is read. Then --senders of them broadcast `/bc ~B<sender>.<seq>.<ns>~xxx...` at \
            --rate messages a second in all, on a fixed timetable (open loop: never waiting for answers), for \
            --warmup then --duration seconds. Every MSG holding a token of the run is a delivery; those of \
            messages sent in the measured window give the latency percentiles. With --rate 0 it sends one \
            broadcast and reports how long it takes to reach every client.
            With --tls every client does its TLS handshake before its WELCOME, in the same event loop, and the \
            server's certificate must verify (against the system's authorities, or --tls-ca) for --host, unless \
            --tls-insecure.
            Progress goes to standard error once a second; the report to standard output.
            """
    )

    @Option(help: "The server's host name or address.")
    var host = "127.0.0.1"

    @Option(help: "The server's TCP port (default: 7777, or 7778 with --tls).")
    var port: Int?

    @Option(help: "Clients to connect.")
    var clients = 100

    @Option(help: "Clients that broadcast (the first ones welcomed).")
    var senders = 10

    @Option(help: "Messages a second, all senders together (0: connect, send one probe broadcast, report).")
    var rate = 1000.0

    @Option(help: "Seconds measured, after the warm-up.")
    var duration = 10.0

    @Option(help: "Seconds of load before measuring starts.")
    var warmup = 2.0

    @Option(help: "Bytes in each message body, the token included (the line is `/bc `, the body, LF).")
    var size = 64

    @Option(help: "The server's process ID, to read its CPU, threads and memory from /proc.")
    var serverPID: Int32?

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    @Option(help: "Connections opened at once (connected but not yet welcomed).")
    var connectConcurrency = 256

    @Option(help: "Seconds to wait for every client to be welcomed and announced.")
    var connectTimeout = 120.0

    @Option(help: "Seconds to wait after the load for deliveries still in flight.")
    var drain = 2.0

    @Option(help: "Event loop threads sharing the clients.")
    var threads = 1

    @Option(help: "Unsent bytes a client may hold before due messages are skipped (the server is not reading).")
    var outboundLimit = 1 << 20

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    @Flag(help: "Speak TLS to the server (its TLS listener, port 7778 unless --port).")
    var tls = false

    @Option(
        help: ArgumentHelp(
            "Verify the server's certificate against this PEM file's authorities.",
            valueName: "file"))
    var tlsCA: String?

    @Flag(help: "Do not check the server's certificate (the bench alone: it sends nothing secret).")
    var tlsInsecure = false

    func validate() throws {
        if !tls && (tlsCA != nil || tlsInsecure) {
            throw ValidationError("--tls-ca and --tls-insecure need --tls")
        }
        if tlsCA != nil && tlsInsecure {
            throw ValidationError("--tls-ca and --tls-insecure do not go together: verify, or do not")
        }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        var security: BenchTLS?
        if tls { security = tlsInsecure ? .insecure : .verified(authorityFile: tlsCA) }
        let configuration = BenchConfiguration(
            host: host, port: port ?? (tls ? 7778 : 7777), clients: clients, senders: senders, rate: rate,
            duration: duration, warmup: warmup, size: size, connectConcurrency: connectConcurrency,
            connectTimeout: connectTimeout, drain: drain, threads: threads, outboundLimit: outboundLimit,
            serverPID: serverPID ?? 0, tls: security)
        var progress: (@Sendable (String) -> Void)?
        if !quiet { progress = { @Sendable line in writeStandardError(line + "\n") } }
        let report: BenchReport
        do {
            report = try BenchRunner(configuration: configuration, progress: progress).run()
        } catch .invalidConfiguration(let text) {
            throw ValidationError(text)
        } catch {
            writeStandardError("chatroom-bench: \(error)\n")
            throw ExitCode(2)
        }
        print(json ? report.json : report.text, terminator: json ? "\n" : "")
    }
}

/// Writes text to standard error, unbuffered (the progress lines interleave with nothing else).
private func writeStandardError(_ text: String) {
    var text = text
    _ = text.withUTF8 { writeAll(STDERR_FILENO, UnsafeRawBufferPointer($0)) }
}
