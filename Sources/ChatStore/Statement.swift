import CSQLite

/// A prepared statement, kept and reused: prepared once when its connection opens, reset after each use,
/// so the hot path never parses SQL.
///
/// Not thread-safe: it belongs to one ``Connection`` and is used under the same lock.
final class Statement {
    let handle: OpaquePointer

    init(_ connection: OpaquePointer, _ sql: String) throws(SQLiteFailure) {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw SQLiteFailure(connection, code: rc)
        }
        handle = statement
    }

    deinit {
        sqlite3_finalize(handle)
    }

    func bind(_ index: Int32, _ value: Int64) throws(SQLiteFailure) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    /// Binds `value`, or SQL NULL for `nil`.
    func bind(_ index: Int32, _ value: Int64?) throws(SQLiteFailure) {
        guard let value else { return try check(sqlite3_bind_null(handle, index)) }
        try bind(index, value)
    }

    func bind(_ index: Int32, _ text: String) throws(SQLiteFailure) {
        var text = text
        let rc = text.withUTF8 { bytes in
            // A nil pointer would bind SQL NULL: an empty string is bound from a literal instead.
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return CSQLite_bind_text(handle, index, "", 0) }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                CSQLite_bind_text(handle, index, $0, sqlite3_uint64(bytes.count))
            }
        }
        try check(rc)
    }

    /// Runs the statement to its next row.
    ///
    /// - Returns: `true` with a row to read, `false` when done.
    func step() throws(SQLiteFailure) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw SQLiteFailure(sqlite3_db_handle(handle), code: rc)
    }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws(SQLiteFailure) {
        defer { reset() }
        while try step() {}
    }

    /// Makes the statement ready for its next use and ends the read it holds open (so that checkpoints
    /// can proceed). Errors were already reported by ``step()``.
    func reset() {
        sqlite3_reset(handle)
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// The column's integer, or `nil` for SQL NULL.
    func optionalInt64(_ column: Int32) -> Int64? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
    }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    private func check(_ rc: Int32) throws(SQLiteFailure) {
        guard rc == SQLITE_OK else { throw SQLiteFailure(sqlite3_db_handle(handle), code: rc) }
    }
}
