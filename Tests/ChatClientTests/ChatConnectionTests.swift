import ChatClient
import ChatProtocol
import ChatServer
import ChatSystem
import ChatTestSupport
import Testing

@Suite struct ChatConnectionTests {
    /// Most cases follow what a v1 client sees, so they turn the v1.1 capabilities off; the cases
    /// about `/caps` turn them on.
    private func options(
        _ port: Int, name: String? = nil, reconnect: Bool = true, capabilities: Bool = false
    ) -> ChatConnection.Options {
        ChatConnection.Options(
            address: ServerAddress(host: "127.0.0.1", port: port), name: name, reconnect: reconnect,
            backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(100)), connectTimeout: .seconds(2),
            capabilities: capabilities)
    }

    @Test func connectsAndReportsTheWelcomeFirst() async throws {
        try await withRunningServer { _, port in
            let recorder = EventRecorder()
            let connection = try ChatConnection(options: options(port), sink: recorder.sink)
            try connection.start()
            defer { connection.stop() }
            try recorder.waitFor("WELCOME") { $0.count >= 3 }
            let address = ServerAddress(host: "127.0.0.1", port: port)
            #expect(
                Array(recorder.all.prefix(3)) == [
                    .connecting(address), .connected(address),
                    .received(.welcome(name: "user1", text: "Welcome to chatroom! Type /help for the commands.")),
                ])
            #expect(connection.isConnected)
        }
    }

    @Test func sendsLinesAndReportsTheReplies() async throws {
        try await withRunningServer { _, port in
            let (bob, bobName) = try join(port)
            let recorder = EventRecorder()
            let connection = try ChatConnection(options: options(port), sink: recorder.sink)
            try connection.start()
            defer { connection.stop() }
            try recorder.waitForLine("WELCOME user2 Welcome to chatroom! Type /help for the commands.")
            #expect(connection.send("/users"))
            #expect(connection.send(Command.broadcast(#"say "hi" \ there"#).wireLine))
            #expect(connection.send("/dm \(bobName) psst"))
            try recorder.waitForLine(#"DM user2 user1 psst"#)
            #expect(
                recorder.received == [
                    "WELCOME user2 Welcome to chatroom! Type /help for the commands.",
                    "USERS user1 user2",
                    #"MSG user2 say "hi" \ there"#,
                    "DM user2 user1 psst",
                ])
            #expect(try bob.readLines(3) == ["JOIN user2", #"MSG user2 say "hi" \ there"#, "DM user2 user1 psst"])
        }
    }

    @Test func takesTheNameAskedForRightAfterTheWelcome() async throws {
        try await withRunningServer { _, port in
            let recorder = EventRecorder()
            let connection = try ChatConnection(options: options(port, name: "alice"), sink: recorder.sink)
            try connection.start()
            defer { connection.stop() }
            try recorder.waitForLine("NICK user1 alice")
            #expect(
                recorder.received == [
                    "WELCOME user1 Welcome to chatroom! Type /help for the commands.", "NICK user1 alice",
                ])
        }
    }

    @Test func aRefusedNameIsReportedAndTheGivenOneKept() async throws {
        try await withRunningServer { _, port in
            let (holder, _) = try join(port)
            try holder.send("/nick alice")
            #expect(try holder.readLine() == "NICK user1 alice")
            let recorder = EventRecorder()
            let connection = try ChatConnection(options: options(port, name: "alice"), sink: recorder.sink)
            try connection.start()
            defer { connection.stop() }
            try recorder.waitFor("ERROR") { events in
                events.contains { if case .received(.error, _) = $0 { true } else { false } }
            }
            #expect(connection.send("/users"))
            try recorder.waitForLine("USERS alice user2")
            #expect(
                recorder.received == [
                    "WELCOME user2 Welcome to chatroom! Type /help for the commands.",
                    "ERROR name-taken the name alice is taken",
                    "USERS alice user2",
                ])
        }
    }

    @Test func readsServerLinesLongerThanAClientMaySend() async throws {
        try await withRunningServer { _, port in
            let (sender, _) = try join(port)
            let recorder = EventRecorder()
            let connection = try ChatConnection(options: options(port), sink: recorder.sink)
            try connection.start()
            defer { connection.stop() }
            try recorder.waitForLine("WELCOME user2 Welcome to chatroom! Type /help for the commands.")
            _ = try sender.readLine()  // JOIN user2
            let text = String(repeating: "x", count: 4096 - 4)
            try sender.send("/bc " + text)  // exactly 4096 bytes: the longest line a client may send
            let expected = "MSG user1 " + text
            #expect(expected.utf8.count > Wire.maxLineBytes)
            try recorder.waitForLine(expected)
        }
    }

    @Test func readsAtMostOncePerReadInterval() async throws {
        try await withRunningServer { _, port in
            let (bob, _) = try join(port)
            let times = Locked<[(ContinuousClock.Instant, ConnectionEvent)]>([])
            var paced = options(port)
            paced.readInterval = .milliseconds(300)
            let connection = try ChatConnection(options: paced) { event in
                times.withLock { $0.append((ContinuousClock.now, event)) }
            }
            let started = ContinuousClock.now
            try connection.start()
            defer { connection.stop() }
            func arrival(of line: String) throws -> ContinuousClock.Instant {
                var found: ContinuousClock.Instant?
                let seen = eventually(timeout: .seconds(5)) {
                    found = times.withLock { events in
                        events.first {
                            if case .received(let event, _) = $0.1 { event.wireLine == line } else { false }
                        }?.0
                    }
                    return found != nil
                }
                guard seen, let found else {
                    throw TestFailure("no \(line); events: \(times.withLock { $0.map(\.1) })")
                }
                return found
            }
            // The first line after a quiet spell (the greeting) is read at once...
            let welcomed = try arrival(of: "WELCOME user2 Welcome to chatroom! Type /help for the commands.")
            #expect(welcomed - started < .seconds(2))
            // ...and a line right after a read waits for the interval, whenever it reached the socket.
            try bob.send("one")
            let first = try arrival(of: "MSG user1 one")
            try bob.send("two")
            let second = try arrival(of: "MSG user1 two")
            #expect(first - welcomed >= .milliseconds(290), "read \(first - welcomed) after the previous read")
            #expect(second - first >= .milliseconds(290), "read \(second - first) after the previous read")
        }
    }

    @Test func sendRefusesWhileNotConnected() async throws {
        let port = try freePort()
        let recorder = EventRecorder()
        let connection = try ChatConnection(options: options(port, reconnect: false), sink: recorder.sink)
        #expect(!connection.send("hello"))
        try connection.start()
        try recorder.waitFor("closed") { $0.last == .closed }
        let address = ServerAddress(host: "127.0.0.1", port: port)
        #expect(
            recorder.all == [
                .connecting(address),
                .disconnected(reason: "nothing answers on 127.0.0.1:\(port) (connection refused)", retryIn: nil),
                .closed,
            ])
        #expect(!connection.send("hello"))
    }

    @Test func quitEndsAfterTheGoodbyeWithoutReconnecting() async throws {
        try await withRunningServer { _, port in
            let recorder = EventRecorder()
            let connection = try ChatConnection(options: options(port), sink: recorder.sink)
            try connection.start()
            try recorder.waitForLine("WELCOME user1 Welcome to chatroom! Type /help for the commands.")
            connection.quit()
            try recorder.waitFor("closed") { $0.last == .closed }
            #expect(recorder.all.suffix(2) == [.received(.bye("goodbye")), .closed])
            #expect(!recorder.all.contains { if case .disconnected = $0 { true } else { false } })
        }
    }

    @Test func reconnectsWithBackoffAndKeepsTheLastName() async throws {
        let port = try freePort()
        let first = try startServer(port: port)
        let recorder = EventRecorder()
        let connection = try ChatConnection(options: options(port, name: "alice"), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        try recorder.waitForLine("NICK user1 alice")
        #expect(connection.send("/nick zed"))
        try recorder.waitForLine("NICK alice zed")

        first.shutdown(grace: .milliseconds(200))
        try recorder.waitFor("a retry") { events in
            events.contains { if case .disconnected(_, .some) = $0 { true } else { false } }
        }
        #expect(!connection.isConnected)
        #expect(!connection.send("lost"))

        let second = try startServer(port: port)
        defer { second.shutdown(grace: .milliseconds(200)) }
        try recorder.waitForLine("NICK user1 zed")
        #expect(
            Array(recorder.received.suffix(2)) == [
                "WELCOME user1 Welcome to chatroom! Type /help for the commands.", "NICK user1 zed",
            ])
    }

    // MARK: v1.1: capabilities and tags

    private static let welcome = "WELCOME user1 Welcome to chatroom! Type /help for the commands."

    @Test func asksForCapabilitiesAfterTheRenameAndReportsAV1RefusalInsteadOfItsError() throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(
            options: options(server.port, name: "alice", capabilities: true), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        let peer = try server.accept()
        try peer.send(Self.welcome)
        #expect(try peer.readLines(2) == ["/nick alice", "/caps ids time"])
        // A v1 server: the rename is refused, then the unknown command.
        try peer.send("ERROR name-taken the name alice is taken")
        try peer.send("ERROR unknown-command there is no /caps command")
        try peer.send("MSG bob still v1")
        try peer.send("ERROR no-such-user no user named zed")
        try recorder.waitForLine("ERROR no-such-user no user named zed")
        let address = ServerAddress(host: "127.0.0.1", port: server.port)
        #expect(
            recorder.all == [
                .connecting(address), .connected(address),
                .received(.welcome(name: "user1", text: "Welcome to chatroom! Type /help for the commands.")),
                .received(.error(.nameTaken, "the name alice is taken")),
                .capabilitiesRefused(.unknownCommand, "there is no /caps command"),
                .received(.message(from: "bob", text: "still v1")),
                .received(.error(.noSuchUser, "no user named zed")),
            ])
    }

    @Test func reportsEachLineWithItsTags() throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(options: options(server.port, capabilities: true), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        let peer = try server.accept()
        try peer.send(Self.welcome)
        #expect(try peer.readLine() == "/caps ids time")
        let lines = [
            "CAPS ids time",
            "@id=5;time=2026-12-01T19:56:01.123Z MSG bob hi",
            "@time=2026-12-01T19:56:02.000Z JOIN carol",
            "HISTORY 4 2026-12-01T19:50:00.000Z bob earlier",
            "HISTORY-END 1",
            "ERROR unavailable nothing is kept",
        ]
        for line in lines { try peer.send(line) }
        try recorder.waitForLine("ERROR unavailable nothing is kept")
        #expect(Array(recorder.receivedTagged.suffix(6)) == lines)
        let time = try #require(Timestamp(rfc3339: "2026-12-01T19:56:01.123Z"))
        #expect(recorder.all.contains(.received(.message(from: "bob", text: "hi"), tags: Tags(id: 5, time: time))))
        // A malformed tag makes the line unreadable, not a message without its id.
        try peer.send("@id=x MSG bob bad")
        try recorder.waitFor("the unreadable line") { events in
            events.contains(.unreadable("the server sent a line this client does not understand: @id=x MSG bob bad"))
        }
    }

    @Test func withoutTheOptionNoCapabilitiesAreAskedFor() throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(options: options(server.port, name: "alice"), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        let peer = try server.accept()
        try peer.send(Self.welcome)
        try recorder.waitForLine(Self.welcome)
        #expect(connection.send("/users"))
        #expect(try peer.readLines(2) == ["/nick alice", "/users"])
    }
}
