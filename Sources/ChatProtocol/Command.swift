/// A line a client sends to the server.
public enum Command: Equatable, Sendable {
    /// `/help`: one `HELP` line per command.
    case help
    /// `/users`: one `USERS` line.
    case users
    /// `/dm NAME "TEXT"`: a direct message.
    case directMessage(to: String, text: String)
    /// `/bc "TEXT"`, or any line not starting with `/`: a message to everyone.
    case broadcast(String)
    /// `/nick NAME`: a rename.
    case nick(String)
    /// `/ping [TOKEN]`: answered with `PONG [TOKEN]`.
    case ping(String?)
    /// `/quit`: leave.
    case quit
    /// `/caps [NAME...]` (v1.1): turns these capabilities on, in the order typed (duplicates kept; the
    /// server takes their union). An empty list only asks which are on. Answered with `CAPS`.
    case caps([Capability])
    /// `/history [N]`, `/history before ID [N]`, `/history after ID [N]` (v1.1): stored messages, answered
    /// with `HISTORY` lines and `HISTORY-END`.
    case history(HistoryQuery)
    /// `/search TEXT` (v1.1): the newest stored messages matching TEXT, answered with `FOUND` lines and
    /// `FOUND-END`. TEXT is the rest of the line, trimmed of blanks and taken literally (quotes included).
    case search(String)

    /// The command words, as typed after the slash, in the order `/help` lists them: v1's first, then v1.1's.
    public static let words = ["help", "users", "dm", "bc", "nick", "ping", "quit", "caps", "history", "search"]

    /// Parses one line of text.
    ///
    /// - Parameter line: A decoded line (see ``LineText``), without its line ending.
    /// - Returns: The command, or `nil` for a line that is empty or only blanks (ignored).
    /// - Throws: The ``ProtocolError`` that refuses the line.
    public static func parse(_ line: some StringProtocol) throws(ProtocolError) -> Command? {
        let line = Substring(line)
        guard line.unicodeScalars.first == "/" else {
            if isBlank(line) { return nil }
            return .broadcast(String(line))
        }
        let afterSlash = line.unicodeScalars.dropFirst()
        let wordEnd = afterSlash.firstIndex(of: " ") ?? afterSlash.endIndex
        let word = Substring(afterSlash[afterSlash.startIndex..<wordEnd])
        let rest = wordEnd < afterSlash.endIndex ? Substring(afterSlash[afterSlash.index(after: wordEnd)...]) : ""

        switch Name.key(word) {
        case "help":
            guard isBlank(rest) else { throw .badSyntax("usage: /help") }
            return .help
        case "users":
            guard isBlank(rest) else { throw .badSyntax("usage: /users") }
            return .users
        case "quit":
            return .quit
        case "bc":
            return .broadcast(try parseText(rest))
        case "dm":
            let trimmed = rest.unicodeScalars.drop(while: { $0 == " " })
            let nameEnd = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
            let name = Substring(trimmed[..<nameEnd])
            guard !name.isEmpty else { throw .badSyntax(#"usage: /dm NAME "TEXT""#) }
            return .directMessage(to: String(name), text: try parseText(Substring(trimmed[nameEnd...])))
        case "nick":
            let fields = rest.split(separator: " ")
            guard let name = fields.first else { throw .badSyntax("usage: /nick NAME") }
            guard fields.count == 1 else { throw .badName("a name holds no spaces") }
            try Name.validate(name)
            return .nick(String(name))
        case "ping":
            let token = rest.trimmingBlanks()
            return .ping(token.isEmpty ? nil : String(token))
        case "caps":
            return .caps(try parseCapabilities(rest))
        case "history":
            return .history(try HistoryQuery.parse(rest))
        case "search":
            let text = rest.trimmingBlanks()
            if text.isEmpty { throw .emptyMessage }
            return .search(String(text))
        default:
            throw .unknownCommand("/" + word)
        }
    }

    /// The line a client sends for this command; ``parse(_:)`` reads it back as the same command.
    public var wireLine: String {
        switch self {
        case .help: "/help"
        case .users: "/users"
        case .directMessage(let name, let text): "/dm \(name) \(Self.quote(text))"
        case .broadcast(let text): "/bc \(Self.quote(text))"
        case .nick(let name): "/nick \(name)"
        case .ping(let token): token.map { "/ping \($0)" } ?? "/ping"
        case .quit: "/quit"
        case .caps(let capabilities): (["/caps"] + capabilities.map(\.rawValue)).joined(separator: " ")
        case .history(let query): "/history \(query.wireArguments)"
        case .search(let text): "/search \(text)"
        }
    }

    /// Reads the names after `/caps`, case-insensitively.
    private static func parseCapabilities(_ rest: Substring) throws(ProtocolError) -> [Capability] {
        var capabilities: [Capability] = []
        for name in rest.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let capability = Capability(name: name) else {
                let known = Capability.allCases.map(\.rawValue)
                let list = known.dropLast().joined(separator: ", ") + " and " + (known.last ?? "")
                throw .badSyntax("unknown capability \(name): the capabilities are \(list)")
            }
            capabilities.append(capability)
        }
        return capabilities
    }

    /// Quotes text for `/bc` and `/dm`, escaping `"` and `\`.
    public static func quote(_ text: some StringProtocol) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(scalar)
        }
        quoted.unicodeScalars.append("\"")
        return quoted
    }

    /// Reads the TEXT argument of `/bc` and `/dm`: quoted (with `\"` and `\\` escapes) or the rest of the line.
    static func parseText(_ raw: Substring) throws(ProtocolError) -> String {
        let scalars = raw.unicodeScalars.drop(while: { $0 == " " })
        guard scalars.first == "\"" else {
            let text = Substring(scalars)
            if isBlank(text) { throw .emptyMessage }
            return String(text)
        }
        var text = String.UnicodeScalarView()
        var index = scalars.index(after: scalars.startIndex)
        while index < scalars.endIndex {
            let scalar = scalars[index]
            index = scalars.index(after: index)
            switch scalar {
            case "\\":
                guard index < scalars.endIndex else { throw .badSyntax("unclosed quote") }
                let next = scalars[index]
                if next != "\"" && next != "\\" { text.append("\\") }
                text.append(next)
                index = scalars.index(after: index)
            case "\"":
                guard scalars[index...].allSatisfy({ $0 == " " }) else {
                    throw .badSyntax("text after the closing quote")
                }
                let result = String(text)
                if isBlank(result[...]) { throw .emptyMessage }
                return result
            default:
                text.append(scalar)
            }
        }
        throw .badSyntax("unclosed quote")
    }

    private static func isBlank(_ text: Substring) -> Bool {
        text.unicodeScalars.allSatisfy { $0 == " " || $0 == "\t" }
    }
}

extension Substring {
    fileprivate func trimmingBlanks() -> Substring {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return Substring(scalars[first...last])
    }
}
