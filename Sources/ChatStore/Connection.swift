import CSQLite

/// One SQLite connection, opened in SQLite's multi-thread mode (`SQLITE_OPEN_NOMUTEX`): SQLite does not
/// lock it, so the owner must use it from one thread at a time (``SQLiteMessageStore`` keeps each behind
/// its own `Locked`).
final class Connection {
    let handle: OpaquePointer

    /// Opens `path` with `flags` (`SQLITE_OPEN_READWRITE`, `SQLITE_OPEN_CREATE`).
    init(path: String, flags: Int32) throws(SQLiteFailure) {
        var connection: OpaquePointer?
        let rc = sqlite3_open_v2(path, &connection, flags | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nil)
        guard rc == SQLITE_OK, let connection else {
            let failure = SQLiteFailure(connection, code: rc)
            sqlite3_close_v2(connection)
            throw failure
        }
        handle = connection
    }

    deinit {
        // close_v2: the connection goes once the statements still prepared on it are finalized.
        sqlite3_close_v2(handle)
    }

    /// Runs SQL that returns no rows (DDL, pragmas), possibly several statements.
    func execute(_ sql: String) throws(SQLiteFailure) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw SQLiteFailure(handle, code: rc) }
    }

    /// The first column of the first row of a one-off query, or `nil` with no row.
    func integer(_ sql: String) throws(SQLiteFailure) -> Int64? {
        let statement = try Statement(handle, sql)
        defer { statement.reset() }
        return try statement.step() ? statement.int64(0) : nil
    }

    /// The first column of the first row of a one-off query as text, or `nil` with no row.
    func text(_ sql: String) throws(SQLiteFailure) -> String? {
        let statement = try Statement(handle, sql)
        defer { statement.reset() }
        return try statement.step() ? statement.text(0) : nil
    }

    func prepare(_ sql: String) throws(SQLiteFailure) -> Statement {
        try Statement(handle, sql)
    }

    /// Whether a transaction is open (SQLite rolls some back by itself after `SQLITE_FULL` or an I/O error).
    var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
}
