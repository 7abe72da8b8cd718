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
    /// `/register PASSWORD`, `/login NAME PASSWORD` or `/password OLD NEW` typed whole (accounts): send it,
    /// and keep the password until it is answered (to log in again after a reconnection).
    case credentials(Command)
    /// `/register`, `/login NAME` or `/password` without the password: ask for it, masked (the TUI; plain
    /// mode sends the line as typed, for the server's usage error).
    case askPassword(PasswordRequest)
    /// `/quit`: leave.
    case quit
    /// `/clear`: the client's own command; empties the pane.
    case clear
    /// A blank line: nothing to do.
    case nothing

    /// Every command a user may type, with its slash: the server's and the client's own (`/clear`),
    /// for tab completion.
    public static let commands = (Command.words + ["clear"]).map { "/" + $0 }

    /// The commands whose first argument is a user's name, with their slash, for tab completion: `/dm` and
    /// the operators' commands (``Command/operatorWords``) but `/bans`.
    public static let commandsTakingAName = (["dm"] + Command.operatorWords.filter { $0 != "bans" }).map { "/" + $0 }

    /// The words of the commands that carry a password (``Command/carriesPassword``).
    static let passwordWords: Set<String> = ["register", "login", "password"]

    /// Whether a typed line is one of the commands that carry a password (`/register`, `/login`,
    /// `/password`), well-formed or not: such a line is never kept in the input history.
    ///
    /// - Parameter typed: The line as typed.
    public static func carriesPassword(_ typed: String) -> Bool {
        guard typed.unicodeScalars.first == "/" else { return false }
        let word = typed.unicodeScalars.dropFirst().prefix { $0 != " " && $0 != "\t" }
        return passwordWords.contains(Name.key(String(String.UnicodeScalarView(word))))
    }

    /// Where the password starts in a line being typed, so that it is shown masked: after `/register `,
    /// after `/password `, after `/login NAME `.
    ///
    /// - Parameter typed: The input line.
    /// - Returns: The index of the first masked grapheme cluster, or `nil` when the line holds no password
    ///   (yet).
    public static func passwordStart(in typed: String) -> Int? {
        guard carriesPassword(typed) else { return nil }
        let characters = Array(typed)
        guard let firstBlank = characters.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return nil }
        let word = Name.key(String(characters[1..<firstBlank]))
        guard word == "login" else { return firstBlank + 1 }
        var index = firstBlank
        while index < characters.count && (characters[index] == " " || characters[index] == "\t") { index += 1 }
        while index < characters.count && characters[index] != " " && characters[index] != "\t" { index += 1 }
        return index < characters.count ? index + 1 : nil
    }

    /// Reads a typed line.
    ///
    /// Plain text is sent as `/bc` with the text quoted, so it reaches the room exactly as typed
    /// (quotes and backslashes included). A line starting with `/` is sent as typed, except for the
    /// client's own `/clear` and the commands the client follows up (`/help`, `/users`, `/quit`, and a
    /// well-formed `/search` or `/history`; a malformed one is sent as typed, for the server's error), and
    /// the commands that carry a password: typed whole they are ``credentials(_:)``, without the password
    /// (`/register`, `/login NAME`, `/password`) ``askPassword(_:)``.
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
        case "register" where bare: return .askPassword(.register)
        case "password" where bare: return .askPassword(.change)
        case "login":
            let fields = String(String.UnicodeScalarView(rest)).split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count == 1, let name = fields.first, Name.isValid(name) {
                return .askPassword(.login(name: String(name)))
            }
            fallthrough
        case "register", "password":
            do throws(ProtocolError) {
                if let command = try Command.parse(typed), command.carriesPassword { return .credentials(command) }
                return .send(typed)
            } catch {
                return .send(typed)
            }
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
