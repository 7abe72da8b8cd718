import ChatClient

/// Tab completion of names and commands for the input line.
///
/// It completes the word before the cursor (the clusters back to the previous space), by context:
///
/// - at the start of the line, a word starting with `/` completes to a command and a space
///   (`/us` → `/users `);
/// - any other word at the start of the line completes to a name and `: ` (`al` → `alice: `);
/// - the first argument of `/dm` and of the operators' commands that name a user (`/kick`, `/ban`,
///   `/unban`, `/mute`, `/unmute`: ``OutgoingLine/commandsTakingAName``) completes to a name and a space
///   (`/dm b` → `/dm bob `, `/kick ` → `/kick alice `);
/// - a non-empty word anywhere else completes to a name and a space;
/// - nothing completes in a password (`/login alice hun`: ``OutgoingLine/passwordStart(in:)``).
///
/// At the start of the line and after those commands, an empty word offers every name. Matching ignores
/// case; matches are offered in case-insensitive sorted order. Text after the cursor is kept; when
/// it starts with a space, that space stands for the one the completion would add.
///
/// Driving it from a key loop: on Tab call ``complete(text:cursor:names:commands:)`` and, when it
/// returns a line, put it in the editor with ``InputEditor/replace(text:cursor:)``; a further Tab
/// offers the next match, wrapping around. On any other key call ``reset()`` so the next Tab
/// starts afresh. (A Tab on a line that differs from the last completion also starts afresh.)
///
/// ```swift
/// case .tab:
///     if let line = completer.complete(text: editor.text, cursor: editor.cursor, names: users) {
///         editor.replace(text: line.text, cursor: line.cursor)
///     }
/// default:
///     completer.reset()
/// ```
public struct TabCompleter: Equatable, Sendable {
    /// A completion in progress: what Tab cycles through.
    private struct Cycle: Equatable, Sendable {
        var head: String
        var tail: String
        var completions: [String]
        var index: Int
        var line: String
        var cursor: Int
    }

    private var cycle: Cycle?

    /// Creates a completer with no completion in progress.
    public init() {}

    /// Whether a completion is in progress, so that another Tab offers the next match.
    public var isCycling: Bool { cycle != nil }

    /// Ends the completion in progress; call it on every key other than Tab.
    public mutating func reset() {
        cycle = nil
    }

    /// Completes the word before the cursor, or offers the next match on a repeated Tab.
    ///
    /// - Parameters:
    ///   - text: The input line.
    ///   - cursor: The cursor, as a grapheme-cluster index into `text`.
    ///   - names: The names that can be completed (the order does not matter).
    ///   - commands: The commands that can be completed, with their `/`.
    /// - Returns: The completed line and the cursor after the completion, or `nil` when nothing
    ///   matches (the line is then left as it is).
    public mutating func complete(
        text: String,
        cursor: Int,
        names: [String],
        commands: [String] = OutgoingLine.commands
    ) -> (text: String, cursor: Int)? {
        if var current = cycle, current.line == text, current.cursor == cursor {
            current.index = (current.index + 1) % current.completions.count
            return produce(current)
        }
        cycle = nil

        let characters = Array(text)
        let cursor = min(max(0, cursor), characters.count)
        if let secret = OutgoingLine.passwordStart(in: text), cursor >= secret { return nil }
        var wordStart = cursor
        while wordStart > 0 && characters[wordStart - 1] != " " { wordStart -= 1 }
        let head = String(characters[..<wordStart])
        let word = String(characters[wordStart..<cursor])
        let tail = String(characters[cursor...])

        let candidates: [String]
        let suffix: String
        if head.isEmpty && word.hasPrefix("/") {
            (candidates, suffix) = (commands, " ")
        } else if head.isEmpty {
            (candidates, suffix) = (names, ": ")
        } else if Self.isNameArgument(head: head) || !word.isEmpty {
            (candidates, suffix) = (names, " ")
        } else {
            return nil
        }

        let typed = word.lowercased()
        let matches = Set(candidates.filter { $0.lowercased().hasPrefix(typed) })
            .sorted { ($0.lowercased(), $0) < ($1.lowercased(), $1) }
        guard !matches.isEmpty else { return nil }
        return produce(
            Cycle(head: head, tail: tail, completions: matches.map { $0 + suffix }, index: 0, line: "", cursor: 0)
        )
    }

    /// Whether the word after `head` is the first argument of a command that takes a name there.
    private static func isNameArgument(head: String) -> Bool {
        let words = head.split(separator: " ")
        guard head.hasSuffix(" "), words.count == 1, let command = words.first else { return false }
        return OutgoingLine.commandsTakingAName.contains(command.lowercased())
    }

    /// Builds the line for the cycle's current match and remembers it.
    private mutating func produce(_ state: Cycle) -> (text: String, cursor: Int) {
        var state = state
        var completion = state.completions[state.index]
        var skip = 0
        // Reuse a space already after the cursor rather than doubling it.
        if completion.hasSuffix(" ") && state.tail.hasPrefix(" ") {
            completion.removeLast()
            skip = 1
        }
        let beforeCursor = state.head + completion
        let line = beforeCursor + state.tail
        state.line = line
        state.cursor = min(beforeCursor.count + skip, line.count)
        cycle = state
        return (line, state.cursor)
    }
}
