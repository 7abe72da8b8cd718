import ChatProtocol

/// One line of the scrollback: something the server said or the client noted, with its time.
///
/// Facts that depend on who the user was when the line arrived (whether it is the user's own line,
/// whether it mentions them, which way a direct message went) are settled then and kept, and so is
/// whether its stamp shows the date (a line from an earlier day, a search result).
public struct ChatLine: Equatable, Sendable {
    /// What the line says.
    public enum Kind: Equatable, Sendable {
        /// A broadcast. `isOwn`: the user sent it; `mentionsMe`: its text names the user.
        case message(from: String, text: String, isOwn: Bool, mentionsMe: Bool)
        /// A direct message the user sent (to themselves too).
        case directSent(to: String, text: String)
        /// A direct message to the user.
        case directReceived(from: String, text: String)
        /// Someone joined.
        case joined(String)
        /// Someone left, and why.
        case left(String, LeaveReason)
        /// Someone was renamed; `isMe`: it was the user.
        case renamed(old: String, new: String, isMe: Bool)
        /// The `WELCOME` greeting and the name it gave.
        case welcome(name: String, text: String)
        /// A `USERS` reply the user asked for (automatic refreshes only update the sidebar).
        case users([String])
        /// One `HELP` line from the server.
        case help(String)
        /// A `PONG` the user asked for.
        case pong(String?)
        /// A refused command.
        case error(ErrorCode, String)
        /// The server's `BYE`.
        case bye(String)
        /// A `CAPS` reply the user asked for: the capabilities on for the connection (v1.1).
        case capabilities([String])
        /// The server's answer to an account or moderation command, worded for people (`logged in as
        /// alice`, `bob is muted`, a row of the `/bans` table).
        case reply(String)
        /// A note from the client itself (connection state, hosting, local help, ...).
        case notice(String)
        /// Something the client could not read or do; shown like an error.
        case problem(String)
        /// The lines after this one are from another day (`-- Tuesday 1 December 2026`).
        case dayChanged(LocalDate)
    }

    /// When the server took the message or sent the event (a stored message, or a live line with a `time`
    /// tag), or else when the line arrived, in local time.
    public var time: LocalTime
    /// What it says.
    public var kind: Kind
    /// The message's id in the server's store (v1.1), for a `MSG` that had one or a stored message in
    /// the history; `nil` for every other line, and for search results (which are not part of the history).
    public var id: UInt64?
    /// When the server took the message or sent the event (v1.1), when it said.
    public var serverTime: Timestamp?
    /// Whether the stamp shows the date as well as the time (`2026-11-30 15:41`).
    public var showsDate: Bool

    /// Creates a line.
    ///
    /// - Parameters:
    ///   - time: The local time it is stamped with.
    ///   - kind: What it says.
    ///   - id: The message's id in the server's store, if any.
    ///   - serverTime: When the server took the message or sent the event, if it said.
    ///   - showsDate: Whether the stamp shows the date.
    public init(
        time: LocalTime, kind: Kind, id: UInt64? = nil, serverTime: Timestamp? = nil, showsDate: Bool = false
    ) {
        self.time = time
        self.kind = kind
        self.id = id
        self.serverTime = serverTime
        self.showsDate = showsDate
    }

    /// The stamp before the line: `15:41`, or `2026-11-30 15:41` when it shows the date; empty for a
    /// day-change line, which names its day itself.
    public var stamp: String {
        if case .dayChanged = kind { return "" }
        return showsDate ? time.dated : time.description
    }
}

extension ChatLine {
    /// How a line reads, independent of any terminal: the marker before the text and the text.
    ///
    /// Plain mode prints `time marker+body`; the TUI styles the parts by ``role``.
    public struct Parts: Equatable, Sendable {
        /// What kind of line this is, for styling.
        public enum Role: Equatable, Sendable {
            /// A broadcast from someone else.
            case message
            /// A broadcast from the user.
            case ownMessage
            /// A broadcast that names the user.
            case mention
            /// A direct message, either way.
            case direct
            /// A join, leave or rename (shown dimmed).
            case membership
            /// Replies and greetings from the server (`USERS`, `HELP`, `PONG`, `WELCOME`, `BYE`, the answers to
            /// account and moderation commands).
            case info
            /// An `ERROR` from the server or a problem the client met.
            case error
            /// A note from the client.
            case notice
            /// A day-change line (shown dimmed, without a stamp).
            case dayChange
        }

        /// The marker before the text: `<alice> `, `-> bob: `, `* `.
        public var marker: String
        /// The name the marker shows, when there is one (its colour is derived from it).
        public var name: String?
        /// The text after the marker.
        public var body: String
        /// The kind of line.
        public var role: Role
    }

    /// The line split into marker and body.
    public var parts: Parts {
        switch kind {
        case .message(let from, let text, let isOwn, let mentionsMe):
            Parts(
                marker: "<\(from)> ", name: from, body: text,
                role: isOwn ? .ownMessage : mentionsMe ? .mention : .message)
        case .directSent(let to, let text):
            Parts(marker: "-> \(to): ", name: to, body: text, role: .direct)
        case .directReceived(let from, let text):
            Parts(marker: "<- \(from): ", name: from, body: text, role: .direct)
        case .joined(let name):
            Parts(marker: "* ", name: nil, body: "\(name) joined", role: .membership)
        case .left(let name, .kicked):
            Parts(marker: "* ", name: nil, body: "\(name) was kicked", role: .membership)
        case .left(let name, .banned):
            Parts(marker: "* ", name: nil, body: "\(name) was banned", role: .membership)
        case .left(let name, let reason):
            Parts(marker: "* ", name: nil, body: "\(name) left (\(Self.describe(reason)))", role: .membership)
        case .renamed(let old, let new, let isMe):
            Parts(
                marker: "* ", name: nil, body: isMe ? "you are now \(new)" : "\(old) is now \(new)", role: .membership)
        case .welcome(let name, let text):
            Parts(
                marker: "* ", name: nil, body: text.isEmpty ? "you are \(name)" : "\(text) (you are \(name))",
                role: .info)
        case .users(let names):
            Parts(
                marker: "* ", name: nil,
                body: "\(names.count) \(names.count == 1 ? "user" : "users"): \(names.joined(separator: ", "))",
                role: .info)
        case .help(let text):
            Parts(marker: "? ", name: nil, body: text, role: .info)
        case .pong(let token):
            Parts(marker: "* ", name: nil, body: token.map { "pong \($0)" } ?? "pong", role: .info)
        case .error(.muted, let text):
            // `you are muted for 10 more min` says it all.
            Parts(marker: "! ", name: nil, body: text, role: .error)
        case .error(let code, let text):
            Parts(marker: "! ", name: nil, body: "\(text) (\(code.rawValue))", role: .error)
        case .bye(let text) where text.hasPrefix("kicked by ") || text.hasPrefix("banned by "):
            Parts(marker: "! ", name: nil, body: "you were \(text)", role: .error)
        case .bye("logged in from another connection"):
            Parts(marker: "! ", name: nil, body: "you logged in from another connection, which took over", role: .error)
        case .bye(let text):
            Parts(marker: "* ", name: nil, body: "the server says goodbye: \(text)", role: .info)
        case .capabilities(let names):
            Parts(
                marker: "* ", name: nil,
                body: names.isEmpty ? "no capabilities on" : "capabilities on: \(names.joined(separator: " "))",
                role: .info)
        case .reply(let text):
            Parts(marker: "-- ", name: nil, body: text, role: .info)
        case .notice(let text):
            Parts(marker: "-- ", name: nil, body: text, role: .notice)
        case .problem(let text):
            Parts(marker: "! ", name: nil, body: text, role: .error)
        case .dayChanged(let date):
            Parts(marker: "-- ", name: nil, body: date.description, role: .dayChange)
        }
    }

    private static func describe(_ reason: LeaveReason) -> String {
        switch reason {
        case .quit: "quit"
        case .lost: "connection lost"
        case .slow: "dropped, too slow"
        case .kicked: "kicked"
        case .banned: "banned"
        }
    }

    /// Whether `text` names `name` as a word (case-insensitively; a word ends where name characters do).
    ///
    /// - Parameters:
    ///   - text: A message's text.
    ///   - name: The user's name.
    public static func text(_ text: String, mentions name: String) -> Bool {
        let needle = Array(Name.key(name).utf8)
        guard !needle.isEmpty else { return false }
        let haystack = Array(text.utf8)
        guard haystack.count >= needle.count else { return false }
        // The needle is lower case (a name key); the text is folded to lower case as it is compared.
        var start = 0
        while start + needle.count <= haystack.count {
            if haystack[start..<start + needle.count].lazy.map(Name.lowercased).elementsEqual(needle)
                && (start == 0 || !Name.isNameByte(haystack[start - 1]))
                && (start + needle.count == haystack.count || !Name.isNameByte(haystack[start + needle.count]))
            {
                return true
            }
            start += 1
        }
        return false
    }
}
