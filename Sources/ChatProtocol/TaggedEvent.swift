/// A server line with its message tags (v1.1): what a client that turned capabilities on reads.
public struct TaggedEvent: Equatable, Sendable {
    /// The line's tags; ``Tags/none`` for an untagged line.
    public var tags: Tags
    /// The event after the tags.
    public var event: Event

    /// Pairs an event with tags.
    public init(_ event: Event, tags: Tags = .none) {
        self.event = event
        self.tags = tags
    }

    /// The line, with those of ``tags`` that apply to ``event``; see ``Event/wireLine(tags:)``.
    public var wireLine: String { event.wireLine(tags: tags) }

    /// Reads one decoded server line, tagged or not.
    ///
    /// A tagged line is `@TAGS EVENT`: one or more `key` or `key=value` tags joined by `;`, one space, and
    /// the event as ``Event/init(wireLine:)`` reads it. As in IRCv3, a key the protocol does not know is
    /// ignored (whatever its value) and a repeated key takes its last value. The known keys are strict:
    /// `id` must be a decimal number as the server writes it, `time` a ``Timestamp`` in its wire form.
    /// Tags are reported as the line holds them, also on an event that would not carry them.
    ///
    /// - Parameter line: The line without its line ending.
    /// - Returns: The tags and the event, or `nil` when the event is not well-formed, the tag section is
    ///   empty or holds an empty tag or key, or a known tag's value is malformed.
    public init?(wireLine line: some StringProtocol) {
        let line = Substring(line)
        let scalars = line.unicodeScalars
        guard scalars.first == "@" else {
            guard let event = Event(wireLine: line) else { return nil }
            self.init(event)
            return
        }
        guard let space = scalars.firstIndex(of: " ") else { return nil }
        let section = Substring(scalars[scalars.index(after: scalars.startIndex)..<space])
        guard let tags = Self.tags(section),
            let event = Event(wireLine: Substring(scalars[scalars.index(after: space)...]))
        else { return nil }
        self.init(event, tags: tags)
    }

    /// Reads the tags between the `@` and the space.
    private static func tags(_ section: Substring) -> Tags? {
        var tags = Tags.none
        for tag in section.unicodeScalars.split(separator: ";", omittingEmptySubsequences: false) {
            let equals = tag.firstIndex(of: "=")
            let key = Substring(tag[..<(equals ?? tag.endIndex)])
            let value = equals.map { Substring(tag[tag.index(after: $0)...]) }
            switch key {
            case "":
                return nil
            case "id":
                guard let value, let id = DecimalField.parseCanonical(value) else { return nil }
                tags.id = id
            case "time":
                guard let value, let time = Timestamp(rfc3339: value) else { return nil }
                tags.time = time
            default:
                continue
            }
        }
        return tags
    }
}
