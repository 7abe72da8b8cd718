import ChatProtocol
import ChatStore

/// A stored message as the wire sends it (`HISTORY`, `FOUND`) and as the store keeps it (a row): the same
/// four fields, the time in the protocol's ``Timestamp`` or in the store's milliseconds.
extension ChatProtocol.StoredMessage {
    /// The message a store row holds.
    init(_ row: ChatStore.StoredMessage) {
        self.init(id: row.id, time: Timestamp(millisecondsSinceEpoch: row.time), from: row.from, text: row.text)
    }

    /// The row the store keeps for this message.
    var row: ChatStore.StoredMessage {
        ChatStore.StoredMessage(id: id, time: time.millisecondsSinceEpoch, from: from, text: text)
    }
}
