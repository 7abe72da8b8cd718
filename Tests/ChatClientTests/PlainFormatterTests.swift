import ChatClient
import ChatProtocol
import Testing

@Suite struct PlainFormatterTests {
    private static let noon = LocalTime(hour: 12, minute: 1)

    @Test(arguments: [
        (ChatLine.Kind.message(from: "alice", text: "hello", isOwn: false, mentionsMe: false), "12:01 <alice> hello"),
        (.message(from: "me", text: "mine", isOwn: true, mentionsMe: false), "12:01 <me> mine"),
        (.directSent(to: "bob", text: "hi"), "12:01 -> bob: hi"),
        (.directReceived(from: "bob", text: "yo"), "12:01 <- bob: yo"),
        (.joined("bob"), "12:01 * bob joined"),
        (.left("bob", .quit), "12:01 * bob left (quit)"),
        (.left("bob", .lost), "12:01 * bob left (connection lost)"),
        (.left("bob", .slow), "12:01 * bob left (dropped, too slow)"),
        (.renamed(old: "user3", new: "bob", isMe: false), "12:01 * user3 is now bob"),
        (.renamed(old: "user3", new: "me", isMe: true), "12:01 * you are now me"),
        (.welcome(name: "user1", text: "Welcome!"), "12:01 * Welcome! (you are user1)"),
        (.users(["alice"]), "12:01 * 1 user: alice"),
        (.users(["alice", "bob"]), "12:01 * 2 users: alice, bob"),
        (.help("/quit - leave the chat"), "12:01 ? /quit - leave the chat"),
        (.pong("t"), "12:01 * pong t"),
        (.pong(nil), "12:01 * pong"),
        (.error(.noSuchUser, "no user named zed"), "12:01 ! no user named zed (no-such-user)"),
        (.bye("goodbye"), "12:01 * the server says goodbye: goodbye"),
        (.notice("connected to 127.0.0.1:7777"), "12:01 -- connected to 127.0.0.1:7777"),
        (.problem("bad line"), "12:01 ! bad line"),
    ])
    func formats(kind: ChatLine.Kind, expected: String) {
        #expect(PlainFormatter.format(ChatLine(time: Self.noon, kind: kind)) == expected)
    }

    @Test(arguments: [(0, 0, "00:00"), (9, 5, "09:05"), (23, 59, "23:59"), (12, 1, "12:01")])
    func timesHaveTwoDigits(hour: Int, minute: Int, expected: String) {
        #expect(LocalTime(hour: hour, minute: minute).description == expected)
    }
}

@Suite struct OutgoingLineTests {
    @Test(arguments: [
        ("hello", OutgoingLine.send(#"/bc "hello""#)),
        (#"say "hi" \o/"#, .send(#"/bc "say \"hi\" \\o/""#)),
        ("  indented", .send(#"/bc "  indented""#)),
        ("", .nothing),
        ("   ", .nothing),
        ("/clear", .clear),
        ("/CLEAR ", .clear),
        ("/clear now", .send("/clear now")),
        ("/help", .help),
        ("/users", .users),
        ("/quit", .quit),
        ("/quit bye all", .quit),
        ("/dm bob hi there", .send("/dm bob hi there")),
        ("/nick zed", .send("/nick zed")),
        ("/ping 42", .send("/ping 42")),
        ("/frobnicate", .send("/frobnicate")),
    ])
    func interprets(typed: String, expected: OutgoingLine) {
        #expect(OutgoingLine.interpret(typed) == expected)
    }

    @Test func plainTextIsSentSoTheServerReadsItBackExactly() throws {
        for text in [#"a "quoted" word"#, #"back\slash"#, "\"", "trailing  ", "tab\there"] {
            guard case .send(let wire) = OutgoingLine.interpret(text) else {
                Issue.record("not sent: \(text)")
                continue
            }
            #expect(try Command.parse(wire) == .broadcast(text))
        }
    }
}
