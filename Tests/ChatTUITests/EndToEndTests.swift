import CNcursesw
import ChatTestSupport
import Foundation
import Glibc
import Testing

@testable import ChatTUI

/// The client driven through tmux like a person would: real `chatroom-server` and `chatroom`
/// processes in panes of a fixed size, keys typed with `send-keys`, screens read with `capture-pane`.
@Suite(.serialized) struct EndToEndTests {
    /// The pane's column where the sidebar's separator sits at 100 columns.
    static let separator = 79

    /// The sidebar's text on a row (after the separator), or `nil` when the row has no separator there.
    private func sidebar(_ row: String) -> String? {
        let characters = Array(row)
        guard characters.count > Self.separator, characters[Self.separator] == "│" else { return nil }
        return String(characters[(Self.separator + 1)...])
    }

    /// The message pane's text on a row, without the time.
    func message(_ row: String) -> String {
        String(row.prefix(Self.separator).dropFirst(6).reversed().drop(while: { $0 == " " }).reversed())
    }

    private func sidebarRows(_ screen: [String]) -> [String] {
        screen.prefix(28).compactMap(sidebar).filter { !$0.isEmpty }
    }

    @Test func twoPeopleChatAndADirectMessageReachesOnlyItsParties() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            try tmux.join("alice", port: port)
            try tmux.join("bob", port: port)
            try tmux.join("carol", port: port)

            // Every sidebar lists all three, sorted, with its own name marked.
            for (session, marked) in [("alice", "*alice"), ("bob", "*bob"), ("carol", "*carol")] {
                let status = " connected | 127.0.0.1:\(port) | \(session) | 3 users"
                let screen = try tmux.waitFor(session, "three names in the sidebar") {
                    sidebarRows($0).count == 4 && $0.count > 28 && $0[28] == status
                }
                let expected = [" Users (3)", " alice", " bob", " carol"].map {
                    $0 == " " + marked.dropFirst() ? marked : $0
                }
                #expect(sidebarRows(screen) == expected, "\(session)")
                #expect(screen[28] == status, "\(session)")
            }

            try tmux.say("alice", "hello from alice")
            for session in ["alice", "bob", "carol"] {
                let screen = try tmux.waitFor(session, showing: "<alice> hello from alice")
                #expect(screen.contains { message($0) == "<alice> hello from alice" }, "\(session)")
            }

            // Tab completes the command and the name.
            try tmux.type("bob", "/d")
            try tmux.press("bob", "Tab")
            try tmux.type("bob", "al")
            try tmux.press("bob", "Tab")
            try tmux.waitFor("bob", "the completed line") { $0[29] == "> /dm alice" }
            try tmux.say("bob", "secret for alice")
            try tmux.waitFor("bob", showing: "-> alice: secret for alice")
            try tmux.waitFor("alice", showing: "<- bob: secret for alice")
            // Carol has seen what came after the direct message, and not the message itself.
            try tmux.say("bob", "after the secret")
            let carol = try tmux.waitFor("carol", showing: "<bob> after the secret")
            #expect(!carol.contains { $0.contains("secret for alice") })
            #expect(try tmux.screen("alice").contains { message($0) == "<- bob: secret for alice" })
            #expect(try tmux.screen("bob").contains { message($0) == "-> alice: secret for alice" })
        }
    }

    @Test func pageUpShowsOlderLinesAndPageDownReturns() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            try tmux.join("alice", port: port)
            let chatroom = try BuiltProducts.path("chatroom")
            try tmux.start(
                "feeder",
                "seq 1 80 | sed 's/^/line /' | \(chatroom) --plain --host 127.0.0.1 --port \(port) --name feeder")
            var screen = try tmux.waitFor("alice", showing: "feeder left (quit)")
            // 28 pane rows: lines 54 to 80, then the leave.
            #expect(message(screen[0]) == "<feeder> line 54")
            #expect(message(screen[26]) == "<feeder> line 80")
            #expect(message(screen[27]) == "* feeder left (quit)")

            try tmux.press("alice", "PPage")
            screen = try tmux.waitFor("alice", "a page up") { self.message($0[27]) == "<feeder> line 54" }
            #expect(message(screen[0]) == "<feeder> line 27")
            #expect(screen[28].hasSuffix("-- more below --"))

            // What arrives meanwhile is counted, not shown.
            try tmux.start("bob", try clientCommand("--host 127.0.0.1 --port \(port) --name bob"))
            screen = try tmux.waitFor("alice", "the unread count") { $0[28].hasSuffix("-- more below -- 2 unread") }
            #expect(message(screen[27]) == "<feeder> line 54")

            // The mouse wheel scrolls too (an X10 mouse report for button 4, then button 5).
            try tmux.run(["send-keys", "-t", "alice", "-H", "1b", "5b", "4d", "60", "21", "21"])
            screen = try tmux.waitFor("alice", "a wheel step up") { self.message($0[27]) == "<feeder> line 51" }
            try tmux.run(["send-keys", "-t", "alice", "-H", "1b", "5b", "4d", "61", "21", "21"])
            screen = try tmux.waitFor("alice", "a wheel step down") { self.message($0[27]) == "<feeder> line 54" }

            // A page down from there ends on the last line seen; the new ones are still below.
            try tmux.press("alice", "NPage")
            screen = try tmux.waitFor("alice", "a page down") { self.message($0[27]) == "* feeder left (quit)" }
            #expect(screen[28].hasSuffix("-- more below -- 2 unread"))
            try tmux.press("alice", "NPage")
            screen = try tmux.waitFor("alice", "another page down") { self.message($0[27]) == "* user3 is now bob" }
            #expect(message(screen[26]) == "* user3 joined")
            #expect(screen[28] == " connected | 127.0.0.1:\(port) | alice | 2 users")
            try tmux.press("alice", "PPage")
            try tmux.waitFor("alice", "scrolled up again") { $0[28].hasSuffix("-- more below --") }
            try tmux.press("alice", "End")
            screen = try tmux.waitFor("alice", "back at the bottom") { !$0[28].contains("more below") }
            #expect(message(screen[27]) == "* user3 is now bob")
        }
    }

    @Test func resizingToFiftyByTwelveAndBackLaysOutAgain() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            try tmux.join("alice", port: port)
            try tmux.say("alice", "a message long enough to wrap once the window is only fifty columns wide")

            try tmux.resize("alice", width: 50, height: 12)
            // tmux shows the old screen cropped until the client redraws: wait for the wrapped message.
            // A capture can land mid-redraw: wait for the whole layout, the status and input lines included.
            let narrowStatus = " connected | 127.0.0.1:\(port) | alice | 1 user"
            var screen = try tmux.waitFor("alice", "the narrow layout") {
                $0.count == 12 && $0.contains { $0.hasSuffix("<alice> a message long enough to wrap once") }
                    && $0[10] == narrowStatus && $0[11] == ">"
            }
            #expect(!screen.joined().contains("│"))
            #expect(!screen.joined().contains("Users"))
            #expect(screen[10] == " connected | 127.0.0.1:\(port) | alice | 1 user")
            #expect(screen[11] == ">")
            #expect(screen.allSatisfy { $0.count <= 50 })
            let wrapped = screen.firstIndex { $0.hasSuffix("<alice> a message long enough to wrap once") }
            #expect(wrapped != nil)
            if let wrapped, wrapped + 2 < screen.count {
                #expect(screen[wrapped + 1] == "              the window is only fifty columns")
                #expect(screen[wrapped + 2] == "              wide")
            }

            try tmux.resize("alice", width: 30, height: 8)
            screen = try tmux.waitFor("alice", showing: "Terminal too small")
            #expect(screen.contains("      30x8, needs 40x10"))

            try tmux.resize("alice", width: 100, height: 30)
            screen = try tmux.waitFor("alice", "the wide layout") {
                $0.count == 30 && sidebarRows($0) == [" Users (1)", "*alice"]
                    && $0[28] == " connected | 127.0.0.1:\(port) | alice | 1 user"
                    && $0.contains { message($0) == "<alice> a message long enough to wrap once the window is only fifty" }
            }
            #expect(screen[28] == " connected | 127.0.0.1:\(port) | alice | 1 user")
            #expect(
                screen.contains { message($0) == "<alice> a message long enough to wrap once the window is only fifty" }
            )
        }
    }

    @Test func pastedLinesAreEachSent() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            try tmux.join("alice", port: port)
            try tmux.run(["set-buffer", "-b", "paste", "first pasted line\nsecond\twith a tab\nthird\n"])
            try tmux.run(["paste-buffer", "-p", "-b", "paste", "-t", "alice"])
            let screen = try tmux.waitFor("alice", showing: "<alice> third")
            let said = screen.map(message).filter { $0.hasPrefix("<alice>") }
            #expect(said == ["<alice> first pasted line", "<alice> second with a tab", "<alice> third"])
        }
    }

    @Test func helpShowsTheServersLinesThenTheClientsKeysAndClearEmptiesThePane() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            // Tall enough for every help line, the server's and the client's, below the greeting.
            try tmux.start("alice", height: 60, try clientCommand("--host 127.0.0.1 --port \(port) --name alice"))
            try tmux.waitFor("alice", showing: "you are now alice")
            try tmux.say("alice", "/help")
            let screen = try tmux.waitFor("alice", showing: "? /clear empties this pane")
            let help = screen.map(message).filter { $0.hasPrefix("? ") }
            #expect(help.first == "? /help - show this help")
            // The client turned the v1.1 capabilities on, so the server lists its v1.1 commands too.
            let quit = try #require(help.firstIndex(of: "? /quit - leave the chat"))
            // The server's last line is its /password line (accounts, after the v1.1 commands).
            let serverEnd = try #require(help.firstIndex { $0.hasPrefix("? /password OLD NEW - ") })
            #expect(help[try #require(help.firstIndex { $0.hasPrefix("? /search TEXT - ") }) + 1].hasPrefix("? /register "))
            let clientStart = try #require(help.firstIndex { $0.hasPrefix("? keys: Enter sends") })
            #expect(help[quit + 1].hasPrefix("? /caps "))
            #expect(serverEnd + 1 == clientStart)
            #expect(help.contains("? PgUp/PgDn or the mouse wheel scroll; at the top, PgUp loads older"))
            #expect(help.contains { $0.hasPrefix("? /register, /login NAME and /password ask for the passwords") })
            #expect(help.contains { $0.hasPrefix("? Tab completes the operators' commands too (/kick, /ban, /mute") })
            try tmux.say("alice", "/clear")
            let cleared = try tmux.waitFor("alice", "an empty pane") { !$0.contains { $0.contains("? ") } }
            #expect(cleared.prefix(58).allSatisfy { message($0).isEmpty })
        }
    }

    @Test func quitLeavesARestoredShell() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            try tmux.join("alice", port: port)
            #expect(try tmux.display("alice", "#{alternate_on}") == "1")
            try tmux.say("alice", "/quit")
            let screen = try tmux.waitFor("alice", showing: "EXITED")
            #expect(screen.filter { !$0.isEmpty } == ["EXITED 0 tty restored"])
            #expect(try tmux.display("alice", "#{alternate_on}") == "0")
        }
    }

    @Test func controlCAndSigtermLeaveCleanlyToo() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            try tmux.join("alice", port: port)
            try tmux.start("bob", try clientCommand("--host 127.0.0.1 --port \(port) --name bob"))
            try tmux.waitFor("alice", showing: "user2 is now bob")
            try tmux.waitFor("bob", showing: "you are now bob")

            try tmux.press("bob", "C-c")
            #expect(try tmux.waitFor("bob", showing: "EXITED").filter { !$0.isEmpty } == ["EXITED 0 tty restored"])
            try tmux.waitFor("alice", showing: "bob left (quit)")

            let shell = try tmux.display("alice", "#{pane_pid}")
            let pid = try #require(Int32(shell).flatMap { ProcessEntry(pid: $0).children.first })
            kill(pid, SIGTERM)
            #expect(try tmux.waitFor("alice", showing: "EXITED").filter { !$0.isEmpty } == ["EXITED 0 tty restored"])
            #expect(try tmux.display("alice", "#{alternate_on}") == "0")
        }
    }

    @Test func whenTheServerGoesAwayTheClientWaitsEditableAndReconnects() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            try tmux.join("alice", port: port)
            try tmux.say("alice", "/nick alicia")
            try tmux.waitFor("alice", showing: "you are now alicia")

            try tmux.press("server", "C-c")
            var screen = try tmux.waitFor("alice", "the disconnected status") {
                $0[28].hasPrefix(" disconnected, reconnecting | 127.0.0.1:\(port) | alicia")
            }
            #expect(screen.contains { message($0) == "* the server says goodbye: server shutting down" })
            #expect(sidebarRows(screen) == [" Users (0)"])
            try tmux.type("alice", "still typing")
            try tmux.waitFor("alice", "the input line") { $0[29] == "> still typing" }

            _ = try startServer(tmux, session: "server2", port: port)
            screen = try tmux.waitFor("alice", "the name kept after reconnecting") {
                $0[28] == " connected | 127.0.0.1:\(port) | alicia | 1 user"
            }
            #expect(sidebarRows(screen) == [" Users (1)", "*alicia"])
            #expect(screen[29] == "> still typing")
            try tmux.press("alice", "Enter")
            try tmux.waitFor("alice", showing: "<alicia> still typing")
        }
    }

    @Test func withNothingListeningTheClientHostsTheServerAndOthersJoinIt() throws {
        let port = try freePort()
        try withTmux { tmux in
            try tmux.start("alice", try clientCommand("--port \(port) --name alice"))
            var screen = try tmux.waitFor("alice", showing: "nothing answered on 127.0.0.1:\(port), so this chatroom")
            #expect(message(screen[0]) == "-- nothing answered on 127.0.0.1:\(port), so this chatroom hosts the server")
            try tmux.start("bob", try clientCommand("--port \(port) --name bob"))
            screen = try tmux.waitFor("bob", "both in the sidebar") {
                sidebarRows($0) == [" Users (2)", " alice", "*bob"]
            }
            #expect(screen[28] == " connected | 127.0.0.1:\(port) | bob | 2 users")
            screen = try tmux.waitFor("alice", "both in the sidebar") {
                sidebarRows($0) == [" Users (2)", "*alice", " bob"]
            }
            #expect(screen[28] == " hosting | 127.0.0.1:\(port) | alice | 2 users")
            try tmux.say("bob", "hi host")
            try tmux.waitFor("alice", showing: "<bob> hi host")
        }
    }

    @Test func editingKeysWorkThroughTheTerminal() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            try tmux.join("alice", port: port)
            func expectInput(_ text: String, after keys: () throws -> Void) throws {
                try keys()
                try tmux.waitFor("alice", "the input line \(text.debugDescription)") { $0[29] == text }
            }
            try expectInput("> hello world") { try tmux.type("alice", "hello world") }
            try expectInput("> hello big world") {
                try tmux.press("alice", "M-b")
                try tmux.type("alice", "big ")
            }
            try expectInput("> Xhello big world") {
                try tmux.press("alice", "C-a")
                try tmux.type("alice", "X")
            }
            try expectInput("> Xhello big world!") {
                try tmux.press("alice", "C-e")
                try tmux.type("alice", "!")
            }
            // (The screen's trailing blanks are trimmed: Ctrl-W leaves "Xhello big ".)
            try expectInput("> Xhello big") { try tmux.press("alice", "C-w") }
            try expectInput("> Xhello bi") { try tmux.press("alice", "BSpace", "BSpace") }
            try expectInput("> hello bi") { try tmux.press("alice", "Home", "DC") }
            try expectInput("> hello") { try tmux.press("alice", "M-f", "C-k") }
            try expectInput("> hel中lo") {
                try tmux.press("alice", "Left", "Left", "End", "Left", "Left")
                try tmux.type("alice", "中")
            }
            try expectInput(">") { try tmux.press("alice", "End", "C-u") }

            // History.
            try tmux.say("alice", "first")
            try tmux.say("alice", "second")
            try tmux.waitFor("alice", showing: "<alice> second")
            try expectInput("> second") { try tmux.press("alice", "Up") }
            try expectInput("> first") { try tmux.press("alice", "Up") }
            try expectInput("> second") { try tmux.press("alice", "Down") }
            try expectInput(">") { try tmux.press("alice", "Down") }

            // A line longer than the field scrolls sideways, keeping the cursor in view.
            let long = (0..<30).map { "w\($0)" }.joined(separator: " ")
            try tmux.type("alice", long)
            let screen = try tmux.waitFor("alice", "the end of the long line") { $0[29].hasSuffix("w28 w29") }
            #expect(screen[29].count <= 100)
            #expect(!screen[29].contains("w0 "))
            try tmux.press("alice", "Enter")
            try tmux.waitFor("alice", showing: "<alice> w0 w1 w2")
        }
    }

    @Test func wideCharactersAndEmojiNeverShiftTheSidebar() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            try tmux.join("alice", port: port)
            try tmux.join("bob", port: port)
            try #require(setlocale(LC_CTYPE, "C.UTF-8") != nil)
            let text = "wide 中文字 family 👨‍👩‍👧 flag 🇫🇷 thumbs 👍🏽 accent é end; "
            try tmux.say("bob", String(repeating: text, count: 3))
            // The emoji are written around curses after it draws a frame: wait for the frame and them, so a
            // capture in between does not count.
            let screen = try tmux.waitFor("alice", "the message with its emoji") {
                $0.contains { $0.contains("<bob> wide 中文字") } && $0.contains { $0.contains("thumbs 👍 accent é end;") }
            }
            // Every pane row ends exactly at the separator, and the sidebar reads as it should.
            for (index, row) in screen.prefix(28).enumerated() {
                let parts = row.split(separator: "│", maxSplits: 1, omittingEmptySubsequences: false)
                #expect(parts.count == 2, "row \(index): \(row)")
                if parts.count == 2 { #expect(tmuxColumns(of: parts[0]) == 79, "row \(index): \(row)") }
            }
            #expect(sidebarRows(screen) == [" Users (2)", "*alice", " bob"])
            #expect(screen.contains { $0.contains("👨‍👩‍👧 flag 🇫🇷") })
            // tmux draws the skin tone as a glyph of its own, over the next two cells: the client writes
            // those cells again, so the text after the emoji stays whole.
            #expect(screen.contains { $0.contains("thumbs 👍 accent é end;") })
        }
    }

    @Test func aFloodIsDrawnInBatchesAndTheClientStaysResponsive() throws {
        try withTmux { tmux in
            let server = try BuiltProducts.path("chatroom-server")
            try tmux.start("server", "\(server) --port 0 --rate 0 --store none 2>&1")
            let log = try tmux.waitFor("server", showing: "listening on 127.0.0.1:")
            let line = try #require(log.first { $0.contains("listening on 127.0.0.1:") })
            let port = try #require(
                line.split(separator: "listening on 127.0.0.1:").last.flatMap { Int($0.prefix(while: \.isNumber)) })
            try tmux.join("alice", port: port)
            let chatroom = try BuiltProducts.path("chatroom")
            try tmux.start(
                "feeder",
                "seq 1 5000 | sed 's/^/flood /' | \(chatroom) --plain --host 127.0.0.1 --port \(port) --name feeder >/dev/null"
            )
            try tmux.waitFor("alice", showing: "<feeder> flood 5000", timeout: .seconds(30))
            try tmux.type("alice", "still responsive")
            let screen = try tmux.waitFor("alice", "the typed text", timeout: .seconds(3)) {
                $0[29] == "> still responsive"
            }
            #expect(message(screen[26]) == "<feeder> flood 5000" || message(screen[27]) == "<feeder> flood 5000")
        }
    }

    @Test func anIdleClientUsesNoCPU() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            try tmux.start("alice", try clientCommand("--host 127.0.0.1 --port \(port) --name alice"))
            try tmux.waitFor("alice", "the sidebar") { sidebarRows($0) == [" Users (1)", "*alice"] }
            let shell = try #require(Int32(try tmux.display("alice", "#{pane_pid}")))
            let client = try #require(ProcessEntry(pid: shell).children.first.map(ProcessEntry.init(pid:)))
            // A measurement over a window of time, not a wait for a condition.
            let before = try #require(client.cpuTicks)
            _ = poll(nil, 0, 3000)
            #expect(try #require(client.cpuTicks) - before <= 1)
        }
    }

    @Test func leavingWhileTheServerIsGoneRestoresTheShell() throws {
        try withTmux { tmux in
            let port = try startServer(tmux)
            try tmux.join("alice", port: port)
            try tmux.press("server", "C-c")
            try tmux.waitFor("alice", "the disconnected status") { $0[28].hasPrefix(" disconnected") }
            try tmux.press("alice", "C-c")
            #expect(try tmux.waitFor("alice", showing: "EXITED").filter { !$0.isEmpty } == ["EXITED 0 tty restored"])
            #expect(try tmux.display("alice", "#{alternate_on}") == "0")
        }
    }
}

/// The columns tmux 3.3a gives text: glibc `wcwidth` per scalar, except that it draws a
/// zero-width-joiner sequence and a pair of regional indicators (a flag) as one two-column glyph.
/// (It draws an emoji with a skin tone in four columns, and one with VS16 in one.)
func tmuxColumns(of text: some StringProtocol) -> Int {
    var total = 0
    for character in text {
        let scalars = character.unicodeScalars
        let widths = scalars.map { Int(max(0, wcwidth(wchar_t(bitPattern: $0.value)))) }
        if scalars.contains("\u{200D}") {
            total += widths.first ?? 0
        } else if scalars.count == 2, scalars.allSatisfy({ (0x1F1E6...0x1F1FF).contains($0.value) }) {
            total += 2
        } else {
            total += widths.reduce(0, +)
        }
    }
    return total
}
