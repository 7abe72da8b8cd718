import CNcursesw
import Glibc

/// The terminal could not be set up.
public struct TerminalError: Error, CustomStringConvertible {
    public var description: String
}

/// The one owner of curses: sets the terminal up, draws ``Screen``s, reads keys, and restores the
/// terminal in ``end()``. Used from one thread only (the UI thread); nothing else calls curses.
///
/// ## Overlays
/// curses books one cell per spacing scalar (`wcwidth`), while terminals draw emoji sequences
/// (ZWJ sequences, flags, emoji with VS16 or a skin tone) as one glyph, and disagree among
/// themselves about its width. A cluster curses would book differently from ``DisplayWidth`` is
/// therefore drawn as blanks in curses' screen and written straight to the terminal after each
/// `doupdate` (an *overlay*), at the column the layout gave it. curses' idea of the screen stays
/// true to the layout, so it never shifts the rest of a row. When a terminal draws such a cluster
/// wider than the layout allowed, the cells it spilled over are written again right after it.
final class Terminal {
    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private let palette: Palette
    private var ended = false
    /// The overlays of the row being drawn.
    private var overlays: [Overlay] = []
    /// The overlays of every row, written again after each `doupdate`.
    private var rowOverlays: [[Overlay]] = []
    /// The rows the last frame drew (`nil`: to draw again), so an unchanged row is not handed to curses again.
    private var drawnRows: [Row?] = []
    private var cursor = (row: 0, column: 0)

    /// The terminal's size.
    private(set) var rows: Int
    private(set) var columns: Int

    /// A cluster written around curses, and what follows it for as many columns as it may spill.
    private struct Overlay {
        var row: Int
        var column: Int
        var text: String
        var attributes: Palette.Attributes
        /// Columns a per-scalar terminal may draw past the cluster's width.
        var spill: Int
        /// The clusters after it, to write again over a spill.
        var tail: [(column: Int, text: String, attributes: Palette.Attributes)] = []
        var tailColumns = 0
    }

    /// Takes over the terminal: full screen, raw keys, keypad and mouse wheel, bracketed paste.
    ///
    /// - Throws: ``TerminalError`` when the terminal cannot be used.
    init() throws(TerminalError) {
        setlocale(LC_ALL, "")
        CNcursesw_install_crash_guard()
        guard let screen = CNcursesw_newterm() else {
            CNcursesw_remove_crash_guard()
            let term = getenv("TERM").map { String(cString: $0) } ?? "unset"
            throw TerminalError(description: "cannot use the terminal (TERM=\(term))")
        }
        guard let window = CNcursesw_stdscr() else {
            endwin()
            CNcursesw_remove_crash_guard()
            throw TerminalError(description: "curses gave no screen")
        }
        self.screen = screen
        self.window = window
        raw()
        noecho()
        nonl()
        intrflush(window, false)
        keypad(window, true)
        nodelay(window, true)
        CNcursesw_set_escdelay(25)
        mousemask(CNcursesw_BUTTON4_PRESSED() | CNcursesw_BUTTON5_PRESSED(), nil)
        mouseinterval(0)
        palette = Palette()
        rows = Int(getmaxy(window))
        columns = Int(getmaxx(window))
        CNcursesw_write_raw("\u{1B}[?2004h")
    }

    /// Gives the terminal back as it was. Safe to call more than once.
    func end() {
        guard !ended else { return }
        ended = true
        CNcursesw_write_raw("\u{1B}[?2004l")
        endwin()
        delscreen(screen)
        CNcursesw_remove_crash_guard()
    }

    /// Reads the terminal's size from the kernel and resizes curses to it (after `SIGWINCH`).
    ///
    /// - Returns: Whether the size changed.
    @discardableResult
    func updateSize() -> Bool {
        var newRows: Int32 = 0
        var newColumns: Int32 = 0
        if CNcursesw_window_size(STDOUT_FILENO, &newRows, &newColumns) == 0
            || CNcursesw_window_size(STDIN_FILENO, &newRows, &newColumns) == 0,
            Int(newRows) != rows || Int(newColumns) != columns
        {
            resizeterm(newRows, newColumns)
        }
        let changed = Int(getmaxy(window)) != rows || Int(getmaxx(window)) != columns
        rows = Int(getmaxy(window))
        columns = Int(getmaxx(window))
        if changed { drawnRows.removeAll() }  // curses' idea of the screen was reshaped: draw every row again
        return changed
    }

    // MARK: Input

    /// Reads every key waiting, without blocking.
    func readKeys() -> [RawKey] {
        var keys: [RawKey] = []
        var code: wint_t = 0
        while true {
            let result = wget_wch(window, &code)
            if result == ERR { break }
            if result == KEY_CODE_YES {
                if let key = key(forCode: Int32(code)) { keys.append(.key(key)) }
            } else {
                keys.append(.character(UInt32(code)))
            }
        }
        return keys
    }

    private func key(forCode code: Int32) -> Key? {
        switch code {
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_ENTER: return .enter
        case KEY_RESIZE: return .resize
        case KEY_MOUSE:
            var event = MEVENT()
            guard getmouse(&event) == OK else { return nil }
            if event.bstate & CNcursesw_BUTTON4_PRESSED() != 0 { return .wheelUp }
            if event.bstate & CNcursesw_BUTTON5_PRESSED() != 0 { return .wheelDown }
            return nil
        default:
            // Modified arrows have no fixed codes; terminfo names them (kLFT5 is Ctrl-Left, kLFT3 Alt-Left).
            guard let name = keyname(code) else { return nil }
            switch String(cString: name) {
            case "kLFT3", "kLFT5": return .wordLeft
            case "kRIT3", "kRIT5": return .wordRight
            default: return nil
            }
        }
    }

    // MARK: Output

    /// Draws a frame. A row equal to the one the last frame drew is not handed to curses again, and
    /// curses sends the terminal only what changed.
    ///
    /// - Parameter frame: The whole screen.
    /// - Parameter clear: Clear the terminal and draw everything again (Ctrl-L).
    func draw(_ frame: Screen, clear: Bool = false) {
        if clear { clearok(window, true) }
        let normal = palette.attributes(for: .plain)
        let shown = Array(frame.rows.prefix(rows))
        if drawnRows.count != shown.count || clear {
            drawnRows = Array(repeating: nil, count: shown.count)
            rowOverlays = Array(repeating: [], count: shown.count)
        }
        for (row, spans) in shown.enumerated() where spans != drawnRows[row] {
            overlays.removeAll(keepingCapacity: true)
            wmove(window, Int32(row), 0)
            var column = 0
            for span in spans where column < columns {
                column = put(span, row: row, column: column)
            }
            finishTails(row: row, column: column, padding: normal)
            if column < columns {
                wattr_set(window, normal.attributes, normal.pair, nil)
                wclrtoeol(window)
            }
            drawnRows[row] = spans
            rowOverlays[row] = overlays
        }
        if let position = frame.cursor {
            curs_set(1)
            cursor = (position.row, position.column)
        } else {
            curs_set(0)
            cursor = (max(0, rows - 1), 0)
        }
        wmove(window, Int32(cursor.row), Int32(cursor.column))
        wnoutrefresh(window)
        doupdate()
        guard rowOverlays.contains(where: { !$0.isEmpty }) else { return }
        for overlay in rowOverlays.joined() {
            CNcursesw_overlay(
                Int32(overlay.row), Int32(overlay.column), overlay.text, overlay.attributes.attributes,
                overlay.attributes.pair)
            for cell in overlay.tail {
                CNcursesw_overlay(
                    Int32(overlay.row), Int32(cell.column), cell.text, cell.attributes.attributes, cell.attributes.pair)
            }
        }
        CNcursesw_overlay_end(Int32(cursor.row), Int32(cursor.column))
    }

    /// Draws one span from a column; returns the column after it.
    private func put(_ span: Span, row: Int, column start: Int) -> Int {
        let attributes = palette.attributes(for: span.style)
        wattr_set(window, attributes.attributes, attributes.pair, nil)
        if overlays.last.map({ $0.row != row || $0.tailColumns >= $0.spill }) ?? true,
            span.text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        {
            let count = min(span.text.utf8.count, columns - start)
            waddnstr(window, span.text, Int32(count))
            return start + count
        }
        var column = start
        var run = ""
        for character in span.text {
            let width = DisplayWidth.columns(of: character)
            guard width > 0 else { continue }  // nothing to draw, and nothing curses could place alone
            guard column + width <= columns else { break }
            recordTail(row: row, column: column, text: String(character), width: width, attributes: attributes)
            if Self.cursesBooks(character, as: width) {
                run.append(character)
            } else {
                if !run.isEmpty {
                    waddnstr(window, run, -1)
                    run = ""
                }
                let spill = max(0, DisplayWidth.scalarColumns(of: character) - width)
                overlays.append(
                    Overlay(row: row, column: column, text: String(character), attributes: attributes, spill: spill))
                waddnstr(window, String(repeating: " ", count: width), -1)
            }
            column += width
        }
        if !run.isEmpty { waddnstr(window, run, -1) }
        return column
    }

    /// Adds a drawn cluster to the tail of the last overlay on this row while that one may spill over it.
    private func recordTail(row: Int, column: Int, text: String, width: Int, attributes: Palette.Attributes) {
        guard var last = overlays.last, last.row == row, last.tailColumns < last.spill else { return }
        last.tail.append((column, text, attributes))
        last.tailColumns += width
        overlays[overlays.count - 1] = last
    }

    /// Pads the tail of the row's last overlay with blanks where the row ends before the spill does.
    private func finishTails(row: Int, column: Int, padding: Palette.Attributes) {
        guard var last = overlays.last, last.row == row, last.tailColumns < last.spill else { return }
        let blanks = min(last.spill - last.tailColumns, columns - column)
        if blanks > 0 { last.tail.append((column, String(repeating: " ", count: blanks), padding)) }
        last.tailColumns = last.spill
        overlays[overlays.count - 1] = last
    }

    /// Whether curses books a cluster at the width the layout gives it: its first scalar has that
    /// width, the rest are zero-width marks, and they fit in one curses cell.
    static func cursesBooks(_ character: Character, as width: Int) -> Bool {
        let scalars = character.unicodeScalars
        guard scalars.count <= 5, let first = scalars.first, wcwidth(wchar_t(bitPattern: first.value)) == Int32(width)
        else { return false }
        return scalars.dropFirst().allSatisfy { wcwidth(wchar_t(bitPattern: $0.value)) == 0 }
    }
}
