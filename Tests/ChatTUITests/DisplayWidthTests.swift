import ChatTUI
import Testing

@Suite struct DisplayWidthTests {
    struct Width: Sendable, CustomTestStringConvertible {
        var text: String
        var columns: Int
        var note: String
        var testDescription: String { "\(note) → \(columns)" }

        init(_ text: String, _ columns: Int, _ note: String) {
            self.text = text
            self.columns = columns
            self.note = note
        }
    }

    @Test(arguments: [
        Width("a", 1, "ASCII letter"),
        Width("é", 1, "precomposed é"),
        Width("e\u{301}", 1, "e + combining acute"),
        Width("\u{301}", 0, "lone combining acute"),
        Width("\u{20DD}", 0, "enclosing circle"),
        Width("日", 2, "CJK ideograph"),
        Width("한", 2, "Hangul syllable"),
        Width("\u{1112}\u{1161}\u{11AB}", 2, "Hangul jamo L V T"),
        Width("あ", 2, "hiragana"),
        Width("ｱ", 1, "halfwidth katakana"),
        Width("Ａ", 2, "fullwidth A"),
        Width("\u{3000}", 2, "ideographic space"),
        Width("\u{303F}", 1, "half fill space"),
        Width("👍", 2, "emoji presentation"),
        Width("❤", 1, "heart, text presentation by default"),
        Width("❤️", 2, "heart + VS16"),
        Width("☺️", 2, "smiley + VS16"),
        Width("1️⃣", 2, "keycap"),
        Width("⌚", 2, "watch, wide"),
        Width("⌚︎", 2, "watch + VS15 stays wide"),
        Width("a\u{FE0F}", 1, "VS16 after a non-emoji"),
        Width("👨‍👩‍👧", 2, "ZWJ family"),
        Width("👩‍💻", 2, "ZWJ profession"),
        Width("🏳️‍🌈", 2, "rainbow flag"),
        Width("❤️‍🔥", 2, "heart on fire"),
        Width("🇫🇷", 2, "flag pair"),
        Width("🇫", 1, "lone regional indicator"),
        Width("👍🏽", 2, "emoji modifier sequence"),
        Width("🏽", 2, "lone skin tone"),
        Width("🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}", 2, "tag sequence flag"),
        Width("🫨", 2, "Unicode 15 emoji"),
        Width("\u{200B}", 0, "zero width space"),
        Width("\u{200D}", 0, "lone ZWJ"),
        Width("\u{FE0F}", 0, "lone VS16"),
        Width("\u{AD}", 1, "soft hyphen"),
        Width("\u{1B}", 0, "ESC"),
        Width("\u{7F}", 0, "DEL"),
        Width("\u{85}", 0, "C1 NEL"),
        Width("\r\n", 0, "CR LF cluster"),
        Width("\u{E000}", 1, "private use"),
        Width("कि", 2, "Devanagari ka + spacing vowel sign"),
    ])
    func columnsOfCharacter(_ width: Width) throws {
        let character = try #require(width.text.count == 1 ? width.text.first : nil)
        #expect(DisplayWidth.columns(of: character) == width.columns)
    }

    @Test(arguments: [
        Width("", 0, "empty"),
        Width("hello", 5, "ASCII"),
        Width("日本語", 6, "CJK"),
        Width("he\u{301}llo", 5, "combining inside a word"),
        Width("a👨‍👩‍👧b", 4, "ZWJ family between letters"),
        Width("🇫🇷🇩🇪", 4, "two flags"),
        Width("🇫🇷🇩", 3, "flag then a lone indicator"),
        Width("ok 👍❤️", 7, "mixed"),
        Width("ｶﾀｶﾅ", 4, "halfwidth katakana"),
    ])
    func columnsOfText(_ width: Width) {
        #expect(DisplayWidth.columns(of: width.text) == width.columns)
        #expect(DisplayWidth.columns(of: width.text[...]) == width.columns)
    }

    @Test(arguments: [
        Width("a", 1, "ASCII"),
        Width("e\u{301}", 1, "combining"),
        Width("❤️", 1, "VS16 adds nothing per scalar"),
        Width("👨‍👩‍👧", 6, "ZWJ family is three wide scalars"),
        Width("🇫🇷", 2, "two one-column indicators"),
        Width("👍🏽", 4, "emoji and wide modifier"),
        Width("🏳️‍🌈", 3, "narrow flag + rainbow"),
    ])
    func scalarColumnsAddUpEachScalar(_ width: Width) throws {
        let character = try #require(width.text.count == 1 ? width.text.first : nil)
        #expect(DisplayWidth.scalarColumns(of: character) == width.columns)
    }

    /// The edges of the range table, checked against glibc 2.36 `wcwidth` (and Unicode where glibc
    /// lags).
    @Test(arguments: [
        (0x0020, 1), (0x007E, 1), (0x00A0, 1), (0x0300, 0), (0x036F, 0), (0x0370, 1),
        (0x0600, 1), (0x061C, 0), (0x10FF, 1),
        (0x1100, 2), (0x115F, 2), (0x1160, 0), (0x11FF, 0), (0x1200, 1),
        (0x200B, 0), (0x200F, 0), (0x2028, 1), (0x202E, 0), (0x2060, 0),
        (0x2328, 1), (0x2329, 2), (0x232A, 2), (0x232B, 1),
        (0x2E7F, 1), (0x2E80, 2), (0x2E9A, 1), (0x2E9B, 2),
        (0x3000, 2), (0x302A, 0), (0x303E, 2), (0x303F, 1), (0x3041, 2), (0x3099, 0), (0x309B, 2),
        (0x3248, 2), (0x4DC0, 2), (0x4E00, 2), (0x9FFF, 2), (0xA48C, 2), (0xA4C6, 2), (0xA4D0, 1),
        (0xA960, 2), (0xA97C, 2), (0xA97D, 1), (0xAC00, 2), (0xD7A3, 2), (0xD7A4, 1), (0xD7B0, 0),
        (0xF8FF, 1), (0xF900, 2), (0xFAFF, 2), (0xFB00, 1), (0xFE0F, 0), (0xFE10, 2), (0xFE19, 2),
        (0xFE1A, 1), (0xFE30, 2), (0xFE53, 1), (0xFEFF, 0), (0xFF00, 1), (0xFF01, 2), (0xFF60, 2),
        (0xFF61, 1), (0xFFE0, 2), (0xFFE6, 2), (0xFFE7, 1), (0xFFFD, 1),
        (0x16FE0, 2), (0x17000, 2), (0x1B000, 2), (0x1B132, 2), (0x1D300, 1),
        (0x1F004, 2), (0x1F0CF, 2), (0x1F1E6, 1), (0x1F200, 2), (0x1F202, 2),
        (0x1F300, 2), (0x1F321, 1), (0x1F32D, 2), (0x1F3FB, 2), (0x1F64F, 2), (0x1F650, 1),
        (0x1F680, 2), (0x1F6DC, 2), (0x1F90C, 2), (0x1F9FF, 2), (0x1FA70, 2),
        (0x20000, 2), (0x2A6DF, 2), (0x2FFFD, 2), (0x30000, 2), (0x31350, 2), (0x3FFFD, 2),
        (0xE0001, 0), (0xE0100, 0), (0xE01EF, 0), (0xF0000, 1),
    ])
    func scalarTableEdges(value: UInt32, columns: Int) throws {
        let scalar = try #require(Unicode.Scalar(value))
        #expect(DisplayWidth.columns(of: scalar) == columns)
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("a\tb", "a b"),
        ("\u{1B}[31mred", "^[[31mred"),
        ("bell\u{7}", "bell^G"),
        ("nul\u{0}", "nul^@"),
        ("us\u{1F}", "us^_"),
        ("del\u{7F}", "del^?"),
        ("a\r\nb", "a^M^Jb"),
        ("c1\u{85}x", "c1\u{FFFD}x"),
        ("\u{9B}31m", "\u{FFFD}31m"),
        ("line\u{2028}para\u{2029}", "line\u{FFFD}para\u{FFFD}"),
        ("kept\u{FFFD}", "kept\u{FFFD}"),
        ("日本語 👨‍👩‍👧 🇫🇷 ❤️ e\u{301}", "日本語 👨‍👩‍👧 🇫🇷 ❤️ e\u{301}"),
        ("\u{200B}\u{200D}", "\u{200B}\u{200D}"),
    ])
    func sanitized(input: String, expected: String) {
        #expect(DisplayWidth.sanitized(input) == expected)
        #expect(DisplayWidth.sanitized(input[...]) == expected)
    }

    struct Cut: Sendable, CustomTestStringConvertible {
        var text: String
        var columns: Int
        var ellipsis: String
        var expected: String
        var testDescription: String { "\(text) in \(columns) with \(ellipsis)" }

        init(_ text: String, _ columns: Int, _ expected: String, ellipsis: String = "…") {
            self.text = text
            self.columns = columns
            self.ellipsis = ellipsis
            self.expected = expected
        }
    }

    @Test(arguments: [
        Cut("hello", 5, "hello"),
        Cut("hello", 10, "hello"),
        Cut("hello world", 8, "hello w…"),
        Cut("hello", 4, "hel…"),
        Cut("hello", 1, "…"),
        Cut("hello", 0, ""),
        Cut("hello", -3, ""),
        Cut("", 3, ""),
        Cut("日本語", 6, "日本語"),
        Cut("日本語", 5, "日本…"),
        Cut("日本語", 4, "日…"),
        Cut("日本語", 3, "日…"),
        Cut("日本語", 2, "…"),
        Cut("👨‍👩‍👧👍x", 4, "👨‍👩‍👧…"),
        Cut("🇫🇷🇩🇪🇮🇹", 5, "🇫🇷🇩🇪…"),
        Cut("❤️❤️❤️", 4, "❤️…"),
        Cut("e\u{301}e\u{301}e\u{301}", 2, "e\u{301}…"),
        Cut("e\u{301}e\u{301}e\u{301}", 3, "e\u{301}e\u{301}e\u{301}"),
        Cut("hello world", 8, "hello...", ellipsis: "..."),
        Cut("hello", 2, "he", ellipsis: "..."),
        Cut("日本語", 2, "日", ellipsis: "..."),
    ])
    func truncated(_ cut: Cut) {
        let result = DisplayWidth.truncated(cut.text, toColumns: cut.columns, ellipsis: cut.ellipsis)
        #expect(result == cut.expected)
        #expect(DisplayWidth.columns(of: result) <= max(0, cut.columns))
    }

    @Test(arguments: [
        ("bob", 5, "bob  "),
        ("alexandra", 5, "alex…"),
        ("日本語", 5, "日本…"),
        ("日本語", 4, "日… "),
        ("👍", 1, "…"),
        ("", 2, "  "),
        ("x", 0, ""),
    ])
    func fitted(text: String, columns: Int, expected: String) {
        #expect(DisplayWidth.fitted(text, toColumns: columns) == expected)
    }

    @Test(arguments: [
        ("hello", 3, "hel", 3),
        ("hello", 9, "hello", 5),
        ("abc", 0, "", 0),
        ("日本語", 3, "日", 2),
        ("日本語", 4, "日本", 4),
        ("a👍b", 2, "a", 1),
        ("👨‍👩‍👧x", 2, "👨‍👩‍👧", 2),
        ("e\u{301}x", 1, "e\u{301}", 1),
    ])
    func prefix(text: String, columns: Int, expected: String, expectedColumns: Int) {
        let result = DisplayWidth.prefix(text, columns: columns)
        #expect(result.text == expected[...])
        #expect(result.columns == expectedColumns)
    }

    @Test(arguments: [
        ("hello", 3, "llo", 3),
        ("abc", 0, "", 0),
        ("日本語", 3, "語", 2),
        ("x👨‍👩‍👧", 2, "👨‍👩‍👧", 2),
        ("🇫🇷🇩🇪", 3, "🇩🇪", 2),
    ])
    func suffix(text: String, columns: Int, expected: String, expectedColumns: Int) {
        let result = DisplayWidth.suffix(text, columns: columns)
        #expect(result.text == expected[...])
        #expect(result.columns == expectedColumns)
    }

    /// Printable ASCII takes a fast path; it must agree with measuring cluster by cluster.
    @Test func printableASCIIAgreesWithTheClusterByClusterWidths() {
        let printable = (0x20...0x7E).map { String(UnicodeScalar(UInt8($0))) }.joined()
        for text in [printable, "hello world", "", " ", "a~b", "x\u{7F}y", "tab\there", "café", "a\r\nb"] {
            let clusterSum = text.reduce(0) { $0 + DisplayWidth.columns(of: $1) }
            #expect(DisplayWidth.columns(of: text) == clusterSum, "\(text.debugDescription)")
            #expect(DisplayWidth.columns(of: text[...]) == clusterSum, "\(text.debugDescription)")
            for columns in [0, 1, 3, 200] {
                var used = 0
                let expected = text.prefix { character in
                    let width = DisplayWidth.columns(of: character)
                    guard used + width <= columns else { return false }
                    used += width
                    return true
                }
                let result = DisplayWidth.prefix(text, columns: columns)
                #expect(result.text == expected && result.columns == used, "\(text.debugDescription) in \(columns)")
            }
        }
        #expect(DisplayWidth.sanitized("plain ascii ~") == "plain ascii ~")
        #expect(DisplayWidth.sanitized("bell\u{7}") == "bell^G")
    }
}
