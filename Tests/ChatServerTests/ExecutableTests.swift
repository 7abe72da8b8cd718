import ChatTestSupport
import Glibc
import Testing

@Suite struct ExecutableTests {
    @Test func sigtermSaysByeAndExitsZeroWithinTwoSeconds() throws {
        let server = try ServerProcess()
        let (alice, _) = try join(server.port)
        let (bob, _) = try join(server.port)
        #expect(try alice.readLine() == "JOIN user2")
        let started = ContinuousClock.now
        server.signal(SIGTERM)
        #expect(try alice.readUntilClosed() == ["BYE server shutting down"])
        #expect(try bob.readUntilClosed() == ["BYE server shutting down"])
        #expect(server.waitForExit(timeout: .seconds(2)) == 0)
        #expect(ContinuousClock.now - started < .seconds(2))
        // Under AddressSanitizer (CI), the server's leak check runs at exit and would report here.
        #expect(!server.log.contains("Sanitizer"), "\(server.log)")
    }

    @Test func sigintShutsDownAndSighupIsIgnored() throws {
        let server = try ServerProcess()
        let (alice, _) = try join(server.port)
        server.signal(SIGHUP)
        #expect(eventually { server.log.contains("SIGHUP received") })
        #expect(try alice.sync() == [])
        server.signal(SIGINT)
        #expect(try alice.readUntilClosed() == ["BYE server shutting down"])
        #expect(server.waitForExit(timeout: .seconds(2)) == 0)
    }

    @Test func logsConnectionsButNeverMessageText() throws {
        let server = try ServerProcess()
        let (alice, _) = try join(server.port)
        try alice.send("a secret only the room may read")
        try alice.send("/dm user1 another secret")
        _ = try alice.readLines(2)
        try alice.send("/quit")
        _ = try alice.readUntilClosed()
        #expect(eventually { server.log.contains("reason=quit") })
        let log = server.log
        #expect(log.contains("listening on 127.0.0.1:\(server.port)"))
        #expect(log.contains("name=user1 peer=127.0.0.1:"))
        #expect(log.contains("[ChatServer] connect"))
        #expect(log.contains("[ChatServer] disconnect"))
        #expect(!log.contains("secret"))
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: .seconds(2)) == 0)
    }

    @Test func helpDocumentsEveryOption() throws {
        let result = try runProcess([try BuiltProducts.path("chatroom-server"), "--help"])
        // Help wraps at the terminal width: compare with runs of blanks folded to one space.
        let output = result.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(result.status == 0)
        for option in [
            "--host <host>", "--port <port>", "--max-clients <max-clients>", "--coalesce <ms>",
            "--log-level <log-level>",
            "--store <path|none>", "--members-only", "--login-timeout <seconds>", "--registration <open|closed>",
            "accounts",
        ] {
            #expect(output.contains(option), "--help lacks \(option)")
        }
        for value in [
            "default: 127.0.0.1", "default: 7777", "default: 10000", "default: 2.0", "default: info", "default: 30",
            "default: open; closed with --members-only",
        ] {
            #expect(output.contains(value), "--help lacks \(value)")
        }
    }

    @Test(arguments: [
        (["--port", "70000"], "--port must be between 0 and 65535"),
        (["--coalesce", "5000"], "--coalesce must be between 0 and 1000 ms"),
        (["--login-timeout", "0"], "--login-timeout must be at least 1"),
        (["--registration", "maybe"], "The value 'maybe' is invalid for '--registration <open|closed>'"),
        (["--members-only", "--registration", "open", "--store", "none"], "--members-only closes registration"),
        (["--members-only", "--store", "none"], "--members-only needs accounts, which --store none does not keep"),
    ])
    func aBadOptionIsAClearError(arguments: [String], message: String) throws {
        let result = try runProcess([try BuiltProducts.path("chatroom-server")] + arguments)
        #expect(result.status == 64)
        #expect(result.errors.contains(message), "\(result.errors)")
    }
}
