import ChatClient

/// Where the message pane is scrolled to: following the newest line, or held at a row while new
/// lines arrive below it.
///
/// Positions are kept as a line's sequence number and a row within that line, so a held view does
/// not move when lines arrive or old lines fall off the scrollback, and survives a resize (the row
/// is clamped to the line's new height). Every operation renders only the lines it walks over.
struct PaneScroll: Equatable, Sendable {
    /// A screen row of the scrollback: row `row` of the line numbered `sequence`.
    struct Position: Hashable, Sendable {
        var sequence: Int
        var row: Int
    }

    /// The row shown at the bottom of the pane while scrolled up; `nil` while following the newest.
    private(set) var anchor: Position?
    /// The first line that arrived while scrolled up and has not been scrolled past yet.
    private var firstUnseen = 0

    /// Creates a view that follows the newest line.
    init() {}

    /// Whether the pane follows the newest line.
    var isFollowing: Bool { anchor == nil }

    /// Goes back to following the newest line.
    mutating func scrollToBottom() {
        anchor = nil
    }

    /// What the pane shows.
    struct View: Equatable, Sendable {
        /// The rows, top first; fewer than the pane's height when the scrollback is short.
        var rows: [Row]
        /// Lines below the view that arrived while scrolled up; 0 while following.
        var unread: Int
    }

    /// The rows to show.
    ///
    /// - Parameters:
    ///   - lines: The scrollback.
    ///   - height: The pane's height.
    ///   - width: The pane's width.
    ///   - cache: Where rendered lines are kept between frames, if anywhere.
    /// - Returns: The rows and the unread count.
    func view(of lines: Scrollback<ChatLine>, height: Int, width: Int, cache: RowCache? = nil) -> View {
        guard height > 0,
            let bottom = clampedAnchor(lines, width: width, height: height, cache: cache)
                ?? Self.bottom(of: lines, width: width, cache: cache)
        else { return View(rows: [], unread: 0) }
        var rows: [Row] = []
        var sequence = bottom.sequence
        var lastRow = bottom.row
        while rows.count < height, sequence >= lines.firstSequence, let line = lines[sequence: sequence] {
            let lineRows = Self.rows(of: line, sequence: sequence, width: width, cache: cache)
            let upTo = min(lastRow, lineRows.count - 1)
            let take = min(upTo + 1, height - rows.count)
            rows.insert(contentsOf: lineRows[(upTo + 1 - take)...upTo], at: 0)
            sequence -= 1
            lastRow = Int.max
        }
        return View(rows: rows, unread: unread(in: lines))
    }

    /// Whether the view shows the oldest row of the scrollback (the first row of its first line), so
    /// that older lines would come next: the point where older history is asked for.
    ///
    /// - Parameters:
    ///   - lines: The scrollback.
    ///   - height: The pane's height.
    ///   - width: The pane's width.
    ///   - cache: Where rendered lines are kept between frames, if anywhere.
    func showsOldestRow(of lines: Scrollback<ChatLine>, height: Int, width: Int, cache: RowCache? = nil) -> Bool {
        guard height > 0,
            let bottom = clampedAnchor(lines, width: width, height: height, cache: cache)
                ?? Self.bottom(of: lines, width: width, cache: cache)
        else { return true }
        var rowsOf = RowCounter(lines: lines, width: width, cache: cache)
        // Rows from the top of the bottom line down to the bottom row, then whole lines above it.
        var rows = bottom.row + 1
        var sequence = bottom.sequence
        while rows < height && sequence > lines.firstSequence {
            sequence -= 1
            rows += rowsOf[sequence]
        }
        return sequence == lines.firstSequence && rows <= height
    }

    /// The lines below the view that arrived while scrolled up.
    func unread(in lines: Scrollback<ChatLine>) -> Int {
        guard let anchor, let last = lines.lastSequence else { return 0 }
        return max(0, last - max(anchor.sequence, firstUnseen - 1))
    }

    /// Scrolls towards older lines.
    ///
    /// - Parameters:
    ///   - count: Rows to move.
    ///   - lines: The scrollback.
    ///   - height: The pane's height: the view stops where the oldest row is at the top.
    ///   - width: The pane's width.
    ///   - cache: Where rendered lines are kept between frames, if anywhere.
    mutating func scrollUp(
        by count: Int, in lines: Scrollback<ChatLine>, height: Int, width: Int, cache: RowCache? = nil
    ) {
        guard count > 0, height > 0, let bottom = Self.bottom(of: lines, width: width, cache: cache) else { return }
        var position = clampedAnchor(lines, width: width, height: height, cache: cache) ?? bottom
        if anchor == nil { firstUnseen = lines.nextSequence }
        var left = count
        var rowsOf = RowCounter(lines: lines, width: width, cache: cache)
        // Move up, then make sure a full pane of rows lies above: the view never leaves the oldest row.
        while left > 0 {
            if position.row >= left {
                position.row -= left
                left = 0
            } else if position.sequence > lines.firstSequence {
                left -= position.row + 1
                position.sequence -= 1
                position.row = rowsOf[position.sequence] - 1
            } else {
                position.row = 0
                left = 0
            }
        }
        // Rows above the new position, counted only as far as a full pane needs.
        var above = position.row
        var sequence = position.sequence
        while above < height - 1 && sequence > lines.firstSequence {
            sequence -= 1
            above += rowsOf[sequence]
        }
        if above < height - 1 {
            // Past the top: hold the oldest row at the top of the pane, or follow when everything fits.
            guard let lowest = Self.position(rowsFromTop: height - 1, in: lines, rowsOf: &rowsOf) else {
                anchor = nil
                return
            }
            position = lowest
        }
        anchor = position == bottom ? nil : position
    }

    /// Scrolls towards newer lines; reaching the newest returns to following.
    ///
    /// - Parameters:
    ///   - count: Rows to move.
    ///   - lines: The scrollback.
    ///   - width: The pane's width.
    ///   - cache: Where rendered lines are kept between frames, if anywhere.
    mutating func scrollDown(by count: Int, in lines: Scrollback<ChatLine>, width: Int, cache: RowCache? = nil) {
        guard count > 0, var position = clampedAnchor(lines, width: width, cache: cache),
            let last = lines.lastSequence
        else {
            anchor = nil
            return
        }
        var rowsOf = RowCounter(lines: lines, width: width, cache: cache)
        var left = count
        while left > 0 {
            let below = rowsOf[position.sequence] - 1 - position.row
            if below >= left {
                position.row += left
                left = 0
            } else if position.sequence < last {
                left -= below + 1
                position.sequence += 1
                position.row = 0
            } else {
                anchor = nil
                return
            }
        }
        firstUnseen = max(firstUnseen, position.sequence + 1)
        anchor = position == Self.bottom(of: lines, width: width, cache: cache) ? nil : position
    }

    /// The anchor, moved onto a line still held and a row the line still has.
    ///
    /// When the anchored line has fallen off the scrollback, the view holds the oldest row at the top
    /// of the pane instead (given the pane's height).
    private func clampedAnchor(
        _ lines: Scrollback<ChatLine>, width: Int, height: Int? = nil, cache: RowCache?
    ) -> Position? {
        guard var position = anchor, let last = lines.lastSequence else { return nil }
        if position.sequence < lines.firstSequence {
            var rowsOf = RowCounter(lines: lines, width: width, cache: cache)
            guard let height, let top = Self.position(rowsFromTop: height - 1, in: lines, rowsOf: &rowsOf) else {
                return Position(sequence: lines.firstSequence, row: 0)
            }
            return top
        }
        if position.sequence > last { return nil }
        if let line = lines[sequence: position.sequence] {
            position.row = min(
                position.row, Self.rows(of: line, sequence: position.sequence, width: width, cache: cache).count - 1)
        }
        return position
    }

    /// The last row of the newest line.
    private static func bottom(of lines: Scrollback<ChatLine>, width: Int, cache: RowCache?) -> Position? {
        guard let last = lines.lastSequence, let line = lines[sequence: last] else { return nil }
        return Position(sequence: last, row: rows(of: line, sequence: last, width: width, cache: cache).count - 1)
    }

    /// A line's rows, from the cache when there is one.
    fileprivate static func rows(of line: ChatLine, sequence: Int, width: Int, cache: RowCache?) -> [Row] {
        cache?.rows(of: line, sequence: sequence, width: width) ?? MessageRenderer.rows(for: line, width: width)
    }

    /// The row `offset` rows below the oldest row, or `nil` when the scrollback has fewer rows.
    private static func position(
        rowsFromTop offset: Int, in lines: Scrollback<ChatLine>, rowsOf: inout RowCounter
    ) -> Position? {
        guard let last = lines.lastSequence else { return nil }
        var left = offset
        var sequence = lines.firstSequence
        while sequence <= last {
            let count = rowsOf[sequence]
            if left < count { return Position(sequence: sequence, row: left) }
            left -= count
            sequence += 1
        }
        return nil
    }
}

/// Counts the rows of scrollback lines at one width, remembering what it counted.
private struct RowCounter {
    let lines: Scrollback<ChatLine>
    let width: Int
    let cache: RowCache?
    private var counts: [Int: Int] = [:]

    init(lines: Scrollback<ChatLine>, width: Int, cache: RowCache?) {
        self.lines = lines
        self.width = width
        self.cache = cache
    }

    subscript(sequence: Int) -> Int {
        mutating get {
            if let count = counts[sequence] { return count }
            let count =
                lines[sequence: sequence].map {
                    PaneScroll.rows(of: $0, sequence: sequence, width: width, cache: cache).count
                } ?? 1
            counts[sequence] = count
            return count
        }
    }
}
