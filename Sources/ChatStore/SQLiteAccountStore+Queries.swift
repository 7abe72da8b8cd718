import CSQLite

extension SQLiteAccountStore {
    /// One connection to the store's file and its prepared statements: what a caller takes from the pool.
    ///
    /// `@unchecked Sendable`: used by one thread at a time, the one that took it from the pool (no other
    /// thread can reach it until it is put back).
    final class Queries: @unchecked Sendable {
        let connection: Connection
        let begin: Statement
        let commit: Statement
        let rollback: Statement
        /// ?1 the key; gives name, password_hash, operator, created, last_login.
        let account: Statement
        /// Every account, with the columns of ``account``, in the order of their keys.
        let allAccounts: Statement
        /// ?1 key, ?2 name, ?3 password_hash, ?4 operator, ?5 created, ?6 last_login; no row when the key
        /// is taken.
        let insertAccount: Statement
        /// ?1 the key.
        let deleteAccount: Statement
        /// ?1 the key: the account's mute.
        let deleteAccountMute: Statement
        /// ?1 the key: the account's ban.
        let deleteAccountBan: Statement
        /// ?1 the key, ?2 the hash.
        let setPasswordHash: Statement
        /// ?1 the key, ?2 1 or 0.
        let setOperator: Statement
        /// ?1 the key, ?2 the time.
        let recordLogin: Statement
        /// ?1 now; gives kind, target, until, by, reason, created, oldest first.
        let activeBans: Statement
        /// ?1 kind, ?2 key, ?3 target, ?4 until, ?5 by, ?6 reason, ?7 created.
        let insertBan: Statement
        /// ?1 the key; gives each removed ban's until.
        let deleteBans: Statement
        /// ?1 the key, ?2 now; gives account, until, by, created.
        let activeMute: Statement
        /// ?1 key, ?2 account, ?3 until, ?4 by, ?5 created.
        let insertMute: Statement
        /// ?1 the key; gives the removed mute's until.
        let deleteMute: Statement

        /// Opens another connection to the file at `path`, which ``StoreFile/open(path:migrations:busyTimeoutMilliseconds:)``
        /// has already checked and migrated.
        convenience init(opening path: String, busyTimeoutMilliseconds: Int32) throws(SQLiteFailure) {
            let connection = try Connection(path: path, flags: SQLITE_OPEN_READWRITE)
            sqlite3_busy_timeout(connection.handle, busyTimeoutMilliseconds)
            try self.init(connection)
        }

        init(_ connection: Connection) throws(SQLiteFailure) {
            self.connection = connection
            // As the message store's writer: a commit is in the write-ahead log, in the system's hands, when it
            // returns, without an fsync that would hold the file's write lock (and so the next broadcast).
            try connection.execute("PRAGMA synchronous = NORMAL")
            begin = try connection.prepare("BEGIN IMMEDIATE")
            commit = try connection.prepare("COMMIT")
            rollback = try connection.prepare("ROLLBACK")
            let columns = "SELECT name, password_hash, operator, created, last_login FROM accounts"
            account = try connection.prepare("\(columns) WHERE key = ?1")
            allAccounts = try connection.prepare("\(columns) ORDER BY key")
            insertAccount = try connection.prepare(
                """
                INSERT INTO accounts(key, name, password_hash, operator, created, last_login)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(key) DO NOTHING
                """)
            deleteAccount = try connection.prepare("DELETE FROM accounts WHERE key = ?1")
            deleteAccountMute = try connection.prepare("DELETE FROM mutes WHERE key = ?1")
            deleteAccountBan = try connection.prepare("DELETE FROM bans WHERE kind = 'account' AND key = ?1")
            setPasswordHash = try connection.prepare("UPDATE accounts SET password_hash = ?2 WHERE key = ?1")
            setOperator = try connection.prepare("UPDATE accounts SET operator = ?2 WHERE key = ?1")
            recordLogin = try connection.prepare("UPDATE accounts SET last_login = ?2 WHERE key = ?1")
            activeBans = try connection.prepare(
                """
                SELECT kind, target, until, "by", reason, created FROM bans
                WHERE until IS NULL OR until > ?1 ORDER BY created, rowid
                """)
            // REPLACE deletes the old row and adds a new one: a replaced ban is listed by its new time.
            insertBan = try connection.prepare(
                """
                INSERT OR REPLACE INTO bans(kind, key, target, until, "by", reason, created)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                """)
            deleteBans = try connection.prepare("DELETE FROM bans WHERE key = ?1 RETURNING until")
            activeMute = try connection.prepare(
                """
                SELECT account, until, "by", created FROM mutes
                WHERE key = ?1 AND (until IS NULL OR until > ?2)
                """)
            insertMute = try connection.prepare(
                """
                INSERT OR REPLACE INTO mutes(key, account, until, "by", created) VALUES (?1, ?2, ?3, ?4, ?5)
                """)
            deleteMute = try connection.prepare("DELETE FROM mutes WHERE key = ?1 RETURNING until")
        }

        /// Rows changed by the last statement that finished.
        var changes: Int { Int(sqlite3_changes(connection.handle)) }

        /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`: it waits for the write lock up front,
        /// within the busy timeout, rather than failing when a read turns into a write).
        func transaction<Result>(_ body: () throws(SQLiteFailure) -> Result) throws(SQLiteFailure) -> Result {
            try begin.run()
            do {
                let result = try body()
                try commit.run()
                return result
            } catch {
                if connection.inTransaction { try? rollback.run() }
                throw error
            }
        }

        /// The account in the current row of `statement` (``account`` or ``allAccounts``).
        func accountRow(_ statement: Statement) -> AccountRecord {
            AccountRecord(
                name: statement.text(0), passwordHash: statement.text(1), isOperator: statement.int64(2) != 0,
                created: statement.int64(3), lastLogin: statement.optionalInt64(4))
        }

        /// Runs `statement` (a `DELETE ... RETURNING until`) to its end.
        ///
        /// - Returns: Whether a removed row was in force at `now` (its `until` NULL or after `now`).
        func removedOneInForce(_ statement: Statement, at now: Int64) throws(SQLiteFailure) -> Bool {
            defer { statement.reset() }
            var inForce = false
            while try statement.step() {
                if let until = statement.optionalInt64(0), until <= now { continue }
                inForce = true
            }
            return inForce
        }
    }
}
