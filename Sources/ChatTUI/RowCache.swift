import ChatClient

/// The rows of scrollback lines at one pane width, each line rendered once and kept while it is
/// still asked for.
///
/// A line never changes once it is in the scrollback and its sequence number is never reused, so
/// the sequence number is the key. The UI thread asks for every row it draws through here; after
/// each frame ``sweep()`` forgets the lines that frame did not show, so the cache holds about one
/// pane of lines, however long the scrollback.
final class RowCache {
    private var width = -1
    private var entries: [Int: [Row]] = [:]
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
        if let rows = entries[sequence] { return rows }
        let rows = MessageRenderer.rows(for: line, width: width)
        entries[sequence] = rows
        renders += 1
        return rows
    }

    /// Forgets every line not asked for since the last sweep.
    func sweep() {
        if entries.count > shown.count { entries = entries.filter { shown.contains($0.key) } }
        shown.removeAll(keepingCapacity: true)
    }
}
