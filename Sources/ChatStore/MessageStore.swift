/// Where the room's history lives: the interface the server depends on.
///
/// The server assigns ids (``lastID`` + 1 at start, then one more per broadcast), commits each group of
/// broadcasts with ``append(_:)`` before it delivers any of them, and answers `/history` and `/search`
/// from the queries. ``SQLiteMessageStore`` keeps the history in a file; ``NoStore`` keeps nothing
/// (`--store none`). A second implementation (PostgreSQL, for several server nodes) conforms to the same
/// protocol, so delivery does not change with it.
///
/// Every method may block on I/O: call them from threads that may wait, never while holding a lock that
/// delivery needs. Queries may run on any thread and at the same time as ``append(_:)``.
public protocol MessageStore: AnyObject, Sendable {
    /// Whether the store keeps messages at all (`false` for ``NoStore``).
    var keepsMessages: Bool { get }

    /// The highest id ever stored (0 for a new or empty store): the server's next id is one more.
    ///
    /// It never goes back, not even when pruning has removed every message.
    var lastID: UInt64 { get }

    /// Stores `messages` in one transaction: all of them or, on a failure, none.
    ///
    /// - Parameter messages: Broadcasts in the order they are to be delivered; their ids strictly increasing
    ///   and above ``lastID``.
    /// - Throws: ``StoreError/writeFailed(reason:)`` when the store cannot write (disk full, file too large,
    ///   I/O error): nothing of the group is stored, and the same messages may be appended again later, with
    ///   the same ids. ``StoreError/idNotIncreasing(id:last:)`` for ids out of order.
    func append(_ messages: [StoredMessage]) throws(StoreError)

    /// The `count` newest messages, oldest first.
    func latest(_ count: Int) throws(StoreError) -> [StoredMessage]

    /// The `count` newest messages with an id below `id`, oldest first.
    func before(_ id: UInt64, _ count: Int) throws(StoreError) -> [StoredMessage]

    /// The `count` oldest messages with an id above `id`, oldest first.
    func after(_ id: UInt64, _ count: Int) throws(StoreError) -> [StoredMessage]

    /// The `limit` newest messages whose text holds every word of `text`, oldest first.
    ///
    /// Words are runs of letters and digits (any script), matched without regard to case or to the accents
    /// of Latin letters (`cafe` finds `Café`); a word that ends in `*` matches any word it begins. Nothing
    /// else in `text` means anything: quotes, operators, colons and parentheses are plain separators. Text
    /// without a word matches nothing.
    func search(_ text: String, limit: Int) throws(StoreError) -> [StoredMessage]

    /// Removes up to `limit` of the oldest messages, in one short transaction, while the store holds more
    /// than `keepNewest` messages or the oldest is older than `olderThanMilliseconds`.
    ///
    /// Only the oldest go, so the history stays one unbroken run of ids; the newest message is never
    /// removed. Call again while it returns `limit`: between calls, ``append(_:)`` is free to run.
    ///
    /// Each call is a transaction with a fixed cost (for SQLite, about that of an append): at a steady flow,
    /// prune once per few hundred messages appended (a `limit` of about 1,000), not after every group,
    /// which costs twice as much per message removed.
    ///
    /// - Parameters:
    ///   - keepNewest: How many messages to keep; 0 keeps any number.
    ///   - olderThanMilliseconds: A time in milliseconds since the Unix epoch; messages stamped earlier go.
    ///     `nil` keeps messages of any age.
    ///   - limit: The most messages one call removes.
    /// - Returns: How many messages were removed.
    func prune(keepNewest: Int, olderThanMilliseconds: Int64?, limit: Int) throws(StoreError) -> Int

    /// Does upkeep that ``append(_:)`` leaves for later, a bounded step at a time: for SQLite, adding
    /// appended messages to the full-text index (searches match what is not indexed yet themselves, so this
    /// is about cost, never about what a search finds).
    ///
    /// Call it from the thread that appends, when no broadcast waits: a step is one short transaction.
    ///
    /// - Parameters:
    ///   - minimum: Do nothing unless at least this much is due (1: anything).
    ///   - limit: The most messages one step takes.
    /// - Returns: How many messages the step took (0: nothing done).
    func catchUp(atLeast minimum: Int, atMost limit: Int) throws(StoreError) -> Int
}

extension MessageStore {
    /// No upkeep to do.
    public func catchUp(atLeast minimum: Int, atMost limit: Int) throws(StoreError) -> Int { 0 }

    /// Prunes in batches of `batch` until nothing more is due (see ``prune(keepNewest:olderThanMilliseconds:limit:)``).
    ///
    /// - Returns: How many messages were removed in all.
    @discardableResult
    public func prune(keepNewest: Int, olderThanMilliseconds: Int64?, batch: Int = 500) throws(StoreError) -> Int {
        var removed = 0
        while true {
            let step = try prune(keepNewest: keepNewest, olderThanMilliseconds: olderThanMilliseconds, limit: batch)
            removed += step
            if step < batch { return removed }
        }
    }
}
