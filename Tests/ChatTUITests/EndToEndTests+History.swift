import ChatTestSupport
import Glibc
import Testing

/// Stored messages end to end (v1.1): a `chatroom-server` with a store of the test's own, the client
/// in a tmux pane in ``testZone``, and a line client for the others in the room.
extension EndToEndTests {
    /// The message pane's rows (left of the separator), trailing blanks removed.
    private func pane(_ screen: [String]) -> [String] {
        screen.prefix(28).map { String($0.prefix(Self.separator).reversed().drop(while: { $0 == " " }).reversed()) }
    }

    /// Joins as bob over the line protocol and says `lines`, waiting until the server has taken them all.
    private func bobSays(_ lines: [String], port: Int) throws -> LineClient {
        let (bob, _) = try join(port)
        try bob.send("/nick bob")
        for line in lines { try bob.send(line) }
        _ = try bob.sync()
        return bob
    }

    /// The stored messages and their times, read by a connection of its own: a server's answer stops
    /// below the first message a connection got live, so bob's would hold nothing.
    private func storedTimes(port: Int) throws -> [(text: String, time: String)] {
        try join(port).0.storedTimes(count: 10)
    }

    @Test func theHistoryIsShownOnJoiningAboveTheLiveLinesWithItsLocalTimes() throws {
        try withTemporaryStore { store in
            try withTmux { tmux in
                let port = try startServer(tmux, store: store)
                let bob = try bobSays(["first", "second", "third"], port: port)
                let stored = try storedTimes(port: port)
                #expect(stored.map(\.text) == ["first", "second", "third"])
                let stamps = try stored.map { try #require(stampInTestZone($0.time)) }

                try tmux.start(
                    "alice",
                    try clientCommand("--host 127.0.0.1 --port \(port) --name alice", environment: testZone))
                try tmux.waitFor("alice", showing: "you are now alice")
                try bob.send("live now")
                let screen = try tmux.waitFor("alice", showing: "<bob> live now")
                let rows = pane(screen)
                #expect(
                    Array(rows.prefix(3)) == [
                        "\(stamps[0]) <bob> first", "\(stamps[1]) <bob> second", "\(stamps[2]) <bob> third",
                    ])
                #expect(
                    screen[3..<7].map(message) == [
                        "-- connected to 127.0.0.1:\(port)",
                        "* Welcome to chatroom! Type /help for the commands. (you are user3)",
                        "* you are now alice",
                        "<bob> live now",
                    ])
                #expect(rows[7...].allSatisfy { $0.isEmpty })
            }
        }
    }

    /// Waits until alice's pane shows exactly `rows` (without their times) and the status line says
    /// whether there is more below.
    ///
    /// A frame can reach the terminal in more than one write, so a screen is taken as shown only once
    /// every row is the one expected, never from one row alone.
    @discardableResult
    private func waitForPane(_ tmux: Tmux, _ what: String, _ rows: ArraySlice<String>, moreBelow: Bool = true)
        throws -> [String]
    {
        try tmux.waitFor("alice", what) { screen in
            screen.count > 28 && screen.prefix(28).map(self.message) == Array(rows)
                && screen[28].contains("-- more below --") == moreBelow
        }
    }

    @Test func pageUpAtTheTopLoadsOlderMessagesInPlaceUntilTheStartOfTheHistory() throws {
        try withTemporaryStore { store in
            try withTmux { tmux in
                let port = try startServer(tmux, store: store, options: "--rate 0")
                // Bob stays: a leave of his would be a line of alice's pane.
                let bob = try bobSays((1...200).map { "m\($0)" }, port: port)
                defer { withExtendedLifetime(bob) {} }
                try tmux.join("alice", port: port)
                let bobs = { (ids: ClosedRange<Int>) in ids.map { "<bob> m\($0)" } }
                let own = [
                    "-- connected to 127.0.0.1:\(port)",
                    "* Welcome to chatroom! Type /help for the commands. (you are user2)", "* you are now alice",
                ]
                // Three panes' worth (84 of 28 rows) came on joining: m117 to m200, then the connection's lines.
                var lines = bobs(117...200) + own
                try waitForPane(tmux, "the recent history", lines[59..<87], moreBelow: false)

                try tmux.press("alice", "PPage")
                try tmux.press("alice", "PPage")
                try waitForPane(tmux, "two pages up", lines[5..<33])
                // The next page reaches the top, and two more come while the older messages load: they ask
                // for nothing more. The older messages come above without moving what is on screen, in the
                // row of the note shown while they load.
                try tmux.press("alice", "PPage", "PPage", "PPage")
                lines = bobs(33...200) + own
                try waitForPane(tmux, "the older messages", lines[83..<111])

                // Again at the top, twice: the rest (32 messages, fewer than asked for) and the start of the
                // history, once.
                for _ in 0..<3 { try tmux.press("alice", "PPage") }
                try waitForPane(tmux, "three pages up", lines[2..<30])
                try tmux.press("alice", "PPage", "PPage")
                lines = ["-- the start of the history"] + bobs(1...200) + own
                try waitForPane(tmux, "the oldest messages", lines[32..<60])
                try tmux.press("alice", "PPage", "PPage")
                try waitForPane(tmux, "the start of the history", lines[0..<28])

                // Every message is there once, in order, and nothing else: page down to the newest.
                for top in stride(from: 27, through: 162, by: 27) {
                    try tmux.press("alice", "NPage")
                    try waitForPane(tmux, "a page down to \(lines[top])", lines[top..<(top + 28)])
                }
                try tmux.press("alice", "NPage")
                try waitForPane(tmux, "the bottom", lines[176..<204], moreBelow: false)
            }
        }
    }

    @Test func aDroppedConnectionsGapIsFilledWithEachLineOnceUnderANote() throws {
        try withTemporaryStore { store in
            try withTmux { tmux in
                let port = try startServer(tmux, store: store)
                let proxy = try CuttableProxy(to: port)
                defer { proxy.stop() }
                try tmux.start("alice", try clientCommand("--host 127.0.0.1 --port \(proxy.port) --name alice"))
                try tmux.waitFor("alice", showing: "you are now alice")
                let bob = try bobSays(["before one", "before two"], port: port)
                try tmux.waitFor("alice", showing: "<bob> before two")

                // Alice's connection drops; the others carry on while she is away.
                try proxy.cut()
                _ = try bob.readLines(until: "LEAVE alice lost")
                try tmux.waitFor("alice", "the disconnected status") { $0[28].hasPrefix(" disconnected, reconnecting") }
                for number in 1...3 { try bob.send("while away \(number)") }
                _ = try bob.sync()
                try proxy.resume()
                try tmux.waitFor("alice", showing: "came while you were away")
                _ = try bob.readLines(until: "NICK user3 alice")
                try bob.send("after return")
                let screen = try tmux.waitFor("alice", showing: "<bob> after return")

                let lines = screen.prefix(28).map(message).filter { !$0.isEmpty }
                #expect(
                    lines.filter { $0.hasPrefix("<bob> ") } == [
                        "<bob> before one", "<bob> before two", "<bob> while away 1", "<bob> while away 2",
                        "<bob> while away 3", "<bob> after return",
                    ])
                let note = try #require(lines.firstIndex(of: "-- 3 messages came while you were away"))
                #expect(lines.filter { $0.contains("while you were away") }.count == 1)
                // The missed messages sit where the connection was lost: after the notes about it, before
                // the reconnection's lines.
                #expect(lines[note - 1].hasPrefix("-- disconnected: "))
                #expect(lines[..<note].firstIndex { $0.hasPrefix("-- disconnected: ") } == 7)
                #expect(
                    Array(lines[(note + 1)...]) == [
                        "<bob> while away 1", "<bob> while away 2", "<bob> while away 3",
                        "-- connected to 127.0.0.1:\(proxy.port)",
                        "* Welcome to chatroom! Type /help for the commands. (you are user3)",
                        "* you are now alice",
                        "<bob> after return",
                    ])
                #expect(
                    Array(lines.prefix(7)) == [
                        "-- connected to 127.0.0.1:\(proxy.port)",
                        "* Welcome to chatroom! Type /help for the commands. (you are user1)",
                        "* you are now alice", "* user2 joined", "* user2 is now bob", "<bob> before one",
                        "<bob> before two",
                    ])
            }
        }
    }

    @Test func searchListsTheMatchesWithTheirDatesUnderANote() throws {
        try withTemporaryStore { store in
            try withTmux { tmux in
                let port = try startServer(tmux, store: store)
                let bob = try bobSays(["lunch at noon?", "no thanks", "lunch is served"], port: port)
                // bob stays connected while alice searches.
                defer { withExtendedLifetime(bob) {} }
                let stored = try storedTimes(port: port)
                let stamps = try stored.map { try #require(stampInTestZone($0.time, dated: true)) }
                try tmux.start(
                    "alice",
                    try clientCommand("--host 127.0.0.1 --port \(port) --name alice", environment: testZone))
                try tmux.waitFor("alice", showing: "you are now alice")

                try tmux.say("alice", "/search lunch")
                var screen = try tmux.waitFor("alice", showing: #"2 messages match "lunch""#)
                var rows = pane(screen)
                let note = try #require(screen.firstIndex { message($0) == #"-- 2 messages match "lunch""# })
                #expect(note == 6)
                #expect(
                    Array(rows[(note + 1)...(note + 2)]) == [
                        "\(stamps[0]) <bob> lunch at noon?", "\(stamps[2]) <bob> lunch is served",
                    ])
                #expect(rows[(note + 3)...].allSatisfy { $0.isEmpty })

                try tmux.say("alice", "/search pizza")
                screen = try tmux.waitFor("alice", showing: #"no message matches "pizza""#)
                rows = pane(screen)
                #expect(message(screen[note + 3]) == #"-- no message matches "pizza""#)
                #expect(rows[(note + 4)...].allSatisfy { $0.isEmpty })
            }
        }
    }
}
