import ChatProtocol
import Testing

/// 2026-12-01T19:56:01.123Z, the issue's example time.
let exampleTime = Timestamp(millisecondsSinceEpoch: 1_796_154_961_123)

/// The v1.1 events: `HISTORY`, `HISTORY-END`, `FOUND`, `FOUND-END`, `CAPS`.
@Suite struct EventV11Tests {
    static let hi = StoredMessage(id: 42, time: exampleTime, from: "alice", text: "hi")

    /// Every v1.1 event form, with the exact line the server sends for it.
    static let lines: [(event: Event, wire: String)] = [
        (.history(hi), "HISTORY 42 2026-12-01T19:56:01.123Z alice hi"),
        (
            .history(StoredMessage(id: 0, time: Timestamp(millisecondsSinceEpoch: 0), from: "Bob-2", text: "a  b ")),
            "HISTORY 0 1970-01-01T00:00:00.000Z Bob-2 a  b "
        ),
        (
            .history(StoredMessage(id: UInt64.max, time: .max, from: "x", text: #"say "hi" \ 你好 👋🏽"#)),
            #"HISTORY 18446744073709551615 9999-12-31T23:59:59.999Z x say "hi" \ 你好 👋🏽"#
        ),
        (
            .history(StoredMessage(id: 7, time: exampleTime, from: "alice", text: "HISTORY 1 x y z")),
            "HISTORY 7 2026-12-01T19:56:01.123Z alice HISTORY 1 x y z"
        ),
        (
            .history(StoredMessage(id: 8, time: exampleTime, from: "alice", text: "")),
            "HISTORY 8 2026-12-01T19:56:01.123Z alice "
        ),
        (.historyEnd(count: 0), "HISTORY-END 0"),
        (.historyEnd(count: 1), "HISTORY-END 1"),
        (.historyEnd(count: 1000), "HISTORY-END 1000"),
        (.found(hi), "FOUND 42 2026-12-01T19:56:01.123Z alice hi"),
        (
            .found(StoredMessage(id: 3, time: exampleTime, from: "carol", text: #""a" AND b"#)),
            #"FOUND 3 2026-12-01T19:56:01.123Z carol "a" AND b"#
        ),
        (.foundEnd(count: 0), "FOUND-END 0"),
        (.foundEnd(count: 50), "FOUND-END 50"),
        (.caps([]), "CAPS"),
        (.caps([.ids]), "CAPS ids"),
        (.caps([.time]), "CAPS time"),
        (.caps([.ids, .time]), "CAPS ids time"),
        (.error(.unavailable, "this server keeps no messages"), "ERROR unavailable this server keeps no messages"),
    ]

    @Test(arguments: lines)
    func encodesAndDecodesBack(event: Event, wire: String) {
        #expect(event.wireLine == wire)
        #expect(event.wireBytes == Array(wire.utf8) + [0x0A])
        #expect(Event(wireLine: wire) == event)
        #expect(Event(wireLine: event.wireLine) == event)
        // No v1.1 event carries tags.
        let tags = Tags(id: 42, time: exampleTime)
        #expect(event.wireLine(tags: tags) == wire)
        #expect(event.wireBytes(tags: tags) == Array(wire.utf8) + [0x0A])
    }

    /// Lines that are not well-formed v1.1 events: decoding is strict.
    static let malformed: [String] = [
        "HISTORY",
        "HISTORY 42",
        "HISTORY 42 2026-12-01T19:56:01.123Z",
        "HISTORY 42 2026-12-01T19:56:01.123Z b@d hi",
        "HISTORY 42 2026-12-01T19:56:01.123Z 9lives hi",
        "HISTORY x 2026-12-01T19:56:01.123Z alice hi",
        "HISTORY -1 2026-12-01T19:56:01.123Z alice hi",
        "HISTORY +1 2026-12-01T19:56:01.123Z alice hi",
        "HISTORY 042 2026-12-01T19:56:01.123Z alice hi",
        "HISTORY 18446744073709551616 2026-12-01T19:56:01.123Z alice hi",
        "HISTORY 42 2026-12-01T19:56:01Z alice hi",
        "HISTORY 42 2026-12-01T19:56:01.123+00:00 alice hi",
        "HISTORY 42 2026-02-30T19:56:01.123Z alice hi",
        "HISTORY 42 1796154961123 alice hi",
        "HISTORY  42 2026-12-01T19:56:01.123Z alice hi",
        "HISTORY 42  2026-12-01T19:56:01.123Z alice hi",
        "history 42 2026-12-01T19:56:01.123Z alice hi",
        "HISTORY-END",
        "HISTORY-END x",
        "HISTORY-END -1",
        "HISTORY-END 01",
        "HISTORY-END 1 2",
        "HISTORY-END 99999999999999999999",
        "HISTORY-END 9223372036854775808",
        "FOUND 42 2026-12-01T19:56:01.123z alice hi",
        "FOUND 42 2026-12-01T19:56:01.123Z",
        "FOUND-END",
        "FOUND-END 5 more",
        "FOUND-ENDS 5",
        "CAPS bogus",
        "CAPS IDS",
        "CAPS ids  time",
        "CAPS  ids",
        "CAPSids",
        "@id=42 MSG alice hi",
        "@time=2026-12-01T19:56:01.123Z JOIN alice",
    ]

    @Test(arguments: malformed)
    func malformedLineDecodesToNil(line: String) {
        #expect(Event(wireLine: line) == nil)
    }

    @Test func largestCountDecodes() {
        #expect(Event(wireLine: "HISTORY-END 9223372036854775807") == .historyEnd(count: Int.max))
    }

    @Test func capsDecodesInTheOrderSent() {
        #expect(Event(wireLine: "CAPS time ids") == .caps([.time, .ids]))
    }
}
