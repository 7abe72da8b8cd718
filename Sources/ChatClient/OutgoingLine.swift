import ChatProtocol

/// What a line the user typed (or a script wrote) does, the same in the TUI and in plain mode.
///
/// ``ChatConnection/submit(_:state:clientHelp:)`` carries it out; this type only reads the line.
public enum OutgoingLine: Equatable, Sendable {
    /// Send this line to the server.
    case send(String)
    /// `/help`: send it, and show the client's own help after the server's.
    case help
    /// `/users`: send it and show the reply.
    case users
    /// `/search TEXT` (v1.1): send it and list the matches under a note saying how many.
    case search(String)
    /// `/history ...` (v1.1) typed by the user: send it and list the messages under a note.
    case history(HistoryQuery)
    /// `/quit`: leave.
    case quit
    /// `/clear`: the client's own command; empties the pane.
    case clear
    /// A blank line: nothing to do.
    case nothing

    /// Every command a user may type, with its slash: the server's and the client's own (`/clear`),
    /// for tab completion.
    public static let commands = (Command.words + ["clear"]).map { "/" + $0 }

    /// Reads a typed line.
    ///
    /// Plain text is sent as `/bc` with the text quoted, so it reaches the room exactly as typed
    /// (quotes and backslashes included). A line starting with `/` is sent as typed, except for the
    /// client's own `/clear` and the commands the client follows up (`/help`, `/users`, `/quit`, and a
    /// well-formed `/search` or `/history`; a malformed one is sent as typed, for the server's error).
    ///
    /// - Parameter typed: The line, without its line ending.
    /// - Returns: What to do.
    public static func interpret(_ typed: String) -> OutgoingLine {
        guard typed.unicodeScalars.contains(where: { $0 != " " && $0 != "\t" }) else { return .nothing }
        guard typed.unicodeScalars.first == "/" else { return .send(Command.broadcast(typed).wireLine) }
        let word = typed.unicodeScalars.dropFirst().prefix { $0 != " " && $0 != "\t" }
        let rest = typed.unicodeScalars.dropFirst(word.count + 1)
        let bare = rest.allSatisfy { $0 == " " || $0 == "\t" }
        switch Name.key(String(String.UnicodeScalarView(word))) {
        case "clear" where bare: return .clear
        case "help" where bare: return .help
        case "users" where bare: return .users
        case "quit": return .quit
        case "search", "history":
            do throws(ProtocolError) {
                switch try Command.parse(typed) {
                case .search(let text): return .search(text)
                case .history(let query): return .history(query)
                default: return .send(typed)
                }
            } catch {
                return .send(typed)
            }
        default: return .send(typed)
        }
    }
}
