/// Breaks text into rows no wider than a number of terminal columns.
///
/// Rows break at spaces; the spaces at a break are dropped, spaces inside a row and at the start
/// of the text are kept. Text without spaces may also break on either side of a two-column
/// character (CJK ideographs, kana, Hangul, emoji), except before closing punctuation such as `。`
/// or after opening punctuation such as `「`. A word too wide for a whole row starts on a new row
/// and is broken between grapheme clusters. A wide character is never split; a row may therefore
/// end one column short.
///
/// Widths come from ``DisplayWidth``. Pass text through ``DisplayWidth/sanitized(_:)`` first;
/// newlines in the text start a new row.
public enum LineWrapper: Sendable {
    /// What stands in for a grapheme cluster wider than a whole row (only possible when a row is
    /// narrower than two columns): U+FFFD, one column.
    public static let placeholder: Character = "\u{FFFD}"

    /// Wraps text into rows of one width.
    ///
    /// - Parameters:
    ///   - text: The text to wrap.
    ///   - width: The columns of every row (at least 1 is used).
    /// - Returns: The rows, at least one (`[""]` for empty text), none wider than `width`.
    public static func wrap(_ text: String, width: Int) -> [String] {
        wrap(text, firstWidth: width, restWidth: width)
    }

    /// Wraps text into rows with a hanging indent: the first row has its own width.
    ///
    /// The message pane prints `HH:MM <name> ` before the first row and indents the others, so it
    /// passes the columns left after the prefix as `firstWidth`. When the first word does not fit
    /// in `firstWidth` but would fit in `restWidth`, the first row is left empty.
    ///
    /// - Parameters:
    ///   - text: The text to wrap.
    ///   - firstWidth: The columns of the first row (0 leaves it empty).
    ///   - restWidth: The columns of every other row (at least 1 is used).
    /// - Returns: The rows, at least one (`[""]` for empty text).
    public static func wrap(_ text: String, firstWidth: Int, restWidth: Int) -> [String] {
        // Fast path: printable ASCII that fits the first row is that row (no newline, nothing to break).
        if text.utf8.count <= firstWidth, text.utf8.allSatisfy({ $0 &- 0x20 < 0x5F }) { return [text] }
        var layout = Layout(firstWidth: max(0, firstWidth), restWidth: max(1, restWidth))
        var paragraphStart = text.startIndex
        for index in text.indices where text[index].isNewline {
            layout.addParagraph(text[paragraphStart..<index])
            paragraphStart = text.index(after: index)
        }
        layout.addParagraph(text[paragraphStart...])
        return layout.rows
    }

    // MARK: - Breaking rules

    /// Characters a row must not start with when the break would be inside a run of CJK text.
    private static let noBreakBefore: Set<Character> = [
        "、", "。", "，", "．", "・", "：", "；", "？", "！", "）", "］", "｝", "」", "』", "】", "〕", "〉",
        "》", "〙", "〗", "〟", "ー", "々", "〻", "ぁ", "ぃ", "ぅ", "ぇ", "ぉ", "っ", "ゃ", "ゅ", "ょ", "ゎ",
        "ァ", "ィ", "ゥ", "ェ", "ォ", "ッ", "ャ", "ュ", "ョ", "ヮ", "ヵ", "ヶ", "ゝ", "ゞ", "ヽ", "ヾ", "…",
        "‥", "｡", "｣", "､", "･", "ｰ", ".", ",", "!", "?", ")", "]", "}", ":", ";", "\u{201D}", "\u{2019}",
    ]

    /// Characters a row must not end with when the break would be inside a run of CJK text.
    private static let noBreakAfter: Set<Character> = [
        "（", "［", "｛", "「", "『", "【", "〔", "〈", "《", "〘", "〖", "〝", "｢", "(", "[", "{",
        "\u{201C}", "\u{2018}",
    ]

    /// Whether a row may break between two adjacent non-space clusters.
    private static func mayBreak(between left: Cluster, and right: Cluster) -> Bool {
        if left.character == "\u{200B}" { return true }  // ZERO WIDTH SPACE is an explicit break opportunity
        guard left.columns == 2 || right.columns == 2 else { return false }
        return !noBreakBefore.contains(right.character) && !noBreakAfter.contains(left.character)
    }

    // MARK: - Layout

    private struct Cluster {
        var character: Character
        var columns: Int
    }

    /// A piece of text between two break opportunities: what must stay together, then the spaces
    /// that may be dropped at a break.
    private struct Unit {
        var content: [Cluster] = []
        var spaces = 0

        var contentColumns: Int { content.reduce(0) { $0 + $1.columns } }
    }

    private static func units(of paragraph: Substring) -> [Unit] {
        var units: [Unit] = []
        var current = Unit()
        var clusters = paragraph.makeIterator()
        var next = clusters.next()
        // Leading spaces are text: kept, as a unit of their own.
        while next == " " {
            current.content.append(Cluster(character: " ", columns: 1))
            next = clusters.next()
        }
        if !current.content.isEmpty {
            units.append(current)
            current = Unit()
        }
        while let character = next {
            next = clusters.next()
            if character == " " {
                current.spaces += 1
                continue
            }
            let cluster = Cluster(character: character, columns: DisplayWidth.columns(of: character))
            if current.spaces > 0 {
                units.append(current)
                current = Unit()
            } else if let last = current.content.last, mayBreak(between: last, and: cluster) {
                units.append(current)
                current = Unit()
            }
            current.content.append(cluster)
        }
        if !current.content.isEmpty || current.spaces > 0 { units.append(current) }
        return units
    }

    private struct Layout {
        let firstWidth: Int
        let restWidth: Int
        var rows: [String] = []
        var row = ""
        var rowColumns = 0
        var rowHasContent = false

        init(firstWidth: Int, restWidth: Int) {
            self.firstWidth = firstWidth
            self.restWidth = restWidth
        }

        var isFirstRow: Bool { rows.isEmpty }
        var limit: Int { isFirstRow ? firstWidth : restWidth }

        mutating func addParagraph(_ paragraph: Substring) {
            var pendingSpaces = 0
            for unit in LineWrapper.units(of: paragraph) {
                place(unit, after: pendingSpaces)
                pendingSpaces = unit.spaces
            }
            // Trailing spaces of the text are kept as far as they fit.
            let room = min(pendingSpaces, limit - rowColumns)
            if room > 0 { append(Cluster(character: " ", columns: 1), count: room) }
            finishRow()
        }

        private mutating func place(_ unit: Unit, after pendingSpaces: Int) {
            let columns = unit.contentColumns
            if rowHasContent {
                if rowColumns + pendingSpaces + columns <= limit {
                    append(Cluster(character: " ", columns: 1), count: pendingSpaces)
                    append(unit.content)
                    return
                }
                finishRow()
            }
            if columns <= limit {
                append(unit.content)
            } else if isFirstRow && columns <= restWidth {
                finishRow()
                append(unit.content)
            } else {
                hardBreak(unit.content)
            }
        }

        /// Places clusters one by one, starting new rows as they fill.
        private mutating func hardBreak(_ clusters: [Cluster]) {
            for cluster in clusters {
                while true {
                    if rowColumns + cluster.columns <= limit {
                        append(cluster)
                        break
                    }
                    if rowHasContent || limit == 0 || (isFirstRow && cluster.columns <= restWidth) {
                        finishRow()
                        continue
                    }
                    // Wider than a whole row: only when rows are one column wide.
                    append(Cluster(character: LineWrapper.placeholder, columns: 1))
                    break
                }
            }
        }

        private mutating func append(_ clusters: [Cluster]) {
            for cluster in clusters { append(cluster) }
        }

        private mutating func append(_ cluster: Cluster, count: Int = 1) {
            guard count > 0 else { return }
            for _ in 0..<count { row.append(cluster.character) }
            rowColumns += cluster.columns * count
            rowHasContent = true
        }

        private mutating func finishRow() {
            rows.append(row)
            row = ""
            rowColumns = 0
            rowHasContent = false
        }
    }
}
