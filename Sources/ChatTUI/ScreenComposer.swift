import ChatClient

/// Builds the whole screen, as a ``Screen``, from the chat state: layout, pane, sidebar, status
/// line and input line. Pure, so every screen can be checked row by row in tests.
enum ScreenComposer {
    /// What goes before the input text.
    static let prompt = "> "

    /// A question asked on the input line instead of it, whose answer is masked (a password): the label
    /// before it and the answer being typed.
    struct Secret: Equatable, Sendable {
        var label: String
        var editor: InputEditor
    }

    /// The screen for a state and a terminal size.
    ///
    /// - Parameters:
    ///   - state: The chat state.
    ///   - editor: The input line.
    ///   - scroll: Where the pane is scrolled to.
    ///   - hosting: Whether this process hosts the server.
    ///   - rows: The terminal's rows.
    ///   - columns: The terminal's columns.
    ///   - cache: Where rendered lines are kept between frames, if anywhere.
    ///   - secret: A masked question shown on the input line instead of `editor`, if one is asked.
    ///   - dialog: A question that takes the space above the status line, and the input line, until it is
    ///     answered (the certificate prompt); it comes before `secret`.
    /// - Returns: The frame to draw.
    static func compose(
        state: ChatState, editor: InputEditor, scroll: PaneScroll, hosting: Bool, rows: Int, columns: Int,
        cache: RowCache? = nil, secret: Secret? = nil, dialog: Dialog? = nil
    ) -> Screen {
        var frame = Screen(height: rows)
        switch Layout.compute(rows: rows, columns: columns) {
        case .tooSmall:
            let note = [
                "Terminal too small", "\(columns)x\(rows), needs \(Layout.minimumColumns)x\(Layout.minimumRows)",
            ]
            let top = max(0, (rows - note.count) / 2)
            let whole = Rect(row: 0, column: 0, height: rows, width: columns)
            for (index, text) in note.enumerated() {
                let fitted = DisplayWidth.truncated(text, toColumns: columns)
                let left = max(0, (columns - DisplayWidth.columns(of: fitted)) / 2)
                frame.put(
                    [Span(String(repeating: " ", count: left)), Span(fitted, .notice)], in: whole, row: top + index)
            }
        case .chat(let layout):
            let pane = layout.messages
            let view = scroll.view(of: state.lines, height: pane.height, width: pane.width, cache: cache)
            if let dialog {
                let area = Rect(row: 0, column: 0, height: pane.height, width: columns)
                for (index, row) in DialogView.rows(dialog, height: area.height, width: area.width).enumerated() {
                    frame.put(row, in: area, row: index)
                }
            } else {
                for (index, row) in view.rows.enumerated() { frame.put(row, in: pane, row: index) }
                if let separator = layout.separator {
                    for index in 0..<separator.height { frame.put([Span("│", .separator)], in: separator, row: index) }
                }
                if let sidebar = layout.sidebar {
                    let rows = SidebarView.rows(
                        users: state.users, ownName: state.ownName, height: sidebar.height, width: sidebar.width)
                    for (index, row) in rows.enumerated() { frame.put(row, in: sidebar, row: index) }
                }
            }
            let status = StatusLineView.row(
                state: state, hosting: hosting, scrolledUp: !scroll.isFollowing, unread: view.unread,
                width: layout.status.width)
            frame.put(status, in: layout.status, row: 0, fill: .status)
            // A password is masked whether asked for or typed in a command (`/login alice ••••`); a dialog's
            // answer is not.
            let label = (dialog?.label ?? secret?.label).map { DisplayWidth.sanitized($0) } ?? prompt
            let input = dialog?.editor ?? secret?.editor ?? editor
            let maskStart = dialog != nil ? nil : secret == nil ? OutgoingLine.passwordStart(in: editor.text) : 0
            let promptColumns = DisplayWidth.columns(of: label)
            let field = input.visibleWindow(width: layout.input.width - promptColumns, maskingFrom: maskStart)
            frame.put([Span(label, .prompt), Span(field.text)], in: layout.input, row: 0)
            frame.cursor = (layout.input.row, min(layout.input.width - 1, promptColumns + field.cursorColumn))
        }
        return frame
    }
}
