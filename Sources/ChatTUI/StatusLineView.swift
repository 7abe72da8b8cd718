import ChatClient

/// The status line: the connection state, `host:port` (with `(tls)` after it over TLS), the user's name (`alice (logged in)` once logged
/// in to an account), the user count, and `-- more below --` with the unread count while the pane is
/// scrolled up.
enum StatusLineView {
    /// The status line's spans, exactly `width` columns wide.
    ///
    /// - Parameters:
    ///   - state: The chat state.
    ///   - hosting: Whether this process hosts the server.
    ///   - scrolledUp: Whether the pane is held above the newest line.
    ///   - unread: Lines below the view that arrived while scrolled up.
    ///   - width: The screen's width.
    static func row(state: ChatState, hosting: Bool, scrolledUp: Bool, unread: Int, width: Int) -> Row {
        let link: String
        switch state.link {
        case .connecting: link = "connecting"
        case .connected: link = hosting ? "hosting" : "connected"
        case .disconnected(_, let retryIn): link = retryIn == nil ? "disconnected" : "disconnected, reconnecting"
        case .closed: link = "closed"
        }
        // `(tls)` as the server logs its TLS listener: nothing goes to this server in the clear.
        var fields = [link, state.address.description + (state.usesTLS ? " (tls)" : "")]
        if let name = state.ownName { fields.append(state.account == nil ? name : "\(name) (logged in)") }
        if state.link == .connected {
            fields.append("\(state.users.count) \(state.users.count == 1 ? "user" : "users")")
        }
        let left = " " + fields.joined(separator: " | ")
        let right = scrolledUp ? "-- more below --" + (unread > 0 ? " \(unread) unread " : " ") : ""
        let rightColumns = DisplayWidth.columns(of: right)
        let leftText = DisplayWidth.truncated(left, toColumns: max(0, width - rightColumns - 1))
        let gap = max(0, width - DisplayWidth.columns(of: leftText) - rightColumns)
        var row: Row = [Span(leftText + String(repeating: " ", count: gap), .status)]
        if !right.isEmpty { row.append(Span(right, .moreBelow)) }
        return MessageRenderer.fitted(row, to: width)
    }
}
