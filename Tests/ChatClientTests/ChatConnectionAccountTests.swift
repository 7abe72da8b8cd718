import ChatClient
import ChatProtocol
import ChatTestSupport
import Testing

/// The connection and accounts, against a scripted server that speaks exact lines: logging in after the
/// `WELCOME`, again after a reconnection, and not reconnecting after a kick, a ban or a replacement.
@Suite struct ChatConnectionAccountTests {
    private func options(
        _ port: Int, name: String? = nil, password: String? = nil, capabilities: Bool = false
    ) -> ChatConnection.Options {
        ChatConnection.Options(
            address: ServerAddress(host: "127.0.0.1", port: port), name: name, password: password,
            backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(100)), connectTimeout: .seconds(2),
            capabilities: capabilities)
    }

    private static func welcome(_ name: String) -> String { "WELCOME \(name) Welcome to chatroom!" }

    /// The `.received` lines and the account events, in order, as text.
    private func story(_ recorder: EventRecorder) -> [String] {
        recorder.all.compactMap { event in
            switch event {
            case .received(let event, _): event.wireLine
            case .passwordWanted(let name): "(password wanted for \(name))"
            case .loginFailed(let name): "(login failed for \(name))"
            case .capabilitiesRefused(let code, _): "(capabilities refused: \(code.rawValue))"
            case .disconnected(let reason, let retry): "(disconnected: \(reason)\(retry == nil ? "" : ", retrying"))"
            case .closed: "(closed)"
            default: nil
            }
        }
    }

    @Test func aRegisteredNameWantsThePasswordAndTheLoginIsMadeAgainAfterAReconnection() throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(options: options(server.port, name: "alice"), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        var peer = try server.accept()
        try peer.send(Self.welcome("user1"))
        #expect(try peer.readLine() == "/nick alice")
        try peer.send("ERROR name-registered the name alice belongs to an account")
        try recorder.waitFor("the password wanted") { $0.contains(.passwordWanted(name: "alice")) }

        var state = ChatState(address: connection.options.address)
        var prompt = PasswordPrompt(.login(name: "alice"))
        #expect(connection.answer(&prompt, with: "correct horse", state: &state) == .sent)
        #expect(try peer.readLine() == "/login alice correct horse")
        try peer.send("NICK user1 alice")
        try peer.send("LOGGED-IN alice")
        try recorder.waitForLine("LOGGED-IN alice")

        // The connection drops: the next one logs in by itself, with the same password, keeping the name.
        peer.close()
        peer = try server.accept()
        try peer.send(Self.welcome("user2"))
        #expect(try peer.readLine() == "/login alice correct horse")
        try peer.send("NICK user2 alice")
        try peer.send("LOGGED-IN alice")
        try recorder.waitFor("the second login") { _ in story(recorder).filter { $0 == "LOGGED-IN alice" }.count == 2 }
        #expect(
            story(recorder) == [
                Self.welcome("user1"), "ERROR name-registered the name alice belongs to an account",
                "(password wanted for alice)", "NICK user1 alice", "LOGGED-IN alice",
                "(disconnected: the server closed the connection, retrying)",
                Self.welcome("user2"), "NICK user2 alice", "LOGGED-IN alice",
            ])
    }

    @Test func withAPasswordItLogsInRightAfterTheWelcomeInsteadOfRenaming() throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(
            options: options(server.port, name: "alice", password: "pass word", capabilities: true),
            sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        let peer = try server.accept()
        try peer.send(Self.welcome("user1"))
        #expect(try peer.readLines(2) == ["/login alice pass word", "/caps ids time"])
        // The squatter renamed first, then the login's own answer, then the capabilities.
        for line in ["NICK alice user7", "NICK user1 alice", "LOGGED-IN alice", "CAPS ids time"] { try peer.send(line) }
        try recorder.waitForLine("CAPS ids time")
        #expect(
            story(recorder) == [
                Self.welcome("user1"), "NICK alice user7", "NICK user1 alice", "LOGGED-IN alice", "CAPS ids time",
            ])
    }

    @Test func theRefusalOfCapsIsNotTakenForTheAnswerToALoginSentBeforeIt() throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(
            options: options(server.port, name: "alice", capabilities: true), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        let peer = try server.accept()
        try peer.send(Self.welcome("user1"))
        #expect(try peer.readLines(2) == ["/nick alice", "/caps ids time"])
        try peer.send("ERROR name-registered the name alice belongs to an account")
        try recorder.waitFor("the password wanted") { $0.contains(.passwordWanted(name: "alice")) }
        // The user answers before the v1 server's refusal of /caps arrives.
        var state = ChatState(address: connection.options.address)
        var prompt = PasswordPrompt(.login(name: "alice"))
        #expect(connection.answer(&prompt, with: "wrong", state: &state) == .sent)
        #expect(try peer.readLine() == "/login alice wrong")
        try peer.send("ERROR unknown-command there is no /caps command")
        try peer.send("ERROR login-failed wrong name or password")
        try recorder.waitFor("the failed login") { $0.contains(.loginFailed(name: "alice")) }
        #expect(
            story(recorder) == [
                Self.welcome("user1"), "ERROR name-registered the name alice belongs to an account",
                "(password wanted for alice)", "(capabilities refused: unknown-command)",
                "ERROR login-failed wrong name or password", "(login failed for alice)",
            ])
    }

    @Test func aWrongPasswordIsReportedAndForgotten() throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(
            options: options(server.port, name: "alice", password: "wrong"), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        var peer = try server.accept()
        try peer.send(Self.welcome("user1"))
        #expect(try peer.readLine() == "/login alice wrong")
        try peer.send("ERROR login-failed wrong name or password")
        try recorder.waitFor("the failure") { $0.contains(.loginFailed(name: "alice")) }
        peer.close()
        // The password that did not work is not tried again: the name is asked for as without one.
        peer = try server.accept()
        try peer.send(Self.welcome("user2"))
        #expect(try peer.readLine() == "/nick alice")
        #expect(
            Array(story(recorder).prefix(3)) == [
                Self.welcome("user1"), "ERROR login-failed wrong name or password", "(login failed for alice)",
            ])
    }

    @Test func aTypedRegistrationAndPasswordChangeAreWhatTheReconnectionLogsInWith() throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(options: options(server.port, name: "alice"), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        var peer = try server.accept()
        try peer.send(Self.welcome("user1"))
        #expect(try peer.readLine() == "/nick alice")
        try peer.send("NICK user1 alice")
        try recorder.waitForLine("NICK user1 alice")

        var state = ChatState(address: connection.options.address)
        #expect(
            connection.submit("/register first pass", state: &state)
                == .sent(.credentials(.register(password: "first pass"))))
        #expect(try peer.readLine() == "/register first pass")
        try peer.send("REGISTERED alice")
        // A wrong old password changes nothing, and is not a failed login.
        _ = connection.submit("/password wrong next", state: &state)
        #expect(try peer.readLine() == #"/password "wrong" "next""#)
        try peer.send("ERROR login-failed wrong password")
        var prompt = PasswordPrompt(.change)
        #expect(connection.answer(&prompt, with: "first pass", state: &state) == .next)
        #expect(connection.answer(&prompt, with: "second pass", state: &state) == .next)
        #expect(connection.answer(&prompt, with: "second pass", state: &state) == .sent)
        #expect(try peer.readLine() == #"/password "first pass" "second pass""#)
        try peer.send("PASSWORD-CHANGED")
        try recorder.waitForLine("PASSWORD-CHANGED")

        peer.close()
        peer = try server.accept()
        try peer.send(Self.welcome("user2"))
        #expect(try peer.readLine() == "/login alice second pass")
        #expect(!recorder.all.contains { if case .loginFailed = $0 { true } else { false } })
    }

    @Test(arguments: [
        ("kicked by carol: spam", "not reconnecting after a kick"),
        ("banned by carol", "not reconnecting after a ban"),
        ("banned by carol: flooding", "not reconnecting after a ban"),
        ("logged in from another connection", "not reconnecting: you logged in on another connection"),
    ])
    func noReconnectionAfterAKickABanOrAReplacement(farewell: String, why: String) throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(options: options(server.port), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        let peer = try server.accept()
        try peer.send(Self.welcome("user1"))
        try peer.send("BYE \(farewell)")
        peer.close()
        try recorder.waitFor("the end") { $0.last == .closed }
        #expect(
            story(recorder) == [
                Self.welcome("user1"), "BYE \(farewell)",
                "(disconnected: the server closed the connection: \(farewell); \(why))", "(closed)",
            ])
        // The backoff is 20 ms: a reconnection would have come by now.
        #expect(throws: TestFailure.self) { try server.accept(timeout: .milliseconds(500)) }
    }

    @Test func noReconnectionWhileTheAddressIsBanned() throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(options: options(server.port, name: "alice"), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        let peer = try server.accept()
        try peer.send("ERROR banned this address is banned until unbanned")
        try peer.send("BYE banned")
        peer.close()
        try recorder.waitFor("the end") { $0.last == .closed }
        #expect(
            story(recorder) == [
                "ERROR banned this address is banned until unbanned", "BYE banned",
                "(disconnected: the server closed the connection: banned; not reconnecting while banned)", "(closed)",
            ])
        #expect(throws: TestFailure.self) { try server.accept(timeout: .milliseconds(500)) }
    }

    @Test func aLostConnectionOrAShutdownStillReconnects() throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(options: options(server.port), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        var peer = try server.accept()
        try peer.send(Self.welcome("user1"))
        try peer.send("BYE server shutting down")
        peer.close()
        peer = try server.accept()
        try peer.send(Self.welcome("user2"))
        try recorder.waitForLine(Self.welcome("user2"))
        peer.close(reset: true)
        peer = try server.accept()
        try peer.send(Self.welcome("user3"))
        try recorder.waitForLine(Self.welcome("user3"))
        #expect(
            Array(story(recorder).prefix(4)) == [
                Self.welcome("user1"), "BYE server shutting down",
                "(disconnected: the server closed the connection: server shutting down, retrying)",
                Self.welcome("user2"),
            ])
    }

    @Test func aMembersOnlyRoomWantsThePasswordAndGivesTheCapabilitiesOnceLoggedIn() throws {
        let server = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(
            options: options(server.port, name: "alice", capabilities: true), sink: recorder.sink)
        try connection.start()
        defer { connection.stop() }
        let peer = try server.accept()
        try peer.send(Self.welcome("user1"))
        #expect(try peer.readLines(2) == ["/nick alice", "/caps ids time"])
        try peer.send("ERROR login-required log in first")
        try peer.send("ERROR login-required log in first")
        try recorder.waitFor("the refusals") { $0.contains(.capabilitiesRefused(.loginRequired, "log in first")) }
        var state = ChatState(address: connection.options.address)
        var prompt = PasswordPrompt(.login(name: "alice"))
        #expect(connection.answer(&prompt, with: "pass word", state: &state) == .sent)
        #expect(try peer.readLine() == "/login alice pass word")
        try peer.send("NICK user1 alice")
        try peer.send("LOGGED-IN alice")
        #expect(try peer.readLine() == "/caps ids time")
        try peer.send("CAPS ids time")
        try recorder.waitForLine("CAPS ids time")
        #expect(
            story(recorder) == [
                Self.welcome("user1"), "ERROR login-required log in first", "(password wanted for alice)",
                "(capabilities refused: login-required)", "NICK user1 alice", "LOGGED-IN alice", "CAPS ids time",
            ])
    }
}
