import CSQLite
import ChatSystem
import Glibc

/// The room's history in an SQLite file: WAL mode, a full-text index (FTS5) over the texts, forward
/// migrations.
///
/// **Threads.** One writer connection, behind its own lock, does every write: ``append(_:)``,
/// ``prune(keepNewest:olderThanMilliseconds:limit:)`` and ``catchUp(atLeast:atMost:)`` (the full-text
/// index). The server calls all three from its one store thread, so that lock, the only one of the store's
/// held across a disk write, is never waited for (it only keeps other callers correct); ``lastID`` and
/// ``count`` are kept apart, behind a lock held for no I/O. Queries use separate reader
/// connections (``Options/readers``, each behind its own lock, taken in turn), so in WAL mode a read never
/// waits for the writer nor the writer for a read: a reader sees the last commit made before its query began.
/// A thread of the store's own copies the write-ahead log into the file (``Checkpointer``), so that no append
/// waits for a checkpoint.
///
/// **Durability.** `synchronous=NORMAL` in WAL mode: a transaction is in the write-ahead log, in the
/// operating system's hands, when ``append(_:)`` returns. It survives the process being killed at any
/// moment (`kill -9`, a crash). It does not survive the machine losing power or the kernel crashing
/// before the log reaches the disk: the last transactions committed before that may be lost (the file
/// stays consistent; it rolls back to an earlier commit). `synchronous=FULL` would close that gap with an
/// fsync per commit.
///
/// **One process per file.** Ids are assigned by the one server that owns the file; a second process
/// appending to the same file would meet `SQLITE_CONSTRAINT` on its ids.
///
/// **Backups.** ``backup(to:)`` writes a consistent copy while the store runs (`VACUUM INTO`); so does
/// `sqlite3 PATH ".backup COPY"` from outside. Copying the file with `cp` while the server runs does not
/// give a consistent copy (the write-ahead log holds the latest commits).
public final class SQLiteMessageStore: MessageStore {
    /// Tuning that tests and benchmarks may change.
    public struct Options: Sendable {
        /// Reader connections for queries (at least 1).
        public var readers: Int = 2
        /// How long a connection waits for a lock another connection holds before failing with `SQLITE_BUSY`.
        public var busyTimeoutMilliseconds: Int32 = 5_000
        /// The size the write-ahead log is cut back to after a checkpoint, so a burst does not leave it large.
        public var journalSizeLimitBytes: Int = 64 << 20
        /// How often the checkpoint thread copies what was committed from the write-ahead log into the file.
        public var checkpointIntervalMilliseconds: Int32 = 200

        public init() {}
    }

    /// The file's path, as given.
    public let path: String
    private let writer: Locked<Writer>
    /// The writer's ``Writer/lastID`` and ``Writer/count``, as of its last write, for any thread to read.
    private let counts: Locked<(lastID: UInt64, count: Int)>
    private let readers: [Locked<Reader>]
    private let nextReader = Locked(0)
    private let checkpointer: Checkpointer

    /// Opens the store at `path`, creating it (and its schema) if there is no file, and migrating one made
    /// by an earlier release.
    ///
    /// - Throws: ``StoreError/cannotOpen(path:reason:)`` with the reason: no permission, not a database,
    ///   corrupt, not a chatroom store, made by a newer release, read-only. Nothing is changed then.
    public convenience init(path: String, options: Options = Options()) throws(StoreError) {
        try self.init(path: path, options: options, migrations: Schema.migrations)
    }

    /// Opens the store with a given list of migrations (tests add a version to check migration itself).
    init(path: String, options: Options, migrations: [Schema.Migration]) throws(StoreError) {
        self.path = path
        func refuse(_ reason: OpenFailure) -> StoreError { .cannotOpen(path: path, reason: reason) }
        do {
            let connection = try StoreFile.open(
                path: path, migrations: migrations, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
            let writer = Locked(
                try Writer(connection, journalSizeLimit: options.journalSizeLimitBytes, checkpointsApart: true))
            self.writer = writer
            counts = Locked(writer.withLock { ($0.lastID, $0.count) })
            checkpointer = try Checkpointer(path: path, intervalMilliseconds: options.checkpointIntervalMilliseconds)
            if !checkpointer.start() {
                // No thread: the writer checkpoints by itself; searches match what is not indexed themselves.
                try connection.execute("PRAGMA wal_autocheckpoint = 1000")
            }
            var readers: [Locked<Reader>] = []
            for _ in 0..<max(1, options.readers) {
                let reader = try Connection(path: path, flags: SQLITE_OPEN_READWRITE)
                sqlite3_busy_timeout(reader.handle, options.busyTimeoutMilliseconds)
                readers.append(Locked(try Reader(reader)))
            }
            self.readers = readers
        } catch let failure as SQLiteFailure {
            throw refuse(OpenFailure(failure, path: path))
        } catch let error as StoreError {
            throw error
        } catch {
            throw refuse(.other("\(error)"))
        }
    }

    deinit {
        checkpointer.stop()
    }

    // MARK: MessageStore

    public var keepsMessages: Bool { true }

    public var lastID: UInt64 { counts.withLock { $0.lastID } }

    /// The number of messages stored now.
    public var count: Int { counts.withLock { $0.count } }

    public func append(_ messages: [StoredMessage]) throws(StoreError) {
        guard !messages.isEmpty else { return }
        try write { (writer: Writer) throws(StoreError) in try writer.append(messages) }
        checkpointer.noteCommit()
    }

    /// Runs a write on the writer connection, then publishes its ``lastID`` and ``count``.
    private func write<Result>(_ body: (Writer) throws(StoreError) -> Result) throws(StoreError) -> Result {
        let (result, lastID, count) = try writer.withLock { (writer: inout Writer) throws(StoreError) in
            (try body(writer), writer.lastID, writer.count)
        }
        counts.withLock { $0 = (lastID, count) }
        return result
    }

    public func latest(_ count: Int) throws(StoreError) -> [StoredMessage] {
        guard count > 0 else { return [] }
        return try read { reader throws(SQLiteFailure) in
            try reader.messages(reader.latest, Int64(count)).reversed()
        }
    }

    public func before(_ id: UInt64, _ count: Int) throws(StoreError) -> [StoredMessage] {
        guard count > 0, id > 1 else { return [] }
        // Every id SQLite can hold is below one past its range.
        guard id <= UInt64(Int64.max) else { return try latest(count) }
        return try read { reader throws(SQLiteFailure) in
            try reader.messages(reader.before, Int64(id), Int64(count)).reversed()
        }
    }

    public func after(_ id: UInt64, _ count: Int) throws(StoreError) -> [StoredMessage] {
        guard count > 0, id < UInt64(Int64.max) else { return [] }
        return try read { reader throws(SQLiteFailure) in
            try reader.messages(reader.after, Int64(id), Int64(count))
        }
    }

    /// Adds up to `limit` appended messages to the full-text index in one transaction, when at least
    /// `minimum` wait for it.
    ///
    /// Appends leave the index to this (see ``Writer/indexPending(limit:)``): FTS5 costs far less a message
    /// indexed a few hundred at a time than one committed alone.
    public func catchUp(atLeast minimum: Int, atMost limit: Int) throws(StoreError) -> Int {
        try write { (writer: Writer) throws(StoreError) in
            writer.lastID - writer.indexedUpTo < UInt64(max(1, minimum)) ? 0 : try writer.indexPending(limit: limit)
        }
    }

    /// Brings the full-text index up to date now (searches never need it, since they match what is not
    /// indexed yet themselves).
    public func catchUpIndex() throws(StoreError) {
        while try catchUp(atLeast: 1, atMost: 512) > 0 {}
    }

    public func search(_ text: String, limit: Int) throws(StoreError) -> [StoredMessage] {
        guard limit > 0, let query = SearchQuery.match(for: text) else { return [] }
        return try read { reader throws(SQLiteFailure) in
            try reader.search(query, limit: limit).reversed()
        }
    }

    public func prune(keepNewest: Int, olderThanMilliseconds: Int64?, limit: Int) throws(StoreError) -> Int {
        guard limit > 0, keepNewest > 0 || olderThanMilliseconds != nil else { return 0 }
        let removed = try write { (writer: Writer) throws(StoreError) in
            try writer.prune(keepNewest: keepNewest, olderThan: olderThanMilliseconds, limit: limit)
        }
        if removed > 0 { checkpointer.noteCommit() }
        return removed
    }

    // MARK: Backup

    /// Writes a consistent copy of the store to `path` (`VACUUM INTO`), while appends go on.
    ///
    /// The copy holds every message committed before the copy began, and none after: a snapshot, compacted,
    /// that opens as a store of its own. It runs on a connection of its own, so neither appends nor queries
    /// wait for it. From outside the process, `sqlite3 STORE ".backup COPY"` does the same.
    ///
    /// - Parameter path: Where to write the copy; there must be no file there yet.
    /// - Throws: ``StoreError/backupFailed(path:reason:)`` (the file exists, no space, ...).
    public func backup(to path: String) throws(StoreError) {
        do {
            let connection = try Connection(path: self.path, flags: SQLITE_OPEN_READWRITE)
            let vacuum = try connection.prepare("VACUUM INTO ?1")
            try vacuum.bind(1, path)
            try vacuum.run()
        } catch {
            throw .backupFailed(path: path, reason: error.description)
        }
    }

    // MARK: Reading

    /// Runs `body` on the next reader connection, in turn, so concurrent queries spread over them.
    private func read<Result>(_ body: (Reader) throws(SQLiteFailure) -> Result) throws(StoreError) -> Result {
        let index = nextReader.withLock { next in
            defer { next = (next + 1) % readers.count }
            return next
        }
        return try readers[index].withLock { (reader: inout Reader) throws(StoreError) in
            do throws(SQLiteFailure) {
                return try body(reader)
            } catch {
                throw .readFailed(reason: error.description)
            }
        }
    }
}
