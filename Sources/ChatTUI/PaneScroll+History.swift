import ChatClient

/// Scrolling up into the history (v1.1): at the top of the scrollback, older messages are asked for.
extension PaneScroll {
    /// Scrolls towards older lines; when the view then shows the oldest row, does what the top calls
    /// for (asks for older messages, or notes that there are none) and brings the note that went on top
    /// into view, moving the lines on screen down by its rows. The answer goes above the note's place
    /// without moving the view.
    ///
    /// - Parameters:
    ///   - count: Rows to move.
    ///   - state: The chat state, whose scrollback is shown.
    ///   - height: The pane's height.
    ///   - width: The pane's width.
    ///   - cache: Where rendered lines are kept between frames, if anywhere.
    ///   - reachedTop: What the top calls for
    ///     (``ChatConnection/reachedTopOfHistory(count:state:at:)``); returns whether a note went on top.
    mutating func scrollUp(
        by count: Int, state: inout ChatState, height: Int, width: Int, cache: RowCache? = nil,
        reachedTop: (inout ChatState) -> Bool
    ) {
        scrollUp(by: count, in: state.lines, height: height, width: width, cache: cache)
        guard height > 0, showsOldestRow(of: state.lines, height: height, width: width, cache: cache),
            reachedTop(&state), let top = state.lines.first
        else { return }
        let rows =
            cache?.rows(of: top, sequence: state.lines.firstSequence, width: width)
            ?? MessageRenderer.rows(for: top, width: width)
        scrollUp(by: rows.count, in: state.lines, height: height, width: width, cache: cache)
    }
}
