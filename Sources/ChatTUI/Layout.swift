/// A rectangle of the screen, in rows and columns from the top-left corner.
struct Rect: Hashable, Sendable {
    var row: Int
    var column: Int
    var height: Int
    var width: Int
}

/// Where each part of the screen goes for a terminal size: a pure function, tested at many sizes.
///
/// ```
/// +--------------------------------+-------------------+
/// | message pane                   | sidebar (20 cols) |
/// |                                |                   |
/// +--------------------------------+-------------------+
/// | status line                                        |
/// | input line                                         |
/// +----------------------------------------------------+
/// ```
///
/// The sidebar and the column that separates it hide below ``sidebarMinimumColumns``; below
/// ``minimumColumns`` x ``minimumRows`` the screen shows only a note.
enum Layout: Hashable, Sendable {
    /// The screen is too small for the chat; a note says so.
    case tooSmall(rows: Int, columns: Int)
    /// The chat.
    case chat(Chat)

    /// The parts of the chat screen.
    struct Chat: Hashable, Sendable {
        /// The message pane.
        var messages: Rect
        /// The one-column line left of the sidebar, when the sidebar shows.
        var separator: Rect?
        /// The user list, when it shows.
        var sidebar: Rect?
        /// The status line.
        var status: Rect
        /// The input line.
        var input: Rect
    }

    /// The smallest screen that gets the chat layout.
    static let minimumColumns = 40
    /// The smallest screen that gets the chat layout.
    static let minimumRows = 10
    /// Narrower screens hide the sidebar.
    static let sidebarMinimumColumns = 60
    /// The sidebar's width, not counting its separator.
    static let sidebarWidth = 20

    /// The layout for a screen size.
    ///
    /// - Parameters:
    ///   - rows: The terminal's rows.
    ///   - columns: The terminal's columns.
    /// - Returns: Where everything goes.
    static func compute(rows: Int, columns: Int) -> Layout {
        guard rows >= minimumRows && columns >= minimumColumns else { return .tooSmall(rows: rows, columns: columns) }
        let paneHeight = rows - 2
        let status = Rect(row: rows - 2, column: 0, height: 1, width: columns)
        let input = Rect(row: rows - 1, column: 0, height: 1, width: columns)
        guard columns >= sidebarMinimumColumns else {
            return .chat(
                Chat(
                    messages: Rect(row: 0, column: 0, height: paneHeight, width: columns),
                    separator: nil, sidebar: nil, status: status, input: input))
        }
        let paneWidth = columns - sidebarWidth - 1
        return .chat(
            Chat(
                messages: Rect(row: 0, column: 0, height: paneHeight, width: paneWidth),
                separator: Rect(row: 0, column: paneWidth, height: paneHeight, width: 1),
                sidebar: Rect(row: 0, column: paneWidth + 1, height: paneHeight, width: sidebarWidth),
                status: status, input: input))
    }
}
