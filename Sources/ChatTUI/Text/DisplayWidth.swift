/// Terminal column widths of text, measured per grapheme cluster.
///
/// The widths are the ones a Unicode 15 era terminal draws: East Asian Wide and Fullwidth
/// characters and emoji with default emoji presentation take two columns; combining marks, format
/// characters (ZWJ, ZERO WIDTH SPACE), variation selectors and Hangul medial and final jamo none;
/// and these emoji sequences are one two-column glyph:
///
/// - an emoji followed by VARIATION SELECTOR-16, U+FE0F (`❤️`, `1️⃣`),
/// - a zero-width-joiner sequence that starts with an emoji (`👨‍👩‍👧`, `🏳️‍🌈`),
/// - an emoji modifier sequence (`👍🏽`),
/// - a pair of regional indicators (`🇫🇷`; a lone indicator is one column).
///
/// Any other cluster is the sum of its scalars' widths, which is what terminals do for Hangul jamo
/// sequences and spacing marks. The scalar table agrees with glibc 2.36 `wcwidth` on every code
/// point glibc knows, except U+1171E (a spacing mark since Unicode 15: one column) and the
/// regional indicators' pairing above; code points glibc does not know yet (Unicode 15 and 16
/// emoji and ideographs) follow Unicode.
///
/// Terminals disagree about some sequences. tmux 3.3a (glibc `wcwidth` per scalar, with what
/// follows a ZWJ drawn into the previous cell) draws `❤️`, `1️⃣`, `🏳️‍🌈` and `❤️‍🔥` in one column,
/// `👍🏽` and `👨🏽‍💻` in four, and Unicode 15 characters such as `🫨` in none. ncurses 6.4 keeps one
/// cell per spacing scalar, so it books `👨‍👩‍👧` as six columns. ``scalarColumns(of:)`` gives that
/// per-scalar sum so a renderer can spot the clusters it cannot place reliably.
///
/// Control characters measure zero: pass text through ``sanitized(_:)`` before drawing it.
public enum DisplayWidth: Sendable {
    /// The columns a terminal uses to draw one grapheme cluster.
    ///
    /// - Parameters:
    ///   - character: The grapheme cluster.
    /// - Returns: 0, 1 or 2 for ordinary clusters; the per-scalar sum for unusual clusters
    ///   (for example several spacing marks).
    public static func columns(of character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.count == 1 { return columns(of: first) }
        if let sequenceWidth = emojiSequenceColumns(scalars, first: first) { return sequenceWidth }
        return scalars.reduce(0) { $0 + columns(of: $1) }
    }

    /// The columns a terminal uses to draw a text.
    ///
    /// Lines are not treated specially: measure one line at a time.
    ///
    /// - Parameters:
    ///   - text: The text, measured one grapheme cluster at a time.
    /// - Returns: The sum of the clusters' widths.
    public static func columns(of text: some StringProtocol) -> Int {
        // Fast path: printable ASCII is one column a byte, and never joins a neighbour in a cluster.
        if let count = printableASCIICount(text) { return count }
        var total = 0
        for character in text { total += columns(of: character) }
        return total
    }

    /// The columns of a single scalar, as `wcwidth` gives them for a Unicode 15 era table.
    ///
    /// - Parameters:
    ///   - scalar: The scalar.
    /// - Returns: 0 for controls, combining marks, format characters and Hangul medial and final
    ///   jamo; 2 for East Asian Wide and Fullwidth characters and emoji with default emoji
    ///   presentation; 1 otherwise.
    public static func columns(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value >= 0x20 && value < 0x7F { return 1 }
        if value < 0x20 || (value >= 0x7F && value < 0xA0) { return 0 }
        if value >= 0x1160 && value <= 0x11FF { return 0 }  // Hangul medial vowels and final consonants
        if value >= 0xD7B0 && value <= 0xD7FF { return 0 }  // Hangul Jamo Extended-B, same roles
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .control:
            return 0
        case .format:
            // The soft hyphen and the prepended concatenation marks are drawn (glibc agrees).
            return visibleFormatCharacters.contains(value) ? 1 : 0
        default:
            break
        }
        if value < 0x1100 { return 1 }
        // A lone regional indicator is one column; a pair (a flag) is measured as a cluster.
        if isRegionalIndicator(scalar) { return 1 }
        if isWide(value) || scalar.properties.isEmojiPresentation { return 2 }
        return 1
    }

    /// The columns a per-scalar measurer books for a cluster, as ncurses 6.4 does when it adds up
    /// glibc `wcwidth` of each scalar.
    ///
    /// Where this differs from ``columns(of:)-(Character)``, terminals and ncurses disagree about
    /// the cluster; a renderer that must not smear can draw such a cluster some other way.
    ///
    /// - Parameters:
    ///   - character: The grapheme cluster.
    /// - Returns: The sum of ``columns(of:)-(Unicode.Scalar)`` over the cluster's scalars.
    public static func scalarColumns(of character: Character) -> Int {
        character.unicodeScalars.reduce(0) { $0 + columns(of: $1) }
    }

    /// The text with everything that must never reach a terminal made visible.
    ///
    /// - TAB becomes one space.
    /// - Other C0 controls and DEL become caret notation: `ESC` is `^[`, `BEL` is `^G`, `DEL` is `^?`
    ///   (two columns each).
    /// - C1 controls (U+0080...U+009F) and the line and paragraph separators (U+2028, U+2029) become
    ///   U+FFFD REPLACEMENT CHARACTER.
    ///
    /// Everything else, U+FFFD included, is kept.
    ///
    /// - Parameters:
    ///   - text: Text from the network or the keyboard.
    /// - Returns: Text safe to hand to the terminal.
    public static func sanitized(_ text: some StringProtocol) -> String {
        // Fast paths: most chat lines need no change.
        if printableASCIICount(text) != nil || !text.unicodeScalars.contains(where: needsSanitizing) { return String(text) }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            switch value {
            case 0x09:
                result.append(" ")
            case 0x00..<0x20:
                result.append("^")
                result.append(Unicode.Scalar(UInt8(value + 0x40)))
            case 0x7F:
                result.append(contentsOf: "^?".unicodeScalars)
            case 0x80..<0xA0, 0x2028, 0x2029:
                result.append("\u{FFFD}")
            default:
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// The text cut to fit a number of columns, with an ellipsis where it was cut.
    ///
    /// The result is the text itself when it fits; otherwise the longest prefix of whole grapheme
    /// clusters that fits together with `ellipsis`. A wide character is never split, so the result
    /// may be one column narrower than `toColumns`. When not even the ellipsis fits, the result is
    /// the longest prefix of the text that fits, without an ellipsis.
    ///
    /// - Parameters:
    ///   - text: The text to fit.
    ///   - toColumns: The columns available.
    ///   - ellipsis: What marks the cut.
    /// - Returns: Text no wider than `toColumns` (empty when `toColumns` is 0 or less).
    public static func truncated(_ text: some StringProtocol, toColumns: Int, ellipsis: String = "…") -> String {
        guard toColumns > 0 else { return "" }
        let whole = prefix(text, columns: toColumns)
        if whole.text.endIndex == whole.text.base.endIndex { return String(text) }
        let ellipsisColumns = columns(of: ellipsis)
        guard ellipsisColumns <= toColumns else { return String(whole.text) }
        return String(prefix(text, columns: toColumns - ellipsisColumns).text) + ellipsis
    }

    /// The text truncated with an ellipsis and padded with spaces to exactly a number of columns.
    ///
    /// - Parameters:
    ///   - text: The text to fit.
    ///   - toColumns: The exact width of the result.
    ///   - ellipsis: What marks a cut.
    /// - Returns: Text exactly `toColumns` columns wide (empty when `toColumns` is 0 or less).
    public static func fitted(_ text: some StringProtocol, toColumns: Int, ellipsis: String = "…") -> String {
        let cut = truncated(text, toColumns: toColumns, ellipsis: ellipsis)
        let missing = toColumns - columns(of: cut)
        return missing > 0 ? cut + String(repeating: " ", count: missing) : cut
    }

    /// The longest prefix of whole grapheme clusters no wider than a number of columns.
    ///
    /// - Parameters:
    ///   - text: The text.
    ///   - columns: The columns available.
    /// - Returns: The prefix and its width (which may be less than `columns` when the next cluster
    ///   is wide).
    public static func prefix(_ text: some StringProtocol, columns: Int) -> (text: Substring, columns: Int) {
        let text = Substring(text)
        if let count = printableASCIICount(text) {
            let taken = max(0, min(count, columns))
            return (text[..<text.utf8.index(text.startIndex, offsetBy: taken)], taken)
        }
        var used = 0
        var end = text.startIndex
        while end < text.endIndex {
            let width = self.columns(of: text[end])
            if used + width > columns { break }
            used += width
            end = text.index(after: end)
        }
        return (text[text.startIndex..<end], used)
    }

    /// The longest suffix of whole grapheme clusters no wider than a number of columns.
    ///
    /// - Parameters:
    ///   - text: The text.
    ///   - columns: The columns available.
    /// - Returns: The suffix and its width.
    public static func suffix(_ text: some StringProtocol, columns: Int) -> (text: Substring, columns: Int) {
        let text = Substring(text)
        var used = 0
        var start = text.endIndex
        while start > text.startIndex {
            let previous = text.index(before: start)
            let width = self.columns(of: text[previous])
            if used + width > columns { break }
            used += width
            start = previous
        }
        return (text[start..<text.endIndex], used)
    }

    // MARK: - Tables

    /// Format characters (Cf) that terminals draw in one column rather than none.
    private static let visibleFormatCharacters: Set<UInt32> = [
        0x00AD, 0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2,
        0x110BD, 0x110CD,
    ]

    /// East Asian Wide (W) and Fullwidth (F) ranges other than emoji, which
    /// `Unicode.Scalar.Properties.isEmojiPresentation` covers. Sorted, non-overlapping.
    ///
    /// Where Unicode and glibc 2.36 differ, glibc wins, because ncurses and tmux on Linux measure with
    /// it: U+3248...U+324F (ambiguous) and U+4DC0...U+4DFF (Yijing hexagrams) are wide, the Tai Xuan
    /// Jing symbols (U+1D300...) narrow. Later additions glibc does not know yet (CJK strokes and
    /// ideographic description characters of Unicode 15.1 and 16, small kana U+1B132 and U+1B155) follow
    /// Unicode.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F,  // Hangul Jamo initial consonants
        0x2329...0x232A,  // angle brackets
        0x2E80...0x2E99, 0x2E9B...0x2EF3,  // CJK Radicals Supplement
        0x2F00...0x2FD5,  // Kangxi Radicals
        0x2FF0...0x2FFF,  // Ideographic Description Characters
        0x3000...0x303E,  // CJK Symbols and Punctuation (U+303F is narrow)
        0x3041...0x3096, 0x3099...0x30FF,  // Hiragana, Katakana
        0x3105...0x312F, 0x3131...0x318E,  // Bopomofo, Hangul Compatibility Jamo
        0x3190...0x31E5, 0x31EF...0x321E,  // Kanbun, Bopomofo Extended, CJK Strokes, Katakana ext.
        0x3220...0xA48C,  // enclosed CJK, CJK Ext. A, Yijing, CJK Unified Ideographs, Yi syllables
        0xA490...0xA4C6,  // Yi radicals
        0xA960...0xA97C,  // Hangul Jamo Extended-A
        0xAC00...0xD7A3,  // Hangul syllables
        0xF900...0xFAFF,  // CJK Compatibility Ideographs
        0xFE10...0xFE19,  // vertical forms
        0xFE30...0xFE52, 0xFE54...0xFE66, 0xFE68...0xFE6B,  // CJK compatibility and small forms
        0xFF01...0xFF60,  // fullwidth forms
        0xFFE0...0xFFE6,  // fullwidth signs
        0x16FE0...0x16FE4, 0x16FF0...0x16FF1,  // ideographic symbols
        0x17000...0x187F7, 0x18800...0x18CD5, 0x18D00...0x18D08,  // Tangut, Khitan
        0x1AFF0...0x1AFF3, 0x1AFF5...0x1AFFB, 0x1AFFD...0x1AFFE,  // Kana Extended-B
        0x1B000...0x1B122, 0x1B132...0x1B132,  // Kana Supplement, Kana Extended-A
        0x1B150...0x1B152, 0x1B155...0x1B155, 0x1B164...0x1B167,  // small kana
        0x1B170...0x1B2FB,  // Nushu
        0x1F200...0x1F202, 0x1F210...0x1F23B, 0x1F240...0x1F248,  // enclosed ideographs
        0x1F250...0x1F251, 0x1F260...0x1F265,
        0x20000...0x2FFFD, 0x30000...0x3FFFD,  // CJK Extensions B-I and the rest of planes 2 and 3
    ]

    /// The byte count of text made only of printable ASCII (U+0020-U+007E), or `nil` for any other text.
    private static func printableASCIICount(_ text: some StringProtocol) -> Int? {
        let utf8 = text.utf8
        if let count = utf8.withContiguousStorageIfAvailable({ bytes in
            bytes.allSatisfy { $0 &- 0x20 < 0x5F } ? bytes.count : -1
        }) {
            return count < 0 ? nil : count
        }
        var count = 0
        for byte in utf8 {
            guard byte &- 0x20 < 0x5F else { return nil }
            count += 1
        }
        return count
    }

    private static func isWide(_ value: UInt32) -> Bool {
        var low = 0
        var high = wideRanges.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let range = wideRanges[middle]
            if value < range.lowerBound {
                high = middle - 1
            } else if value > range.upperBound {
                low = middle + 1
            } else {
                return true
            }
        }
        return false
    }

    private static func isRegionalIndicator(_ scalar: Unicode.Scalar) -> Bool {
        (0x1F1E6...0x1F1FF).contains(scalar.value)
    }

    /// The width of a multi-scalar emoji cluster, or `nil` when the cluster is no emoji sequence.
    private static func emojiSequenceColumns(
        _ scalars: Character.UnicodeScalarView,
        first: Unicode.Scalar
    ) -> Int? {
        if isRegionalIndicator(first) {
            let second = scalars.dropFirst().first
            return second.map(isRegionalIndicator) == true ? 2 : nil
        }
        guard first.properties.isEmoji else { return nil }
        for scalar in scalars.dropFirst() {
            switch scalar.value {
            case 0xFE0F, 0x200D:
                return 2
            case 0x1F3FB...0x1F3FF where first.properties.isEmojiModifierBase:
                return 2
            default:
                continue
            }
        }
        return nil
    }

    private static func needsSanitizing(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (value >= 0x7F && value < 0xA0) || value == 0x2028 || value == 0x2029
    }
}
