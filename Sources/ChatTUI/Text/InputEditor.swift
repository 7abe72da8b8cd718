/// An editing action on the input line, decoded from a key by the key loop.
public enum EditorKey: Equatable, Sendable {
    /// Inserts text at the cursor: a typed character or a paste. Newlines and TAB become spaces,
    /// other control characters are dropped.
    case insert(String)
    /// Moves the cursor one grapheme cluster left (Left).
    case left
    /// Moves the cursor one grapheme cluster right (Right).
    case right
    /// Moves the cursor to the start of the line (Home, Ctrl-A).
    case home
    /// Moves the cursor to the end of the line (End, Ctrl-E).
    case end
    /// Deletes the grapheme cluster before the cursor (Backspace).
    case backspace
    /// Deletes the grapheme cluster under the cursor (Delete).
    case delete
    /// Deletes everything before the cursor (Ctrl-U).
    case killToStart
    /// Deletes everything from the cursor on (Ctrl-K).
    case killToEnd
    /// Deletes the spaces before the cursor and the word before them (Ctrl-W).
    case killWordBackward
    /// Moves to the start of the word before the cursor (Alt-B).
    case wordLeft
    /// Moves to the end of the word after the cursor (Alt-F).
    case wordRight
    /// Recalls the previous (older) history line (Up).
    case historyPrevious
    /// Recalls the next (newer) history line, and finally the draft (Down).
    case historyNext
    /// Submits the line (Enter).
    case enter
}

/// The input line: its text, the cursor and the history of sent lines.
///
/// The cursor is a grapheme-cluster index, `0...text.count`; every movement and deletion takes
/// whole clusters, so `é` written as `e` + U+0301, a flag or a ZWJ family moves and deletes as one.
/// Words, for Ctrl-W and Alt-B/Alt-F, are runs of clusters other than spaces.
///
/// History: Up recalls older lines and Down newer ones, and finally the line that was being typed
/// (the draft), exactly as it was left. Changes made to a recalled line are kept while moving
/// through the history and forgotten when a line is sent, as readline does. A sent line is added
/// unless it equals the newest one (or the caller keeps it out: ``enter(keepingInHistory:)``); the
/// oldest lines are dropped beyond ``historyLimit``.
public struct InputEditor: Equatable, Sendable {
    /// What a masked cluster shows (a password's characters).
    public static let mask: Character = "•"

    /// The line being edited.
    public private(set) var text: String
    /// The cursor, as a grapheme-cluster index into ``text`` (`0...text.count`).
    public private(set) var cursor: Int
    /// The sent lines, oldest first.
    public private(set) var history: [String]
    /// The most lines ``history`` keeps.
    public let historyLimit: Int

    /// Which line is shown: an index into ``history``, or `history.count` for the draft.
    private var historyPosition: Int
    /// Lines as last left while moving through the history, by position (the draft included).
    private var edits: [Int: String] = [:]

    /// Creates an empty input line.
    ///
    /// - Parameters:
    ///   - history: Earlier sent lines, oldest first (the newest `historyLimit` are kept).
    ///   - historyLimit: The most lines the history keeps (at least 1).
    public init(history: [String] = [], historyLimit: Int = 500) {
        self.historyLimit = max(1, historyLimit)
        self.history = Array(history.suffix(self.historyLimit))
        self.text = ""
        self.cursor = 0
        self.historyPosition = self.history.count
    }

    /// Whether the line is empty.
    public var isEmpty: Bool { text.isEmpty }

    /// Applies one editing action.
    ///
    /// - Parameters:
    ///   - key: The action.
    /// - Returns: The submitted line, exactly as typed, for ``EditorKey/enter`` on a line that is
    ///   not blank; `nil` otherwise. Submitting clears the line and adds it to the history; Enter
    ///   on a blank line (only spaces) clears it and submits nothing.
    public mutating func apply(_ key: EditorKey) -> String? {
        switch key {
        case .insert(let inserted):
            let clean = Self.insertable(inserted)
            if !clean.isEmpty { edit(cursor..<cursor, inserting: clean) }
        case .left:
            cursor = max(0, cursor - 1)
        case .right:
            cursor = min(text.count, cursor + 1)
        case .home:
            cursor = 0
        case .end:
            cursor = text.count
        case .backspace:
            if cursor > 0 { edit((cursor - 1)..<cursor) }
        case .delete:
            if cursor < text.count { edit(cursor..<(cursor + 1)) }
        case .killToStart:
            if cursor > 0 { edit(0..<cursor) }
        case .killToEnd:
            if cursor < text.count { edit(cursor..<text.count) }
        case .killWordBackward:
            let start = wordStart(before: cursor)
            if start < cursor { edit(start..<cursor) }
        case .wordLeft:
            cursor = wordStart(before: cursor)
        case .wordRight:
            cursor = wordEnd(after: cursor)
        case .historyPrevious:
            if historyPosition > 0 { recall(historyPosition - 1) }
        case .historyNext:
            if historyPosition < history.count { recall(historyPosition + 1) }
        case .enter:
            return submit(keepingInHistory: true)
        }
        return nil
    }

    /// Submits the line (Enter), adding it to the history only when asked to: a line that carries a
    /// password never goes there.
    ///
    /// - Parameter keep: Whether the line joins the history.
    /// - Returns: The submitted line, exactly as typed, or `nil` for a blank line (which is cleared).
    public mutating func enter(keepingInHistory keep: Bool) -> String? {
        submit(keepingInHistory: keep)
    }

    /// Replaces the whole line, for tab completion.
    ///
    /// - Parameters:
    ///   - text: The new line (newlines and TAB become spaces, other controls are dropped).
    ///   - cursor: The new cursor, as a grapheme-cluster index (clamped to `0...text.count`).
    public mutating func replace(text: String, cursor: Int) {
        self.text = Self.insertable(text)
        self.cursor = min(max(0, cursor), self.text.count)
    }

    /// The part of the line to show in a field of some columns, scrolled so the cursor is visible.
    ///
    /// The whole line is shown while it fits with the cursor after it. Otherwise the view moves
    /// in steps of half the field, so it does not shift on every key: when scrolled, at least half
    /// the field shows text before the cursor. A wide character is never split.
    ///
    /// - Parameters:
    ///   - width: The columns of the field.
    ///   - maskStart: The first cluster shown as ``mask`` (each cluster from there on is one `•`), or `nil`
    ///     to show the text as it is.
    /// - Returns: The visible text (no wider than `width`) and the cursor's column in it
    ///   (`0..<width`); `("", 0)` when `width` is 0 or less.
    public func visibleWindow(width: Int, maskingFrom maskStart: Int? = nil) -> (text: String, cursorColumn: Int) {
        guard width > 0 else { return ("", 0) }
        var characters = Array(text)
        if let maskStart {
            for index in max(0, maskStart)..<max(max(0, maskStart), characters.count) { characters[index] = Self.mask }
        }
        let columns = characters.map { DisplayWidth.columns(of: $0) }
        let cursorColumn = columns[..<cursor].reduce(0, +)
        let totalColumns = cursorColumn + columns[cursor...].reduce(0, +)

        // The cursor after the last character needs a cell of its own.
        let neededColumns = cursor == characters.count ? totalColumns + 1 : totalColumns
        let leftMargin: Int
        if neededColumns <= width {
            leftMargin = 0
        } else if width == 1 {
            leftMargin = cursorColumn
        } else {
            let step = width / 2
            leftMargin = max(0, (cursorColumn / step - 1) * step)
        }
        // Start at the first cluster at or after the margin, so a wide character is never cut.
        var start = 0
        var startColumn = 0
        while start < cursor && startColumn < leftMargin {
            startColumn += columns[start]
            start += 1
        }
        var end = start
        var used = 0
        while end < characters.count && used + columns[end] <= width {
            used += columns[end]
            end += 1
        }
        return (String(characters[start..<end]), cursorColumn - startColumn)
    }

    // MARK: - Editing

    /// Replaces a range of clusters and puts the cursor after the inserted text.
    private mutating func edit(_ range: Range<Int>, inserting inserted: String = "") {
        let lower = text.index(text.startIndex, offsetBy: range.lowerBound)
        let upper = text.index(lower, offsetBy: range.count)
        let head = String(text[..<lower]) + inserted
        let newText = head + String(text[upper...])
        // The edit may join clusters (a combining mark typed after a letter): the cursor goes after
        // the cluster that holds the end of the inserted text.
        let target = newText.utf8.index(newText.startIndex, offsetBy: head.utf8.count)
        var index = newText.startIndex
        var clusters = 0
        while index < target {
            index = newText.index(after: index)
            clusters += 1
        }
        text = newText
        cursor = clusters
    }

    /// Newlines and TAB become spaces; other controls never enter the line.
    private static func insertable(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D, 0x2028, 0x2029:
                result.append(" ")
            case 0x00..<0x20, 0x7F..<0xA0:
                continue
            default:
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// The start of the word before a position, past the spaces before it.
    private func wordStart(before position: Int) -> Int {
        let characters = Array(text)
        var start = position
        while start > 0 && characters[start - 1] == " " { start -= 1 }
        while start > 0 && characters[start - 1] != " " { start -= 1 }
        return start
    }

    /// The end of the word after a position, past the spaces before it.
    private func wordEnd(after position: Int) -> Int {
        let characters = Array(text)
        var end = position
        while end < characters.count && characters[end] == " " { end += 1 }
        while end < characters.count && characters[end] != " " { end += 1 }
        return end
    }

    // MARK: - History

    private mutating func recall(_ position: Int) {
        let shown = historyPosition < history.count ? history[historyPosition] : nil
        if text != shown { edits[historyPosition] = text } else { edits[historyPosition] = nil }
        historyPosition = position
        text = edits[position] ?? (position < history.count ? history[position] : "")
        cursor = text.count
    }

    private mutating func submit(keepingInHistory keep: Bool) -> String? {
        let line = text
        text = ""
        cursor = 0
        edits = [:]
        defer { historyPosition = history.count }
        guard line.contains(where: { $0 != " " }) else { return nil }
        if keep && history.last != line {
            history.append(line)
            if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
        }
        return line
    }
}
