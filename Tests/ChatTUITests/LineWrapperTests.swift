import ChatTUI
import Testing

@Suite struct LineWrapperTests {
    struct Wrap: Sendable, CustomTestStringConvertible {
        var text: String
        var firstWidth: Int
        var restWidth: Int
        var rows: [String]
        var testDescription: String { "\(text.debugDescription) at \(firstWidth)/\(restWidth)" }

        init(_ text: String, _ width: Int, _ rows: [String]) {
            self.init(text, first: width, rest: width, rows)
        }

        init(_ text: String, first: Int, rest: Int, _ rows: [String]) {
            self.text = text
            self.firstWidth = first
            self.restWidth = rest
            self.rows = rows
        }
    }

    @Test(arguments: [
        Wrap("", 10, [""]),
        Wrap("hello world", 20, ["hello world"]),
        Wrap("hello world", 11, ["hello world"]),
        Wrap("hello world", 10, ["hello", "world"]),
        Wrap("hello world", 5, ["hello", "world"]),
        Wrap("the quick brown fox", 10, ["the quick", "brown fox"]),
        Wrap("the quick brown fox", 9, ["the quick", "brown fox"]),
        Wrap("the quick brown fox", 8, ["the", "quick", "brown", "fox"]),
        Wrap("a  b", 10, ["a  b"]),
        Wrap("hello   world", 7, ["hello", "world"]),
        Wrap("  indented text", 10, ["  indented", "text"]),
        Wrap("hello ", 10, ["hello "]),
        Wrap("hello     ", 7, ["hello  "]),
        Wrap("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        Wrap("hi abcdefghij", 4, ["hi", "abcd", "efgh", "ij"]),
        Wrap("see https://example.com/x", 10, ["see", "https://ex", "ample.com/", "x"]),
        Wrap("line one\nline two", 20, ["line one", "line two"]),
        Wrap("a\n\nb", 5, ["a", "", "b"]),
    ])
    func wrapsASCII(_ wrap: Wrap) {
        #expect(LineWrapper.wrap(wrap.text, width: wrap.firstWidth) == wrap.rows)
    }

    @Test(arguments: [
        Wrap("日本語テキスト", 6, ["日本語", "テキス", "ト"]),
        Wrap("日本語", 6, ["日本語"]),
        Wrap("日本語", 5, ["日本", "語"]),
        Wrap("日本語", 4, ["日本", "語"]),
        Wrap("日本語", 3, ["日", "本", "語"]),
        Wrap("日本語", 2, ["日", "本", "語"]),
        Wrap("日本語", 1, ["\u{FFFD}", "\u{FFFD}", "\u{FFFD}"]),
        Wrap("これは、テスト。", 4, ["これ", "は、", "テス", "ト。"]),
        Wrap("「日本」です", 4, ["「日", "本」", "です"]),
        Wrap("I like 日本語 a lot", 8, ["I like", "日本語 a", "lot"]),
        Wrap("ab日本", 3, ["ab", "日", "本"]),
        Wrap("한국어 텍스트", 7, ["한국어", "텍스트"]),
    ])
    func wrapsCJK(_ wrap: Wrap) {
        #expect(LineWrapper.wrap(wrap.text, width: wrap.firstWidth) == wrap.rows)
    }

    @Test(arguments: [
        Wrap("👍👍👍", 4, ["👍👍", "👍"]),
        Wrap("👍👍👍", 5, ["👍👍", "👍"]),
        Wrap("ok 👨‍👩‍👧 ok", 5, ["ok 👨‍👩‍👧", "ok"]),
        Wrap("ok 👨‍👩‍👧 ok", 4, ["ok", "👨‍👩‍👧", "ok"]),
        Wrap("ok 👨‍👩‍👧 ok", 3, ["ok", "👨‍👩‍👧", "ok"]),
        Wrap("🇫🇷🇫🇷🇫🇷", 5, ["🇫🇷🇫🇷", "🇫🇷"]),
        Wrap("I ❤️ it", 4, ["I ❤️", "it"]),
        Wrap("e\u{301}e\u{301}e\u{301}e\u{301}", 3, ["e\u{301}e\u{301}e\u{301}", "e\u{301}"]),
        Wrap("cafe\u{301} au lait", 7, ["cafe\u{301} au", "lait"]),
        Wrap("zero\u{200B}width", 6, ["zero\u{200B}", "width"]),
    ])
    func wrapsEmojiAndCombiningMarks(_ wrap: Wrap) {
        #expect(LineWrapper.wrap(wrap.text, width: wrap.firstWidth) == wrap.rows)
    }

    @Test(arguments: [
        Wrap("hello world again", first: 6, rest: 11, ["hello", "world again"]),
        Wrap("hello world", first: 3, rest: 10, ["", "hello", "world"]),
        Wrap("abcdefghijklmnop", first: 3, rest: 5, ["abc", "defgh", "ijklm", "nop"]),
        Wrap("日本語", first: 1, rest: 4, ["", "日本", "語"]),
        Wrap("日本語", first: 3, rest: 4, ["日", "本語"]),
        Wrap("hi", first: 0, rest: 5, ["", "hi"]),
        Wrap("", first: 0, rest: 5, [""]),
        Wrap("one two three four", first: 4, rest: 9, ["one", "two three", "four"]),
        Wrap("first\nsecond line", first: 5, rest: 6, ["first", "second", "line"]),
    ])
    func wrapsWithHangingIndent(_ wrap: Wrap) {
        #expect(LineWrapper.wrap(wrap.text, firstWidth: wrap.firstWidth, restWidth: wrap.restWidth) == wrap.rows)
    }

    /// No row is ever wider than its width, and only the spaces at breaks go missing.
    @Test(arguments: [
        "The quick brown fox jumps over the lazy dog",
        "日本語のテキストと English words、混ざっている。",
        "👨‍👩‍👧 family 🇫🇷🇩🇪 flags ❤️ and 👍🏽 skin e\u{301}e\u{301} marks",
        "averyveryverylongwordwithoutanyspacesatall and short",
    ])
    func neverExceedsTheWidth(text: String) {
        for width in 2...16 {
            let rows = LineWrapper.wrap(text, firstWidth: width - 1, restWidth: width)
            for (index, row) in rows.enumerated() {
                #expect(DisplayWidth.columns(of: row) <= (index == 0 ? width - 1 : width), "\(row) at \(width)")
            }
            #expect(rows.joined().filter { $0 != " " } == text.filter { $0 != " " }, "at \(width)")
        }
    }

    /// Printable ASCII that fits the first row takes a fast path: the row is the text, spaces and all.
    @Test func asciiThatFitsTheFirstRowIsThatRow() {
        #expect(LineWrapper.wrap("hello world", firstWidth: 11, restWidth: 20) == ["hello world"])
        #expect(LineWrapper.wrap("hello world", firstWidth: 10, restWidth: 20) == ["hello", "world"])
        #expect(LineWrapper.wrap("  lead", firstWidth: 6, restWidth: 20) == ["  lead"])
        #expect(LineWrapper.wrap("trail  ", firstWidth: 7, restWidth: 20) == ["trail  "])
        #expect(LineWrapper.wrap("", firstWidth: 0, restWidth: 20) == [""])
        #expect(LineWrapper.wrap("tab\there", firstWidth: 20, restWidth: 20) == LineWrapper.wrap("tab\there", width: 20))
    }
}
