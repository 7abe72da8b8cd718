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
        let beginRead: Statement
        let endRead: Statement
        /// Up to which id the index holds every message (no row: all of them).
        let indexedMark: Statement
        /// The messages after ?1, the ones the index does not hold yet.
        let unindexed: Statement
        /// An in-memory index of those, rebuilt for each search that has any (see ``SQLiteMessageStore/search(_:limit:)``).
        private let tail: Connection
        private let tailClear: Statement
        private let tailAdd: Statement
        /// Binds the FTS5 query as ?1 and the limit as ?2; gives the matching ids, newest first.
        let tailSearch: Statement

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
            beginRead = try connection.prepare("BEGIN")
            endRead = try connection.prepare("COMMIT")
            indexedMark = try connection.prepare("SELECT value FROM store_meta WHERE key = 'indexed_id'")
            unindexed = try connection.prepare("\(columns) WHERE id > ?1 ORDER BY id")
            tail = try Connection(path: ":memory:", flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            try tail.execute(
                "CREATE VIRTUAL TABLE tail USING fts5(text, tokenize = 'unicode61 remove_diacritics 2', columnsize = 0)")
            tailClear = try tail.prepare("DELETE FROM tail")
            tailAdd = try tail.prepare("INSERT INTO tail(rowid, text) VALUES (?1, ?2)")
            tailSearch = try tail.prepare("SELECT rowid FROM tail WHERE tail MATCH ?1 ORDER BY rowid DESC LIMIT ?2")
        }

        /// The newest `limit` messages matching `query` (an FTS5 query from ``SearchQuery``), newest first:
        /// from the index, and from the messages stored since the index last caught up, matched by the same
        /// tokenizer in an in-memory index, all in one read transaction so the two parts meet exactly.
        func search(_ query: String, limit: Int) throws(SQLiteFailure) -> [StoredMessage] {
            try beginRead.run()
            defer { try? endRead.run() }
            let indexed: Int64
            do {
                defer { indexedMark.reset() }
                indexed = try indexedMark.step() ? indexedMark.int64(0) : Int64.max
            }
            var found: [StoredMessage] = []
            if indexed < Int64.max {
                let recent = try messages(unindexed, indexed)
                if !recent.isEmpty {
                    try tailClear.run()
                    for message in recent {
                        try tailAdd.bind(1, Int64(message.id))
                        try tailAdd.bind(2, message.text)
                        try tailAdd.run()
                    }
                    var matching: Set<Int64> = []
                    defer { tailSearch.reset() }
                    try tailSearch.bind(1, query)
                    try tailSearch.bind(2, Int64(limit))
                    while try tailSearch.step() { matching.insert(tailSearch.int64(0)) }
                    found = recent.reversed().filter { matching.contains(Int64($0.id)) }
                }
            }
            guard found.count < limit else { return Array(found.prefix(limit)) }
            try search.bind(1, query)
            return found + (try messages(search, Int64(limit - found.count), from: 2))
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
