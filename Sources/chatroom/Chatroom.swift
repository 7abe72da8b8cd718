import ChatClient
import ChatSystem
import ChatTUI
import Glibc

@main
struct Chatroom {
    static func main() {
        let arguments: ClientArguments
        do throws(ClientArguments.UsageError) {
            arguments = try ClientArguments.parse(CommandLine.arguments.dropFirst())
        } catch {
            writeError("Error: \(error)")
            writeError("Usage: \(ClientArguments.usage)")
            writeError("  See 'chatroom --help' for more information.")
            exit(64)  // EX_USAGE
        }
        if arguments.help {
            writeLine(ClientArguments.helpText, to: STDOUT_FILENO)
            exit(0)
        }
        do {
            exit(try run(arguments))
        } catch {
            writeError("Error: \(error)")
            exit(1)
        }
    }

    static func run(_ arguments: ClientArguments) throws -> Int32 {
        // Read once, before any thread starts, then taken out of the environment, so that nothing this
        // process starts inherits it. Without --name there is no account to log in as.
        let variable = getenv(PasswordSource.environmentVariable).map { String(cString: $0) }
        unsetenv(PasswordSource.environmentVariable)
        let password =
            arguments.name == nil
            ? nil : try PasswordSource.password(file: arguments.passwordFile, environment: variable)
        // Before any thread starts, so that only the signal thread ever takes these.
        let lineMode = arguments.plain || isatty(STDIN_FILENO) == 0 || isatty(STDOUT_FILENO) == 0
        if lineMode {
            signal(SIGPIPE, SIG_IGN)
        } else {
            SignalWatcher.blockSignals()
        }
        let host = arguments.host
        let address = ServerAddress(host: host ?? ServerAddress.defaultHost, port: arguments.port)
        // Without --host, look for a server on this machine and host one if none answers. Otherwise (or
        // when even that fails) the connection itself connects, and reports and retries failures. A hosted
        // server is plain: `--tls` never hosts, it only joins (and retries while nothing answers).
        let meeting =
            host == nil && !arguments.tls
            ? try? Rendezvous.meet(at: address, hostIfAbsent: true, storePath: Rendezvous.hostedStorePath()) : nil
        defer { meeting?.hostedServer?.shutdown(grace: .milliseconds(500)) }
        let notes =
            meeting?.hostedServer == nil
            ? [] : [Rendezvous.hostingNote(address)] + [meeting?.historyProblem].compactMap { $0 }
        let tls =
            arguments.tls
            ? TLSSettings(authorityFile: arguments.tlsAuthorityFile, fingerprint: arguments.tlsFingerprint) : nil
        let connection = ChatConnection.Options(address: address, name: arguments.name, password: password, tls: tls)
        if lineMode {
            for note in notes { Self.writeError("chatroom: \(note)") }
            let client = PlainClient(
                options: connection, output: { writeLine($0, to: STDOUT_FILENO) },
                note: { Self.writeError("chatroom: \($0)") }, historyCount: arguments.history)
            return try client.run(adopting: meeting?.socket)
        }
        let options = ChatApp.Options(
            connection: connection, scrollback: arguments.scrollback, hosting: meeting?.hostedServer != nil,
            notes: notes)
        return try ChatApp.run(options, adopting: meeting?.socket)
    }

    private static func writeError(_ line: String) {
        writeLine(line, to: STDERR_FILENO)
    }
}
