import CSQLite

extension SQLiteMessageStore {
    /// The writer connection, its statements, and what the store knows of its contents.
    ///
    /// `@unchecked Sendable`: touched only inside the store's `Locked<Writer>`, by one thread at a time.
    final class Writer: @unchecked Sendable {
        private let connection: Connection
        private let begin: Statement
        private let commit: Statement
        private let rollback: Statement
        private let insert: Statement
        private let oldest: Statement
        private let unindex: Statement
        private let delete: Statement
        private let raiseHighWater: Statement
        private let indexRange: Statement
        private let recordIndexed: Statement
        /// The highest id ever stored: the newest message's, or `store_meta`'s `high_water_id` (which only a
        /// prune writes, before it removes messages) when that is higher.
        private(set) var lastID: UInt64
        /// Every message up to this id is in the full-text index (see ``indexPending(limit:)``).
        private(set) var indexedUpTo: UInt64
        /// The number of messages stored.
        private(set) var count: Int

        /// - Parameter checkpointsApart: Whether a ``Checkpointer`` copies the log, so the writer's commits
        ///   need not.
        init(_ connection: Connection, journalSizeLimit: Int, checkpointsApart: Bool) throws(SQLiteFailure) {
            self.connection = connection
            try connection.execute("PRAGMA journal_size_limit = \(journalSizeLimit)")
            if checkpointsApart { try connection.execute("PRAGMA wal_autocheckpoint = 0") }
            begin = try connection.prepare("BEGIN IMMEDIATE")
            commit = try connection.prepare("COMMIT")
            rollback = try connection.prepare("ROLLBACK")
            insert = try connection.prepare("INSERT INTO messages(id, time, sender, text) VALUES (?1, ?2, ?3, ?4)")
            oldest = try connection.prepare("SELECT id, time FROM messages ORDER BY id LIMIT ?1")
            // An external-content index forgets a row only when told its old text.
            unindex = try connection.prepare(
                """
                INSERT INTO messages_fts(messages_fts, rowid, text)
                SELECT 'delete', id, text FROM messages WHERE id <= ?1
                """)
            delete = try connection.prepare("DELETE FROM messages WHERE id <= ?1")
            raiseHighWater = try connection.prepare(
                "UPDATE store_meta SET value = max(value, ?1) WHERE key = 'high_water_id'")
            indexRange = try connection.prepare(
                "INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages WHERE id > ?1 AND id <= ?2")
            recordIndexed = try connection.prepare(
                "INSERT OR REPLACE INTO store_meta(key, value) VALUES ('indexed_id', ?1)")
            let highWater = try connection.integer("SELECT value FROM store_meta WHERE key = 'high_water_id'") ?? 0
            let newest = try connection.integer("SELECT max(id) FROM messages") ?? 0
            lastID = UInt64(max(0, highWater, newest))
            // A store without the mark was indexed as it was written.
            let indexed = try connection.integer("SELECT value FROM store_meta WHERE key = 'indexed_id'")
            indexedUpTo = indexed.map { UInt64(max(0, $0)) } ?? lastID
            count = Int(try connection.integer("SELECT count(*) FROM messages") ?? 0)
        }

        func append(_ messages: [StoredMessage]) throws(StoreError) {
            var last = lastID
            for message in messages {
                guard message.id > last else { throw .idNotIncreasing(id: message.id, last: last) }
                guard message.id <= UInt64(Int64.max) else {
                    throw .writeFailed(reason: "id \(message.id) is beyond SQLite's integers (at most 2^63 - 1)")
                }
                last = message.id
            }
            do {
                try begin.run()
                for message in messages {
                    try insert.bind(1, Int64(message.id))
                    try insert.bind(2, message.time)
                    try insert.bind(3, message.from)
                    try insert.bind(4, message.text)
                    try insert.run()
                }
                // No write of the high-water mark here: while a message is stored its id is the mark, and a
                // prune records the mark before it removes any (one page less for every group to write).
                try commit.run()
            } catch {
                rollBack()
                throw .writeFailed(reason: error.description)
            }
            lastID = last
            count += messages.count
        }

        /// Adds up to `limit` messages after ``indexedUpTo`` to the full-text index, in one transaction.
        ///
        /// Appends leave the index to this: FTS5 flushes a segment (and merges) per transaction, which cost
        /// 100 us a message committed alone, against 8 us a message indexed a few hundred at a time. Searches
        /// match the messages not indexed yet themselves (see ``SQLiteMessageStore/search(_:limit:)``).
        ///
        /// - Returns: How many ids the index moved over (0: it was up to date).
        func indexPending(limit: Int) throws(StoreError) -> Int {
            guard indexedUpTo < lastID else { return 0 }
            let upTo = min(lastID, indexedUpTo + UInt64(max(1, limit)))
            do {
                try begin.run()
                try indexRange.bind(1, Int64(indexedUpTo))
                try indexRange.bind(2, Int64(upTo))
                try indexRange.run()
                try recordIndexed.bind(1, Int64(upTo))
                try recordIndexed.run()
                try commit.run()
            } catch {
                rollBack()
                throw .writeFailed(reason: error.description)
            }
            defer { indexedUpTo = upTo }
            return Int(upTo - indexedUpTo)
        }

        func prune(keepNewest: Int, olderThan cutoff: Int64?, limit: Int) throws(StoreError) -> Int {
            do {
                try begin.run()
                var remaining = count
                var end: Int64?
                do {
                    defer { oldest.reset() }
                    try oldest.bind(1, Int64(limit))
                    while remaining > 1, try oldest.step() {
                        let overCount = keepNewest > 0 && remaining > keepNewest
                        let tooOld = cutoff.map { oldest.int64(1) < $0 } ?? false
                        guard overCount || tooOld else { break }
                        end = oldest.int64(0)
                        remaining -= 1
                    }
                }
                guard let end else {
                    try commit.run()
                    return 0
                }
                // Ids never go back, even once pruning had removed every message up to the newest.
                try raiseHighWater.bind(1, Int64(lastID))
                try raiseHighWater.run()
                // Only indexed messages are in the index; past them, the index starts after what goes.
                try unindex.bind(1, min(end, Int64(indexedUpTo)))
                try unindex.run()
                try delete.bind(1, end)
                try delete.run()
                let indexed = max(indexedUpTo, UInt64(end))
                if indexed != indexedUpTo {
                    try recordIndexed.bind(1, Int64(indexed))
                    try recordIndexed.run()
                }
                try commit.run()
                indexedUpTo = indexed
                let removed = count - remaining
                count = remaining
                return removed
            } catch {
                rollBack()
                throw .writeFailed(reason: error.description)
            }
        }

        /// Ends a failed transaction, unless SQLite already rolled it back itself (it does after some
        /// `SQLITE_FULL` and I/O errors).
        private func rollBack() {
            guard connection.inTransaction else { return }
            try? rollback.run()
        }
    }
}
