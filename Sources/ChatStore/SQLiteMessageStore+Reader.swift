import CSQLite

extension SQLiteMessageStore {
    /// A reader connection and its prepared queries.
    ///
    /// `@unchecked Sendable`: touched only inside its `Locked<Reader>`, by one thread at a time.
    final class Reader: @unchecked Sendable {
        private let connection: Connection
        let latest: Statement
        let before: Statement
        let after: Statement
        /// Binds the FTS5 query as ?1 (never as SQL text) and the limit as ?2.
        let search: Statement

        init(_ connection: Connection) throws(SQLiteFailure) {
            self.connection = connection
            try connection.execute("PRAGMA query_only = ON")
            let columns = "SELECT id, time, sender, text FROM messages"
            latest = try connection.prepare("\(columns) ORDER BY id DESC LIMIT ?1")
            before = try connection.prepare("\(columns) WHERE id < ?1 ORDER BY id DESC LIMIT ?2")
            after = try connection.prepare("\(columns) WHERE id > ?1 ORDER BY id LIMIT ?2")
            // FTS5 walks its matches newest first and stops at the limit; each is then read from messages.
            search = try connection.prepare(
                """
                SELECT m.id, m.time, m.sender, m.text FROM messages_fts JOIN messages AS m ON m.id = messages_fts.rowid
                WHERE messages_fts MATCH ?1 ORDER BY messages_fts.rowid DESC LIMIT ?2
                """
            )
        }

        /// Binds `values` from the first unbound parameter on (`first`), runs `statement` and reads its rows.
        func messages(_ statement: Statement, _ values: Int64..., from first: Int32 = 1) throws(SQLiteFailure)
            -> [StoredMessage]
        {
            defer { statement.reset() }
            for (offset, value) in values.enumerated() {
                try statement.bind(first + Int32(offset), value)
            }
            var messages: [StoredMessage] = []
            while try statement.step() {
                messages.append(
                    StoredMessage(
                        id: UInt64(clamping: statement.int64(0)), time: statement.int64(1), from: statement.text(2),
                        text: statement.text(3)))
            }
            return messages
        }
    }
}
