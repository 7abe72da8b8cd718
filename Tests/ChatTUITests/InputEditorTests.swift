import ChatTUI
import Testing

@Suite struct InputEditorTests {
    /// One key applied to a line with the cursor at a place; `|` in the descriptions marks it.
    struct Edit: Sendable, CustomTestStringConvertible {
        var text: String
        var cursor: Int
        var key: EditorKey
        var expectedText: String
        var expectedCursor: Int
        var testDescription: String { "\(key) on \(text.debugDescription) at \(cursor)" }

        init(_ text: String, _ cursor: Int, _ key: EditorKey, _ expectedText: String, _ expectedCursor: Int) {
            self.text = text
            self.cursor = cursor
            self.key = key
            self.expectedText = expectedText
            self.expectedCursor = expectedCursor
        }
    }

    private static func editor(_ text: String, cursor: Int) -> InputEditor {
        var editor = InputEditor()
        editor.replace(text: text, cursor: cursor)
        return editor
    }

    private static func check(_ edit: Edit) {
        var editor = editor(edit.text, cursor: edit.cursor)
        #expect(editor.apply(edit.key) == nil)
        #expect(editor.text == edit.expectedText)
        #expect(editor.cursor == edit.expectedCursor)
    }

    @Test(arguments: [
        Edit("", 0, .insert("a"), "a", 1),
        Edit("ac", 1, .insert("b"), "abc", 2),
        Edit("", 0, .insert("日本語"), "日本語", 3),
        Edit("日語", 1, .insert("本"), "日本語", 2),
        Edit("ab", 1, .insert("👨‍👩‍👧"), "a👨‍👩‍👧b", 2),
        Edit("ab", 2, .insert("🇫🇷❤️"), "ab🇫🇷❤️", 4),
        Edit("e", 1, .insert("\u{301}"), "e\u{301}", 1),
        Edit("🇫", 1, .insert("🇷"), "🇫🇷", 1),
        Edit("👍", 1, .insert("🏽"), "👍🏽", 1),
        Edit("", 0, .insert("a\tb\nc\u{1B}d\u{85}"), "a b cd", 6),
        Edit("x", 1, .insert(""), "x", 1),
        Edit("x", 1, .insert("\u{7}"), "x", 1),
    ])
    func insert(_ edit: Edit) {
        Self.check(edit)
    }

    @Test(arguments: [
        Edit("abc", 2, .left, "abc", 1),
        Edit("abc", 0, .left, "abc", 0),
        Edit("日本語", 3, .left, "日本語", 2),
        Edit("a👨‍👩‍👧", 2, .left, "a👨‍👩‍👧", 1),
        Edit("🇫🇷🇩🇪", 2, .left, "🇫🇷🇩🇪", 1),
        Edit("e\u{301}x", 1, .left, "e\u{301}x", 0),
        Edit("abc", 1, .right, "abc", 2),
        Edit("abc", 3, .right, "abc", 3),
        Edit("日本語", 1, .right, "日本語", 2),
        Edit("👍❤️x", 1, .right, "👍❤️x", 2),
        Edit("e\u{301}", 0, .right, "e\u{301}", 1),
        Edit("日本語", 2, .home, "日本語", 0),
        Edit("", 0, .home, "", 0),
        Edit("日本語", 1, .end, "日本語", 3),
        Edit("🇫🇷🇩🇪", 0, .end, "🇫🇷🇩🇪", 2),
        Edit("hello big world", 15, .wordLeft, "hello big world", 10),
        Edit("hello big world", 10, .wordLeft, "hello big world", 6),
        Edit("hello big world", 8, .wordLeft, "hello big world", 6),
        Edit("hello  ", 7, .wordLeft, "hello  ", 0),
        Edit("hello", 0, .wordLeft, "hello", 0),
        Edit("a 日本語", 5, .wordLeft, "a 日本語", 2),
        Edit("x 👨‍👩‍👧🇫🇷", 4, .wordLeft, "x 👨‍👩‍👧🇫🇷", 2),
        Edit("hello big world", 0, .wordRight, "hello big world", 5),
        Edit("hello big world", 5, .wordRight, "hello big world", 9),
        Edit("hello big world", 7, .wordRight, "hello big world", 9),
        Edit("hello big world", 15, .wordRight, "hello big world", 15),
        Edit("👍👍 x", 0, .wordRight, "👍👍 x", 2),
        Edit("日本 e\u{301}e\u{301}", 2, .wordRight, "日本 e\u{301}e\u{301}", 5),
    ])
    func movement(_ edit: Edit) {
        Self.check(edit)
    }

    @Test(arguments: [
        Edit("abc", 3, .backspace, "ab", 2),
        Edit("abc", 0, .backspace, "abc", 0),
        Edit("abc", 2, .backspace, "ac", 1),
        Edit("日本語", 2, .backspace, "日語", 1),
        Edit("a👨‍👩‍👧", 2, .backspace, "a", 1),
        Edit("🇫🇷🇩🇪", 2, .backspace, "🇫🇷", 1),
        Edit("e\u{301}", 1, .backspace, "", 0),
        Edit("❤️!", 1, .backspace, "!", 0),
        Edit("👍🏽", 1, .backspace, "", 0),
        Edit("abc", 0, .delete, "bc", 0),
        Edit("abc", 3, .delete, "abc", 3),
        Edit("日本語", 1, .delete, "日語", 1),
        Edit("👍🏽x", 0, .delete, "x", 0),
        Edit("xe\u{301}", 1, .delete, "x", 1),
        Edit("🇫🇷🇩🇪", 0, .delete, "🇩🇪", 0),
        Edit("x👨‍👩‍👧y", 1, .delete, "xy", 1),
    ])
    func deleteOneCluster(_ edit: Edit) {
        Self.check(edit)
    }

    @Test(arguments: [
        Edit("hello world", 6, .killToStart, "world", 0),
        Edit("日本語", 3, .killToStart, "", 0),
        Edit("👍❤️🇫🇷x", 3, .killToStart, "x", 0),
        Edit("abc", 0, .killToStart, "abc", 0),
        Edit("hello world", 5, .killToEnd, "hello", 5),
        Edit("👍👍", 1, .killToEnd, "👍", 1),
        Edit("e\u{301}e\u{301}", 1, .killToEnd, "e\u{301}", 1),
        Edit("abc", 3, .killToEnd, "abc", 3),
        Edit("hello world", 11, .killWordBackward, "hello ", 6),
        Edit("hello world  ", 13, .killWordBackward, "hello ", 6),
        Edit("hello world", 8, .killWordBackward, "hello rld", 6),
        Edit("hello", 0, .killWordBackward, "hello", 0),
        Edit("hello", 5, .killWordBackward, "", 0),
        Edit("   ", 3, .killWordBackward, "", 0),
        Edit("say 日本語", 7, .killWordBackward, "say ", 4),
        Edit("ok 👨‍👩‍👧🇫🇷", 5, .killWordBackward, "ok ", 3),
        Edit("ok café\u{301}", 7, .killWordBackward, "ok ", 3),
    ])
    func kill(_ edit: Edit) {
        Self.check(edit)
    }

    /// A sequence of keys from an empty editor, with the lines each Enter submitted.
    struct Session: Sendable, CustomTestStringConvertible {
        var name: String
        var keys: [EditorKey]
        var submitted: [String]
        var text: String
        var cursor: Int
        var history: [String]
        var testDescription: String { name }
    }

    private static func typing(_ lines: String...) -> [EditorKey] {
        lines.flatMap { [EditorKey.insert($0), .enter] }
    }

    @Test(arguments: [
        Session(
            name: "enter submits, clears and records",
            keys: typing("hello"), submitted: ["hello"], text: "", cursor: 0, history: ["hello"]),
        Session(
            name: "enter submits the line as typed, CJK and emoji included",
            keys: typing(" 日本語 👨‍👩‍👧 "), submitted: [" 日本語 👨‍👩‍👧 "], text: "", cursor: 0,
            history: [" 日本語 👨‍👩‍👧 "]),
        Session(
            name: "enter with the cursor mid-line submits the whole line",
            keys: [.insert("hello"), .home, .enter], submitted: ["hello"], text: "", cursor: 0,
            history: ["hello"]),
        Session(
            name: "an empty line submits nothing",
            keys: [.enter], submitted: [], text: "", cursor: 0, history: []),
        Session(
            name: "a blank line submits nothing and is cleared",
            keys: typing("   "), submitted: [], text: "", cursor: 0, history: []),
        Session(
            name: "consecutive duplicates are recorded once",
            keys: typing("a", "a", "b", "a"), submitted: ["a", "a", "b", "a"], text: "", cursor: 0,
            history: ["a", "b", "a"]),
        Session(
            name: "up recalls the newest line with the cursor at its end",
            keys: typing("one", "two") + [.historyPrevious], submitted: ["one", "two"], text: "two", cursor: 3,
            history: ["one", "two"]),
        Session(
            name: "up stops at the oldest line",
            keys: typing("one", "two") + [.historyPrevious, .historyPrevious, .historyPrevious],
            submitted: ["one", "two"], text: "one", cursor: 3, history: ["one", "two"]),
        Session(
            name: "down after up returns to the draft as it was",
            keys: typing("one", "two") + [
                .insert("dr日本"), .left, .historyPrevious, .historyPrevious, .historyNext, .historyNext,
            ],
            submitted: ["one", "two"], text: "dr日本", cursor: 4, history: ["one", "two"]),
        Session(
            name: "down on the draft does nothing",
            keys: typing("one") + [.insert("x"), .historyNext], submitted: ["one"], text: "x", cursor: 1,
            history: ["one"]),
        Session(
            name: "up with no history does nothing",
            keys: [.insert("draft"), .historyPrevious], submitted: [], text: "draft", cursor: 5, history: []),
        Session(
            name: "an edited recalled line is kept while browsing",
            keys: typing("one", "two") + [.historyPrevious, .insert("!"), .historyPrevious, .historyNext],
            submitted: ["one", "two"], text: "two!", cursor: 4, history: ["one", "two"]),
        Session(
            name: "sending an edited recalled line appends it and restores the original",
            keys: typing("one", "two") + [.historyPrevious, .insert("!"), .enter, .historyPrevious, .historyPrevious],
            submitted: ["one", "two", "two!"], text: "two", cursor: 3, history: ["one", "two", "two!"]),
        Session(
            name: "a recalled line sent again unchanged is not duplicated",
            keys: typing("one", "two") + [.historyPrevious, .enter],
            submitted: ["one", "two", "two"], text: "", cursor: 0, history: ["one", "two"]),
        Session(
            name: "recalled emoji lines edit by cluster",
            keys: typing("hi 👨‍👩‍👧🇫🇷") + [.historyPrevious, .backspace, .left, .backspace],
            submitted: ["hi 👨‍👩‍👧🇫🇷"], text: "hi👨‍👩‍👧", cursor: 2, history: ["hi 👨‍👩‍👧🇫🇷"]),
    ])
    func session(_ session: Session) {
        var editor = InputEditor()
        var submitted: [String] = []
        for key in session.keys {
            if let line = editor.apply(key) { submitted.append(line) }
        }
        #expect(submitted == session.submitted)
        #expect(editor.text == session.text)
        #expect(editor.cursor == session.cursor)
        #expect(editor.history == session.history)
    }

    @Test(arguments: [1, 3, 500])
    func historyIsCapped(limit: Int) {
        var editor = InputEditor(historyLimit: limit)
        let lines = (1...(limit + 5)).map { "line \($0)" }
        for line in lines {
            _ = editor.apply(.insert(line))
            #expect(editor.apply(.enter) == line)
        }
        #expect(editor.history == Array(lines.suffix(limit)))
        for _ in 0...limit { _ = editor.apply(.historyPrevious) }
        #expect(editor.text == lines[5])
    }

    @Test func startsFromAGivenHistory() {
        var editor = InputEditor(history: ["a", "b", "c"], historyLimit: 2)
        #expect(editor.history == ["b", "c"])
        _ = editor.apply(.historyPrevious)
        #expect(editor.text == "c")
        #expect(editor.historyLimit == 2)
    }

    @Test(arguments: [
        ("abc", 10, "abc", 3),
        ("abc", -1, "abc", 0),
        ("日本語", 2, "日本語", 2),
        ("👨‍👩‍👧🇫🇷", 1, "👨‍👩‍👧🇫🇷", 1),
        ("a\nb\tc\u{1B}", 5, "a b c", 5),
    ])
    func replace(text: String, cursor: Int, expectedText: String, expectedCursor: Int) {
        var editor = InputEditor()
        _ = editor.apply(.insert("old"))
        editor.replace(text: text, cursor: cursor)
        #expect(editor.text == expectedText)
        #expect(editor.cursor == expectedCursor)
    }

    struct Window: Sendable, CustomTestStringConvertible {
        var text: String
        var cursor: Int
        var width: Int
        var visible: String
        var cursorColumn: Int
        var testDescription: String { "\(text.debugDescription) at \(cursor) in \(width)" }

        init(_ text: String, _ cursor: Int, _ width: Int, _ visible: String, _ cursorColumn: Int) {
            self.text = text
            self.cursor = cursor
            self.width = width
            self.visible = visible
            self.cursorColumn = cursorColumn
        }
    }

    private static let alphabet = "abcdefghijklmnopqrst"

    @Test(arguments: [
        Window("", 0, 5, "", 0),
        Window("hello", 5, 10, "hello", 5),
        Window("hello", 0, 10, "hello", 0),
        Window("abcdefghij", 9, 10, "abcdefghij", 9),
        Window("abcdefghij", 10, 10, "fghij", 5),
        Window(alphabet, 0, 10, "abcdefghij", 0),
        Window(alphabet, 4, 10, "abcdefghij", 4),
        Window(alphabet, 12, 10, "fghijklmno", 7),
        Window(alphabet, 14, 10, "fghijklmno", 9),
        Window(alphabet, 15, 10, "klmnopqrst", 5),
        Window(alphabet, 20, 10, "pqrst", 5),
        Window("日本語日本語日本語", 0, 10, "日本語日本", 0),
        Window("日本語日本語日本語", 4, 10, "日本語日本", 8),
        Window("日本語日本語日本語", 9, 10, "語日本語", 8),
        Window("日本語日本語", 3, 7, "語日本", 2),
        Window("日本語日本語", 6, 7, "語", 2),
        Window("ab日", 2, 3, "b日", 1),
        Window("👨‍👩‍👧👍🇫🇷❤️", 4, 6, "🇫🇷❤️", 4),
        Window("👨‍👩‍👧👍🇫🇷❤️", 0, 6, "👨‍👩‍👧👍🇫🇷", 0),
        Window(String(repeating: "e\u{301}", count: 12), 12, 10, String(repeating: "e\u{301}", count: 7), 7),
        Window("abc", 3, 1, "", 0),
        Window("abc", 1, 1, "b", 0),
        Window("abc", 1, 0, "", 0),
    ])
    func visibleWindow(_ window: Window) {
        let editor = Self.editor(window.text, cursor: window.cursor)
        let visible = editor.visibleWindow(width: window.width)
        #expect(visible.text == window.visible)
        #expect(visible.cursorColumn == window.cursorColumn)
    }

    /// Wherever the cursor is, it is on screen and the slice fits.
    @Test(arguments: [
        "The quick brown fox jumps over the lazy dog",
        "日本語のテキストと English words が混ざっている",
        "👨‍👩‍👧 family 🇫🇷🇩🇪 flags ❤️ and 👍🏽 e\u{301}e\u{301}",
    ])
    func visibleWindowAlwaysShowsTheCursor(text: String) {
        for width in 1...20 {
            for cursor in 0...text.count {
                let visible = Self.editor(text, cursor: cursor).visibleWindow(width: width)
                #expect(DisplayWidth.columns(of: visible.text) <= width)
                #expect((0..<width).contains(visible.cursorColumn))
                // An empty window is a substring too (Foundation's `contains` says otherwise, so test it apart).
                #expect(visible.text.isEmpty || text.contains(visible.text))
            }
        }
    }
}
