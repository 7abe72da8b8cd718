import ChatTestSupport
import Glibc
import Testing

/// Accounts end to end: the client in a tmux pane against a scripted server that speaks exact lines (a
/// server with accounts is being written meanwhile), so the test sees exactly what the client sends.
extension EndToEndTests {
    /// One connection of the client to the scripted server: it answers what the client sends by itself
    /// (`/users`, and `/caps` as a v1 server refuses it) and hands the test every other line.
    private final class Peer {
        let client: LineClient
        var users: [String]
        /// Every line the client sent on this connection, in order.
        private(set) var sent: [String] = []

        init(_ server: ScriptedServer, welcomeAs name: String, users: [String]) throws {
            client = try server.accept(timeout: .seconds(10))
            self.users = users
            try client.send("WELCOME \(name) Welcome to chatroom!")
        }

        /// The next line the client sends that is not `/users` or `/caps`, answering those meanwhile.
        func next() throws -> String {
            while true {
                guard let line = try client.readLine(timeout: .seconds(10)) else {
                    throw TestFailure("the client closed the connection; it sent \(sent)")
                }
                sent.append(line)
                switch line {
                case "/users": try client.send((["USERS"] + users).joined(separator: " "))
                case "/caps ids time": try client.send("ERROR unknown-command there is no /caps command")
                default: return line
                }
            }
        }

        func send(_ lines: String...) throws {
            for line in lines { try client.send(line) }
        }
    }

    /// Starts the client as `--name NAME` against the scripted server, with no password in its environment.
    private func startClient(_ tmux: Tmux, name: String, port: Int) throws {
        try tmux.start(
            name, try clientCommand("--host 127.0.0.1 --port \(port) --name \(name)", environment: "CHATROOM_PASSWORD=")
        )
    }

    private func expectNoPassword(_ screen: [String], _ password: String, _ when: String) {
        #expect(!screen.contains { $0.contains(password) }, "the password on screen \(when): \(screen)")
    }

    @Test func aRegisteredNameAsksForThePasswordMaskedAndLogsInAgainAfterAReconnection() throws {
        let server = try ScriptedServer()
        let password = "hunter22"
        try withTmux { tmux in
            try startClient(tmux, name: "alice", port: server.port)
            var peer = try Peer(server, welcomeAs: "user1", users: ["user1"])
            #expect(try peer.next() == "/nick alice")
            try peer.send("ERROR name-registered the name alice belongs to an account")

            var screen = try tmux.waitFor("alice", "the password prompt") { $0[29] == "password for alice:" }
            #expect(screen.map(message).contains("-- log in as alice below, or press Esc to stay user1"))
            try tmux.type("alice", password)
            screen = try tmux.waitFor("alice", "the masked password") { $0[29] == "password for alice: ••••••••" }
            expectNoPassword(screen, password, "while typing it")
            try tmux.press("alice", "Enter")
            #expect(try peer.next() == "/login alice \(password)")
            peer.users = ["alice"]
            try peer.send("NICK user1 alice", "LOGGED-IN alice")
            let status = " connected | 127.0.0.1:\(server.port) | alice (logged in) | 1 user"
            screen = try tmux.waitFor("alice", "logged in") { $0[28] == status && $0[29] == ">" }
            #expect(screen.map(message).contains("-- logged in as alice"))
            expectNoPassword(screen, password, "once logged in")

            // A line typed whole is masked too, and neither it nor the prompt's answer is in the history.
            try tmux.say("alice", "hello")
            #expect(try peer.next() == #"/bc "hello""#)
            try tmux.type("alice", "/login alice \(password)")
            screen = try tmux.waitFor("alice", "the masked command") { $0[29] == "> /login alice ••••••••" }
            expectNoPassword(screen, password, "typed in a command")
            try tmux.press("alice", "Enter")
            #expect(try peer.next() == "/login alice \(password)")
            try peer.send("LOGGED-IN alice")
            try tmux.press("alice", "Up")
            try tmux.waitFor("alice", "the line before") { $0[29] == "> hello" }
            try tmux.press("alice", "Up", "Up")
            try tmux.type("alice", "!")
            screen = try tmux.waitFor("alice", "the oldest line, edited") { $0[29] == "> hello!" }
            expectNoPassword(screen, password, "in the history")
            try tmux.press("alice", "C-u")
            try tmux.waitFor("alice", "an empty input line") { $0[29] == ">" }

            // The connection drops: the client reconnects and logs in again by itself, keeping the name.
            peer.client.close()
            peer = try Peer(server, welcomeAs: "user2", users: ["alice"])
            #expect(try peer.next() == "/login alice \(password)")
            #expect(peer.sent == ["/login alice \(password)"])
            try peer.send("NICK user2 alice", "LOGGED-IN alice")
            screen = try tmux.waitFor("alice", "logged in again") { $0[28] == status }
            #expect(screen.map(message).filter { $0 == "-- logged in as alice" }.count >= 2)
            expectNoPassword(screen, password, "after the reconnection")
        }
    }

    @Test func aWrongPasswordAsksAgainAndEscapeStaysAGuest() throws {
        let server = try ScriptedServer()
        try withTmux { tmux in
            try startClient(tmux, name: "alice", port: server.port)
            let peer = try Peer(server, welcomeAs: "user1", users: ["user1"])
            #expect(try peer.next() == "/nick alice")
            try peer.send("ERROR name-registered the name alice belongs to an account")
            try tmux.waitFor("alice", "the password prompt") { $0[29] == "password for alice:" }
            try tmux.say("alice", "wrong one")
            #expect(try peer.next() == "/login alice wrong one")
            try peer.send("ERROR login-failed wrong name or password")
            var screen = try tmux.waitFor("alice", "the error") {
                $0.map(self.message).contains("! wrong name or password (login-failed)")
            }
            screen = try tmux.waitFor("alice", "the prompt again") { $0[29] == "password for alice:" }
            // An empty answer is no answer; Esc gives up, and the user stays the guest the server named.
            try tmux.press("alice", "Enter")
            try tmux.type("alice", "abc")
            try tmux.waitFor("alice", "the second try") { $0[29] == "password for alice: •••" }
            try tmux.press("alice", "Escape")
            screen = try tmux.waitFor("alice", "the prompt gone") { $0[29] == ">" }
            #expect(screen.map(message).contains("-- not logged in; you stay user1"))
            #expect(screen[28] == " connected | 127.0.0.1:\(server.port) | user1 | 1 user")
            try tmux.say("alice", "still here")
            #expect(try peer.next() == #"/bc "still here""#)
        }
    }

    @Test func registerAsksTwiceMaskedAndRefusesAMismatch() throws {
        let server = try ScriptedServer()
        try withTmux { tmux in
            try startClient(tmux, name: "bob", port: server.port)
            let peer = try Peer(server, welcomeAs: "user1", users: ["bob"])
            #expect(try peer.next() == "/nick bob")
            try peer.send("NICK user1 bob")
            try tmux.waitFor("bob", showing: "you are now bob")

            try tmux.say("bob", "/register")
            try tmux.waitFor("bob", "the first question") { $0[29] == "new password:" }
            try tmux.say("bob", "abcdefgh")
            try tmux.waitFor("bob", "the second question") { $0[29] == "again:" }
            try tmux.say("bob", "abcdefgX")
            var screen = try tmux.waitFor("bob", "the mismatch") { $0[29] == ">" }
            #expect(screen.map(message).contains("! the passwords do not match"))

            try tmux.say("bob", "/register")
            try tmux.waitFor("bob", "the first question") { $0[29] == "new password:" }
            try tmux.type("bob", "abcdefgh")
            try tmux.waitFor("bob", "the masked answer") { $0[29] == "new password: ••••••••" }
            try tmux.press("bob", "Enter")
            try tmux.waitFor("bob", "the second question") { $0[29] == "again:" }
            try tmux.say("bob", "abcdefgh")
            // The mismatch sent nothing: the first line after the rename is the one registration.
            #expect(try peer.next() == "/register abcdefgh")
            try peer.send("REGISTERED bob")
            screen = try tmux.waitFor("bob", "registered") {
                $0[28] == " connected | 127.0.0.1:\(server.port) | bob (logged in) | 1 user"
            }
            #expect(screen.map(message).contains("-- registered bob; you are logged in"))
            expectNoPassword(screen, "abcdefg", "after registering")
            try tmux.press("bob", "Up")
            try tmux.type("bob", "?")
            try tmux.waitFor("bob", "the history without the registration") { $0[29] == "> ?" }
        }
    }

    @Test func kicksAndMutesReadClearlyAndAKickEndsWithoutReconnecting() throws {
        let server = try ScriptedServer()
        try withTmux { tmux in
            try startClient(tmux, name: "alice", port: server.port)
            let peer = try Peer(server, welcomeAs: "user1", users: ["alice", "bob"])
            #expect(try peer.next() == "/nick alice")
            try peer.send("NICK user1 alice")
            try tmux.waitFor("alice", showing: "you are now alice")
            try tmux.say("alice", "hi")
            #expect(try peer.next() == #"/bc "hi""#)
            try peer.send("JOIN bob", "LEAVE bob kicked", "ERROR muted you are muted for 10 more min")
            var screen = try tmux.waitFor("alice", showing: "you are muted")
            let rows = screen.map(message)
            let joined = try #require(rows.firstIndex(of: "* bob joined"))
            #expect(
                Array(rows[joined..<min(rows.count, joined + 3)]) == [
                    "* bob joined", "* bob was kicked", "! you are muted for 10 more min",
                ])

            try peer.send("BYE kicked by carol: spam")
            peer.client.close()
            screen = try tmux.waitFor("alice", "the closed status") {
                $0[28].hasPrefix(" closed | 127.0.0.1:\(server.port) | alice")
            }
            let end = screen.map(message)
            let bye = try #require(end.firstIndex(of: "! you were kicked by carol: spam"))
            #expect(end[bye + 1].hasPrefix("-- disconnected: the server closed the connection: kicked by carol:"))
            #expect(screen.joined(separator: " ").contains("not reconnecting after a kick"))
            // It stays, showing why, and does not come back.
            #expect(throws: TestFailure.self) { try server.accept(timeout: .seconds(1)) }
            #expect(try tmux.display("alice", "#{alternate_on}") == "1")
            try tmux.press("alice", "C-c")
            #expect(try tmux.waitFor("alice", showing: "EXITED").filter { !$0.isEmpty } == ["EXITED 0 tty restored"])
        }
    }
}
