import ChatClient

/// The rows of scrollback lines at one pane width, each line rendered once and kept while it is
/// still asked for.
///
/// A line never changes once it is in the scrollback, so the sequence number is the key; the line is
/// kept beside its rows and compared on each request, because a number can pass to another line
/// (``Scrollback`` gives the number of a line taken back from the top, such as the note shown while
/// older messages load, to the newest of the lines prepended there). The comparison is cheap: the
/// strings of an unchanged line share their storage. The UI thread asks for every row it draws
/// through here; after each frame ``sweep()`` forgets the lines that frame did not show, so the cache
/// holds about one pane of lines, however long the scrollback.
final class RowCache {
    private struct Entry {
        var line: ChatLine
        var rows: [Row]
    }

    private var width = -1
    private var entries: [Int: Entry] = [:]
    private var shown: Set<Int> = []
    /// How many times a line was rendered (misses), for tests and profiling.
    private(set) var renders = 0

    /// Lines held.
    var count: Int { entries.count }

    /// Creates an empty cache.
    init() {}

    /// The rows of a line, rendered on the first request at this width.
    ///
    /// - Parameters:
    ///   - line: The line.
    ///   - sequence: Its sequence number in the scrollback.
    ///   - width: The pane's width; a new width starts the cache afresh.
    func rows(of line: ChatLine, sequence: Int, width: Int) -> [Row] {
        if width != self.width {
            entries.removeAll()
            self.width = width
        }
        shown.insert(sequence)
        if let entry = entries[sequence], entry.line == line { return entry.rows }
        let rows = MessageRenderer.rows(for: line, width: width)
        entries[sequence] = Entry(line: line, rows: rows)
        renders += 1
        return rows
    }

    /// Forgets every line not asked for since the last sweep.
    func sweep() {
        if entries.count > shown.count { entries = entries.filter { shown.contains($0.key) } }
        shown.removeAll(keepingCapacity: true)
    }
}
