import ChatProtocol
import Testing

@Suite struct EventTests {
    /// Every event form, with the exact line the server sends for it.
    static let lines: [(event: Event, wire: String)] = [
        (
            .welcome(name: "user1", text: "Welcome to chatroom! Type /help for the commands."),
            "WELCOME user1 Welcome to chatroom! Type /help for the commands."
        ),
        (.join("user2"), "JOIN user2"),
        (.leave("bob", .quit), "LEAVE bob quit"),
        (.leave("bob", .lost), "LEAVE bob lost"),
        (.leave("bob", .slow), "LEAVE bob slow"),
        (.nick(old: "user1", new: "Alice"), "NICK user1 Alice"),
        (.message(from: "alice", text: "hello world"), "MSG alice hello world"),
        (.message(from: "alice", text: "  padded  "), "MSG alice   padded  "),
        (.message(from: "alice", text: "USERS a b"), "MSG alice USERS a b"),
        (.message(from: "alice", text: #"say "hi" \ bye"#), #"MSG alice say "hi" \ bye"#),
        (.message(from: "alice", text: "tab\there 你好 👋🏽"), "MSG alice tab\there 你好 👋🏽"),
        (.directMessage(from: "alice", to: "bob", text: "hi there"), "DM alice bob hi there"),
        (.directMessage(from: "alice", to: "alice", text: "note to self"), "DM alice alice note to self"),
        (.users(["solo"]), "USERS solo"),
        (.users(["alice", "Bob", "carol-2"]), "USERS alice Bob carol-2"),
        (.help("/help - show this help"), "HELP /help - show this help"),
        (.pong(nil), "PONG"),
        (.pong("t-1"), "PONG t-1"),
        (.pong("a b"), "PONG a b"),
        (
            .error(.unknownCommand, "unknown command /x (try /help)"),
            "ERROR unknown-command unknown command /x (try /help)"
        ),
        (.error(.serverFull, "the server is full"), "ERROR server-full the server is full"),
        (.bye("goodbye"), "BYE goodbye"),
        (.bye("server shutting down"), "BYE server shutting down"),
    ]

    @Test(arguments: lines)
    func encodesAndDecodesBack(event: Event, wire: String) {
        #expect(event.wireLine == wire)
        #expect(event.wireBytes == Array(wire.utf8) + [0x0A])
        #expect(Event(wireLine: wire) == event)
    }

    @Test(arguments: ErrorCode.allCases)
    func everyErrorCodeDecodes(code: ErrorCode) {
        let wire = "ERROR \(code.rawValue) some text"
        #expect(Event(wireLine: wire) == .error(code, "some text"))
        #expect(Event.error(code, "some text").wireLine == wire)
    }

    @Test(arguments: LeaveReason.allCases)
    func everyLeaveReasonDecodes(reason: LeaveReason) {
        #expect(Event(wireLine: "LEAVE bob \(reason.rawValue)") == .leave("bob", reason))
    }

    /// Lines that are not well-formed v1 events.
    static let malformed: [String] = [
        "",
        " ",
        "HELLO there",
        "welcome user1 hi",
        " JOIN alice",
        "WELCOME",
        "WELCOME 1bad hi",
        "JOIN",
        "JOIN ",
        "JOIN alice extra",
        "JOIN 9lives",
        "JOIN b@d",
        "JOIN server",
        "LEAVE",
        "LEAVE alice",
        "LEAVE alice gone",
        "LEAVE alice QUIT",
        "LEAVE alice quit now",
        "NICK alice",
        "NICK alice b@d",
        "NICK alice bob carol",
        "MSG",
        "MSG b@d hi",
        "DM alice",
        "DM alice b@d hi",
        "USERS alice  bob",
        "USERS  alice",
        "USERS alice b@d",
        "ERROR",
        "ERROR no-such-code text",
        "ERROR BAD-SYNTAX text",
        "BYE!",
        "PONGS",
    ]

    @Test(arguments: malformed)
    func malformedLineDecodesToNil(line: String) {
        #expect(Event(wireLine: line) == nil)
    }
}

@Suite struct ProtocolErrorTests {
    /// One of each error, with its code and the exact `ERROR` line that reports it.
    static let errors: [(error: ProtocolError, code: ErrorCode, wire: String)] = [
        (.unknownCommand("/frob"), .unknownCommand, "ERROR unknown-command unknown command /frob (try /help)"),
        (.badSyntax("unclosed quote"), .badSyntax, "ERROR bad-syntax unclosed quote"),
        (.noSuchUser("bob"), .noSuchUser, "ERROR no-such-user no user named bob"),
        (.badName("a name starts with a letter"), .badName, "ERROR bad-name a name starts with a letter"),
        (.nameTaken("Alice"), .nameTaken, "ERROR name-taken the name Alice is taken"),
        (.emptyMessage, .emptyMessage, "ERROR empty-message the message is empty"),
        (.lineTooLong, .lineTooLong, "ERROR line-too-long line longer than 4096 bytes"),
        (.badEncoding, .badEncoding, "ERROR bad-encoding line is not valid UTF-8"),
        (.badText, .badText, "ERROR bad-text line holds a control character"),
        (.serverFull, .serverFull, "ERROR server-full the server is full"),
        (
            .unavailable("this server keeps no messages"), .unavailable,
            "ERROR unavailable this server keeps no messages"
        ),
    ]

    @Test(arguments: errors)
    func mapsToOneCodeAndAnExactLine(error: ProtocolError, code: ErrorCode, wire: String) {
        #expect(error.code == code)
        #expect(error.event == .error(code, error.message))
        #expect(error.event.wireLine == wire)
        #expect(Event(wireLine: wire) == error.event)
    }

    /// With the accounts and moderation errors (``ErrorCodeAccountsTests``), one error per code, in order.
    @Test func everyCodeHasExactlyOneError() {
        #expect((Self.errors + ErrorCodeAccountsTests.errors).map(\.code) == ErrorCode.allCases)
        #expect(
            ErrorCode.allCases.map(\.rawValue) == [
                "unknown-command", "bad-syntax", "no-such-user", "bad-name", "name-taken", "empty-message",
                "line-too-long", "bad-encoding", "bad-text", "server-full", "unavailable", "name-registered",
                "bad-password", "login-failed", "login-required", "not-operator", "banned", "muted",
            ])
    }
}
