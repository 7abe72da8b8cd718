import ChatClient
import ChatProtocol
import Testing

@testable import ChatTUI

/// Passwords on the input line: masked when asked for and when typed in a command, never in the history.
@Suite struct PasswordInputTests {
    private let noon = LocalTime(hour: 12, minute: 1)
    private let address = ServerAddress(host: "127.0.0.1", port: 7777)

    private func chatting(loggedIn: Bool = false) -> ChatState {
        var state = ChatState(address: address)
        for event: ConnectionEvent in [
            .connecting(address), .connected(address), .received(.welcome(name: "user1", text: "Welcome!")),
        ] {
            state.apply(event, at: noon)
        }
        if loggedIn {
            state.apply(.received(.nick(old: "user1", new: "alice")), at: noon)
            state.apply(.received(.loggedIn("alice")), at: noon)
        }
        return state
    }

    private func typed(_ text: String) -> InputEditor {
        var editor = InputEditor()
        _ = editor.apply(.insert(text))
        return editor
    }

    /// The screen's last row (the input line) at 60 by 10, trailing blanks removed.
    private func inputRow(
        _ state: ChatState, editor: InputEditor, secret: ScreenComposer.Secret? = nil
    ) -> (String, Int?) {
        let frame = ScreenComposer.compose(
            state: state, editor: editor, scroll: PaneScroll(), hosting: false, rows: 10, columns: 60, secret: secret)
        let row = frame.text(width: 60)[9]
        return (String(row.reversed().drop(while: { $0 == " " }).reversed()), frame.cursor?.column)
    }

    @Test func theAskedPasswordShowsOneDotPerCharacter() {
        let secret = ScreenComposer.Secret(label: "password for alice: ", editor: typed("hunter22"))
        let (row, cursor) = inputRow(chatting(), editor: typed("a draft"), secret: secret)
        #expect(row == "password for alice: ••••••••")
        #expect(cursor == 28)
        // Each cluster is one dot, whatever it is.
        let wide = ScreenComposer.Secret(label: "again: ", editor: typed("中e\u{301}👍🏽 x"))
        #expect(inputRow(chatting(), editor: InputEditor(), secret: wide).0 == "again: •••••")
        // Nothing typed yet: the label alone, the cursor after it.
        let empty = ScreenComposer.Secret(label: "new password: ", editor: InputEditor())
        #expect(inputRow(chatting(), editor: InputEditor(), secret: empty) == ("new password:", 14))
    }

    @Test(arguments: [
        ("/login alice hunter22", "> /login alice ••••••••"),
        ("/login alice", "> /login alice"),
        ("/register two words", "> /register •••••••••"),
        ("/password old new", "> /password •••••••"),
        ("/LOGIN bob x", "> /LOGIN bob •"),
        ("hello /login alice x", "> hello /login alice x"),
    ])
    func aPasswordTypedInACommandIsMaskedToo(text: String, shown: String) {
        #expect(inputRow(chatting(), editor: typed(text)).0 == shown)
    }

    @Test func theMaskKeepsTheCursorAndTheScrolling() {
        var editor = typed("/register " + String(repeating: "p", count: 80))
        #expect(editor.visibleWindow(width: 40, maskingFrom: 10) == (String(repeating: "•", count: 30), 30))
        for _ in 0..<85 { _ = editor.apply(.left) }
        #expect(
            editor.visibleWindow(width: 40, maskingFrom: 10).text == "/register " + String(repeating: "•", count: 30))
        #expect(editor.visibleWindow(width: 40, maskingFrom: 10).cursorColumn == 5)
        #expect(editor.visibleWindow(width: 40, maskingFrom: 200).text.hasPrefix("/register pppp"))
        #expect(DisplayWidth.columns(of: "•") == 1)
    }

    @Test func aLineKeptOutOfTheHistoryIsNotRecalled() {
        var editor = InputEditor()
        _ = editor.apply(.insert("hello"))
        #expect(editor.enter(keepingInHistory: true) == "hello")
        _ = editor.apply(.insert("/login alice hunter22"))
        #expect(editor.enter(keepingInHistory: !OutgoingLine.carriesPassword(editor.text)) == "/login alice hunter22")
        _ = editor.apply(.insert("/password \"a b\" c"))
        #expect(editor.enter(keepingInHistory: !OutgoingLine.carriesPassword(editor.text)) == "/password \"a b\" c")
        #expect(editor.history == ["hello"])
        _ = editor.apply(.historyPrevious)
        #expect(editor.text == "hello")
        _ = editor.apply(.historyPrevious)
        #expect(editor.text == "hello")
    }

    @Test func theStatusLineShowsTheAccount() {
        let line = StatusLineView.row(
            state: chatting(loggedIn: true), hosting: false, scrolledUp: false, unread: 0, width: 60)
        #expect(line.text == " connected | 127.0.0.1:7777 | alice (logged in) | 1 user".padded(to: 60))
        let guest = StatusLineView.row(state: chatting(), hosting: false, scrolledUp: false, unread: 0, width: 60)
        #expect(guest.text == " connected | 127.0.0.1:7777 | user1 | 1 user".padded(to: 60))
    }
}

extension String {
    /// The string with spaces added up to `width` characters (one-column characters only).
    fileprivate func padded(to width: Int) -> String {
        self + String(repeating: " ", count: Swift.max(0, width - count))
    }
}
