import ChatProtocol
import Testing

@testable import ChatClient

/// What typed account commands do, the password prompts, and how accounts and moderation read in the pane.
@Suite struct AccountLinesTests {
    private let address = ServerAddress(host: "127.0.0.1", port: 7777)
    private let noon = LocalTime(hour: 12, minute: 1)

    private func welcomed(as name: String = "user1") -> ChatState {
        var state = ChatState(address: address)
        state.apply(.connecting(address), at: noon)
        state.apply(.connected(address), at: noon)
        state.apply(.received(.welcome(name: name, text: "hi")), at: noon)
        return state
    }

    private func text(_ state: ChatState) -> [String] {
        state.lines.elements.map(PlainFormatter.format)
    }

    // MARK: Typed lines

    @Test(arguments: [
        ("/register", OutgoingLine.askPassword(.register)),
        ("/REGISTER   ", .askPassword(.register)),
        ("/register hunter22", .credentials(.register(password: "hunter22"))),
        ("/register two words", .credentials(.register(password: "two words"))),
        ("/login alice", .askPassword(.login(name: "alice"))),
        ("/login  alice  ", .askPassword(.login(name: "alice"))),
        ("/login alice hunter22", .credentials(.login(name: "alice", password: "hunter22"))),
        ("/login alice two words", .credentials(.login(name: "alice", password: "two words"))),
        ("/login", .send("/login")),
        ("/login 9lives", .send("/login 9lives")),
        ("/password", .askPassword(.change)),
        ("/password old new", .credentials(.changePassword(old: "old", new: "new"))),
        (#"/password "o ld" new"#, .credentials(.changePassword(old: "o ld", new: "new"))),
        ("/password onlyone", .send("/password onlyone")),
        ("/kick bob spam", .send("/kick bob spam")),
        ("/ban bob 10 flooding", .send("/ban bob 10 flooding")),
        ("/bans", .send("/bans")),
        ("/mute bob", .send("/mute bob")),
    ])
    func interprets(typed: String, expected: OutgoingLine) {
        #expect(OutgoingLine.interpret(typed) == expected)
    }

    @Test func exactlyTheCommandsThatCarryAPasswordAreKeptOutOfTheHistory() throws {
        for word in Command.words {
            let line = "/\(word) alice b"
            let parsed = try? Command.parse(line)
            #expect(OutgoingLine.carriesPassword(line) == (parsed?.carriesPassword ?? false), "\(word)")
            #expect(OutgoingLine.carriesPassword("/\(word.uppercased()) x") == OutgoingLine.carriesPassword(line))
        }
        #expect(OutgoingLine.carriesPassword("/register"))
        #expect(OutgoingLine.carriesPassword("/password onlyone"))
        #expect(OutgoingLine.carriesPassword("/login alice"))
        #expect(!OutgoingLine.carriesPassword("login alice hunter22"))
        #expect(!OutgoingLine.carriesPassword("/loginx alice hunter22"))
    }

    @Test(
        arguments: [
            ("/login", nil), ("/login ", nil), ("/login al", nil), ("/login alice", nil),
            ("/login alice ", 13), ("/login alice hun", 13), ("/LOGIN  alice  x", 14),
            ("/register", nil), ("/register ", 10), ("/register hunter22", 10),
            ("/password ", 10), ("/password old new", 10),
            ("/nick alice", nil), ("hello /login alice x", nil), ("/dm bob /login alice x", nil),
        ] as [(String, Int?)])
    func findsWhereThePasswordStarts(typed: String, start: Int?) {
        #expect(OutgoingLine.passwordStart(in: typed) == start)
    }

    @Test func commandsTakingANameAreDmAndTheOperatorsButBans() {
        #expect(OutgoingLine.commandsTakingAName == ["/dm", "/kick", "/ban", "/unban", "/mute", "/unmute"])
    }

    // MARK: Prompts

    @Test func aLoginAsksOnce() {
        var prompt = PasswordPrompt(.login(name: "alice"))
        #expect(prompt.label == "password for alice: ")
        #expect(prompt.answer("two words") == .command(.login(name: "alice", password: "two words")))
        #expect(prompt.cancelledNote(ownName: "user1") == "not logged in; you stay user1")
    }

    @Test func registeringAsksTwiceAndRefusesAMismatch() {
        var prompt = PasswordPrompt(.register)
        #expect(prompt.label == "new password: ")
        #expect(prompt.answer("hunter22") == .next)
        #expect(prompt.label == "again: ")
        #expect(prompt.answer("hunter22") == .command(.register(password: "hunter22")))

        var wrong = PasswordPrompt(.register)
        #expect(wrong.answer("hunter22") == .next)
        #expect(wrong.answer("hunter23") == .mismatch)
        #expect(wrong.cancelledNote(ownName: "alice") == "nothing registered")
    }

    @Test func changingAsksForTheOldOneThenTheNewOneTwice() {
        var prompt = PasswordPrompt(.change)
        #expect(prompt.label == "old password: ")
        #expect(prompt.answer("old one") == .next)
        #expect(prompt.label == "new password: ")
        #expect(prompt.answer("new one") == .next)
        #expect(prompt.label == "again: ")
        #expect(prompt.answer("new one") == .command(.changePassword(old: "old one", new: "new one")))
        // Each quoted on the wire, as the server reads `/password OLD NEW`.
        #expect(Command.changePassword(old: "old one", new: "new one").wireLine == #"/password "old one" "new one""#)

        var wrong = PasswordPrompt(.change)
        _ = wrong.answer("old")
        _ = wrong.answer("new one")
        #expect(wrong.answer("new two") == .mismatch)
        #expect(wrong.cancelledNote(ownName: nil) == "the password is unchanged")
    }

    // MARK: Events into lines

    @Test func accountsAndModerationReadClearly() throws {
        var state = welcomed(as: "alice")
        let until = try #require(Timestamp(rfc3339: "2026-12-02T15:00:00.000Z"))
        let events: [Event] = [
            .join("bob"), .leave("bob", .kicked), .join("eve"), .leave("eve", .banned),
            .registered("alice"), .loggedIn("alice"), .passwordChanged,
            .muted("bob"), .unmuted("bob"), .unbanned("eve"), .unbanned("127.0.0.2"),
            .error(.muted, "you are muted for 10 more min"),
            .error(.muted, "you are muted until unmuted"),
            .ban(BanEntry(kind: .account, target: "eve", until: until, by: "carol", reason: "flooding the room")),
            .ban(BanEntry(kind: .address, target: "127.0.0.2", until: nil, by: "alice", reason: "")),
            .bansEnd(count: 2),
            .bansEnd(count: 0),
            .bye("kicked by carol: spam"),
        ]
        for event in events { state.apply(.received(event), at: noon) }
        let end = LocalTime(until).dated
        #expect(
            Array(text(state).dropFirst(2)) == [
                "12:01 * bob joined", "12:01 * bob was kicked", "12:01 * eve joined", "12:01 * eve was banned",
                "12:01 -- registered alice; you are logged in", "12:01 -- logged in as alice",
                "12:01 -- password changed",
                "12:01 -- bob is muted", "12:01 -- bob is no longer muted", "12:01 -- eve is no longer banned",
                "12:01 -- 127.0.0.2 is no longer banned",
                "12:01 ! you are muted for 10 more min", "12:01 ! you are muted until unmuted",
                "12:01 -- 2 bans:",
                "12:01 --   account  eve        until \(end)  by carol  flooding the room",
                "12:01 --   address  127.0.0.2  until unbanned" + String(repeating: " ", count: end.count - 8)
                    + "  by alice",
                "12:01 -- no bans",
                "12:01 ! you were kicked by carol: spam",
            ])
        #expect(state.users == ["alice"])
    }

    @Test func theAccountIsKnownOnceLoggedInAndForgottenWithTheConnection() {
        var state = welcomed()
        #expect(state.account == nil)
        state.apply(.received(.nick(old: "user1", new: "alice")), at: noon)
        state.apply(.received(.loggedIn("alice")), at: noon)
        #expect(state.account == "alice")
        state.apply(.disconnected(reason: "gone", retryIn: .milliseconds(500)), at: noon)
        #expect(state.account == nil)
        state.apply(.connected(address), at: noon)
        state.apply(.received(.welcome(name: "user2", text: "hi")), at: noon)
        state.apply(.received(.registered("user2")), at: noon)
        #expect(state.account == "user2")
    }

    @Test func aRegisteredNameAsksForThePasswordAndAWrongOneAsksAgainUpToThreeTries() {
        var state = welcomed()
        state.apply(.received(.error(.nameRegistered, "alice is registered")), at: noon)
        #expect(state.apply(.passwordWanted(name: "alice"), at: noon).passwordWanted == .login(name: "alice"))
        for _ in 1..<ChatState.loginTries {
            state.apply(.received(.error(.loginFailed, "wrong name or password")), at: noon)
            #expect(state.apply(.loginFailed(name: "alice"), at: noon).passwordWanted == .login(name: "alice"))
        }
        state.apply(.received(.error(.loginFailed, "wrong name or password")), at: noon)
        let last = state.apply(.loginFailed(name: "alice"), at: noon)
        #expect(last.passwordWanted == nil)
        #expect(
            Array(text(state).suffix(5)) == [
                "12:01 ! alice is registered (name-registered)",
                "12:01 ! wrong name or password (login-failed)",
                "12:01 ! wrong name or password (login-failed)",
                "12:01 ! wrong name or password (login-failed)",
                "12:01 -- 3 tries went wrong; you stay user1 (/login alice tries again)",
            ])
        // A login the user starts again counts its own tries.
        state.loginStarted()
        #expect(state.apply(.loginFailed(name: "alice"), at: noon).passwordWanted == .login(name: "alice"))
        // And one that works ends the run of failures.
        state.apply(.received(.loggedIn("alice")), at: noon)
        #expect(state.apply(.loginFailed(name: "alice"), at: noon).passwordWanted == .login(name: "alice"))
        #expect(state.apply(.loginFailed(name: "alice"), at: noon).passwordWanted == .login(name: "alice"))
    }
}
