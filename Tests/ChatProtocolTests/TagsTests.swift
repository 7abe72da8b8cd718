import ChatProtocol
import Testing

@Suite struct TagsTests {
    static let both = Tags(id: 42, time: exampleTime)
    static let idOnly = Tags(id: 42)
    static let timeOnly = Tags(time: exampleTime)
    static let time = "2026-12-01T19:56:01.123Z"

    /// Events with tags, and the exact line: the issue's examples, then every event that may carry a tag.
    static let encodings: [(event: Event, tags: Tags, wire: String)] = [
        (.message(from: "alice", text: "hi"), idOnly, "@id=42 MSG alice hi"),
        (.message(from: "alice", text: "hi"), timeOnly, "@time=\(time) MSG alice hi"),
        (.message(from: "alice", text: "hi"), both, "@id=42;time=\(time) MSG alice hi"),
        (.message(from: "alice", text: "hi"), .none, "MSG alice hi"),
        (.message(from: "alice", text: "@id=1 x"), Tags(id: 0), "@id=0 MSG alice @id=1 x"),
        (
            .message(from: "alice", text: "hi"), Tags(id: UInt64.max, time: .min),
            "@id=18446744073709551615;time=0000-01-01T00:00:00.000Z MSG alice hi"
        ),
        // time alone applies to JOIN, LEAVE, NICK and DM; their id is left out.
        (.join("bob"), both, "@time=\(time) JOIN bob"),
        (.join("bob"), timeOnly, "@time=\(time) JOIN bob"),
        (.join("bob"), idOnly, "JOIN bob"),
        (.leave("bob", .quit), both, "@time=\(time) LEAVE bob quit"),
        (.leave("bob", .slow), timeOnly, "@time=\(time) LEAVE bob slow"),
        (.nick(old: "user1", new: "alice"), both, "@time=\(time) NICK user1 alice"),
        (.nick(old: "user1", new: "alice"), idOnly, "NICK user1 alice"),
        (.directMessage(from: "alice", to: "bob", text: "psst"), both, "@time=\(time) DM alice bob psst"),
        (.directMessage(from: "alice", to: "bob", text: "psst"), idOnly, "DM alice bob psst"),
    ]

    @Test(arguments: encodings)
    func encodesExactly(event: Event, tags: Tags, wire: String) {
        #expect(event.wireLine(tags: tags) == wire)
        #expect(event.wireBytes(tags: tags) == Array(wire.utf8) + [0x0A])
        #expect(TaggedEvent(event, tags: tags).wireLine == wire)
        #expect(TaggedEvent(wireLine: wire) == TaggedEvent(event, tags: tags.applicable(to: event)))
    }

    /// Every line that is not `JOIN`, `LEAVE`, `NICK`, `MSG` or `DM`: no tags, whatever is passed.
    static let untagged: [Event] = [
        .welcome(name: "user1", text: "Welcome!"), .users(["alice", "bob"]), .help("/help - show this help"),
        .pong(nil), .pong("t-1"), .error(.badSyntax, "usage: /help"), .bye("goodbye"),
        .history(StoredMessage(id: 1, time: exampleTime, from: "alice", text: "hi")), .historyEnd(count: 1),
        .found(StoredMessage(id: 1, time: exampleTime, from: "alice", text: "hi")), .foundEnd(count: 1),
        .caps([.ids, .time]),
    ]

    @Test(arguments: untagged)
    func otherLinesCarryNoTags(event: Event) {
        #expect(Tags(id: 42, time: exampleTime).applicable(to: event) == .none)
        #expect(event.wireLine(tags: Self.both) == event.wireLine)
        #expect(event.wireBytes(tags: Self.both) == event.wireBytes)
    }

    @Test(arguments: EventTests.lines)
    func v1EventsWithoutTagsAreV1Exactly(event: Event, wire: String) {
        #expect(event.wireLine(tags: .none) == wire)
        #expect(event.wireBytes(tags: .none) == Array(wire.utf8) + [0x0A])
        #expect(TaggedEvent(wireLine: wire) == TaggedEvent(event))
    }

    /// What each capability set lets through of `id` and `time`.
    static let limits: [(capabilities: Set<Capability>, tags: Tags)] = [
        ([], .none),
        ([.ids], Tags(id: 42)),
        ([.time], Tags(time: exampleTime)),
        ([.ids, .time], Tags(id: 42, time: exampleTime)),
    ]

    @Test(arguments: limits)
    func capabilitiesLimitTheTags(capabilities: Set<Capability>, tags: Tags) {
        #expect(Self.both.limited(to: capabilities) == tags)
    }

    @Test func theFourVariantsOfABroadcastAreFourLines() {
        let event = Event.message(from: "alice", text: "hi")
        let variants = [Set<Capability>(), [.ids], [.time], [.ids, .time]].map {
            event.wireLine(tags: Self.both.limited(to: $0))
        }
        #expect(
            variants == [
                "MSG alice hi", "@id=42 MSG alice hi", "@time=\(Self.time) MSG alice hi",
                "@id=42;time=\(Self.time) MSG alice hi",
            ])
        // A JOIN has two: ids changes nothing.
        let join = [Set<Capability>(), [.ids], [.time], [.ids, .time]].map {
            Self.both.limited(to: $0).applicable(to: .join("bob"))
        }
        #expect(join == [.none, .none, Self.timeOnly, Self.timeOnly])
        #expect(Tags.none.isEmpty && !Self.idOnly.isEmpty && !Self.timeOnly.isEmpty)
    }

    /// Tagged lines a client reads: unknown keys ignored, a repeated key's last value kept, tags kept as sent.
    static let decodings: [(line: String, tags: Tags, event: Event)] = [
        ("@id=42 MSG alice hi", idOnly, .message(from: "alice", text: "hi")),
        ("@time=\(time) MSG alice hi", timeOnly, .message(from: "alice", text: "hi")),
        ("@id=42;time=\(time) MSG alice hi", both, .message(from: "alice", text: "hi")),
        ("@time=\(time);id=42 MSG alice hi", both, .message(from: "alice", text: "hi")),
        ("@time=\(time) JOIN bob", timeOnly, .join("bob")),
        ("@time=\(time) DM alice bob a b", timeOnly, .directMessage(from: "alice", to: "bob", text: "a b")),
        ("@msgid=abc;id=42 MSG alice hi", idOnly, .message(from: "alice", text: "hi")),
        ("@+example.com/x=a\\sb;id=42;account MSG alice hi", idOnly, .message(from: "alice", text: "hi")),
        ("@flag MSG alice hi", .none, .message(from: "alice", text: "hi")),
        ("@ID=5;Time=x MSG alice hi", .none, .message(from: "alice", text: "hi")),
        ("@id=1;id=2 MSG alice hi", Tags(id: 2), .message(from: "alice", text: "hi")),
        ("@id=0 MSG alice hi", Tags(id: 0), .message(from: "alice", text: "hi")),
        ("@id=7 JOIN bob", Tags(id: 7), .join("bob")),
        ("MSG alice hi", .none, .message(from: "alice", text: "hi")),
        ("MSG alice @id=42 hi", .none, .message(from: "alice", text: "@id=42 hi")),
        ("CAPS ids time", .none, .caps([.ids, .time])),
    ]

    @Test(arguments: decodings)
    func decodesTaggedLines(line: String, tags: Tags, event: Event) {
        #expect(TaggedEvent(wireLine: line) == TaggedEvent(event, tags: tags))
    }

    /// Tagged lines that are not events.
    static let malformed: [String] = [
        "@",
        "@ MSG alice hi",
        "@id=42",
        "@id=42MSG alice hi",
        "@id=42  MSG alice hi",
        "@id=42; MSG alice hi",
        "@;id=42 MSG alice hi",
        "@id=42;;time=\(time) MSG alice hi",
        "@=x MSG alice hi",
        "@id MSG alice hi",
        "@id= MSG alice hi",
        "@id=x MSG alice hi",
        "@id=-1 MSG alice hi",
        "@id=042 MSG alice hi",
        "@id=18446744073709551616 MSG alice hi",
        "@time MSG alice hi",
        "@time=2026-12-01T19:56:01Z MSG alice hi",
        "@time=2026-12-01T19:56:01.123z MSG alice hi",
        "@time=1796154961123 MSG alice hi",
        "@id=42 @time=\(time) MSG alice hi",
        "@id=42 HELLO there",
        "@id=42 msg alice hi",
        "@id=42 MSG b@d hi",
        " @id=42 MSG alice hi",
        "HELLO there",
        "",
    ]

    @Test(arguments: malformed)
    func malformedTaggedLineDecodesToNil(line: String) {
        #expect(TaggedEvent(wireLine: line) == nil)
    }
}
