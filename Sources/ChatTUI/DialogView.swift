import ChatClient

/// A question that takes the screen above the status line until it is answered (the certificate prompt):
/// a box with a title and paragraphs, its answer typed on the input line, unmasked.
struct Dialog: Equatable, Sendable {
    /// The box's title.
    var title: String
    /// The box's text, a paragraph each (wrapped to the box); an empty one is a blank row.
    var paragraphs: [String]
    /// What the input line shows before the answer.
    var label: String
    /// The answer being typed.
    var editor: InputEditor
}

/// Draws a ``Dialog``'s box, centred in the space above the status line, which is otherwise left blank:
///
/// ```
/// ┌─ Unknown certificate ──────────┐
/// │ The certificate of ...         │
/// │                                │
/// │   fingerprint  sha256:...      │
/// └────────────────────────────────┘
/// ```
enum DialogView {
    /// The widest box: room for a fingerprint line (`  fingerprint  sha256:` and 64 digits) and its borders.
    static let maximumWidth = 90

    /// The rows of the space the dialog takes, top first.
    ///
    /// - Parameters:
    ///   - dialog: What to show.
    ///   - height: The rows above the status line.
    ///   - width: The screen's width.
    /// - Returns: `height` rows, none wider than `width`; the box's last text rows are cut when it is too tall.
    static func rows(_ dialog: Dialog, height: Int, width: Int) -> [Row] {
        guard height > 0 else { return [] }
        let boxWidth = min(width, maximumWidth)
        let inner = max(1, boxWidth - 4)
        var text: [String] = []
        for paragraph in dialog.paragraphs {
            text += LineWrapper.wrap(DisplayWidth.sanitized(paragraph), width: inner)
        }
        text = Array(text.prefix(max(0, height - 2)))
        let left = String(repeating: " ", count: max(0, (width - boxWidth) / 2))
        let title = DisplayWidth.truncated(
            " " + DisplayWidth.sanitized(dialog.title) + " ", toColumns: max(0, boxWidth - 3))
        let top: Row = [
            Span(left), Span("┌─", .dialogBorder), Span(title, .dialogTitle),
            Span(
                String(repeating: "─", count: max(0, boxWidth - 3 - DisplayWidth.columns(of: title))) + "┐",
                .dialogBorder),
        ]
        var box: [Row] = [top]
        for line in text {
            let padding = String(repeating: " ", count: max(0, inner - DisplayWidth.columns(of: line)))
            box.append([Span(left), Span("│ ", .dialogBorder), Span(line + padding), Span(" │", .dialogBorder)])
        }
        box.append([Span(left), Span("└" + String(repeating: "─", count: max(0, boxWidth - 2)) + "┘", .dialogBorder)])
        let above = max(0, (height - box.count) / 2)
        var rows = Array(repeating: Row(), count: above) + box.prefix(height)
        rows += Array(repeating: Row(), count: max(0, height - rows.count))
        return rows.map { MessageRenderer.fitted($0, to: width) }
    }
}
