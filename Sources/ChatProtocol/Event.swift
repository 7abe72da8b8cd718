/// Why a user left, as the `LEAVE` event gives it.
public enum LeaveReason: String, CaseIterable, Sendable {
    /// The user sent `/quit`.
    case quit
    /// The connection dropped, or went silent past the idle timeout.
    case lost
    /// The user did not read and its outbound queue overflowed.
    case slow
    /// An operator removed the user (`/kick`).
    case kicked
    /// An operator removed and banned the user (`/ban`).
    case banned
}

/// A line the server sends to a client.
public enum Event: Equatable, Sendable {
    /// `WELCOME NAME TEXT`: always the first line; the name given to this connection.
    case welcome(name: String, text: String)
    /// `JOIN NAME`: a new connection, told to everyone already connected.
    case join(String)
    /// `LEAVE NAME REASON`.
    case leave(String, LeaveReason)
    /// `NICK OLD NEW`: a rename, told to everyone including the one renamed.
    case nick(old: String, new: String)
    /// `MSG FROM TEXT`: a broadcast.
    case message(from: String, text: String)
    /// `DM FROM TO TEXT`: a direct message, to its recipient and echoed to its sender.
    case directMessage(from: String, to: String, text: String)
    /// `USERS NAME...`: every connected name, sorted case-insensitively.
    case users([String])
    /// `HELP TEXT`: one line of help.
    case help(String)
    /// `PONG [TOKEN]`: the answer to `/ping`.
    case pong(String?)
    /// `ERROR CODE TEXT`: a refused command.
    case error(ErrorCode, String)
    /// `BYE TEXT`: the server closes the connection after this line.
    case bye(String)
    /// `HISTORY ID TIME FROM TEXT` (v1.1): one stored message in the answer to `/history`.
    case history(StoredMessage)
    /// `HISTORY-END COUNT` (v1.1): the end of a `/history` answer, with the number of `HISTORY` lines.
    case historyEnd(count: Int)
    /// `FOUND ID TIME FROM TEXT` (v1.1): one stored message matching a `/search`.
    case found(StoredMessage)
    /// `FOUND-END COUNT` (v1.1): the end of a `/search` answer, with the number of `FOUND` lines.
    case foundEnd(count: Int)
    /// `CAPS NAME...` (v1.1): the capabilities on for this connection, the answer to `/caps`. The server
    /// sends them sorted (``Capability`` is `Comparable`) and without duplicates; `CAPS` alone for none.
    case caps([Capability])
    /// `REGISTERED NAME` (accounts): the connection's name is now an account, and it is logged in as it.
    case registered(String)
    /// `LOGGED-IN NAME` (accounts): the connection is logged in as the account NAME.
    case loggedIn(String)
    /// `PASSWORD-CHANGED` (accounts): the answer to `/password`.
    case passwordChanged
    /// `UNBANNED TARGET` (moderation): the answer to `/unban`.
    case unbanned(String)
    /// `BAN KIND TARGET UNTIL BY REASON` (moderation): one ban in the answer to `/bans`.
    case ban(BanEntry)
    /// `BANS-END COUNT` (moderation): the end of a `/bans` answer.
    case bansEnd(count: Int)
    /// `MUTED NAME` (moderation): the answer to `/mute`.
    case muted(String)
    /// `UNMUTED NAME` (moderation): the answer to `/unmute`.
    case unmuted(String)

    /// The event as one line, without its line feed.
    public var wireLine: String {
        switch self {
        case .welcome(let name, let text): "WELCOME \(name) \(text)"
        case .join(let name): "JOIN \(name)"
        case .leave(let name, let reason): "LEAVE \(name) \(reason.rawValue)"
        case .nick(let old, let new): "NICK \(old) \(new)"
        case .message(let from, let text): "MSG \(from) \(text)"
        case .directMessage(let from, let to, let text): "DM \(from) \(to) \(text)"
        case .users(let names): (["USERS"] + names).joined(separator: " ")
        case .help(let text): "HELP \(text)"
        case .pong(let token): token.map { "PONG \($0)" } ?? "PONG"
        case .error(let code, let text): "ERROR \(code.rawValue) \(text)"
        case .bye(let text): "BYE \(text)"
        case .history(let message): "HISTORY \(message.wireFields)"
        case .historyEnd(let count): "HISTORY-END \(count)"
        case .found(let message): "FOUND \(message.wireFields)"
        case .foundEnd(let count): "FOUND-END \(count)"
        case .caps(let capabilities): (["CAPS"] + capabilities.map(\.rawValue)).joined(separator: " ")
        case .registered(let name): "REGISTERED \(name)"
        case .loggedIn(let name): "LOGGED-IN \(name)"
        case .passwordChanged: "PASSWORD-CHANGED"
        case .unbanned(let target): "UNBANNED \(target)"
        case .ban(let entry): "BAN \(entry.wireFields)"
        case .bansEnd(let count): "BANS-END \(count)"
        case .muted(let name): "MUTED \(name)"
        case .unmuted(let name): "UNMUTED \(name)"
        }
    }

    /// The event as the bytes sent on the wire, line feed included.
    public var wireBytes: [UInt8] {
        var bytes = Array(wireLine.utf8)
        bytes.append(Wire.lineFeed)
        return bytes
    }

    /// Reads one decoded line sent by a server.
    ///
    /// Decoding is strict: a malformed ID, TIME or COUNT, an unknown capability, or a tagged line (see
    /// ``TaggedEvent``) is not an event.
    ///
    /// - Parameter line: The line without its line ending.
    /// - Returns: The event, or `nil` when the line is not a well-formed v1 or v1.1 event.
    public init?(wireLine line: some StringProtocol) {
        let line = Substring(line)
        var fields = FieldReader(line)
        guard let kind = fields.next() else { return nil }
        switch kind {
        case "WELCOME":
            guard let name = fields.name() else { return nil }
            self = .welcome(name: name, text: fields.rest())
        case "JOIN":
            guard let name = fields.name(), fields.atEnd else { return nil }
            self = .join(name)
        case "LEAVE":
            guard let name = fields.name(), let word = fields.next(), let reason = LeaveReason(rawValue: String(word)),
                fields.atEnd
            else { return nil }
            self = .leave(name, reason)
        case "NICK":
            guard let old = fields.name(), let new = fields.name(), fields.atEnd else { return nil }
            self = .nick(old: old, new: new)
        case "MSG":
            guard let from = fields.name() else { return nil }
            self = .message(from: from, text: fields.rest())
        case "DM":
            guard let from = fields.name(), let to = fields.name() else { return nil }
            self = .directMessage(from: from, to: to, text: fields.rest())
        case "USERS":
            var names: [String] = []
            while !fields.atEnd {
                guard let name = fields.name() else { return nil }
                names.append(name)
            }
            self = .users(names)
        case "HELP":
            self = .help(fields.rest())
        case "PONG":
            let token = fields.rest()
            self = .pong(token.isEmpty ? nil : token)
        case "ERROR":
            guard let word = fields.next(), let code = ErrorCode(rawValue: String(word)) else { return nil }
            self = .error(code, fields.rest())
        case "BYE":
            self = .bye(fields.rest())
        case "HISTORY":
            guard let message = fields.storedMessage() else { return nil }
            self = .history(message)
        case "HISTORY-END":
            guard let count = fields.count(), fields.atEnd else { return nil }
            self = .historyEnd(count: count)
        case "FOUND":
            guard let message = fields.storedMessage() else { return nil }
            self = .found(message)
        case "FOUND-END":
            guard let count = fields.count(), fields.atEnd else { return nil }
            self = .foundEnd(count: count)
        case "CAPS":
            var capabilities: [Capability] = []
            while !fields.atEnd {
                guard let word = fields.next(), let capability = Capability(rawValue: String(word)) else { return nil }
                capabilities.append(capability)
            }
            self = .caps(capabilities)
        case "REGISTERED":
            guard let name = fields.name(), fields.atEnd else { return nil }
            self = .registered(name)
        case "LOGGED-IN":
            guard let name = fields.name(), fields.atEnd else { return nil }
            self = .loggedIn(name)
        case "PASSWORD-CHANGED":
            guard fields.atEnd else { return nil }
            self = .passwordChanged
        case "UNBANNED":
            guard let target = fields.next(), fields.atEnd else { return nil }
            self = .unbanned(String(target))
        case "BAN":
            guard let entry = fields.banEntry() else { return nil }
            self = .ban(entry)
        case "BANS-END":
            guard let count = fields.count(), fields.atEnd else { return nil }
            self = .bansEnd(count: count)
        case "MUTED":
            guard let name = fields.name(), fields.atEnd else { return nil }
            self = .muted(name)
        case "UNMUTED":
            guard let name = fields.name(), fields.atEnd else { return nil }
            self = .unmuted(name)
        default:
            return nil
        }
    }
}

/// Reads space-separated fields from the front of a line.
private struct FieldReader {
    private var remaining: Substring.UnicodeScalarView

    init(_ line: Substring) { remaining = line.unicodeScalars }

    var atEnd: Bool { remaining.isEmpty }

    /// The next field, consuming the single space after it.
    mutating func next() -> Substring? {
        guard !remaining.isEmpty else { return nil }
        let end = remaining.firstIndex(of: " ") ?? remaining.endIndex
        let field = Substring(remaining[..<end])
        remaining = end < remaining.endIndex ? remaining[remaining.index(after: end)...] : remaining[end...]
        return field.isEmpty ? nil : field
    }

    /// The next field, if it is a valid name.
    mutating func name() -> String? {
        guard let field = next(), Name.isValid(field) else { return nil }
        return String(field)
    }

    /// The next field, if it is a decimal id.
    mutating func id() -> UInt64? {
        next().flatMap(DecimalField.parseCanonical)
    }

    /// The next field, if it is a decimal count.
    mutating func count() -> Int? {
        guard let value = id(), value <= UInt64(Int.max) else { return nil }
        return Int(value)
    }

    /// `ID TIME FROM TEXT`, the rest of a `HISTORY` or `FOUND` line.
    mutating func storedMessage() -> StoredMessage? {
        guard let id = id(), let field = next(), let time = Timestamp(rfc3339: field), let from = name() else {
            return nil
        }
        return StoredMessage(id: id, time: time, from: from, text: rest())
    }

    /// `KIND TARGET UNTIL BY REASON`, the rest of a `BAN` line; an account's TARGET is a name.
    mutating func banEntry() -> BanEntry? {
        guard let word = next(), let kind = BanEntry.Kind(rawValue: String(word)), let target = next(),
            kind == .address || Name.isValid(target), let untilField = next(), let by = name()
        else { return nil }
        let until: Timestamp?
        if untilField == "never" {
            until = nil
        } else {
            guard let time = Timestamp(rfc3339: untilField) else { return nil }
            until = time
        }
        return BanEntry(kind: kind, target: String(target), until: until, by: by, reason: rest())
    }

    /// Everything left, as the free TEXT field.
    mutating func rest() -> String {
        defer { remaining = remaining[remaining.endIndex...] }
        return String(Substring(remaining))
    }
}
