import ChatClient
import ChatProtocol
import Testing

@Suite struct ChatStateTests {
    private let address = ServerAddress(host: "127.0.0.1", port: 7777)
    private let noon = LocalTime(hour: 12, minute: 1)

    private func welcomed(as name: String = "alice", scrollback: Int = 10_000) -> ChatState {
        var state = ChatState(address: address, scrollback: scrollback)
        state.apply(.connecting(address), at: noon)
        state.apply(.connected(address), at: noon)
        state.apply(.received(.welcome(name: name, text: "hi")), at: noon)
        return state
    }

    private func text(_ state: ChatState) -> [String] {
        state.lines.elements.map(PlainFormatter.format)
    }

    @Test func theWelcomeGivesTheOwnNameAndTheLinkIsUp() {
        let state = welcomed()
        #expect(state.ownName == "alice")
        #expect(state.link == .connected)
        #expect(state.users == ["alice"])
        #expect(text(state) == ["12:01 -- connected to 127.0.0.1:7777", "12:01 * hi (you are alice)"])
    }

    @Test func membershipEventsUpdateTheUsersSorted() {
        var state = welcomed()
        #expect(state.apply(.received(.join("bob")), at: noon).membershipChanged)
        state.apply(.received(.join("Carol")), at: noon)
        state.apply(.received(.join("aaron")), at: noon)
        #expect(state.users == ["aaron", "alice", "bob", "Carol"])
        state.apply(.received(.nick(old: "bob", new: "zed")), at: noon)
        #expect(state.users == ["aaron", "alice", "Carol", "zed"])
        #expect(state.apply(.received(.leave("aaron", .lost)), at: noon).membershipChanged)
        #expect(state.users == ["alice", "Carol", "zed"])
        #expect(
            text(state).suffix(5) == [
                "12:01 * bob joined", "12:01 * Carol joined", "12:01 * aaron joined", "12:01 * bob is now zed",
                "12:01 * aaron left (connection lost)",
            ])
    }

    @Test func ownRenameChangesTheOwnName() {
        var state = welcomed()
        state.apply(.received(.nick(old: "alice", new: "alicia")), at: noon)
        #expect(state.ownName == "alicia")
        #expect(state.users == ["alicia"])
        #expect(text(state).last == "12:01 * you are now alicia")
    }

    @Test func messagesKnowWhoSentThemAndWhomTheyMention() {
        var state = welcomed()
        state.apply(.received(.message(from: "alice", text: "hello alice")), at: noon)
        state.apply(.received(.message(from: "bob", text: "hey ALICE, look")), at: noon)
        state.apply(.received(.message(from: "bob", text: "malice aforethought")), at: noon)
        state.apply(.received(.directMessage(from: "alice", to: "bob", text: "hi")), at: noon)
        state.apply(.received(.directMessage(from: "bob", to: "alice", text: "yo")), at: noon)
        state.apply(.received(.directMessage(from: "alice", to: "alice", text: "note to self")), at: noon)
        let kinds = state.lines.elements.suffix(6).map(\.kind)
        #expect(
            kinds == [
                .message(from: "alice", text: "hello alice", isOwn: true, mentionsMe: false),
                .message(from: "bob", text: "hey ALICE, look", isOwn: false, mentionsMe: true),
                .message(from: "bob", text: "malice aforethought", isOwn: false, mentionsMe: false),
                .directSent(to: "bob", text: "hi"),
                .directReceived(from: "bob", text: "yo"),
                .directSent(to: "alice", text: "note to self"),
            ])
    }

    @Test func automaticUsersRepliesOnlyUpdateTheSidebar() {
        var state = welcomed()
        state.sentUsersRequest(.automatic)
        state.sentUsersRequest(.typed)
        let before = state.lines.count
        state.apply(.received(.users(["alice", "bob"])), at: noon)
        #expect(state.users == ["alice", "bob"])
        #expect(state.lines.count == before)
        state.apply(.received(.users(["alice", "bob", "carol"])), at: noon)
        #expect(text(state).last == "12:01 * 3 users: alice, bob, carol")
    }

    @Test func aPingTokenCanStandForLines() {
        var state = welcomed()
        state.sentPing(token: "t1", showingOnReply: [.help("local one"), .help("local two")])
        state.apply(.received(.pong("t1")), at: noon)
        state.apply(.received(.pong("t2")), at: noon)
        #expect(text(state).suffix(3) == ["12:01 ? local one", "12:01 ? local two", "12:01 * pong t2"])
    }

    @Test func aLostConnectionIsNotedOnceWhileRetriesFailTheSameWay() {
        var state = welcomed()
        state.apply(.received(.join("bob")), at: noon)
        #expect(
            state.apply(
                .disconnected(reason: "the server closed the connection", retryIn: .milliseconds(500)), at: noon
            ).disconnected)
        #expect(state.users.isEmpty)
        #expect(state.link == .disconnected(reason: "the server closed the connection", retryIn: .milliseconds(500)))
        for _ in 0..<3 {
            state.apply(.connecting(address), at: noon)
            state.apply(.disconnected(reason: "nothing answers", retryIn: .seconds(1)), at: noon)
        }
        state.apply(.connecting(address), at: noon)
        #expect(state.link == .connecting)
        #expect(
            text(state).suffix(2) == [
                "12:01 -- disconnected: the server closed the connection; reconnecting in 500ms",
                "12:01 -- disconnected: nothing answers; reconnecting in 1s",
            ])
    }

    @Test func closedEndsTheLink() {
        var state = welcomed()
        let outcome = state.apply(.closed, at: noon)
        #expect(outcome.closed && outcome.disconnected)
        #expect(state.link == .closed)
    }

    @Test func scrollbackKeepsTheLastLinesByDefaultTenThousand() {
        var state = ChatState(address: address)
        for index in 0..<10_005 { state.note("line \(index)", at: noon) }
        #expect(state.lines.count == 10_000)
        #expect(state.lines.elements.first?.kind == .notice("line 5"))
        #expect(state.lines.elements.last?.kind == .notice("line 10004"))
    }

    @Test func scrollbackSizeIsConfigurableAndClearEmptiesIt() {
        var state = welcomed(scrollback: 3)
        for index in 0..<5 { state.note("n\(index)", at: noon) }
        #expect(text(state) == ["12:01 -- n2", "12:01 -- n3", "12:01 -- n4"])
        state.clear()
        #expect(state.lines.isEmpty)
        state.note("after", at: noon)
        #expect(text(state) == ["12:01 -- after"])
    }

    @Test(arguments: [
        ("alice", "alice", true), ("hi alice!", "alice", true), ("@Alice: look", "alice", true),
        ("malice", "alice", false), ("alice_2 is here", "alice", false), ("alice-b", "alice", false),
        ("", "alice", false), ("ALICE", "alice", true), ("see bob-x", "bob-x", true),
    ])
    func mentions(text: String, name: String, expected: Bool) {
        #expect(ChatLine.text(text, mentions: name) == expected)
    }
}

@Suite struct ScrollbackTests {
    @Test func keepsTheNewestAndNumbersEveryLine() {
        var scrollback = Scrollback<Int>(capacity: 3)
        #expect(scrollback.lastSequence == nil)
        for value in 10..<15 { scrollback.append(value) }
        #expect(scrollback.elements == [12, 13, 14])
        #expect(scrollback.firstSequence == 2)
        #expect(scrollback.lastSequence == 4)
        #expect(scrollback[sequence: 1] == nil)
        #expect(scrollback[sequence: 2] == 12)
        #expect(scrollback[sequence: 4] == 14)
        #expect(scrollback[sequence: 5] == nil)
    }

    @Test func sequenceNumbersCarryOnAfterRemoveAll() {
        var scrollback = Scrollback<String>(capacity: 10)
        scrollback.append("a")
        scrollback.append("b")
        scrollback.removeAll()
        #expect(scrollback.isEmpty)
        #expect(scrollback.append("c") == 2)
        #expect(scrollback[sequence: 2] == "c")
        #expect(scrollback.firstSequence == 2)
    }

    @Test func olderLinesGoOnTopNumberedDownwardsAsFarAsThereIsRoom() {
        var scrollback = Scrollback<String>(capacity: 5)
        scrollback.append("c")
        scrollback.append("d")
        #expect(scrollback.prepend(contentsOf: ["a", "b"]) == 2)
        #expect(scrollback.elements == ["a", "b", "c", "d"])
        #expect(scrollback.firstSequence == -2)
        #expect(scrollback[sequence: -2] == "a")
        #expect(scrollback[sequence: 0] == "c")
        #expect(scrollback.lastSequence == 1)
        // Only one more fits: the newest of them, next to the lines held.
        #expect(scrollback.prepend(contentsOf: ["x", "y", "z"]) == 1)
        #expect(scrollback.elements == ["z", "a", "b", "c", "d"])
        #expect(scrollback.isFull)
        #expect(scrollback.prepend(contentsOf: ["w"]) == 0)
        // Appending still drops the oldest.
        #expect(scrollback.append("e") == 2)
        #expect(scrollback.elements == ["a", "b", "c", "d", "e"])
        #expect(scrollback.firstSequence == -2)
    }

    @Test func theOldestLineCanBeTakenBackAndItsNumberGoesToTheNextLinePrepended() {
        var scrollback = Scrollback<String>(capacity: 3)
        for value in ["a", "b", "c", "d"] { scrollback.append(value) }
        // A wrapped buffer: b, c, d.
        #expect(scrollback.removeFirst() == "b")
        #expect(scrollback.elements == ["c", "d"])
        #expect(scrollback.firstSequence == 2)
        #expect(scrollback.prepend(contentsOf: ["older"]) == 1)
        #expect(scrollback[sequence: 1] == "older")
        #expect(scrollback.elements == ["older", "c", "d"])
        scrollback.append("e")
        #expect(scrollback.elements == ["c", "d", "e"])
        var empty = Scrollback<String>(capacity: 2)
        #expect(empty.removeFirst() == nil)
        #expect(empty.first == nil && empty.last == nil)
    }
}
