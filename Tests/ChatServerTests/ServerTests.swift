import ChatProtocol
import ChatServer
import ChatTestSupport
import Dispatch
import Testing

private let welcomeText = "Welcome to chatroom! Type /help for the commands."

@Suite struct ServerTests {
    @Test func welcomeIsFirstAndNamesCountUp() async throws {
        try await withRunningServer { _, port in
            let first = try LineClient(port: port)
            #expect(try first.readLine() == "WELCOME user1 \(welcomeText)")
            let second = try LineClient(port: port)
            #expect(try second.readLine() == "WELCOME user2 \(welcomeText)")
            #expect(try first.readLine() == "JOIN user2")
            // The joiner is not told about itself.
            #expect(try second.sync() == [])
            #expect(try first.sync() == [])
        }
    }

    @Test func counterSkipsANameTakenByNick() async throws {
        try await withRunningServer { _, port in
            let (alice, _) = try join(port)
            try alice.send("/nick user2")
            #expect(try alice.readLine() == "NICK user1 user2")
            let (bob, bobName) = try join(port)
            #expect(bobName == "user3")
            #expect(try alice.readLine() == "JOIN user3")
            #expect(try bob.sync() == [])
        }
    }

    @Test func quitSaysByeAndTellsTheOthers() async throws {
        try await withRunningServer { server, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            #expect(try alice.readLine() == "JOIN user2")
            try bob.send("/quit")
            #expect(try bob.readUntilClosed() == ["BYE goodbye"])
            #expect(try alice.readLine() == "LEAVE user2 quit")
            #expect(eventually { server.connectionCount == 1 })
        }
    }

    @Test(arguments: [false, true])
    func droppedConnectionIsLost(reset: Bool) async throws {
        try await withRunningServer { server, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            #expect(try alice.readLine() == "JOIN user2")
            bob.close(reset: reset)
            #expect(try alice.readLine() == "LEAVE user2 lost")
            #expect(eventually { server.connectionCount == 1 && server.sessionThreadCount == 1 })
        }
    }

    @Test func halfCloseGetsItsAnswersThenTheConnectionEnds() async throws {
        try await withRunningServer { _, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            #expect(try alice.readLine() == "JOIN user2")
            try bob.send("/ping one")
            try bob.send("last words")
            bob.shutdownWrite()
            #expect(try bob.readUntilClosed() == ["PONG one", "MSG user2 last words"])
            #expect(try alice.readLines(2) == ["MSG user2 last words", "LEAVE user2 lost"])
        }
    }

    @Test func usersListsEveryoneSortedCaseInsensitively() async throws {
        try await withRunningServer { _, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            let (carol, _) = try join(port)
            try bob.send("/nick Zed")
            try carol.send("/nick anna")
            try alice.send("/nick Bob")
            // The three renames come from three connections: wait until alice has seen them all.
            let seen = try alice.readLines(5).suffix(3)
            #expect(Set(seen) == ["NICK user1 Bob", "NICK user2 Zed", "NICK user3 anna"])
            try alice.send("/USERS")
            #expect(try alice.readLine() == "USERS anna Bob Zed")
        }
    }

    @Test func directMessageReachesOnlyTheTwoParties() async throws {
        try await withRunningServer { _, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            let (carol, _) = try join(port)
            _ = try alice.readLines(2)
            _ = try bob.readLines(1)
            try alice.send(#"/dm user2 "psst, \"secret\"""#)
            #expect(try alice.readLine() == #"DM user1 user2 psst, "secret""#)
            #expect(try bob.readLine() == #"DM user1 user2 psst, "secret""#)
            #expect(try carol.sync() == [])
            try alice.send("/dm USER1 note to self")
            #expect(try alice.sync() == ["DM user1 user1 note to self"])
            #expect(try bob.sync() == [])
        }
    }

    @Test func broadcastReachesEveryoneIncludingTheSender() async throws {
        try await withRunningServer { _, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            _ = try alice.readLines(1)
            try bob.send(#"/bc "quoted \\ text""#)
            try bob.send("/bc unquoted text")
            try bob.send("plain line")
            let expected = [#"MSG user2 quoted \ text"#, "MSG user2 unquoted text", "MSG user2 plain line"]
            #expect(try alice.readLines(3) == expected)
            #expect(try bob.readLines(3) == expected)
        }
    }

    @Test func nickClashes() async throws {
        try await withRunningServer { _, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            _ = try alice.readLines(1)
            try alice.send("/nick Alice")
            #expect(try alice.readLine() == "NICK user1 Alice")
            #expect(try bob.readLine() == "NICK user1 Alice")
            try bob.send("/nick aLiCe")
            #expect(try bob.readLine() == "ERROR name-taken the name aLiCe is taken")
            try bob.send("/nick Server")
            #expect(try bob.readLine() == "ERROR bad-name the name server is reserved")
            try bob.send("/nick 9lives")
            #expect(try bob.readLine() == "ERROR bad-name a name starts with a letter")
            try bob.send("/nick abcdefghijklmnopqrstuvwxy")
            #expect(try bob.readLine() == "ERROR bad-name a name is 1 to 24 characters")
            try alice.send("/nick ALICE")
            #expect(try alice.readLine() == "NICK Alice ALICE")
            #expect(try bob.readLine() == "NICK Alice ALICE")
            #expect(try alice.sync() == [])
            #expect(try bob.sync() == [])
        }
    }

    @Test(arguments: [
        ("/frob", "ERROR unknown-command unknown command /frob (try /help)"),
        ("/users now", "ERROR bad-syntax usage: /users"),
        ("/dm", #"ERROR bad-syntax usage: /dm NAME "TEXT""#),
        (#"/dm user1 "open"#, "ERROR bad-syntax unclosed quote"),
        (#"/bc "closed" extra"#, "ERROR bad-syntax text after the closing quote"),
        ("/dm nobody hi", "ERROR no-such-user no user named nobody"),
        ("/nick bad name", "ERROR bad-name a name holds no spaces"),
        ("/nick user1", "ERROR name-taken the name user1 is taken"),
        ("/bc", "ERROR empty-message the message is empty"),
        (#"/dm user1 """#, "ERROR empty-message the message is empty"),
    ])
    func commandErrors(line: String, expected: String) async throws {
        try await withRunningServer { _, port in
            let (client, _) = try join(port)
            try client.send(line)
            #expect(try client.sync() == [expected])
        }
    }

    @Test(arguments: [
        ("escape sequence", [UInt8]("hello \u{1B}[31mred".utf8), "ERROR bad-text line holds a control character"),
        ("bell", [UInt8]("bell\u{07}".utf8), "ERROR bad-text line holds a control character"),
        ("C1 CSI", [UInt8]("c1 \u{9B}31m".utf8), "ERROR bad-text line holds a control character"),
        ("stray 0xFF", [0x68, 0x69, 0xFF], "ERROR bad-encoding line is not valid UTF-8"),
        ("overlong", [0xC0, 0xAF], "ERROR bad-encoding line is not valid UTF-8"),
        ("4097 bytes", [UInt8](repeating: 0x61, count: 4097), "ERROR line-too-long line longer than 4096 bytes"),
    ])
    func badLinesAreRefusedAndReachNobody(label: String, bytes: [UInt8], expected: String) async throws {
        try await withRunningServer { _, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            _ = try alice.readLines(1)
            try bob.sendRaw(bytes + [0x0A])
            #expect(try bob.sync() == [expected])
            #expect(try alice.sync() == [])
            // The connection stays usable.
            try bob.send("still here")
            #expect(try alice.readLine() == "MSG user2 still here")
        }
    }

    @Test func lineSplitIntoSingleBytesIsReassembled() async throws {
        try await withRunningServer { _, port in
            let (alice, _) = try join(port)
            for byte in Array("/bc \"one byte at a time ✓\"\r\n".utf8) { try alice.sendRaw([byte]) }
            #expect(try alice.readLine() == "MSG user1 one byte at a time ✓")
        }
    }

    @Test func serverFullRefusesWithErrorAndBye() async throws {
        try await withRunningServer(.init(maxClients: 2)) { server, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            _ = try alice.readLines(1)
            let third = try LineClient(port: port)
            #expect(try third.readUntilClosed() == ["ERROR server-full the server is full", "BYE try again later"])
            #expect(try alice.sync() == [])
            #expect(try bob.sync() == [])
            #expect(server.connectionCount == 2)
        }
    }

    @Test func everyClientSeesOneGlobalOrder() async throws {
        try await withRunningServer(.init(rate: 0)) { _, port in
            let senders = 4
            let perSender = 250
            let clients = try (0..<6).map { _ in try join(port).0 }
            // Take the JOIN lines so that each client's next lines are the messages.
            for (index, client) in clients.enumerated() where index < clients.count - 1 {
                _ = try client.readLines(clients.count - 1 - index)
            }
            DispatchQueue.concurrentPerform(iterations: senders) { sender in
                for sequence in 0..<perSender {
                    try? clients[sender].send("s\(sender) m\(sequence)")
                }
            }
            var transcripts: [[String]] = []
            for client in clients {
                transcripts.append(try client.readLines(senders * perSender))
            }
            for transcript in transcripts.dropFirst() {
                #expect(transcript == transcripts[0])
            }
            // Each sender's own lines arrive in the order it sent them.
            for sender in 0..<senders {
                let own = transcripts[0].filter { $0.hasPrefix("MSG user\(sender + 1) ") }
                #expect(own == (0..<perSender).map { "MSG user\(sender + 1) s\(sender) m\($0)" })
            }
        }
    }

    @Test func aClientThatStopsReadingIsDroppedAndOthersCarryOn() async throws {
        let limit = 64 * 1024
        try await withRunningServer(.init(sendQueueBytes: limit, rate: 0)) { server, port in
            let (stuck, _) = try join(port)
            let (talker, _) = try join(port)
            let (listener, _) = try join(port)
            _ = try talker.readLines(1)
            // `stuck` never reads; its kernel buffers fill, then its queue passes the limit.
            let text = String(repeating: "x", count: 4000)
            var heard: [LineClient: [String]] = [:]
            var sawLeave: Set<LineClient> = []
            var sent = 0
            while sawLeave.count < 2 && sent < 5_000 {
                try talker.send("\(sent) \(text)")
                sent += 1
                // Both readers keep up, so only `stuck` falls behind.
                for reader in [talker, listener] {
                    var line = try reader.readLine() ?? "closed"
                    if line == "LEAVE user1 slow" {
                        sawLeave.insert(reader)
                        line = try reader.readLine() ?? "closed"
                    }
                    heard[reader, default: []].append(line)
                }
            }
            #expect(sawLeave.count == 2, "the stuck client was not dropped after \(sent) messages")
            // Everyone else received every message, in order.
            let expected = (0..<sent).map { "MSG user2 \($0) \(text)" }
            #expect(heard[talker] == expected)
            #expect(heard[listener] == expected)
            #expect(eventually { server.connectionCount == 2 && server.sessionThreadCount == 2 })
            // The stuck client's socket is closed: it drains what was buffered, then sees the end.
            let drained = try stuck.readUntilClosed(timeout: .seconds(10))
            #expect(drained.first == "JOIN user2")
            #expect(drained.count < sent)
        }
    }

    @Test func shutdownSaysByeToEveryone() async throws {
        let server = try ChatServer(configuration: .init(host: "127.0.0.1", port: 0), logger: quietLogger)
        let port = try server.start()
        let (alice, _) = try join(port)
        let (bob, _) = try join(port)
        _ = try alice.readLines(1)
        try bob.send("bye all")
        _ = try bob.readLines(1)
        let started = ContinuousClock.now
        server.shutdown()
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(try alice.readUntilClosed() == ["MSG user2 bye all", "BYE server shutting down"])
        #expect(try bob.readUntilClosed() == ["BYE server shutting down"])
        #expect(server.sessionThreadCount == 0)
    }
}
