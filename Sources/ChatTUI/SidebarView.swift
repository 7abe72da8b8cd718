import ChatClient

/// The user list on the right: a title with the count, then the names, the user's own marked.
enum SidebarView {
    /// The sidebar's rows.
    ///
    /// - Parameters:
    ///   - users: Everyone in the room, in the order to show them.
    ///   - ownName: The user's name, marked with `*` and its own style.
    ///   - height: The rows available.
    ///   - width: The columns available; longer names are cut with an ellipsis.
    /// - Returns: At most `height` rows. When the names do not all fit, the last row says how many
    ///   more there are.
    static func rows(users: [String], ownName: String?, height: Int, width: Int) -> [Row] {
        guard height > 0, width > 1 else { return [] }
        var rows: [Row] = [[Span(DisplayWidth.truncated(" Users (\(users.count))", toColumns: width), .sidebarTitle)]]
        let room = height - 1
        let shown = users.count <= room ? users.count : max(0, room - 1)
        for name in users.prefix(shown) {
            let isOwn = name == ownName
            let text = DisplayWidth.truncated(DisplayWidth.sanitized(name), toColumns: width - 1)
            rows.append([
                Span(isOwn ? "*" : " ", isOwn ? .sidebarOwn : .plain),
                Span(text, isOwn ? .sidebarOwn : .name(NameColor.index(of: name))),
            ])
        }
        if shown < users.count && room > 0 {
            rows.append([Span(DisplayWidth.truncated(" +\(users.count - shown) more", toColumns: width), .info)])
        }
        return rows
    }
}
