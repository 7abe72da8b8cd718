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
    /// `/register PASSWORD` (accounts): registers the connection's name. PASSWORD is the rest of the line,
    /// spaces included.
    case register(password: String)
    /// `/login NAME PASSWORD` (accounts). PASSWORD is the rest of the line after NAME, spaces included.
    case login(name: String, password: String)
    /// `/password OLD NEW` (accounts): each a word without spaces or a quoted string with `/dm`'s escapes.
    case changePassword(old: String, new: String)
    /// `/kick NAME [REASON]` (moderation).
    case kick(name: String, reason: String?)
    /// `/ban NAME [MINUTES] [REASON]` (moderation): a second word of digits is always MINUTES.
    case ban(name: String, minutes: Int?, reason: String?)
    /// `/unban TARGET` (moderation): an account name or an address, as `/bans` shows it.
    case unban(String)
    /// `/bans` (moderation): answered with `BAN` lines and `BANS-END`.
    case bans
    /// `/mute NAME [MINUTES]` (moderation).
    case mute(name: String, minutes: Int?)
    /// `/unmute NAME` (moderation).
    case unmute(String)

    /// The command words, as typed after the slash, in the order `/help` lists them: v1's first, then
    /// v1.1's, then those of accounts and moderation.
    public static let words = [
        "help", "users", "dm", "bc", "nick", "ping", "quit", "caps", "history", "search",
        "register", "login", "password", "kick", "ban", "unban", "bans", "mute", "unmute",
    ]

    /// The words of the commands only an operator may use.
    public static let operatorWords = ["kick", "ban", "unban", "bans", "mute", "unmute"]

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
        case "register":
            guard !rest.isEmpty else { throw .badSyntax(registerUsage) }
            return .register(password: String(rest))
        case "login":
            let trimmed = rest.unicodeScalars.drop(while: { $0 == " " })
            guard let nameEnd = trimmed.firstIndex(of: " "), nameEnd > trimmed.startIndex,
                trimmed.index(after: nameEnd) < trimmed.endIndex
            else { throw .badSyntax(loginUsage) }
            return .login(
                name: String(Substring(trimmed[..<nameEnd])),
                password: String(Substring(trimmed[trimmed.index(after: nameEnd)...])))
        case "password":
            let usage = ProtocolError.badSyntax(passwordUsage)
            var arguments = ArgumentReader(rest)
            guard let old = try arguments.next(), let new = try arguments.next() else { throw usage }
            guard arguments.atEnd else { throw usage }
            return .changePassword(old: old, new: new)
        case "kick":
            var arguments = ArgumentReader(rest)
            guard let name = arguments.word() else { throw .badSyntax("usage: /kick NAME [REASON]") }
            return .kick(name: name, reason: arguments.reason())
        case "ban":
            var arguments = ArgumentReader(rest)
            guard let name = arguments.word() else { throw .badSyntax("usage: /ban NAME [MINUTES] [REASON]") }
            let minutes = try arguments.minutes()
            return .ban(name: name, minutes: minutes, reason: arguments.reason())
        case "unban":
            var arguments = ArgumentReader(rest)
            guard let target = arguments.word(), arguments.atEnd else { throw .badSyntax("usage: /unban NAME|ADDRESS") }
            return .unban(target)
        case "bans":
            guard isBlank(rest) else { throw .badSyntax("usage: /bans") }
            return .bans
        case "mute":
            var arguments = ArgumentReader(rest)
            guard let name = arguments.word() else { throw .badSyntax("usage: /mute NAME [MINUTES]") }
            let minutes = try arguments.minutes()
            guard arguments.atEnd else { throw .badSyntax("usage: /mute NAME [MINUTES]") }
            return .mute(name: name, minutes: minutes)
        case "unmute":
            var arguments = ArgumentReader(rest)
            guard let name = arguments.word(), arguments.atEnd else { throw .badSyntax("usage: /unmute NAME") }
            return .unmute(name)
        default:
            // The word runs to the first space, so a tab or a missing space leaves a password in it: a word
            // that begins with a password command's word is refused with that command's usage, not echoed.
            let key = Name.key(word).utf8
            if key.starts(with: "register".utf8) { throw .badSyntax(registerUsage) }
            if key.starts(with: "login".utf8) { throw .badSyntax(loginUsage) }
            if key.starts(with: "password".utf8) { throw .badSyntax(passwordUsage) }
            throw .unknownCommand("/" + word)
        }
    }

    private static let registerUsage = "usage: /register PASSWORD"
    private static let loginUsage = "usage: /login NAME PASSWORD"
    private static let passwordUsage = "usage: /password OLD NEW (quote a password that holds spaces)"

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
        case .register(let password): "/register \(password)"
        case .login(let name, let password): "/login \(name) \(password)"
        case .changePassword(let old, let new): "/password \(Self.quote(old)) \(Self.quote(new))"
        case .kick(let name, let reason): reason.map { "/kick \(name) \($0)" } ?? "/kick \(name)"
        case .ban(let name, let minutes, let reason):
            (["/ban", name] + (minutes.map { [String($0)] } ?? []) + (reason.map { [$0] } ?? [])).joined(separator: " ")
        case .unban(let target): "/unban \(target)"
        case .bans: "/bans"
        case .mute(let name, let minutes): minutes.map { "/mute \(name) \($0)" } ?? "/mute \(name)"
        case .unmute(let name): "/unmute \(name)"
        }
    }

    /// Whether the line carries a password (`/register`, `/login`, `/password`): a client keeps it out of
    /// its input history, and nothing logs it.
    public var carriesPassword: Bool {
        switch self {
        case .register, .login, .changePassword: true
        default: false
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
        let (text, after) = try readQuoted(scalars)
        guard after.allSatisfy({ $0 == " " }) else { throw .badSyntax("text after the closing quote") }
        if isBlank(Substring(text)) { throw .emptyMessage }
        return text
    }

    /// Reads a quoted string from its opening `"` (the first scalar of `scalars`) to its closing one, with
    /// `\"` and `\\` as escapes (a backslash before anything else stays).
    ///
    /// - Returns: The text, and what follows the closing quote.
    static func readQuoted(_ scalars: Substring.UnicodeScalarView) throws(ProtocolError) -> (
        text: String, after: Substring.UnicodeScalarView
    ) {
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
                return (String(text), scalars[index...])
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

/// Reads the arguments of the accounts and moderation commands, left to right.
private struct ArgumentReader {
    private var remaining: Substring.UnicodeScalarView

    init(_ rest: Substring) { remaining = rest.unicodeScalars }

    /// Nothing but blanks is left.
    var atEnd: Bool { remaining.allSatisfy { $0 == " " || $0 == "\t" } }

    private mutating func skipBlanks() {
        remaining = remaining.drop(while: { $0 == " " || $0 == "\t" })
    }

    /// The next word (up to a blank), or `nil` when none is left.
    mutating func word() -> String? {
        skipBlanks()
        guard !remaining.isEmpty else { return nil }
        let end = remaining.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? remaining.endIndex
        defer { remaining = remaining[end...] }
        return String(Substring(remaining[..<end]))
    }

    /// The next argument: a word, or a quoted string with `\"` and `\\` escapes (as `/dm` quotes its text).
    mutating func next() throws(ProtocolError) -> String? {
        skipBlanks()
        guard remaining.first == "\"" else { return word() }
        let (text, after) = try Command.readQuoted(remaining)
        guard after.first.map({ $0 == " " || $0 == "\t" }) ?? true else {
            throw .badSyntax("text after the closing quote")
        }
        remaining = after
        return text
    }

    /// MINUTES, when the next word is all digits (it always is MINUTES then): 1 to 525600.
    mutating func minutes() throws(ProtocolError) -> Int? {
        skipBlanks()
        let end = remaining.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? remaining.endIndex
        let field = remaining[..<end]
        guard !field.isEmpty, field.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        let range = Wire.moderationMinutes
        // Leading zeros are allowed, as in `/history` (people type commands); too many digits overflow to nil.
        guard let value = DecimalField.parse(Substring(field)), value <= UInt64(range.upperBound),
            range.contains(Int(value))
        else {
            throw .badSyntax("MINUTES is \(range.lowerBound) to \(range.upperBound)")
        }
        remaining = remaining[end...]
        return Int(value)
    }

    /// The rest of the line, trimmed of blanks; `nil` when empty.
    mutating func reason() -> String? {
        let text = Substring(remaining).trimmingBlanks()
        remaining = remaining[remaining.endIndex...]
        return text.isEmpty ? nil : String(text)
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
