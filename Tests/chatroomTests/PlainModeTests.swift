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
