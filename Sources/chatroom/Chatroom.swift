import ArgumentParser
import ChatClient
import ChatProtocol
import ChatTUI
import Glibc

@main
struct Chatroom: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chatroom",
        abstract: "Chat in a chatroom from the terminal (wire protocol v1).",
        discussion: """
            Without --host, when nothing answers on 127.0.0.1 and the port, chatroom hosts a server there \
            itself, so one command starts a chat others on the machine can join.

            With --plain, or when standard input or output is not a terminal, chatroom runs in line mode: \
            each input line is sent as the full-screen client would send it, and each event is printed as \
            one line (12:01 <alice> hello). It exits 0 once the input has ended and everything sent has been \
            answered, and 1 if the connection is lost first.

            Type /help in the client for the keys.
            """
    )

    @Option(help: "The server's address. Without it, a server is hosted here when none answers.")
    var host: String?

    @Option(help: "The server's TCP port.")
    var port = Wire.defaultPort

    @Option(help: "The name to take after joining (1-24 letters, digits, _ and -, starting with a letter).")
    var name: String?

    @Flag(help: "Line mode for scripts (the default when standard input or output is not a terminal).")
    var plain = false

    @Option(help: "The most lines the message pane keeps.")
    var scrollback = 10_000

    mutating func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard scrollback >= 1 else { throw ValidationError("--scrollback must be at least 1") }
        if let name {
            do throws(ProtocolError) {
                try Name.validate(name)
            } catch {
                throw ValidationError("--name \(name): \(error.message)")
            }
        }
    }

    func run() throws {
        // Before any thread starts, so that only the signal thread ever takes these.
        let lineMode = plain || isatty(STDIN_FILENO) == 0 || isatty(STDOUT_FILENO) == 0
        if lineMode {
            signal(SIGPIPE, SIG_IGN)
        } else {
            SignalWatcher.blockSignals()
        }
        let address = ServerAddress(host: host ?? ServerAddress.defaultHost, port: port)
        // Without --host, look for a server on this machine and host one if none answers. Otherwise (or
        // when even that fails) the connection itself connects, and reports and retries failures.
        let meeting = host == nil ? try? Rendezvous.meet(at: address, hostIfAbsent: true) : nil
        defer { meeting?.hostedServer?.shutdown(grace: .milliseconds(500)) }
        let notes = meeting?.hostedServer == nil ? [] : [Rendezvous.hostingNote(address)]
        let connection = ChatConnection.Options(address: address, name: name)
        let status: Int32
        if lineMode {
            for note in notes { Self.writeError("chatroom: \(note)") }
            let client = PlainClient(
                options: connection, output: { Self.write($0, to: STDOUT_FILENO) },
                note: { Self.writeError("chatroom: \($0)") })
            status = try client.run(adopting: meeting?.socket)
        } else {
            let options = ChatApp.Options(
                connection: connection, scrollback: scrollback, hosting: meeting?.hostedServer != nil, notes: notes)
            status = try ChatApp.run(options, adopting: meeting?.socket)
        }
        if status != 0 { throw ExitCode(status) }
    }

    private static func writeError(_ line: String) {
        write(line, to: STDERR_FILENO)
    }

    private static func write(_ line: String, to fd: Int32) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
