import ChatClient
import ChatProtocol
import Glibc
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
        (.left("bob", .kicked), "12:01 * bob was kicked"),
        (.left("bob", .banned), "12:01 * bob was banned"),
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
        (.bye("kicked by carol: spam"), "12:01 ! you were kicked by carol: spam"),
        (.bye("kicked by carol"), "12:01 ! you were kicked by carol"),
        (.bye("banned by carol: flooding"), "12:01 ! you were banned by carol: flooding"),
        (.bye("logged in from another connection"), "12:01 ! you logged in from another connection, which took over"),
        (.error(.muted, "you are muted for 10 more min"), "12:01 ! you are muted for 10 more min"),
        (.error(.notOperator, "only operators may kick"), "12:01 ! only operators may kick (not-operator)"),
        (.reply("logged in as alice"), "12:01 -- logged in as alice"),
        (.notice("connected to 127.0.0.1:7777"), "12:01 -- connected to 127.0.0.1:7777"),
        (.problem("bad line"), "12:01 ! bad line"),
        (.capabilities(["ids", "time"]), "12:01 * capabilities on: ids time"),
        (.capabilities([]), "12:01 * no capabilities on"),
        (.dayChanged(LocalDate(year: 2026, month: 12, day: 1, weekday: 2)), "-- Tuesday 1 December 2026"),
    ])
    func formats(kind: ChatLine.Kind, expected: String) {
        #expect(PlainFormatter.format(ChatLine(time: Self.noon, kind: kind)) == expected)
    }

    @Test(arguments: [(0, 0, "00:00"), (9, 5, "09:05"), (23, 59, "23:59"), (12, 1, "12:01")])
    func timesHaveTwoDigits(hour: Int, minute: Int, expected: String) {
        #expect(LocalTime(hour: hour, minute: minute).description == expected)
    }

    @Test func aLineThatShowsItsDatePutsItBeforeTheTime() {
        let date = LocalDate(year: 2026, month: 11, day: 30, weekday: 1)
        let line = ChatLine(
            time: LocalTime(hour: 15, minute: 41, date: date),
            kind: .message(from: "bob", text: "from yesterday", isOwn: false, mentionsMe: false), showsDate: true)
        #expect(PlainFormatter.format(line) == "2026-11-30 15:41 <bob> from yesterday")
        // Without a known date the stamp is the time alone.
        #expect(LocalTime(hour: 9, minute: 5).dated == "09:05")
        #expect(LocalDate(year: 987, month: 1, day: 2, weekday: 0).numeric == "0987-01-02")
    }

    @Test(arguments: [
        // 2026-12-01 is a Tuesday; the last day of 2026 a Thursday; 29 February 2028 a Tuesday.
        ("2026-12-01T12:00:00.000Z", "Tuesday 1 December 2026"),
        ("2026-12-31T12:00:00.000Z", "Thursday 31 December 2026"),
        ("2028-02-29T12:00:00.000Z", "Tuesday 29 February 2028"),
    ])
    func aServerTimeIsReadInTheLocalCalendar(wire: String, day: String) throws {
        // Noon UTC is on the same day in any zone within eleven hours of UTC.
        let timestamp = try #require(Timestamp(rfc3339: wire))
        let local = LocalTime(timestamp)
        #expect(local.date?.description == day)
        // The local hour and minute are the ones localtime(3) gives (the machine's zone).
        var seconds = time_t(timestamp.millisecondsSinceEpoch / 1000)
        var parts = tm()
        _ = localtime_r(&seconds, &parts)
        #expect(local.hour == Int(parts.tm_hour) && local.minute == Int(parts.tm_min))
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
        ("/search lunch at 12", .search("lunch at 12")),
        ("/SEARCH   \"a\" AND b  ", .search("\"a\" AND b")),
        ("/search", .send("/search")),
        ("/search   ", .send("/search   ")),
        ("/history", .history(.latest(count: 50))),
        ("/history before 42 10", .history(.before(id: 42, count: 10))),
        ("/history sideways", .send("/history sideways")),
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
