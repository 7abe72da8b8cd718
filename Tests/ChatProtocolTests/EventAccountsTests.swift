import ChatProtocol
import Testing

/// The accounts and moderation events: `REGISTERED`, `LOGGED-IN`, `PASSWORD-CHANGED`, `UNBANNED`, `BAN`,
/// `BANS-END`, `MUTED`, `UNMUTED`, and `LEAVE` with `kicked` and `banned`.
@Suite struct EventAccountsTests {
    /// Every new event form but `LEAVE`, with the exact line the server sends for it.
    static let lines: [(event: Event, wire: String)] = [
        (.registered("alice"), "REGISTERED alice"),
        (.registered("Bob-2"), "REGISTERED Bob-2"),
        (.loggedIn("alice"), "LOGGED-IN alice"),
        (.loggedIn("Olga_the_Op"), "LOGGED-IN Olga_the_Op"),
        (.passwordChanged, "PASSWORD-CHANGED"),
        (.unbanned("127.0.0.2"), "UNBANNED 127.0.0.2"),
        (.unbanned("::1"), "UNBANNED ::1"),
        (.unbanned("alice"), "UNBANNED alice"),
        // BAN KIND TARGET UNTIL BY REASON: UNTIL a TIME or never; an empty REASON leaves no trailing space.
        (
            .ban(BanEntry(kind: .account, target: "alice", until: exampleTime, by: "olga", reason: "flood the room")),
            "BAN account alice 2026-12-01T19:56:01.123Z olga flood the room"
        ),
        (
            .ban(BanEntry(kind: .address, target: "127.0.0.2", until: nil, by: "olga", reason: "")),
            "BAN address 127.0.0.2 never olga"
        ),
        (
            .ban(BanEntry(kind: .address, target: "::1", until: exampleTime, by: "olga", reason: "")),
            "BAN address ::1 2026-12-01T19:56:01.123Z olga"
        ),
        (
            .ban(BanEntry(kind: .account, target: "Bob", until: nil, by: "olga", reason: "spam")),
            "BAN account Bob never olga spam"
        ),
        (
            .ban(BanEntry(kind: .address, target: "2001:db8::7", until: .max, by: "Op-1", reason: "x")),
            "BAN address 2001:db8::7 9999-12-31T23:59:59.999Z Op-1 x"
        ),
        // REASON is free text, kept exactly: blanks, quotes, words that look like fields.
        (
            .ban(BanEntry(kind: .account, target: "bob", until: nil, by: "olga", reason: #"  say "hi" \ 你好 "#)),
            #"BAN account bob never olga   say "hi" \ 你好 "#
        ),
        (
            .ban(BanEntry(kind: .account, target: "bob", until: nil, by: "olga", reason: "never olga 10")),
            "BAN account bob never olga never olga 10"
        ),
        (.bansEnd(count: 0), "BANS-END 0"),
        (.bansEnd(count: 1), "BANS-END 1"),
        (.bansEnd(count: 12345), "BANS-END 12345"),
        (.muted("bob"), "MUTED bob"),
        (.unmuted("bob"), "UNMUTED bob"),
    ]

    @Test(arguments: lines)
    func encodesAndDecodesBack(event: Event, wire: String) {
        #expect(event.wireLine == wire)
        #expect(event.wireBytes == Array(wire.utf8) + [0x0A])
        #expect(Event(wireLine: wire) == event)
        #expect(Event(wireLine: event.wireLine) == event)
        #expect(TaggedEvent(wireLine: wire) == TaggedEvent(event))
        // No accounts or moderation event carries tags.
        let tags = Tags(id: 42, time: exampleTime)
        #expect(tags.applicable(to: event) == .none)
        #expect(event.wireLine(tags: tags) == wire)
        #expect(event.wireBytes(tags: tags) == Array(wire.utf8) + [0x0A])
    }

    /// `LEAVE` with the new reasons: like every `LEAVE`, it takes the `time` tag.
    static let leaves: [(event: Event, wire: String, tagged: String)] = [
        (.leave("bob", .kicked), "LEAVE bob kicked", "@time=2026-12-01T19:56:01.123Z LEAVE bob kicked"),
        (.leave("bob", .banned), "LEAVE bob banned", "@time=2026-12-01T19:56:01.123Z LEAVE bob banned"),
    ]

    @Test(arguments: leaves)
    func leaveReasonsEncodeAndDecodeBack(event: Event, wire: String, tagged: String) {
        #expect(event.wireLine == wire)
        #expect(Event(wireLine: wire) == event)
        let tags = Tags(id: 42, time: exampleTime)
        #expect(tags.applicable(to: event) == Tags(time: exampleTime))
        #expect(event.wireLine(tags: tags) == tagged)
        #expect(TaggedEvent(wireLine: tagged) == TaggedEvent(event, tags: Tags(time: exampleTime)))
    }

    @Test func leaveReasonsAreV1sThenKickedAndBanned() {
        #expect(LeaveReason.allCases == [.quit, .lost, .slow, .kicked, .banned])
        #expect(LeaveReason.allCases.map(\.rawValue) == ["quit", "lost", "slow", "kicked", "banned"])
    }

    @Test func banKindsAreAccountAndAddress() {
        #expect(BanEntry.Kind.allCases == [.account, .address])
        #expect(BanEntry.Kind.allCases.map(\.rawValue) == ["account", "address"])
        let entry = BanEntry(kind: .account, target: "alice", until: nil, by: "olga", reason: "")
        #expect(entry.wireFields == "account alice never olga")
        #expect(
            BanEntry(kind: .address, target: "::1", until: exampleTime, by: "olga", reason: "a b").wireFields
                == "address ::1 2026-12-01T19:56:01.123Z olga a b")
    }

    /// Lines that are not well-formed accounts or moderation events: decoding is strict.
    static let malformed: [String] = [
        // BAN: a kind that is not account or address, an UNTIL that is not a TIME or never, BY not a name,
        // an account that is not a name, a field missing or empty.
        "BAN nope alice never olga",
        "BAN ACCOUNT alice never olga",
        "BAN Address 127.0.0.2 never olga",
        "BAN account alice yesterday olga",
        "BAN account alice NEVER olga",
        "BAN account alice 2026-12-01T19:56:01Z olga",
        "BAN account alice 2026-12-01T19:56:01.123z olga",
        "BAN account alice 1796154961123 olga",
        "BAN account alice 2026-02-30T19:56:01.123Z olga",
        "BAN account alice never b@d",
        "BAN account alice never 1bad reason",
        "BAN account alice never server",
        "BAN account b@d never olga",
        "BAN account 9lives never olga",
        "BAN account alice never",
        "BAN account alice",
        "BAN account",
        "BAN",
        "BAN  account alice never olga",
        "BAN account  alice never olga",
        "BAN account alice  never olga",
        "BAN account alice never  olga",
        "BAN address  never olga",
        "ban account alice never olga",
        "BANS account alice never olga",
        // BANS-END: a decimal count as the server writes it, and nothing after.
        "BANS-END",
        "BANS-END x",
        "BANS-END -1",
        "BANS-END +1",
        "BANS-END 01",
        "BANS-END 1 2",
        "BANS-END  1",
        "BANS-END 99999999999999999999",
        "BANS-END 9223372036854775808",
        "bans-end 0",
        // REGISTERED, LOGGED-IN, MUTED, UNMUTED: exactly one valid name.
        "REGISTERED",
        "REGISTERED a b",
        "REGISTERED 1bad",
        "REGISTERED b@d",
        "REGISTERED server",
        "REGISTERED  alice",
        "registered alice",
        "LOGGED-IN",
        "LOGGED-IN 1bad",
        "LOGGED-IN alice bob",
        "LOGGED_IN alice",
        "LOGGEDIN alice",
        "MUTED",
        "MUTED b@d",
        "MUTED bob 5",
        "UNMUTED",
        "UNMUTED 9lives",
        "UNMUTED bob bob",
        // PASSWORD-CHANGED: nothing after it.
        "PASSWORD-CHANGED x",
        "PASSWORD-CHANGED  ",
        "password-changed",
        // UNBANNED: exactly one target.
        "UNBANNED",
        "UNBANNED a b",
        "UNBANNED  127.0.0.2",
        // LEAVE: the reasons exactly, in lower case.
        "LEAVE bob KICKED",
        "LEAVE bob kick",
        "LEAVE bob ban",
        "LEAVE bob banned now",
        "LEAVE bob kicked by olga",
        // An ERROR with a code that is not one, or not in lower case.
        "ERROR NOT-OPERATOR text",
        "ERROR not_operator text",
        "ERROR login text",
    ]

    @Test(arguments: malformed)
    func malformedLineDecodesToNil(line: String) {
        #expect(Event(wireLine: line) == nil)
        #expect(TaggedEvent(wireLine: line) == nil)
    }

    @Test func largestCountDecodes() {
        #expect(Event(wireLine: "BANS-END 9223372036854775807") == .bansEnd(count: Int.max))
    }
}

@Suite struct ErrorCodeAccountsTests {
    /// The new codes, exactly as they appear on the wire.
    static let codes: [(code: ErrorCode, raw: String)] = [
        (.nameRegistered, "name-registered"),
        (.badPassword, "bad-password"),
        (.loginFailed, "login-failed"),
        (.loginRequired, "login-required"),
        (.notOperator, "not-operator"),
        (.banned, "banned"),
        (.muted, "muted"),
    ]

    @Test(arguments: codes)
    func rawValueIsExact(code: ErrorCode, raw: String) {
        #expect(code.rawValue == raw)
        #expect(ErrorCode(rawValue: raw) == code)
        #expect(Event(wireLine: "ERROR \(raw) some text") == .error(code, "some text"))
    }

    @Test func theNewCodesComeAfterV11s() {
        #expect(Array(ErrorCode.allCases.suffix(Self.codes.count)) == Self.codes.map(\.code))
    }

    /// One of each new error, with its code and the exact `ERROR` line that reports it: the issue's texts.
    static let errors: [(error: ProtocolError, code: ErrorCode, wire: String)] = [
        (
            .nameRegistered("the name alice is registered"), .nameRegistered,
            "ERROR name-registered the name alice is registered"
        ),
        (.badPassword, .badPassword, "ERROR bad-password a password is 8 to 256 bytes"),
        (.loginFailed("wrong name or password"), .loginFailed, "ERROR login-failed wrong name or password"),
        (
            .loginRequired("log in first: /login NAME PASSWORD"), .loginRequired,
            "ERROR login-required log in first: /login NAME PASSWORD"
        ),
        (.notOperator("only an operator can /kick"), .notOperator, "ERROR not-operator only an operator can /kick"),
        (.banned("you are banned until unbanned"), .banned, "ERROR banned you are banned until unbanned"),
        (.muted("you are muted for 10 more min"), .muted, "ERROR muted you are muted for 10 more min"),
    ]

    /// `/unban` and `/unmute` of what is not banned or muted: `no-such-user` with the text as given.
    @Test(arguments: [("not banned", "ERROR no-such-user not banned"), ("not muted", "ERROR no-such-user not muted")])
    func notFoundCarriesItsTextWithTheNoSuchUserCode(text: String, wire: String) {
        let error = ProtocolError.notFound(text)
        #expect(error.code == .noSuchUser)
        #expect(error.event.wireLine == wire)
    }

    @Test(arguments: errors)
    func mapsToOneCodeAndAnExactLine(error: ProtocolError, code: ErrorCode, wire: String) {
        #expect(error.code == code)
        #expect(error.event == .error(code, error.message))
        #expect(error.event.wireLine == wire)
        #expect(Event(wireLine: wire) == error.event)
    }

    /// The other texts the issue gives for these codes, each carried as it is.
    static let texts: [(error: ProtocolError, wire: String)] = [
        (.nameRegistered("you are logged in as alice"), "ERROR name-registered you are logged in as alice"),
        (.loginFailed("wrong password"), "ERROR login-failed wrong password"),
        (
            .loginFailed("too many attempts; try again in 42 s"),
            "ERROR login-failed too many attempts; try again in 42 s"
        ),
        (
            .banned("you are banned until 2026-12-01T19:56:01.123Z"),
            "ERROR banned you are banned until 2026-12-01T19:56:01.123Z"
        ),
        (.muted("you are muted until unmuted"), "ERROR muted you are muted until unmuted"),
        (.unavailable("registration is closed"), "ERROR unavailable registration is closed"),
    ]

    @Test(arguments: texts)
    func carriesItsTextExactly(error: ProtocolError, wire: String) {
        #expect(error.event.wireLine == wire)
        #expect(Event(wireLine: wire) == error.event)
    }

    /// `/unban` and `/unmute` of what is not banned or muted: `no-such-user` with a text of its own.
    @Test func notBannedAndNotMutedAreNoSuchUser() {
        #expect(Event.error(.noSuchUser, "not banned").wireLine == "ERROR no-such-user not banned")
        #expect(Event.error(.noSuchUser, "not muted").wireLine == "ERROR no-such-user not muted")
        #expect(Event(wireLine: "ERROR no-such-user not banned") == .error(.noSuchUser, "not banned"))
    }
}
