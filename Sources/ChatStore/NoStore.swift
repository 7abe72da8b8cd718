/// The store of `--store none`: keeps nothing.
///
/// ``append(_:)`` succeeds at once, so delivery never waits; ``lastID`` is always 0, and the server counts
/// ids up from 1 itself; every query throws ``StoreError/unavailable``.
public final class NoStore: MessageStore {
    public init() {}

    public var keepsMessages: Bool { false }

    public var lastID: UInt64 { 0 }

    public func append(_ messages: [StoredMessage]) throws(StoreError) {}

    public func latest(_ count: Int) throws(StoreError) -> [StoredMessage] { throw .unavailable }

    public func before(_ id: UInt64, _ count: Int) throws(StoreError) -> [StoredMessage] { throw .unavailable }

    public func after(_ id: UInt64, _ count: Int) throws(StoreError) -> [StoredMessage] { throw .unavailable }

    public func search(_ text: String, limit: Int) throws(StoreError) -> [StoredMessage] { throw .unavailable }

    public func prune(keepNewest: Int, olderThanMilliseconds: Int64?, limit: Int) throws(StoreError) -> Int { 0 }
}
