import ChatClient
import ChatTestSupport
import Testing

/// The `chatroom` executable's own command line: help and bad options, as a user sees them.
@Suite struct CommandLineTests {
    private func run(_ arguments: [String]) throws -> ProcessResult {
        try runProcess([try BuiltProducts.path("chatroom")] + arguments)
    }

    @Test func helpPrintsTheUsageAndExitsZero() throws {
        let result = try run(["--help"])
        #expect(result.status == 0)
        #expect(result.output == ClientArguments.helpText + "\n")
        #expect(result.errors.isEmpty)
    }

    @Test(arguments: [
        (["--port", "0"], "Error: --port must be a whole number between 1 and 65535, not '0'"),
        (["--colour"], "Error: unknown option '--colour'"),
        (["--name", "9lives"], "Error: --name 9lives: a name starts with a letter"),
        (["--history", "1001"], "Error: --history must be a whole number between 1 and 1000, not '1001'"),
        (["--password-file", "/tmp/pw"], "Error: --password-file needs --name: the password is that account's"),
        (
            ["--tls", "--tls-fingerprint", "sha256:AB:CD"],
            "Error: --tls-fingerprint must be sha256: and 64 hex digits, without colons between them, not 'sha256:AB:CD'"
        ),
        (["--tls-ca", "/etc/ca.pem"], "Error: --tls-ca needs --tls"),
        (["--tls=on"], "Error: '--tls' takes no value"),
    ])
    func aBadCommandLineExits64WithTheReason(arguments: [String], first: String) throws {
        let result = try run(arguments)
        #expect(result.status == 64)
        #expect(result.output.isEmpty)
        #expect(
            result.errors.split(separator: "\n").map(String.init) == [
                first,
                "Usage: chatroom [--host <host>] [--port <port>] [--name <name>] [--password-file <file>] [--plain]"
                    + " [--scrollback <lines>] [--history <count>] [--tls] [--tls-ca <file>]"
                    + " [--tls-fingerprint <sha256:hex>]",
                "  See 'chatroom --help' for more information.",
            ])
    }

    @Test func anUnreadableAuthorityFileExits1BeforeConnecting() throws {
        let result = try run([
            "--plain", "--tls", "--host", "127.0.0.1", "--port", "1", "--tls-ca", "/nonexistent/ca.pem",
        ])
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
        #expect(result.errors == "Error: cannot read /nonexistent/ca.pem: No such file or directory\n")
    }

    @Test func anUnreadablePasswordFileExits1BeforeConnecting() throws {
        let result = try run([
            "--plain", "--host", "127.0.0.1", "--port", "1", "--name", "alice", "--password-file", "/nonexistent/pw",
        ])
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
        #expect(result.errors == "Error: cannot read the password file /nonexistent/pw: No such file or directory\n")
    }
}
