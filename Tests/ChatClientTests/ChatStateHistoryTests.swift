import ChatProtocol
import Testing

@testable import ChatClient

/// Stored messages in the chat state (v1.1): where each answer goes, days, duplicates, and what is
/// asked for next. Stored times are at noon UTC, so their local day is the same in any time zone
/// within eleven hours of UTC; their local hour and minute are read back through ``LocalTime``.
@Suite struct ChatStateHistoryTests {
    private let address = ServerAddress(host: "127.0.0.1", port: 7777)
    /// Tuesday 1 December 2026, the day the tests run on.
    private let today = LocalDate(year: 2026, month: 12, day: 1, weekday: 2)

    private var noon: LocalTime { LocalTime(hour: 12, minute: 1, date: today) }

    private func time(_ text: String) -> Timestamp {
        Timestamp(rfc3339: text) ?? .min
    }

    /// A stored message from today (day 1, 1 December) or yesterday (day -1, 30 November), at noon UTC
    /// and as many minutes as the last digit of its id.
    private func stored(_ id: UInt64, _ day: Int, from: String = "bob", _ text: String) -> StoredMessage {
        let date = day > 0 ? "2026-12-01" : "2026-11-30"
        return StoredMessage(id: id, time: time("\(date)T12:0\(id % 10):00.000Z"), from: from, text: text)
    }

    /// How a stored message's stamp reads: the local time, after the local date when it is not today.
    private func stamp(_ message: StoredMessage, dated: Bool? = nil) -> String {
        let local = LocalTime(message.time)
        return (dated ?? (local.date != today)) ? local.dated : local.description
    }

    private func text(_ state: ChatState) -> [String] {
        state.lines.elements.map(PlainFormatter.format)
    }

    /// Connected, welcomed as alice, capabilities on: the recent history is wanted.
    private func withCapabilities(scrollback: Int = 10_000) -> ChatState {
        var state = ChatState(address: address, scrollback: scrollback)
        state.apply(.connecting(address), at: noon)
        state.apply(.connected(address), at: noon)
        state.apply(.received(.welcome(name: "alice", text: "hi")), at: noon)
        state.apply(.received(.caps([.ids, .time])), at: noon)
        return state
    }

    /// Applies one `/history` answer.
    @discardableResult
    private func answer(_ state: inout ChatState, _ messages: [StoredMessage]) -> ChatState.Outcome {
        for message in messages { state.apply(.received(.history(message)), at: noon) }
        return state.apply(.received(.historyEnd(count: messages.count)), at: noon)
    }

    /// The server's time on live messages.
    private var liveTime: Timestamp { time("2026-12-01T12:00:00.000Z") }

    /// How a live message's stamp reads: the server's time, in local time.
    private var liveStamp: String { LocalTime(liveTime).description }

    private func live(_ id: UInt64, from: String = "bob", _ text: String) -> ConnectionEvent {
        .received(.message(from: from, text: text), tags: Tags(id: id, time: liveTime))
    }

    private func ask(_ state: inout ChatState, _ request: ChatState.HistoryRequest, count: Int = 50) throws {
        let query = try #require(state.historyQuery(for: request, count: count))
        state.sentHistoryRequest(request, query: query, at: noon)
    }

    @Test func capabilitiesOnAskForTheRecentHistoryOnce() throws {
        var state = ChatState(address: address)
        state.apply(.connected(address), at: noon)
        state.apply(.received(.welcome(name: "alice", text: "hi")), at: noon)
        #expect(state.history == .unknown)
        #expect(state.historyQuery(for: .recent, count: 50) == nil)
        #expect(state.apply(.received(.caps([.ids, .time])), at: noon).historyWanted == .recent)
        #expect(state.history == .available)
        #expect(state.historyQuery(for: .recent, count: 84) == .latest(count: 84))
        #expect(state.historyQuery(for: .recent, count: 5000) == .latest(count: 1000))
        // Nothing is held yet to ask for older messages before, and nothing was missed.
        #expect(state.historyQuery(for: .older, count: 50) == nil)
        #expect(state.historyQuery(for: .missed, count: 50) == nil)
        // A CAPS the user asked for is shown, and asks for nothing.
        let typed = state.apply(.received(.caps([.ids, .time])), at: noon)
        #expect(typed.historyWanted == nil)
        #expect(text(state).last == "12:01 * capabilities on: ids time")
    }

    @Test func theRecentHistoryGoesAboveEverythingWithItsTimesAndTheDays() throws {
        var state = withCapabilities()
        try ask(&state, .recent)
        // A live message that came before the answer stays below it.
        state.apply(live(10, "live one"), at: noon)
        let welcome = try #require(state.lines.lastSequence) - 1
        let messages = [
            stored(7, -1, "yesterday"), stored(8, 1, from: "carol", "this morning"), stored(9, 1, "hi alice"),
        ]
        let outcome = answer(&state, messages)
        #expect(outcome.linesAdded == 0)
        #expect(outcome.historyWanted == nil)
        #expect(
            text(state) == [
                "\(stamp(messages[0])) <bob> yesterday",
                "-- Tuesday 1 December 2026",
                "\(stamp(messages[1])) <carol> this morning",
                "\(stamp(messages[2])) <bob> hi alice",
                "12:01 -- connected to 127.0.0.1:7777",
                "12:01 * hi (you are alice)",
                "\(liveStamp) <bob> live one",
            ])
        #expect(stamp(messages[0]).hasPrefix("2026-11-30 "))
        // The lines that were there keep their numbers; the history took the numbers above them.
        #expect(state.lines[sequence: welcome]?.kind == .welcome(name: "alice", text: "hi"))
        #expect(state.lines.firstSequence == -4)
        // Stored lines keep their ids and times, and know whom they mention.
        let first = try #require(state.lines.first)
        #expect(first.id == 7 && first.serverTime == messages[0].time && first.showsDate)
        #expect(
            state.lines[sequence: -1]?.kind == .message(from: "bob", text: "hi alice", isOwn: false, mentionsMe: true))
        #expect(state.lastMessageID == 10)
        #expect(!state.awaitsHistory)
    }

    @Test func aStoredMessageAlreadyHeldIsNotShownTwice() throws {
        var state = withCapabilities()
        try ask(&state, .recent)
        state.apply(live(3, "live"), at: noon)
        answer(&state, [stored(1, 1, "one"), stored(2, 1, "two"), stored(2, 1, "two"), stored(3, 1, "live")])
        #expect(text(state).filter { $0.hasSuffix("<bob> two") }.count == 1)
        #expect(text(state).filter { $0.hasSuffix("<bob> live") }.count == 1)
        #expect(state.lines.count == 5)
        // A live copy of a stored message already held is not shown either.
        state.apply(live(1, "one"), at: noon)
        #expect(state.lines.count == 5)
    }

    @Test func theTopAsksForOlderMessagesShowsANoteAndPlacesTheAnswerAboveWithoutRenumbering() throws {
        var state = withCapabilities()
        try ask(&state, .recent, count: 2)
        answer(&state, [stored(20, 1, "twenty"), stored(21, 1, "twenty-one")])
        let before = state.lines.elements
        let top = state.lines.firstSequence

        #expect(state.topOfHistoryReached(at: noon) == .askOlder)
        #expect(state.historyQuery(for: .older, count: 2) == .before(id: 20, count: 2))
        try ask(&state, .older, count: 2)
        #expect(state.lines.firstSequence == top - 1)
        #expect(state.lines.first?.kind == .notice("loading older messages…"))
        // While it waits, the top asks for nothing more.
        #expect(state.topOfHistoryReached(at: noon) == .nothing)

        answer(&state, [stored(18, 1, "eighteen"), stored(19, 1, "nineteen")])
        #expect(Array(state.lines.elements.suffix(before.count)) == before)
        #expect(state.lines.firstSequence == top - 2)
        #expect(text(state).prefix(2).map { $0.drop { $0 != "<" } } == ["<bob> eighteen", "<bob> nineteen"])
        #expect(!text(state).contains { $0.contains("loading") })
        #expect(state.historyQuery(for: .older, count: 2) == .before(id: 18, count: 2))
    }

    @Test func aShortAnswerMarksTheStartOfTheHistoryOnce() throws {
        var state = withCapabilities()
        try ask(&state, .recent, count: 2)
        answer(&state, [stored(20, 1, "twenty"), stored(21, 1, "twenty-one")])
        try ask(&state, .older, count: 2)
        answer(&state, [stored(19, 1, "nineteen")])
        #expect(text(state).first == "12:01 -- the start of the history")
        #expect(text(state)[1].hasSuffix("<bob> nineteen"))
        #expect(state.topOfHistoryReached(at: noon) == .nothing)
        #expect(text(state).filter { $0.contains("the start of the history") }.count == 1)
    }

    @Test func whenTheRecentHistoryIsShortTheTopSaysSoOnceAndAsksNothing() throws {
        var state = withCapabilities()
        try ask(&state, .recent)
        answer(&state, [])
        #expect(!text(state).contains { $0.contains("start") })
        #expect(state.topOfHistoryReached(at: noon) == .noted)
        #expect(text(state).first == "12:01 -- the start of the history")
        #expect(state.topOfHistoryReached(at: noon) == .nothing)
    }

    @Test func aServerWithoutHistoryIsNotedOnceAtTheTopAndItsErrorIsNotShown() throws {
        // A v1 server refuses /caps.
        var v1 = ChatState(address: address)
        v1.apply(.connected(address), at: noon)
        v1.apply(.received(.welcome(name: "alice", text: "hi")), at: noon)
        v1.apply(.capabilitiesRefused(.unknownCommand, "no such command"), at: noon)
        #expect(v1.history == .unavailable)
        #expect(v1.topOfHistoryReached(at: noon) == .noted)
        #expect(v1.topOfHistoryReached(at: noon) == .nothing)
        #expect(
            text(v1) == [
                "12:01 -- this server keeps no history", "12:01 -- connected to 127.0.0.1:7777",
                "12:01 * hi (you are alice)",
            ])

        // A server that keeps nothing turns ids on, then answers /history with an error.
        var none = withCapabilities()
        try ask(&none, .recent)
        let lines = none.lines.count
        none.apply(.received(.error(.unavailable, "nothing is kept")), at: noon)
        #expect(none.lines.count == lines)
        #expect(none.history == .unavailable)
        #expect(!none.awaitsHistory)
        // One that answers no request of the client's own (the user's /search, say) is shown.
        none.apply(.received(.error(.unavailable, "nothing is kept")), at: noon)
        #expect(text(none).last == "12:01 ! nothing is kept (unavailable)")
    }

    @Test func aTypedSearchOnAServerWithoutHistoryShowsItsError() throws {
        var state = withCapabilities()
        state.sentListing(.search("lunch"))
        state.apply(.received(.error(.unavailable, "nothing is kept")), at: noon)
        #expect(text(state).last == "12:01 ! nothing is kept (unavailable)")
        #expect(state.history == .available)
    }

    @Test(arguments: [
        (0, "no message matches \"lunch\""), (1, "1 message matches \"lunch\""), (3, "3 messages match \"lunch\""),
    ])
    func searchResultsAreListedWithTheirDatesUnderANote(count: Int, note: String) throws {
        var state = withCapabilities()
        try ask(&state, .recent)
        answer(&state, [stored(40, 1, "recent")])
        state.sentListing(.search("lunch"))
        let found = (0..<count).map { stored(UInt64(30 + $0), $0 == 0 ? -1 : 1, "lunch \($0)?") }
        for message in found { state.apply(.received(.found(message)), at: noon) }
        let outcome = state.apply(.received(.foundEnd(count: count)), at: noon)
        #expect(outcome.linesAdded == count + 1)
        #expect(
            Array(text(state).suffix(count + 1))
                == ["12:01 -- " + note] + found.map { "\(stamp($0, dated: true)) <bob> \($0.text)" })
        // Results are not history: no ids, no day-change lines, and older messages are still asked for
        // before the oldest message of the history.
        #expect(state.lines.elements.suffix(count).allSatisfy { $0.id == nil && $0.showsDate })
        #expect(!text(state).contains { $0.hasPrefix("-- ") })
        #expect(state.historyQuery(for: .older, count: 50) == .before(id: 40, count: 50))
    }

    @Test func aTypedHistoryIsListedLikeASearch() throws {
        var state = withCapabilities()
        state.sentListing(.history)
        answer(&state, [stored(5, 1, "five"), stored(6, 1, "six")])
        #expect(
            Array(text(state).suffix(3)) == [
                "12:01 -- 2 stored messages", "\(stamp(stored(5, 1, "five"), dated: true)) <bob> five",
                "\(stamp(stored(6, 1, "six"), dated: true)) <bob> six",
            ])
        #expect(state.historyQuery(for: .older, count: 50) == nil)
    }

    /// A first connection that saw messages 1 to 3 live, then lost the connection and came back: the
    /// lines after the reconnection are held until the missed messages are in.
    private func reconnected() throws -> ChatState {
        var state = withCapabilities()
        try ask(&state, .recent)
        answer(&state, [])
        for id: UInt64 in 1...3 { state.apply(live(id, "before \(id)"), at: noon) }
        state.apply(.disconnected(reason: "the server closed the connection", retryIn: .milliseconds(500)), at: noon)
        state.apply(.connecting(address), at: noon)
        state.apply(.connected(address), at: noon)
        state.apply(.received(.welcome(name: "user2", text: "hi")), at: noon)
        state.apply(.received(.nick(old: "user2", new: "alice")), at: noon)
        return state
    }

    @Test func afterAReconnectionTheMissedMessagesFillTheGapInRoundsEachOnce() throws {
        var state = try reconnected()
        let before = text(state)
        #expect(before.last == "12:01 -- disconnected: the server closed the connection; reconnecting in 500ms")
        // A message said right after reconnecting waits with the rest.
        state.apply(live(2000, from: "carol", "right after"), at: noon)
        #expect(text(state) == before)
        #expect(state.apply(.received(.caps([.ids, .time])), at: noon).historyWanted == .missed)
        try ask(&state, .missed)
        #expect(state.historyQuery(for: .missed, count: 50) == .after(id: 3, count: 1000))

        let first = (4...1003).map { stored(UInt64($0), 1, "missed \($0)") }
        #expect(answer(&state, first).historyWanted == .missed)
        #expect(state.historyQuery(for: .missed, count: 50) == .after(id: 1003, count: 1000))
        #expect(text(state) == before)
        try ask(&state, .missed)
        // The last round repeats one and ends short; the live message is not in it twice.
        let second = [
            stored(1003, 1, "missed 1003"), stored(1004, 1, "missed 1004"),
            stored(2000, 1, from: "carol", "right after"),
        ]
        #expect(answer(&state, second).historyWanted == nil)

        let after = Array(text(state).dropFirst(before.count))
        let missed = (4...1004).map { "\(stamp(stored(UInt64($0), 1, ""))) <bob> missed \($0)" }
        #expect(after.first == "12:01 -- 1001 messages came while you were away")
        #expect(Array(after.dropFirst().prefix(1001)) == missed)
        #expect(
            Array(after.suffix(4)) == [
                "12:01 -- connected to 127.0.0.1:7777", "12:01 * hi (you are user2)", "12:01 * you are now alice",
                "\(liveStamp) <carol> right after",
            ])
        #expect(after.count == 1 + 1001 + 4)
        // Now lines go straight to the bottom again.
        state.apply(live(2001, "next"), at: noon)
        #expect(text(state).last == "\(liveStamp) <bob> next")
        #expect(state.lastMessageID == 2001)
    }

    @Test(arguments: [(0, "no messages came while you were away"), (1, "1 message came while you were away")])
    func theNoteSaysHowManyCame(count: Int, note: String) throws {
        var state = try reconnected()
        state.apply(.received(.caps([.ids, .time])), at: noon)
        try ask(&state, .missed)
        answer(&state, (0..<count).map { stored(UInt64(4 + $0), 1, "missed") })
        #expect(text(state).contains("12:01 -- " + note))
    }

    @Test func heldLinesAreLetGoWhenTheServerTurnsOutToKeepNothing() throws {
        var refused = try reconnected()
        refused.apply(.capabilitiesRefused(.unknownCommand, "no such command"), at: noon)
        #expect(
            text(refused).suffix(3) == [
                "12:01 -- connected to 127.0.0.1:7777", "12:01 * hi (you are user2)", "12:01 * you are now alice",
            ])
        #expect(!text(refused).contains { $0.contains("while you were away") })

        var unavailable = try reconnected()
        unavailable.apply(.received(.caps([.ids, .time])), at: noon)
        try ask(&unavailable, .missed)
        unavailable.apply(.received(.error(.unavailable, "nothing is kept")), at: noon)
        #expect(text(unavailable).last == "12:01 * you are now alice")
        #expect(!text(unavailable).contains { $0.contains("unavailable") })

        var lost = try reconnected()
        lost.apply(.disconnected(reason: "gone again", retryIn: .seconds(1)), at: noon)
        #expect(
            text(lost).suffix(2) == [
                "12:01 * you are now alice", "12:01 -- disconnected: gone again; reconnecting in 1s",
            ])
    }

    @Test func aServerWhoseIdsStartedAgainIsNotMistakenForDuplicates() throws {
        var state = try reconnected()
        state.apply(.received(.caps([.ids, .time])), at: noon)
        try ask(&state, .missed)
        answer(&state, [])
        // A new store: its first message has id 1, which the old server had given too.
        state.apply(live(1, from: "carol", "fresh start"), at: noon)
        #expect(text(state).last == "\(liveStamp) <carol> fresh start")
        #expect(state.lastMessageID == 1)
        // Older messages are not asked for above lines from the old store.
        #expect(state.topOfHistoryReached(at: noon) == .nothing)
    }

    @Test func aChangeOfDayIsMarkedBetweenLiveLinesAndAfterTheHistory() throws {
        var state = withCapabilities()
        try ask(&state, .recent)
        answer(&state, [stored(1, -1, "yesterday")])
        // The top line (the connected note) is from today: a day-change line separates them.
        #expect(text(state)[1] == "-- Tuesday 1 December 2026")
        let tomorrow = LocalTime(hour: 0, minute: 2, date: LocalDate(year: 2026, month: 12, day: 2, weekday: 3))
        state.apply(.received(.message(from: "bob", text: "after midnight")), at: tomorrow)
        #expect(text(state).suffix(2) == ["-- Wednesday 2 December 2026", "00:02 <bob> after midnight"])
        state.clear()
        state.apply(.received(.message(from: "bob", text: "after the clear")), at: noon)
        #expect(text(state) == ["12:01 <bob> after the clear"])
    }

    @Test func aLostConnectionTakesTheLoadingNoteAway() throws {
        var state = withCapabilities()
        try ask(&state, .recent, count: 1)
        answer(&state, [stored(5, 1, "five")])
        try ask(&state, .older)
        #expect(text(state).first == "12:01 -- loading older messages…")
        state.apply(.disconnected(reason: "gone", retryIn: nil), at: noon)
        #expect(!text(state).contains { $0.contains("loading") })
        #expect(!state.awaitsHistory)
    }

    @Test func aFullScrollbackForgetsTheIdsThatFallOffAndAsksForNothingOlder() throws {
        var state = withCapabilities(scrollback: 4)
        try ask(&state, .recent)
        answer(&state, [stored(1, 1, "one")])
        for id: UInt64 in 2...5 { state.apply(live(id, "live \(id)"), at: noon) }
        #expect(state.lines.isFull)
        // Message 1 fell off: a stored copy of it would be shown again.
        #expect(!state.store.ids.contains(1))
        #expect(state.store.ids == [2, 3, 4, 5])
        #expect(state.historyQuery(for: .older, count: 50) == nil)
        #expect(state.topOfHistoryReached(at: noon) == .noted)
        #expect(!state.awaitsHistory)
    }

    /// The note at the top of a full scrollback of `capacity` lines.
    private func fullNote(_ capacity: Int) -> String {
        "12:01 -- the pane holds its newest \(capacity) lines; /search finds older messages"
    }

    @Test func olderMessagesAreAskedForOnlyAsFarAsTheScrollbackHasRoom() throws {
        var state = withCapabilities(scrollback: 6)
        try ask(&state, .recent, count: 2)
        answer(&state, [stored(20, 1, "twenty"), stored(21, 1, "twenty-one")])
        // Four lines held, room for two: the loading note goes while the answer takes its place.
        #expect(state.historyQuery(for: .older, count: 50) == .before(id: 20, count: 2))
        try ask(&state, .older, count: 50)
        answer(&state, [stored(18, 1, "eighteen"), stored(19, 1, "nineteen")])
        let messages = [18, 19, 20, 21].map { stored(UInt64($0), 1, "") }
        #expect(
            text(state) == [
                "\(stamp(messages[0])) <bob> eighteen", "\(stamp(messages[1])) <bob> nineteen",
                "\(stamp(messages[2])) <bob> twenty", "\(stamp(messages[3])) <bob> twenty-one",
                "12:01 -- connected to 127.0.0.1:7777", "12:01 * hi (you are alice)",
            ])
        #expect(state.lines.isFull)
        // A full answer of two: the start of the history is not known, but nothing more fits.
        #expect(state.historyQuery(for: .older, count: 50) == nil)
    }

    @Test func theTopOfAFullScrollbackAsksNothingAndSaysSoInPlaceOfItsOldestLine() throws {
        var state = withCapabilities(scrollback: 5)
        try ask(&state, .recent, count: 3)
        answer(&state, [stored(20, 1, "twenty"), stored(21, 1, "twenty-one"), stored(22, 1, "twenty-two")])
        #expect(state.lines.isFull)
        let outcome = state.reachedTopOfHistory(count: 50, at: noon) { _ in
            Issue.record("a full scrollback asked for older messages")
            return true
        }
        #expect(outcome)
        let kept = [21, 22].map { stored(UInt64($0), 1, "") }
        let rest = [
            "\(stamp(kept[0])) <bob> twenty-one", "\(stamp(kept[1])) <bob> twenty-two",
            "12:01 -- connected to 127.0.0.1:7777", "12:01 * hi (you are alice)",
        ]
        #expect(text(state) == [fullNote(5)] + rest)
        // Message 20 gave its place: a stored copy of it would be shown again.
        #expect(state.store.ids == [21, 22])
        #expect(!state.awaitsHistory)
        // Once is enough while the note is on top.
        #expect(state.topOfHistoryReached(at: noon) == .nothing)
        #expect(text(state) == [fullNote(5)] + rest)

        // A new line pushes the note off; the top says so again, in place of the oldest line.
        state.apply(live(23, "twenty-three"), at: noon)
        #expect(text(state) == rest + ["\(liveStamp) <bob> twenty-three"])
        #expect(state.topOfHistoryReached(at: noon) == .noted)
        #expect(text(state) == [fullNote(5)] + rest.dropFirst() + ["\(liveStamp) <bob> twenty-three"])
    }

    @Test func theStartOfTheHistoryOnTopOfAFullScrollbackStaysThere() throws {
        var state = withCapabilities(scrollback: 5)
        try ask(&state, .recent, count: 3)
        answer(&state, [stored(21, 1, "twenty-one"), stored(22, 1, "twenty-two")])
        #expect(state.topOfHistoryReached(at: noon) == .noted)
        #expect(state.lines.isFull)
        #expect(text(state).first == "12:01 -- the start of the history")
        #expect(state.topOfHistoryReached(at: noon) == .nothing)
        #expect(text(state).first == "12:01 -- the start of the history")
    }

    @Test func olderMessagesThatComeAfterAClearAreDropped() throws {
        var state = withCapabilities()
        try ask(&state, .recent, count: 1)
        answer(&state, [stored(5, 1, "five")])
        try ask(&state, .older, count: 1)
        state.clear()
        answer(&state, [stored(4, 1, "four")])
        #expect(state.lines.isEmpty)
        #expect(!state.awaitsHistory)
        state.apply(live(6, "six"), at: noon)
        #expect(text(state) == ["\(liveStamp) <bob> six"])
        #expect(state.historyQuery(for: .older, count: 1) == .before(id: 6, count: 1))
    }

    @Test func liveLinesShowTheServersTimeInLocalTimeAndLinesWithoutOneTheirArrival() throws {
        var state = withCapabilities()
        let times = (2...7).map { time("2026-12-01T12:0\($0):00.000Z") }
        let events: [Event] = [
            .join("carol"), .message(from: "carol", text: "hi all"),
            .directMessage(from: "carol", to: "alice", text: "psst"),
            .directMessage(from: "alice", to: "carol", text: "yes?"), .nick(old: "carol", new: "cara"),
            .leave("cara", .quit),
        ]
        for (event, time) in zip(events, times) {
            let id: UInt64? = if case .message = event { 1 } else { nil }
            state.apply(.received(event, tags: Tags(id: id, time: time)), at: noon)
        }
        // A line without a tag (the capability off, or a v1 server) is stamped when it arrived.
        state.apply(.received(.message(from: "bob", text: "untagged")), at: noon)
        let stamps = times.map { LocalTime($0).description }
        #expect(
            Array(text(state).suffix(7)) == [
                "\(stamps[0]) * carol joined", "\(stamps[1]) <carol> hi all", "\(stamps[2]) <- carol: psst",
                "\(stamps[3]) -> carol: yes?", "\(stamps[4]) * carol is now cara", "\(stamps[5]) * cara left (quit)",
                "12:01 <bob> untagged",
            ])
        let lines = Array(state.lines.elements.suffix(7))
        #expect(lines.map(\.time) == times.map(LocalTime.init) + [noon])
        #expect(lines.map(\.serverTime) == times.map { Optional($0) } + [nil])
        #expect(lines.allSatisfy { !$0.showsDate })
        #expect(lines[1].id == 1)
    }

    @Test func aLiveLineTheServerStampedOnTheDayBeforeShowsItsDate() throws {
        var state = withCapabilities()
        // Just after midnight here, a message the server took just before (its local day is 1 December).
        let midnight = LocalTime(hour: 0, minute: 0, date: LocalDate(year: 2026, month: 12, day: 2, weekday: 3))
        let late = time("2026-12-01T12:09:00.000Z")
        state.apply(.received(.message(from: "bob", text: "late"), tags: Tags(id: 1, time: late)), at: midnight)
        state.apply(.received(.message(from: "bob", text: "early")), at: midnight)
        #expect(
            Array(text(state).suffix(3)) == [
                "\(LocalTime(late).dated) <bob> late", "-- Wednesday 2 December 2026", "00:00 <bob> early",
            ])
        #expect(LocalTime(late).dated.hasPrefix("2026-12-01 "))
    }
}
