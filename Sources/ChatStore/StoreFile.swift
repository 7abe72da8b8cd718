import CSQLite

/// Opening a store's file: what ``SQLiteMessageStore`` and ``SQLiteAccountStore`` share, since both keep
/// their tables in the one file and open it, possibly from two processes at once (the server, and its
/// `accounts` subcommands).
enum StoreFile {
    /// Opens the file at `path` (creating it when missing), checks that it is a chatroom store this
    /// release can use, and runs the migrations it has not had.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - migrations: The schema's steps (``Schema/migrations``; tests add some).
    ///   - busyTimeoutMilliseconds: How long the connection waits for another's lock.
    /// - Returns: A connection in WAL mode, `synchronous=NORMAL`, with the busy timeout set.
    /// - Throws: ``StoreError/cannotOpen(path:reason:)``, and then nothing was changed.
    static func open(
        path: String, migrations: [Schema.Migration], busyTimeoutMilliseconds: Int32
    ) throws(StoreError) -> Connection {
        let connection: Connection
        do {
            connection = try Connection(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        } catch {
            throw .cannotOpen(path: path, reason: OpenFailure(error, path: path))
        }
        sqlite3_busy_timeout(connection.handle, busyTimeoutMilliseconds)
        try checkAndMigrate(connection, path: path, migrations: migrations)
        return connection
    }

    private static func checkAndMigrate(
        _ connection: Connection, path: String, migrations: [Schema.Migration]
    ) throws(StoreError) {
        func refuse(_ reason: OpenFailure) -> StoreError { .cannotOpen(path: path, reason: reason) }
        do {
            // Reading the header: a file that is not a database fails here, with SQLITE_NOTADB.
            let version = Int(try connection.integer("PRAGMA user_version") ?? 0)
            let application = Int32(truncatingIfNeeded: try connection.integer("PRAGMA application_id") ?? 0)
            // Parsing the schema: a damaged one fails here, with SQLITE_CORRUPT.
            let objects = try connection.integer("SELECT count(*) FROM sqlite_schema") ?? 0
            if application != Schema.applicationID && (application != 0 || version != 0 || objects > 0) {
                throw refuse(.notAStore)
            }
            if version < 0 { throw refuse(.notAStore) }
            if version > migrations.count { throw refuse(.newerSchema(found: version, supported: migrations.count)) }
            guard try connection.text("PRAGMA journal_mode = WAL")?.lowercased() == "wal" else {
                throw refuse(.other("the file system does not support the write-ahead log (journal_mode=WAL)"))
            }
            try connection.execute("PRAGMA synchronous = NORMAL")
            for next in migrations.indices.dropFirst(version).map({ $0 + 1 }) {
                try connection.execute("BEGIN IMMEDIATE")
                do {
                    // Another process (a server and its `accounts` subcommand, started together) may have
                    // run this step while this one waited for the lock: run it only if it still is due.
                    let now = Int(try connection.integer("PRAGMA user_version") ?? 0)
                    if now > migrations.count { throw refuse(.newerSchema(found: now, supported: migrations.count)) }
                    if now < next {
                        try connection.execute(migrations[next - 1].sql)
                        try connection.execute("PRAGMA user_version = \(next)")
                    }
                    try connection.execute("COMMIT")
                } catch {
                    if connection.inTransaction { try? connection.execute("ROLLBACK") }
                    throw error
                }
            }
            // A store that can be read but not written is refused now, not at the first write.
            try connection.execute(
                "BEGIN IMMEDIATE; UPDATE store_meta SET value = value WHERE key = 'high_water_id'; COMMIT")
        } catch let failure as SQLiteFailure {
            if connection.inTransaction { try? connection.execute("ROLLBACK") }
            throw refuse(OpenFailure(failure, path: path))
        } catch let error as StoreError {
            throw error
        } catch {
            throw refuse(.other("\(error)"))
        }
    }
}
