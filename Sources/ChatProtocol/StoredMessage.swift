/// A message as the server's store keeps it: the body of a `HISTORY` or `FOUND` line (v1.1).
public struct StoredMessage: Equatable, Hashable, Sendable {
    /// The message's id in the store. Ids grow in the order the server accepted the messages, so they,
    /// not the times, define the order.
    public var id: UInt64
    /// When the server accepted the message, by its wall clock.
    public var time: Timestamp
    /// The sender's name when the message was sent.
    public var from: String
    /// The text, as it was broadcast.
    public var text: String

    public init(id: UInt64, time: Timestamp, from: String, text: String) {
        self.id = id
        self.time = time
        self.from = from
        self.text = text
    }

    /// The fields after the event word: `ID TIME FROM TEXT`.
    var wireFields: String { "\(id) \(time.rfc3339) \(from) \(text)" }
}
