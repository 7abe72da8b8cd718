import ChatProtocol
import ChatTLS

/// The `chatroom` command line, parsed.
///
/// The client parses its few options itself rather than with swift-argument-parser, which loads
/// Foundation: without it the client's resident memory is about 2.5 MiB smaller (Benchmarks.md).
/// The forms are the usual ones: `--port 7777` or `--port=7777`, flags without a value, `--help`.
public struct ClientArguments: Equatable, Sendable {
    /// The server's address; `nil` looks for a server on this machine and hosts one if none answers.
    public var host: String?
    /// The server's TCP port (``ServerAddress/defaultTLSPort`` with `--tls` and no `--port`).
    public var port = Wire.defaultPort
    /// The name to take after joining.
    public var name: String?
    /// A file whose first line is the password of the account `name` (`--password-file`).
    public var passwordFile: String?
    /// Line mode for scripts.
    public var plain = false
    /// The most lines the message pane keeps.
    public var scrollback = 10_000
    /// How many stored messages plain mode prints before its input runs (`--history`); `nil` for none.
    public var history: Int?
    /// `--tls`: speak TLS to the server, and never host one.
    public var tls = false
    /// `--tls-ca FILE`: the PEM file of the certificate authorities to trust instead of the system's.
    public var tlsAuthorityFile: String?
    /// `--tls-fingerprint`: the fingerprint to accept for this run, instead of the pins, written as the
    /// client writes every fingerprint (`sha256:` and 64 lower-case hex digits).
    public var tlsFingerprint: String?
    /// `--help` was given.
    public var help = false

    /// The defaults.
    public init() {}

    /// A command line that cannot be run, and why.
    public struct UsageError: Error, Equatable, CustomStringConvertible {
        /// What is wrong, for people.
        public var description: String
    }

    /// The usage line, as `--help` and a usage error print it.
    public static let usage =
        "chatroom [--host <host>] [--port <port>] [--name <name>] [--password-file <file>] [--plain]"
        + " [--scrollback <lines>] [--history <count>] [--tls] [--tls-ca <file>] [--tls-fingerprint <sha256:hex>]"

    /// What `chatroom --help` prints.
    public static let helpText = """
        OVERVIEW: Chat in a chatroom from the terminal (wire protocol v1.1).

        Without --host, when nothing answers on 127.0.0.1 and the port, chatroom hosts a server there
        itself, so one command starts a chat others on the machine can join.

        With --plain, or when standard input or output is not a terminal, chatroom runs in line mode:
        each input line is sent as the full-screen client would send it, and each event is printed as
        one line (12:01 <alice> hello). It exits 0 once the input has ended and everything sent has
        been answered, and 1 if the connection is lost first. With --history N it first prints the
        last N messages the server kept.

        When --name is an account's name, the full-screen client asks for its password, masked. With
        the password in \(PasswordSource.environmentVariable) or on the first line of --password-file,
        it logs in without asking, and so does line mode, which never asks. After a reconnection it
        logs in again by itself.

        With --tls, chatroom speaks TLS, on port \(ServerAddress.defaultTLSPort) unless --port says otherwise, and never
        hosts a server. A certificate that verifies (signed for --host by an authority of the system's,
        or of --tls-ca) is accepted; one for another host, expired or not yet valid is refused. One that
        does not verify (self-signed) is trusted on first use, as ssh does: the full-screen client shows
        its fingerprint and asks, and yes pins it in $XDG_CONFIG_HOME/chatroom/known_servers
        (~/.config/chatroom/known_servers). If the server later shows another certificate, the client
        refuses it and names the line to delete. Line mode never asks: it needs the pin, or
        --tls-fingerprint.

        Type /help in the client for the keys.

        USAGE: \(usage)

        OPTIONS:
          --host <host>           The server's address. Without it, a server is hosted here when none
                                  answers.
          --port <port>           The server's TCP port. (default: \(Wire.defaultPort))
          --name <name>           The name to take after joining (1-24 letters, digits, _ and -,
                                  starting with a letter).
          --password-file <file>  Log in as --name with the password on the first line of <file>
                                  (instead of \(PasswordSource.environmentVariable)).
          --plain                 Line mode for scripts (the default when standard input or output
                                  is not a terminal).
          --scrollback <lines>    The most lines the message pane keeps. (default: 10000)
          --history <count>       In plain mode, print the last <count> stored messages (1-1000) before
                                  reading the input.
          --tls                   Speak TLS (port \(ServerAddress.defaultTLSPort) unless --port); never host a server.
          --tls-ca <file>         Trust the certificate authorities in this PEM file instead of the
                                  system's (/etc/ssl/certs).
          --tls-fingerprint <sha256:hex>
                                  For this run, accept a certificate that does not verify if it has
                                  this fingerprint (sha256: and 64 hex digits), instead of the pins;
                                  nothing is pinned.
          -h, --help              Show help information.
        """

    /// Parses the arguments after the program name.
    ///
    /// - Parameter arguments: `CommandLine.arguments.dropFirst()`.
    /// - Returns: The options; `help` is set when `-h` or `--help` was given (the rest is not checked).
    /// - Throws: ``UsageError`` for an unknown option, a missing or bad value, or a stray argument.
    public static func parse(_ arguments: some Sequence<String>) throws(UsageError) -> ClientArguments {
        var parsed = ClientArguments()
        var portGiven = false
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "-h" || argument == "--help" {
                parsed.help = true
                return parsed
            }
            guard argument.hasPrefix("--") else { throw UsageError(description: "unexpected argument '\(argument)'") }
            let option: String
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                option = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            } else {
                option = argument
            }
            func value() throws(UsageError) -> String {
                if let inlineValue { return inlineValue }
                guard let next = iterator.next(), !next.hasPrefix("--") else {
                    throw UsageError(description: "missing value for '\(option) <value>'")
                }
                return next
            }
            switch option {
            case "--host": parsed.host = try value()
            case "--name": parsed.name = try value()
            case "--password-file": parsed.passwordFile = try value()
            case "--port":
                parsed.port = try number(try value(), for: option, in: 1...65_535)
                portGiven = true
            case "--scrollback": parsed.scrollback = try number(try value(), for: option, in: 1...Int.max)
            case "--history": parsed.history = try number(try value(), for: option, in: 1...1000)
            case "--plain":
                guard inlineValue == nil else { throw UsageError(description: "'--plain' takes no value") }
                parsed.plain = true
            case "--tls":
                guard inlineValue == nil else { throw UsageError(description: "'--tls' takes no value") }
                parsed.tls = true
            case "--tls-ca":
                let file = try value()
                guard !file.isEmpty else { throw UsageError(description: "missing value for '--tls-ca <file>'") }
                parsed.tlsAuthorityFile = file
            case "--tls-fingerprint":
                let text = try value()
                guard let fingerprint = Fingerprint(text) else {
                    throw UsageError(
                        description: "--tls-fingerprint must be sha256: and 64 hex digits, without colons between"
                            + " them, not '\(text)'")
                }
                parsed.tlsFingerprint = fingerprint.description
            default:
                throw UsageError(description: "unknown option '\(option)'")
            }
        }
        if let name = parsed.name {
            do throws(ProtocolError) {
                try Name.validate(name)
            } catch {
                throw UsageError(description: "--name \(name): \(error.message)")
            }
        }
        if parsed.passwordFile != nil && parsed.name == nil {
            throw UsageError(description: "--password-file needs --name: the password is that account's")
        }
        for (given, option) in [
            (parsed.tlsAuthorityFile != nil, "--tls-ca"), (parsed.tlsFingerprint != nil, "--tls-fingerprint"),
        ]
        where given && !parsed.tls {
            throw UsageError(description: "\(option) needs --tls")
        }
        if parsed.tls && !portGiven { parsed.port = ServerAddress.defaultTLSPort }
        return parsed
    }

    private static func number(
        _ text: String, for option: String, in range: ClosedRange<Int>
    ) throws(UsageError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            let bounds =
                range.upperBound == Int.max
                ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
            throw UsageError(description: "\(option) must be a whole number \(bounds), not '\(text)'")
        }
        return value
    }
}
