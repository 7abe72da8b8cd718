/// What a piece of the screen is, for colour: the drawing code maps each style to terminal
/// attributes (``Palette``), everything before it deals only in styles, so tests read them.
enum Style: Hashable, Sendable {
    /// Ordinary text.
    case plain
    /// The `HH:MM` before each line.
    case time
    /// Someone's name, in one of ``NameColor/count`` colours derived from the name.
    case name(Int)
    /// The user's own name in their own lines.
    case ownName
    /// The text of the user's own lines.
    case ownText
    /// The `-> bob:` / `<- bob:` marker of a direct message.
    case directMarker
    /// The text of a direct message.
    case directText
    /// The text of a line that mentions the user.
    case mention
    /// Joins, leaves and renames (dimmed).
    case membership
    /// Replies from the server (`USERS`, `HELP`, `PONG`, `WELCOME`, `BYE`).
    case info
    /// Errors.
    case error
    /// The client's own notes.
    case notice
    /// The status line.
    case status
    /// The `-- more below --` part of the status line.
    case moreBelow
    /// The sidebar's title.
    case sidebarTitle
    /// The user's own name in the sidebar.
    case sidebarOwn
    /// The line between the pane and the sidebar.
    case separator
    /// The prompt before the input line.
    case prompt
    /// The border of a dialog's box (the certificate prompt).
    case dialogBorder
    /// A dialog's title.
    case dialogTitle
}

/// A run of text drawn in one style.
struct Span: Hashable, Sendable {
    /// The text; already sanitized, no wider than the space it is given.
    var text: String
    /// How it is drawn.
    var style: Style

    /// Creates a span.
    init(_ text: String, _ style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

/// One screen row: spans drawn left to right from column 0.
typealias Row = [Span]

extension Array where Element == Span {
    /// The row's text without styles.
    var text: String { map(\.text).joined() }

    /// The columns the row takes.
    var columns: Int { reduce(0) { $0 + DisplayWidth.columns(of: $1.text) } }
}
