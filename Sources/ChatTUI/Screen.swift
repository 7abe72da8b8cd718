/// One complete screen, ready to draw: a row of spans for every terminal row, and the cursor.
///
/// Built by ``ScreenComposer`` from the chat state without touching the terminal, so tests compare
/// exact screen rows.
struct Screen: Equatable, Sendable {
    /// Every terminal row, top first; each no wider than the screen.
    var rows: [Row]
    /// Where the cursor goes, or `nil` to hide it.
    var cursor: (row: Int, column: Int)?

    /// Creates a blank screen.
    ///
    /// - Parameter height: The terminal's rows.
    init(height: Int) {
        rows = Array(repeating: [], count: max(0, height))
        cursor = nil
    }

    static func == (lhs: Screen, rhs: Screen) -> Bool {
        lhs.rows == rhs.rows && lhs.cursor?.row == rhs.cursor?.row && lhs.cursor?.column == rhs.cursor?.column
    }

    /// Draws spans into a rectangle's row, starting at its left edge and cut at its right edge.
    ///
    /// - Parameters:
    ///   - spans: What to draw.
    ///   - rect: The rectangle.
    ///   - offset: The row inside the rectangle.
    ///   - fill: When set, pads the rest of the row with spaces in this style.
    mutating func put(_ spans: Row, in rect: Rect, row offset: Int, fill: Style? = nil) {
        let target = rect.row + offset
        guard offset >= 0, offset < rect.height, target >= 0, target < rows.count else { return }
        var row = rows[target]
        let used = row.columns
        if used < rect.column { row.append(Span(String(repeating: " ", count: rect.column - used))) }
        var content = MessageRenderer.fitted(spans, to: rect.width)
        if let fill {
            let missing = rect.width - content.columns
            if missing > 0 { content.append(Span(String(repeating: " ", count: missing), fill)) }
        }
        row.append(contentsOf: content)
        rows[target] = row
    }

    /// The text of every row, each padded with spaces to `width` columns: what a terminal shows.
    func text(width: Int) -> [String] {
        rows.map { row in
            let text = row.text
            return text + String(repeating: " ", count: max(0, width - row.columns))
        }
    }
}
