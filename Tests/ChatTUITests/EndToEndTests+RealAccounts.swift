import ChatTestSupport
import Glibc
import Testing

/// Accounts end to end against a real `chatroom-server` with an account made by `accounts add`: the
/// masked prompt, the password never on screen or in the input history, and a dropped connection that
/// comes back logged in under the same name, as a second client (and the server) sees it.
extension EndToEndTests {
    @Test func aRealServersAccountLogsInMaskedAndAgainAfterADrop() throws {
        let password = "correct horse 42"
        try withTemporaryStore { store in
            let made = try runProcess(
                [try BuiltProducts.path("chatroom-server"), "accounts", "add", "alice", "--store", store],
                input: password + "\n")
            #expect(made.status == 0, "accounts add: \(made)")
            try withTmux { tmux in
                let port = try startServer(tmux, store: store)
                let proxy = try CuttableProxy(to: port)
                defer { proxy.stop() }
                try tmux.start(
                    "alice",
                    try clientCommand(
                        "--host 127.0.0.1 --port \(proxy.port) --name alice", environment: "CHATROOM_PASSWORD="))
                var screen = try tmux.waitFor("alice", "the password prompt") { $0[29] == "password for alice:" }
                #expect(screen.map(message).contains("-- log in as alice below, or press Esc to stay user1"))
                try tmux.type("alice", password)
                screen = try tmux.waitFor("alice", "the masked password") {
                    $0[29] == "password for alice: " + String(repeating: "•", count: password.count)
                }
                try tmux.press("alice", "Enter")
                let status = " connected | 127.0.0.1:\(proxy.port) | alice (logged in) | 1 user"
                let statusWithBob = " connected | 127.0.0.1:\(proxy.port) | alice (logged in) | 2 users"
                screen = try tmux.waitFor("alice", "logged in") { $0[28] == status }
                #expect(screen.map(message).contains("-- logged in as alice"))
                #expect(!screen.contains { $0.contains(password) })

                // Bob sees alice; the name is hers alone.
                let (bob, _) = try join(port)
                try bob.send("/nick alice")
                #expect(try bob.readLine() == "ERROR name-registered the name alice is registered")
                try tmux.say("alice", "hello from the account")
                #expect(try bob.readLines(until: "MSG alice hello from the account").isEmpty)

                // The connection drops: the client logs in again by itself and keeps the name.
                try proxy.cut()
                _ = try bob.readLines(until: "LEAVE alice lost")
                try proxy.resume()
                #expect(try bob.readLines(until: "NICK user3 alice") == ["JOIN user3"])
                screen = try tmux.waitFor("alice", "logged in again") { rows in
                    rows[28] == statusWithBob && rows.map(message).filter { $0 == "-- logged in as alice" }.count == 2
                }
                #expect(screen.map(message).contains { $0.hasPrefix("-- disconnected: ") })
                #expect(!screen.contains { $0.contains(password) })
                // Nothing typed as a password comes back from the input history.
                try tmux.press("alice", "Up")
                try tmux.waitFor("alice", "the last line typed") { $0[29] == "> hello from the account" }
                try tmux.press("alice", "Up")
                screen = try tmux.waitFor("alice", "still the oldest line") { $0[29] == "> hello from the account" }
                #expect(!screen.contains { $0.contains(password) })
            }
        }
    }
}
