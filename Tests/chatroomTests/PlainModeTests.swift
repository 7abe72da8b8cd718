import ChatTestSupport
import Glibc
import Testing

/// `chatroom` with its input or output not a terminal: it chats line by line, as a script would use it.
@Suite struct PlainModeTests {
    @Test func plainModeReadsAScriptAndPrintsOneLinePerEvent() throws {
        let server = try ServerProcess()
        let chatroom = try BuiltProducts.path("chatroom")
        // No --plain: a pipe on either side is enough. `cut` drops the time; EXITED reports the pipeline's end.
        let result = try runProcess(
            [
                "/bin/sh", "-c",
                "printf 'hello\\n/dm script hi me\\n/nick x y\\n' | \(chatroom) --host 127.0.0.1 --port \(server.port)"
                    + " --name script 2>/dev/null | cut -c7-; echo EXITED $?",
            ],
            environment: ["LANG": "C.UTF-8"])
        #expect(
            result.output.split(separator: "\n").map(String.init) == [
                "* Welcome to chatroom! Type /help for the commands. (you are user1)",
                "* you are now script",
                "<script> hello",
                "-> script: hi me",
                "! a name holds no spaces (bad-name)",
                "EXITED 0",
            ])
    }

    @Test func historyPrintsTheLastStoredMessagesWithTheirTimesBeforeTheInput() throws {
        let store = "/tmp/chatroom-plain-store-\(getpid()).sqlite"
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(store + suffix) } }
        let server = try ServerProcess(arguments: ["--store", store])
        // (Deferred after the files' removal, so it runs first: the server must be done with them.)
        defer {
            server.signal(SIGTERM)
            _ = server.waitForExit(timeout: .seconds(5))
        }
        let (bob, _) = try join(server.port)
        try bob.send("/nick bob")
        for text in ["one", "two", "three"] { try bob.send(text) }
        _ = try bob.sync()
        // Read by a connection that heard nothing live (the server's answer stops below the first such message).
        let stored = try join(server.port).0.storedTimes(count: 2)
        let stamps = try stored.map { try #require(stampInTestZone($0.time)) }
        #expect(stored.map(\.text) == ["two", "three"])
        let chatroom = try BuiltProducts.path("chatroom")
        func run(_ options: String) throws -> [String] {
            let result = try runProcess(
                [
                    "/bin/sh", "-c",
                    "printf 'hello\\n' | \(chatroom) --host 127.0.0.1 --port \(server.port) --name script \(options)"
                        + " 2>/dev/null; echo EXITED $?",
                ],
                environment: ["LANG": "C.UTF-8", "TZ": String(testZone.dropFirst(3))])
            return result.output.split(separator: "\n").map(String.init)
        }

        let printed = try run("--history 2")
        #expect(printed.count == 6)
        // The stored messages, at their times in the local zone, between the greeting and the input's lines.
        #expect(Array(printed[2...3]) == ["\(stamps[0]) <bob> two", "\(stamps[1]) <bob> three"])
        #expect(
            printed.map { $0.hasPrefix("EXITED") ? $0 : String($0.dropFirst(6)) } == [
                "* Welcome to chatroom! Type /help for the commands. (you are user3)",
                "* you are now script",
                "<bob> two",
                "<bob> three",
                "<script> hello",
                "EXITED 0",
            ])

        // Without --history, nothing stored is printed.
        #expect(
            try run("").map { $0.hasPrefix("EXITED") ? $0 : String($0.dropFirst(6)) } == [
                "* Welcome to chatroom! Type /help for the commands. (you are user4)",
                "* you are now script",
                "<script> hello",
                "EXITED 0",
            ])
    }
}

/// Plain mode and accounts, against a scripted server: it logs in with the password it is given, and
/// never asks for one.
@Suite struct PlainModeAccountTests {
    private static let welcome = "WELCOME user1 Welcome to chatroom!"

    /// Runs `chatroom --plain` with `hello` as its input, playing the server: `answer` answers the lines
    /// the client sends after the `WELCOME`, but for its input's `/bc "hello"`, which the server echoes from
    /// `speaker`, the end-of-input `/ping` and the `/quit`.
    ///
    /// - Returns: What the client printed (its times cut off), its exit status, and every line it sent.
    private func run(
        options: String, environment: [String: String?] = [:], speaker: String = "alice",
        answer: (String) -> [String]
    ) throws -> (output: [String], status: Int32?, sent: [String]) {
        let server = try ScriptedServer()
        let chatroom = try BuiltProducts.path("chatroom")
        let child = try ChildProcess(
            [
                "/bin/sh", "-c",
                "printf 'hello\\n' | \(chatroom) --plain --host 127.0.0.1 --port \(server.port) \(options)"
                    + " 2>/dev/null | cut -c7-",
            ],
            environment: environment.merging(["LANG": "C.UTF-8"]) { $1 })
        let peer = try server.accept()
        try peer.send(Self.welcome)
        while let line = try peer.readLine() {
            if line.hasPrefix("/bc ") {
                try peer.send("MSG \(speaker) hello")
            } else if line.hasPrefix("/ping ") {
                try peer.send("PONG " + line.dropFirst(6))
            } else if line == "/quit" {
                try peer.send("BYE goodbye")
                peer.close()
                break
            } else {
                for reply in answer(line) { try peer.send(reply) }
            }
        }
        let status = child.waitForExit(timeout: .seconds(10))
        return (child.output.split(separator: "\n").map(String.init), status, peer.received)
    }

    private func loggingIn(_ line: String) -> [String] {
        switch line {
        case "/caps ids time": ["ERROR unknown-command there is no /caps command"]
        case _ where line.hasPrefix("/login alice "): ["NICK user1 alice", "LOGGED-IN alice"]
        default: ["ERROR unknown-command unexpected \(line)"]
        }
    }

    @Test func thePasswordInTheEnvironmentLogsInRightAfterTheWelcome() throws {
        let run = try run(
            options: "--name alice", environment: ["CHATROOM_PASSWORD": "correct horse"], answer: loggingIn)
        #expect(run.status == 0)
        #expect(run.sent.first == "/login alice correct horse")
        #expect(!run.sent.contains { $0.hasPrefix("/nick") })
        #expect(
            run.output == [
                "* Welcome to chatroom! (you are user1)", "* you are now alice", "-- logged in as alice",
                "<alice> hello",
            ])
    }

    @Test func thePasswordFileWinsOverTheEnvironment() throws {
        try withTemporaryDirectory { folder in
            let path = folder + "/password"
            let contents = Array("from the file\r\nnot this line\n".utf8)
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            #expect(fd >= 0)
            _ = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            let run = try run(
                options: "--name alice --password-file \(path)", environment: ["CHATROOM_PASSWORD": "not this one"],
                answer: loggingIn)
            #expect(run.status == 0)
            #expect(run.sent.first == "/login alice from the file")
            #expect(run.output.last == "<alice> hello")
        }
    }

    @Test func withoutAPasswordARegisteredNamePrintsTheErrorAndGoesOnAsTheGivenName() throws {
        let run = try run(options: "--name alice", environment: ["CHATROOM_PASSWORD": nil], speaker: "user1") { line in
            switch line {
            case "/nick alice": ["ERROR name-registered the name alice belongs to an account"]
            case "/caps ids time": ["ERROR unknown-command there is no /caps command"]
            default: ["ERROR unknown-command unexpected \(line)"]
            }
        }
        #expect(run.status == 0)
        #expect(run.sent.count == 5)
        #expect(Array(run.sent.prefix(3)) == ["/nick alice", "/caps ids time", #"/bc "hello""#])
        #expect(!run.sent.contains { $0.hasPrefix("/login") })
        #expect(
            run.output == [
                "* Welcome to chatroom! (you are user1)",
                "! the name alice belongs to an account (name-registered)",
                "<user1> hello",
            ])
    }
}
