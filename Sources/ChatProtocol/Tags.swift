/// The message tags of a server line (v1.1), in the IRCv3 message-tags form: `@id=42;time=... MSG alice hi`.
///
/// Only a connection that turned the matching ``Capability`` on gets them: `ids` gives `MSG` lines their
/// `id`; `time` gives `JOIN`, `LEAVE`, `NICK`, `MSG` and `DM` lines their `time`. No other line carries
/// tags, so a v1 client sees none.
public struct Tags: Equatable, Hashable, Sendable {
    /// The message's id in the store (the `id` tag, `MSG` only).
    public var id: UInt64?
    /// When the server accepted the event (the `time` tag).
    public var time: Timestamp?

    /// Creates tags; `nil` leaves a tag out.
    public init(id: UInt64? = nil, time: Timestamp? = nil) {
        self.id = id
        self.time = time
    }

    /// No tags: the line as v1 sends it.
    public static let none = Tags()

    /// Whether no tag is set.
    public var isEmpty: Bool { id == nil && time == nil }

    /// The tags a connection with these capabilities receives: `id` only with ``Capability/ids``, `time`
    /// only with ``Capability/time``.
    public func limited(to capabilities: Set<Capability>) -> Tags {
        Tags(id: capabilities.contains(.ids) ? id : nil, time: capabilities.contains(.time) ? time : nil)
    }

    /// The tags `event` can carry: `id` on `MSG`; `time` on `JOIN`, `LEAVE`, `NICK`, `MSG` and `DM`;
    /// nothing on any other line.
    ///
    /// Encoding drops the rest, so the same tags can be passed with any event. Two tag values with the same
    /// applicable tags encode an event to the same line (a `JOIN` is the same for `ids` as for none).
    public func applicable(to event: Event) -> Tags {
        switch event {
        case .message: self
        case .join, .leave, .nick, .directMessage: Tags(time: time)
        case .welcome, .users, .help, .pong, .error, .bye, .history, .historyEnd, .found, .foundEnd, .caps,
            .registered, .loggedIn, .passwordChanged, .unbanned, .ban, .bansEnd, .muted, .unmuted:
            .none
        }
    }

    /// Appends the tag prefix, `@id=ID;time=TIME ` (id first, `;` between, one space after), or nothing
    /// when no tag is set.
    func appendPrefix(to bytes: inout [UInt8]) {
        guard !isEmpty else { return }
        bytes.append(UInt8(ascii: "@"))
        if let id {
            bytes.append(contentsOf: "id=".utf8)
            bytes.append(contentsOf: String(id).utf8)
        }
        if let time {
            if id != nil { bytes.append(UInt8(ascii: ";")) }
            bytes.append(contentsOf: "time=".utf8)
            time.append(to: &bytes)
        }
        bytes.append(UInt8(ascii: " "))
    }

    /// The bytes ``appendPrefix(to:)`` writes.
    var prefixByteCount: Int {
        guard !isEmpty else { return 0 }
        var count = 2  // "@" and the space
        if let id { count += 3 + String(id).utf8.count }
        if time != nil { count += 5 + Timestamp.wireLength + (id != nil ? 1 : 0) }
        return count
    }
}

extension Event {
    /// The event as one line with those of `tags` that apply to it (see ``Tags/applicable(to:)``), without
    /// its line feed: `@id=42;time=2026-12-01T19:56:01.123Z MSG alice hi`.
    ///
    /// With no applicable tags this is ``wireLine``, exactly.
    public func wireLine(tags: Tags) -> String {
        let tags = tags.applicable(to: self)
        guard !tags.isEmpty else { return wireLine }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tags.prefixByteCount)
        tags.appendPrefix(to: &bytes)
        return String(decoding: bytes, as: UTF8.self) + wireLine
    }

    /// The event as the bytes sent on the wire, with those of `tags` that apply to it, line feed included.
    ///
    /// This is the whole line, ready to queue: a server encodes each variant of a broadcast (no tags, `id`,
    /// `time`, both) once and shares the bytes among the recipients that get that variant. With no
    /// applicable tags this is ``wireBytes``, exactly.
    public func wireBytes(tags: Tags) -> [UInt8] {
        let tags = tags.applicable(to: self)
        guard !tags.isEmpty else { return wireBytes }
        let line = wireLine
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tags.prefixByteCount + line.utf8.count + 1)
        tags.appendPrefix(to: &bytes)
        bytes.append(contentsOf: line.utf8)
        bytes.append(Wire.lineFeed)
        return bytes
    }
}
