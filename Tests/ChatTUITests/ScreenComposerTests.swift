import ChatClient
import ChatProtocol
import Testing

@testable import ChatTUI

@Suite struct ScreenComposerTests {
    private let noon = LocalTime(hour: 12, minute: 1)
    private let address = ServerAddress(host: "127.0.0.1", port: 7777)

    private func chatting() -> ChatState {
        var state = ChatState(address: address)
        for event: ConnectionEvent in [
            .connecting(address), .connected(address), .received(.welcome(name: "alice", text: "Welcome!")),
            .received(.join("bob")), .received(.message(from: "bob", text: "hi alice")),
            .received(.message(from: "alice", text: "hello")),
        ] {
            state.apply(event, at: noon)
        }
        return state
    }

    /// A chat row: the pane's text, the separator, the sidebar's text.
    private func row(_ pane: String, _ side: String = "", paneWidth: Int = 39, width: Int = 60) -> String {
        let left = pane.padded(to: paneWidth) + "│" + side
        return left.padded(to: width)
    }

    @Test func theWholeScreenAtSixtyByTen() {
        var editor = InputEditor()
        _ = editor.apply(.insert("typing"))
        let frame = ScreenComposer.compose(
            state: chatting(), editor: editor, scroll: PaneScroll(), hosting: false, rows: 10, columns: 60)
        #expect(
            frame.text(width: 60) == [
                row("12:01 -- connected to 127.0.0.1:7777", " Users (2)"),
                row("12:01 * Welcome! (you are alice)", "*alice"),
                row("12:01 * bob joined", " bob"),
                row("12:01 <bob> hi alice"),
                row("12:01 <alice> hello"),
                row(""),
                row(""),
                row(""),
                " connected | 127.0.0.1:7777 | alice | 2 users".padded(to: 60),
                "> typing".padded(to: 60),
            ])
        #expect(frame.cursor?.row == 9 && frame.cursor?.column == 8)
        #expect(frame.rows[1].last == Span("alice", .sidebarOwn))
        #expect(frame.rows[8].allSatisfy { $0.style == .status })
    }

    @Test func belowSixtyColumnsThePaneTakesTheWholeWidth() {
        let frame = ScreenComposer.compose(
            state: chatting(), editor: InputEditor(), scroll: PaneScroll(), hosting: false, rows: 12, columns: 50)
        let text = frame.text(width: 50)
        #expect(text[0] == "12:01 -- connected to 127.0.0.1:7777".padded(to: 50))
        #expect(!text.joined().contains("│"))
        #expect(!text.joined().contains("Users"))
        #expect(text[10] == " connected | 127.0.0.1:7777 | alice | 2 users     ")
        #expect(text[11] == "> ".padded(to: 50))
    }

    @Test func aSmallTerminalShowsOnlyANote() {
        let frame = ScreenComposer.compose(
            state: chatting(), editor: InputEditor(), scroll: PaneScroll(), hosting: false, rows: 8, columns: 30)
        #expect(
            frame.text(width: 30) == [
                String(repeating: " ", count: 30),
                String(repeating: " ", count: 30),
                String(repeating: " ", count: 30),
                "      Terminal too small      ",
                "      30x8, needs 40x10       ",
                String(repeating: " ", count: 30),
                String(repeating: " ", count: 30),
                String(repeating: " ", count: 30),
            ])
        #expect(frame.cursor == nil)
    }

    @Test func scrolledUpTheStatusLineSaysThereIsMoreBelow() {
        var state = chatting()
        for index in 0..<20 { state.note("n\(index)", at: noon) }
        var scroll = PaneScroll()
        scroll.scrollUp(by: 7, in: state.lines, height: 8, width: 39)
        for index in 20..<25 { state.note("n\(index)", at: noon) }
        let frame = ScreenComposer.compose(
            state: state, editor: InputEditor(), scroll: scroll, hosting: false, rows: 10, columns: 60)
        let text = frame.text(width: 60)
        #expect(text[7] == row("12:01 -- n12"))
        #expect(text[8] == " connected | 127.0.0.1:7777 | al… -- more below -- 5 unread ")
        #expect(frame.rows[8].last == Span("-- more below -- 5 unread ", .moreBelow))
    }
}

@Suite struct SidebarViewTests {
    @Test func marksTheOwnNameAndCountsEveryone() {
        #expect(
            SidebarView.rows(users: ["alice", "bob", "carol"], ownName: "bob", height: 10, width: 20).map(\.text) == [
                " Users (3)", " alice", "*bob", " carol",
            ])
    }

    @Test func cutsLongNamesWithAnEllipsis() {
        let long = "abcdefghijklmnopqrstuvwx"
        let rows = SidebarView.rows(users: [long], ownName: nil, height: 5, width: 20)
        #expect(rows.map(\.text) == [" Users (1)", " abcdefghijklmnopqr…"])
        #expect(rows[1].columns == 20)
    }

    @Test func saysHowManyMoreDoNotFit() {
        let users = (1...7).map { "user\($0)" }
        #expect(
            SidebarView.rows(users: users, ownName: nil, height: 5, width: 20).map(\.text) == [
                " Users (7)", " user1", " user2", " user3", " +4 more",
            ])
        #expect(
            SidebarView.rows(users: Array(users.prefix(4)), ownName: nil, height: 5, width: 20).map(\.text) == [
                " Users (4)", " user1", " user2", " user3", " user4",
            ])
    }
}

@Suite struct StatusLineViewTests {
    private let address = ServerAddress(host: "127.0.0.1", port: 7777)

    @Test func showsEachStateOfTheLink() {
        var state = ChatState(address: address)
        let noon = LocalTime(hour: 12, minute: 1)
        func line(hosting: Bool = false) -> String {
            StatusLineView.row(state: state, hosting: hosting, scrolledUp: false, unread: 0, width: 60).text
        }
        #expect(line() == " connecting | 127.0.0.1:7777".padded(to: 60))
        state.apply(.connected(address), at: noon)
        state.apply(.received(.welcome(name: "alice", text: "")), at: noon)
        #expect(line() == " connected | 127.0.0.1:7777 | alice | 1 user".padded(to: 60))
        #expect(line(hosting: true).hasPrefix(" hosting | 127.0.0.1:7777 | alice | 1 user "))
        state.apply(.disconnected(reason: "gone", retryIn: .seconds(1)), at: noon)
        #expect(line().hasPrefix(" disconnected, reconnecting | 127.0.0.1:7777 | alice "))
        state.apply(.closed, at: noon)
        #expect(line().hasPrefix(" closed | 127.0.0.1:7777 | alice "))
    }

    @Test func aNarrowLineKeepsTheMoreBelowPart() {
        var state = ChatState(address: address)
        state.apply(.connected(address), at: LocalTime(hour: 0, minute: 0))
        state.apply(.received(.welcome(name: "somebodywithalongname", text: "")), at: LocalTime(hour: 0, minute: 0))
        let row = StatusLineView.row(state: state, hosting: false, scrolledUp: true, unread: 12, width: 40)
        #expect(row.text == " connected … -- more below -- 12 unread ")
        #expect(row.columns == 40)
    }
}

extension String {
    /// The string with spaces added up to `width` characters (the tests use one-column characters only).
    fileprivate func padded(to width: Int) -> String {
        self + String(repeating: " ", count: Swift.max(0, width - count))
    }
}
