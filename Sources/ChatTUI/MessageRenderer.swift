import ChatClient

/// Turns scrollback lines into styled screen rows for a pane width.
///
/// A line reads `HH:MM <alice> text` (`2026-11-30 15:41 <alice> text` for one from an earlier day);
/// when the text wraps, the rows after the first are indented to where the text started (or just past
/// the stamp when the marker takes more than half the pane). A day-change line has no stamp:
/// `-- Tuesday 1 December 2026`, dimmed. Everything from the network is sanitized here, before it can
/// reach the terminal.
enum MessageRenderer {
    /// The rows one line takes in a pane.
    ///
    /// - Parameters:
    ///   - line: The scrollback line.
    ///   - width: The pane's width in columns.
    /// - Returns: At least one row, none wider than `width`.
    static func rows(for line: ChatLine, width: Int) -> [Row] {
        let width = max(1, width)
        let parts = line.parts
        let marker = DisplayWidth.sanitized(parts.marker)
        let body = DisplayWidth.sanitized(parts.body)
        let bodyStyle = style(of: parts.role)
        let stamp = line.stamp
        let stampSpans: Row = stamp.isEmpty ? [] : [Span(stamp, .time), Span(" ")]
        let prefix: Row = stampSpans + markerSpans(marker, parts)
        let prefixColumns = prefix.columns
        let indent = prefixColumns <= width / 2 ? prefixColumns : min(stampSpans.columns, width / 2)
        let wrapped = LineWrapper.wrap(body, firstWidth: width - prefixColumns, restWidth: width - indent)
        var rows: [Row] = []
        for (index, text) in wrapped.enumerated() {
            var row: Row = index == 0 ? prefix : [Span(String(repeating: " ", count: indent))]
            if !text.isEmpty { row.append(Span(text, bodyStyle)) }
            rows.append(fitted(row, to: width))
        }
        return rows.isEmpty ? [fitted(prefix, to: width)] : rows
    }

    /// The style of a line's text.
    static func style(of role: ChatLine.Parts.Role) -> Style {
        switch role {
        case .message: .plain
        case .ownMessage: .ownText
        case .mention: .mention
        case .direct: .directText
        case .membership: .membership
        case .info: .info
        case .error: .error
        case .notice: .notice
        case .dayChange: .membership
        }
    }

    private static func markerSpans(_ marker: String, _ parts: ChatLine.Parts) -> Row {
        switch parts.role {
        case .message, .mention, .ownMessage:
            // `<name> `: the brackets and name in the sender's colour, the user's own in their own style.
            let nameStyle: Style = parts.role == .ownMessage ? .ownName : .name(NameColor.index(of: parts.name ?? ""))
            let trimmed = marker.hasSuffix(" ") ? String(marker.dropLast()) : marker
            return [Span(trimmed, nameStyle), Span(" ")]
        case .direct:
            return [Span(marker, .directMarker)]
        default:
            return [Span(marker, style(of: parts.role))]
        }
    }

    /// A row cut to a number of columns (spans past the edge are cut or dropped; a wide character
    /// that would straddle the edge is dropped).
    static func fitted(_ row: Row, to width: Int) -> Row {
        var left = width
        var result: Row = []
        for span in row {
            guard left > 0 else { break }
            let columns = DisplayWidth.columns(of: span.text)
            if columns <= left {
                result.append(span)
                left -= columns
            } else {
                let cut = DisplayWidth.prefix(span.text, columns: left)
                if !cut.text.isEmpty { result.append(Span(String(cut.text), span.style)) }
                left = 0
            }
        }
        return result
    }
}
