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
        private let index: Statement
        private let oldest: Statement
        private let unindex: Statement
        private let delete: Statement
        private let raiseHighWater: Statement
        /// The highest id ever stored.
        private(set) var lastID: UInt64
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
            index = try connection.prepare("INSERT INTO messages_fts(rowid, text) VALUES (?1, ?2)")
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
            let highWater = try connection.integer("SELECT value FROM store_meta WHERE key = 'high_water_id'") ?? 0
            let newest = try connection.integer("SELECT max(id) FROM messages") ?? 0
            lastID = UInt64(max(0, highWater, newest))
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
                    try index.bind(1, Int64(message.id))
                    try index.bind(2, message.text)
                    try index.run()
                }
                // One small write per group, so that ids never go back even if every row were deleted.
                try raiseHighWater.bind(1, Int64(last))
                try raiseHighWater.run()
                try commit.run()
            } catch {
                rollBack()
                throw .writeFailed(reason: error.description)
            }
            lastID = last
            count += messages.count
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
                try unindex.bind(1, end)
                try unindex.run()
                try delete.bind(1, end)
                try delete.run()
                try commit.run()
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
