/// One broadcast as the store keeps it: what every client was sent, under the id it was sent with.
public struct StoredMessage: Sendable, Equatable {
    /// The message's place in the room's one order: strictly increasing, never reused.
    public var id: UInt64
    /// When the server took the message, in milliseconds since the Unix epoch (UTC).
    public var time: Int64
    /// The sender's name when it was sent (a later `NICK` does not change it).
    public var from: String
    /// The message's text.
    public var text: String

    public init(id: UInt64, time: Int64, from: String, text: String) {
        self.id = id
        self.time = time
        self.from = from
        self.text = text
    }
}
