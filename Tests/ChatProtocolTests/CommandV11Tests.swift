import ChatProtocol
import Testing

/// Parses a line the way the server does, as one comparable value.
private func parsed(_ line: String) -> Result<Command?, ProtocolError> {
    Result { () throws(ProtocolError) -> Command? in try Command.parse(line) }
}

private let historyUsage = "usage: /history [N] | /history before ID [N] | /history after ID [N]"
private let badCount = "N is a number from 1 to 1000"
private let badID = "ID is a decimal number from 0 to 18446744073709551615"

/// The v1.1 commands: `/caps`, `/history`, `/search`.
@Suite struct CommandV11ParseTests {
    /// Every v1.1 command form, with the command it parses to.
    static let accepted: [(line: String, command: Command)] = [
        // /caps: names in any case, in the order typed, duplicates kept; none just asks.
        ("/caps", .caps([])),
        ("/caps ", .caps([])),
        ("/CAPS  \t ", .caps([])),
        ("/caps ids", .caps([.ids])),
        ("/caps time", .caps([.time])),
        ("/caps IDS time", .caps([.ids, .time])),
        ("/Caps Time iDs", .caps([.time, .ids])),
        ("/caps   ids   time  ", .caps([.ids, .time])),
        ("/caps ids\ttime", .caps([.ids, .time])),
        ("/caps ids ids", .caps([.ids, .ids])),
        ("/caps time ids TIME", .caps([.time, .ids, .time])),
        // /history [N].
        ("/history", .history(.latest(count: 50))),
        ("/history ", .history(.latest(count: 50))),
        ("/HISTORY", .history(.latest(count: 50))),
        ("/history 1", .history(.latest(count: 1))),
        ("/history 50", .history(.latest(count: 50))),
        ("/history 1000", .history(.latest(count: 1000))),
        ("/history   7  ", .history(.latest(count: 7))),
        ("/history 007", .history(.latest(count: 7))),
        ("/History 0001000", .history(.latest(count: 1000))),
        // /history before ID [N].
        ("/history before 42", .history(.before(id: 42, count: 50))),
        ("/history before 42 10", .history(.before(id: 42, count: 10))),
        ("/history BEFORE 42 1000", .history(.before(id: 42, count: 1000))),
        ("/history before 0", .history(.before(id: 0, count: 50))),
        ("/history before 18446744073709551615", .history(.before(id: UInt64.max, count: 50))),
        ("/history  before   42   3 ", .history(.before(id: 42, count: 3))),
        ("/history before 0042", .history(.before(id: 42, count: 50))),
        // /history after ID [N].
        ("/history after 5", .history(.after(id: 5, count: 50))),
        ("/history after 5 2", .history(.after(id: 5, count: 2))),
        ("/HISTORY AFTER 5 2", .history(.after(id: 5, count: 2))),
        ("/history After 18446744073709551615 1", .history(.after(id: UInt64.max, count: 1))),
        // /search: the rest of the line, trimmed of blanks, otherwise exactly as typed.
        ("/search hello", .search("hello")),
        ("/SEARCH hello", .search("hello")),
        ("/search hello world", .search("hello world")),
        ("/search   padded \t ", .search("padded")),
        ("/search \tinner  blanks\tkept ", .search("inner  blanks\tkept")),
        (#"/search "a" AND b"#, .search(#""a" AND b"#)),
        (#"/search "unclosed"#, .search(#""unclosed"#)),
        (#"/search a\"b\\c"#, .search(#"a\"b\\c"#)),
        ("/search NOT x OR y NEAR z", .search("NOT x OR y NEAR z")),
        ("/search from:alice (x)", .search("from:alice (x)")),
        ("/search * ? %", .search("* ? %")),
        ("/search 你好 👋🏽", .search("你好 👋🏽")),
        ("/search /help", .search("/help")),
    ]

    @Test(arguments: accepted)
    func parses(line: String, command: Command) {
        #expect(parsed(line) == .success(command))
    }

    /// Every refusal of a v1.1 command, with the exact `ERROR` line the server sends for it.
    static let refused: [(line: String, error: ProtocolError, wire: String)] = [
        // /caps with a name the protocol does not know: nothing is turned on.
        (
            "/caps bogus", .badSyntax("unknown capability bogus: the capabilities are ids and time"),
            "ERROR bad-syntax unknown capability bogus: the capabilities are ids and time"
        ),
        (
            "/caps ids BOGUS time", .badSyntax("unknown capability BOGUS: the capabilities are ids and time"),
            "ERROR bad-syntax unknown capability BOGUS: the capabilities are ids and time"
        ),
        (
            "/caps ids,time", .badSyntax("unknown capability ids,time: the capabilities are ids and time"),
            "ERROR bad-syntax unknown capability ids,time: the capabilities are ids and time"
        ),
        (
            "/caps id", .badSyntax("unknown capability id: the capabilities are ids and time"),
            "ERROR bad-syntax unknown capability id: the capabilities are ids and time"
        ),
        // /history with a count outside 1...1000, or not a count.
        ("/history 0", .badSyntax(badCount), "ERROR bad-syntax \(badCount)"),
        ("/history 1001", .badSyntax(badCount), "ERROR bad-syntax \(badCount)"),
        ("/history 99999999999999999999999", .badSyntax(badCount), "ERROR bad-syntax \(badCount)"),
        ("/history -1", .badSyntax(badCount), "ERROR bad-syntax \(badCount)"),
        ("/history +5", .badSyntax(badCount), "ERROR bad-syntax \(badCount)"),
        ("/history 5x", .badSyntax(badCount), "ERROR bad-syntax \(badCount)"),
        ("/history ５", .badSyntax(badCount), "ERROR bad-syntax \(badCount)"),
        ("/history all", .badSyntax(badCount), "ERROR bad-syntax \(badCount)"),
        ("/history before 5 0", .badSyntax(badCount), "ERROR bad-syntax \(badCount)"),
        ("/history after 5 1001", .badSyntax(badCount), "ERROR bad-syntax \(badCount)"),
        ("/history after 5 x", .badSyntax(badCount), "ERROR bad-syntax \(badCount)"),
        // /history with an id that is not a decimal UInt64.
        ("/history before x", .badSyntax(badID), "ERROR bad-syntax \(badID)"),
        ("/history before -1", .badSyntax(badID), "ERROR bad-syntax \(badID)"),
        ("/history before +1", .badSyntax(badID), "ERROR bad-syntax \(badID)"),
        ("/history after 0x10", .badSyntax(badID), "ERROR bad-syntax \(badID)"),
        ("/history after 1.5", .badSyntax(badID), "ERROR bad-syntax \(badID)"),
        ("/history after 18446744073709551616", .badSyntax(badID), "ERROR bad-syntax \(badID)"),
        ("/history after 99999999999999999999999", .badSyntax(badID), "ERROR bad-syntax \(badID)"),
        // /history in a form it does not have.
        ("/history sideways 3", .badSyntax(historyUsage), "ERROR bad-syntax \(historyUsage)"),
        ("/history before", .badSyntax(historyUsage), "ERROR bad-syntax \(historyUsage)"),
        ("/history AFTER  ", .badSyntax(historyUsage), "ERROR bad-syntax \(historyUsage)"),
        ("/history 5 6", .badSyntax(historyUsage), "ERROR bad-syntax \(historyUsage)"),
        ("/history before 5 6 7", .badSyntax(historyUsage), "ERROR bad-syntax \(historyUsage)"),
        ("/history 5 before 6", .badSyntax(historyUsage), "ERROR bad-syntax \(historyUsage)"),
        ("/history between 1 2", .badSyntax(historyUsage), "ERROR bad-syntax \(historyUsage)"),
        // /search with no text.
        ("/search", .emptyMessage, "ERROR empty-message the message is empty"),
        ("/search   ", .emptyMessage, "ERROR empty-message the message is empty"),
        ("/SEARCH \t ", .emptyMessage, "ERROR empty-message the message is empty"),
        // A command word runs to the first space: these are not v1.1 commands.
        ("/capsids", .unknownCommand("/capsids"), "ERROR unknown-command unknown command /capsids (try /help)"),
        (
            "/history\t5", .unknownCommand("/history\t5"),
            "ERROR unknown-command unknown command /history\t5 (try /help)"
        ),
        ("/searching x", .unknownCommand("/searching"), "ERROR unknown-command unknown command /searching (try /help)"),
    ]

    @Test(arguments: refused)
    func refuses(line: String, error: ProtocolError, wire: String) {
        #expect(parsed(line) == .failure(error))
        #expect(error.event.wireLine == wire)
    }

    @Test func capabilitiesAreNamedInLowerCaseAndSortByName() {
        #expect(Capability.allCases == [.ids, .time])
        #expect(Capability.allCases.map(\.rawValue) == ["ids", "time"])
        #expect([Capability.time, .ids].sorted() == [.ids, .time])
        #expect(Capability(name: "TiMe") == .time)
        #expect(Capability(name: "times") == nil)
    }

    @Test func historyCountsAreOneToAThousandDefaultFifty() {
        #expect(HistoryQuery.counts == 1...1000)
        #expect(HistoryQuery.defaultCount == 50)
        #expect(HistoryQuery.latest(count: 3).count == 3)
        #expect(HistoryQuery.before(id: 9, count: 4).count == 4)
        #expect(HistoryQuery.after(id: 9, count: 5).count == 5)
        #expect(Wire.maxSearchResults == 50)
    }
}

@Suite struct CommandV11WireLineTests {
    /// v1.1 commands with the exact line a client sends for them.
    static let lines: [(command: Command, wire: String)] = [
        (.caps([]), "/caps"),
        (.caps([.ids]), "/caps ids"),
        (.caps([.time]), "/caps time"),
        (.caps([.ids, .time]), "/caps ids time"),
        (.caps([.time, .ids, .time]), "/caps time ids time"),
        (.history(.latest(count: 50)), "/history 50"),
        (.history(.latest(count: 1)), "/history 1"),
        (.history(.before(id: 42, count: 10)), "/history before 42 10"),
        (.history(.before(id: 0, count: 1000)), "/history before 0 1000"),
        (.history(.after(id: UInt64.max, count: 50)), "/history after 18446744073709551615 50"),
        (.search("hello"), "/search hello"),
        (.search(#""a" AND b"#), #"/search "a" AND b"#),
        (.search("inner  blanks\tkept"), "/search inner  blanks\tkept"),
        (.search("你好 👋🏽"), "/search 你好 👋🏽"),
    ]

    @Test(arguments: lines)
    func encodesAndParsesBack(command: Command, wire: String) {
        #expect(command.wireLine == wire)
        #expect(parsed(command.wireLine) == .success(command))
    }
}
