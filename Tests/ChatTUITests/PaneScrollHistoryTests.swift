import ChatProtocol
import Testing

@testable import ChatClient
@testable import ChatTUI

/// PgUp at the top of the pane with a chat state (v1.1): older messages are asked for once, and their
/// answer goes above the view without moving it, however many PgUps come while it is on its way.
@Suite struct PaneScrollHistoryTests {
    private let address = ServerAddress(host: "127.0.0.1", port: 7777)
    private let height = 28
    private let width = 79

    /// Message `id`'s time: noon UTC on 1 December 2026 and `id` seconds, so every message has one local
    /// day and minute in any time zone.
    private func time(_ id: UInt64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: 1_796_126_400_000 + Int64(id) * 1000)
    }

    /// The local time of the client's own lines: the messages' local minute and day.
    private var now: LocalTime { LocalTime(time(0)) }

    private func stored(_ ids: ClosedRange<UInt64>) -> [StoredMessage] {
        ids.map { StoredMessage(id: $0, time: time($0), from: "bob", text: "m\($0)") }
    }

    /// How message `id`'s row reads.
    private func row(_ id: UInt64) -> String { "\(LocalTime(time(id))) <bob> m\(id)" }

    /// A pane of 28 rows driven the way ``ChatApp`` drives it, recording what it asked the server for.
    private struct Pane {
        var state: ChatState
        var scroll = PaneScroll()
        var sent: [HistoryQuery] = []
        let height: Int
        let width: Int
        let now: LocalTime

        /// PgUp: a pane less a row, asking for 84 older messages (three panes) at the top.
        mutating func pageUp() {
            scrollUp(by: height - 1)
        }

        /// A step of the mouse wheel.
        mutating func wheelUp() {
            scrollUp(by: 3)
        }

        private mutating func scrollUp(by rows: Int) {
            let now = self.now
            var sent = self.sent
            scroll.scrollUp(by: rows, state: &state, height: height, width: width) { state in
                state.reachedTopOfHistory(count: 84, at: now) { query in
                    sent.append(query)
                    return true
                }
            }
            self.sent = sent
        }

        mutating func pageDown() {
            scroll.scrollDown(by: height - 1, in: state.lines, width: width)
        }

        /// Applies a `/history` answer.
        mutating func answer(_ messages: [StoredMessage]) {
            for message in messages { state.apply(.received(.history(message)), at: now) }
            state.apply(.received(.historyEnd(count: messages.count)), at: now)
        }

        /// The rows on screen, as text.
        var rows: [String] {
            scroll.view(of: state.lines, height: height, width: width).rows.map(\.text)
        }
    }

    /// Connected, welcomed, capabilities on, the recent history (84 messages) asked for.
    private func connected(scrollback: Int = 10_000) throws -> Pane {
        var state = ChatState(address: address, scrollback: scrollback)
        state.apply(.connected(address), at: now)
        state.apply(.received(.welcome(name: "alice", text: "hi")), at: now)
        state.apply(.received(.caps([.ids, .time])), at: now)
        let query = try #require(state.historyQuery(for: .recent, count: 84))
        state.sentHistoryRequest(.recent, query: query, at: now)
        return Pane(state: state, sent: [query], height: height, width: width, now: now)
    }

    /// The connection's own lines, below the history.
    private var ownLines: [String] { ["\(now) -- connected to 127.0.0.1:7777", "\(now) * hi (you are alice)"] }

    /// The note on top while older messages load.
    private var loadingNote: String { "\(now) -- loading older messages…" }

    @Test func pageUpsWhileOlderMessagesLoadAskOnceAndTheAnswerGoesAboveTheView() throws {
        var pane = try connected()
        pane.answer(stored(117...200))
        #expect(pane.rows == (175...200).map(row) + ownLines)
        pane.pageUp()
        pane.pageUp()
        #expect(pane.rows == (121...148).map(row))
        #expect(pane.sent == [.latest(count: 84)])

        // The top: older messages are asked for, and the note saying so comes into view above the lines.
        pane.pageUp()
        #expect(pane.sent == [.latest(count: 84), .before(id: 117, count: 84)])
        #expect(pane.rows == [loadingNote] + (117...143).map(row))
        let anchor = pane.scroll.anchor

        // More PgUps (and the wheel) while the answer is on its way: nothing more is asked, nothing moves.
        pane.pageUp()
        pane.wheelUp()
        pane.pageUp()
        #expect(pane.sent == [.latest(count: 84), .before(id: 117, count: 84)])
        #expect(pane.rows == [loadingNote] + (117...143).map(row))
        #expect(pane.scroll.anchor == anchor)

        // The answer takes the note's row; what the user was reading stays where it was.
        pane.answer(stored(33...116))
        #expect(pane.rows == (116...143).map(row))
        #expect(pane.scroll.anchor == anchor)
        #expect(pane.state.lines.elements.filter { $0.kind == .notice("loading older messages…") }.isEmpty)
        pane.pageUp()
        #expect(pane.rows == (89...116).map(row))
        #expect(pane.sent.count == 2)
        // Every message is in the scrollback once, in order.
        let ids = pane.state.lines.elements.compactMap(\.id)
        #expect(ids == Array(33...200))
    }

    @Test func theTopAsksForNothingWhileTheRecentHistoryIsOnItsWay() throws {
        var pane = try connected()
        // A live message came before the recent history: the pane fits, so it is at the top.
        pane.state.apply(
            .received(.message(from: "bob", text: "m201"), tags: Tags(id: 201, time: time(201))), at: now)
        pane.pageUp()
        pane.pageUp()
        #expect(pane.sent == [.latest(count: 84)])
        #expect(pane.rows == ownLines + [row(201)])

        pane.answer(stored(117...200))
        #expect(pane.rows == (176...200).map(row) + ownLines + [row(201)])
        for _ in 0..<3 { pane.pageUp() }
        #expect(pane.sent == [.latest(count: 84), .before(id: 117, count: 84)])
        #expect(pane.rows == [loadingNote] + (117...143).map(row))
        pane.answer(stored(33...116))
        #expect(pane.rows == (116...143).map(row))
        #expect(!pane.state.lines.elements.contains { $0.kind == .notice("loading older messages…") })
        #expect(pane.state.lines.elements.compactMap(\.id) == Array(33...201))
    }

    @Test func pageUpAtTheTopOfAFullScrollbackAsksNothingAndShowsANoteOnTop() throws {
        // Room for 90 lines: the recent history and the connection's lines take 86.
        var pane = try connected(scrollback: 90)
        pane.answer(stored(117...200))
        for _ in 0..<3 { pane.pageUp() }
        // Older messages are asked for only as far as there is room.
        #expect(pane.sent == [.latest(count: 84), .before(id: 117, count: 4)])
        pane.answer(stored(113...116))
        #expect(pane.rows == (116...143).map(row))
        #expect(pane.state.lines.isFull)

        pane.pageUp()
        let note = "\(now) -- the pane holds its newest 90 lines; /search finds older messages"
        #expect(pane.rows == [note] + (114...140).map(row))
        pane.pageUp()
        pane.wheelUp()
        #expect(pane.rows == [note] + (114...140).map(row))
        #expect(pane.sent.count == 2)
    }
}
