import CSQLite
import ChatSystem

/// Accounts, bans and mutes in the store's SQLite file, beside the history (tables `accounts`, `bans` and
/// `mutes`, schema version 2).
///
/// **Processes.** The server opens the file with its ``SQLiteMessageStore`` and with one of these; the
/// `accounts` subcommands open one of these on the same file while the server runs. Each change is one
/// short transaction, committed before the method returns, so the other process sees it at its next call.
/// A write waits for the file's write lock (which the server's history takes for each group of
/// broadcasts) for up to 5 seconds.
///
/// **Threads.** Any number of threads may call at once. Each call takes a connection from a small pool
/// (opening another when none is free), runs its statements with no lock held, and puts the connection
/// back, so no lock of this store is ever held across SQLite's I/O; in WAL mode reads never wait for a
/// write. Up to ``idleConnections`` connections stay open between calls.
///
/// **Names.** A name's key is its ASCII lowercase form (`Alice` and `ALICE` are one account); a record
/// keeps the spelling it was made with. The store checks no name rule: its callers do.
///
/// **Durability.** As the history: `synchronous=NORMAL` in WAL mode, so a change survives the process
/// being killed, and the last changes before a power loss may be lost (the file stays consistent).
///
/// **Errors.** A failed write is ``StoreError/writeFailed(reason:)``, a failed read
/// ``StoreError/readFailed(reason:)``, with SQLite's message, which never holds a bound value (a name, a
/// hash).
public final class SQLiteAccountStore: AccountStore {
    /// How long a call waits for another connection's lock (another process's, or the history's writer).
    static let busyTimeoutMilliseconds: Int32 = 5_000
    /// The most connections kept open while no call needs them.
    static let idleConnections = 4

    /// The file's path, as given.
    public let path: String
    /// Connections no call is using.
    private let idle: Locked<[Queries]>

    /// Opens the accounts in the store at `path`, creating the file (and its schema) if there is none, and
    /// migrating one made by an earlier release, as ``SQLiteMessageStore/init(path:options:)`` does.
    ///
    /// - Parameter path: The store's file, the one the history is in.
    /// - Throws: ``StoreError/cannotOpen(path:reason:)`` with the reason (no permission, not a database,
    ///   corrupt, not a chatroom store, made by a newer release, read-only); nothing is changed then.
    public init(path: String) throws(StoreError) {
        self.path = path
        let connection = try StoreFile.open(
            path: path, migrations: Schema.migrations, busyTimeoutMilliseconds: Self.busyTimeoutMilliseconds)
        do {
            idle = Locked([try Queries(connection)])
        } catch {
            throw .cannotOpen(path: path, reason: OpenFailure(error, path: path))
        }
    }

    /// The key under which `name` is unique: its ASCII lowercase form (every other byte as it is).
    static func key(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }, as: UTF8.self)
    }

    // MARK: Accounts

    public var keepsAccounts: Bool { true }

    public func account(named name: String) throws(StoreError) -> AccountRecord? {
        try read { queries throws(SQLiteFailure) in
            let statement = queries.account
            defer { statement.reset() }
            try statement.bind(1, Self.key(name))
            return try statement.step() ? queries.accountRow(statement) : nil
        }
    }

    public func createAccount(_ account: AccountRecord) throws(StoreError) -> Bool {
        try write { queries throws(SQLiteFailure) in
            let statement = queries.insertAccount
            try statement.bind(1, Self.key(account.name))
            try statement.bind(2, account.name)
            try statement.bind(3, account.passwordHash)
            try statement.bind(4, account.isOperator ? 1 : 0)
            try statement.bind(5, account.created)
            try statement.bind(6, account.lastLogin)
            try statement.run()
            return queries.changes == 1
        }
    }

    public func removeAccount(named name: String) throws(StoreError) -> Bool {
        let key = Self.key(name)
        return try write { queries throws(SQLiteFailure) in
            try queries.transaction { () throws(SQLiteFailure) in
                try queries.deleteAccount.bind(1, key)
                try queries.deleteAccount.run()
                guard queries.changes > 0 else { return false }
                try queries.deleteAccountMute.bind(1, key)
                try queries.deleteAccountMute.run()
                try queries.deleteAccountBan.bind(1, key)
                try queries.deleteAccountBan.run()
                return true
            }
        }
    }

    public func setPasswordHash(_ hash: String, forAccount name: String) throws(StoreError) -> Bool {
        try write { queries throws(SQLiteFailure) in
            try queries.setPasswordHash.bind(1, Self.key(name))
            try queries.setPasswordHash.bind(2, hash)
            try queries.setPasswordHash.run()
            return queries.changes > 0
        }
    }

    public func setOperator(_ isOperator: Bool, forAccount name: String) throws(StoreError) -> Bool {
        try write { queries throws(SQLiteFailure) in
            try queries.setOperator.bind(1, Self.key(name))
            try queries.setOperator.bind(2, isOperator ? 1 : 0)
            try queries.setOperator.run()
            return queries.changes > 0
        }
    }

    public func recordLogin(account name: String, at time: Int64) throws(StoreError) {
        try write { queries throws(SQLiteFailure) in
            try queries.recordLogin.bind(1, Self.key(name))
            try queries.recordLogin.bind(2, time)
            try queries.recordLogin.run()
        }
    }

    public func allAccounts() throws(StoreError) -> [AccountRecord] {
        try read { queries throws(SQLiteFailure) in
            let statement = queries.allAccounts
            defer { statement.reset() }
            var accounts: [AccountRecord] = []
            while try statement.step() { accounts.append(queries.accountRow(statement)) }
            return accounts
        }
    }

    // MARK: Bans

    public func bans(activeAt now: Int64) throws(StoreError) -> [BanRecord] {
        try read { queries throws(SQLiteFailure) in
            let statement = queries.activeBans
            defer { statement.reset() }
            try statement.bind(1, now)
            var bans: [BanRecord] = []
            while try statement.step() {
                // A kind a later release added is not this release's to enforce.
                guard let kind = BanRecord.Kind(rawValue: statement.text(0)) else { continue }
                bans.append(
                    BanRecord(
                        kind: kind, target: statement.text(1), until: statement.optionalInt64(2), by: statement.text(3),
                        reason: statement.text(4), created: statement.int64(5)))
            }
            return bans
        }
    }

    public func addBan(_ ban: BanRecord) throws(StoreError) {
        try write { queries throws(SQLiteFailure) in
            let statement = queries.insertBan
            try statement.bind(1, ban.kind.rawValue)
            try statement.bind(2, Self.key(ban.target))
            try statement.bind(3, ban.target)
            try statement.bind(4, ban.until)
            try statement.bind(5, ban.by)
            try statement.bind(6, ban.reason)
            try statement.bind(7, ban.created)
            try statement.run()
        }
    }

    public func removeBan(target: String, activeAt now: Int64) throws(StoreError) -> Bool {
        try write { queries throws(SQLiteFailure) in
            try queries.deleteBans.bind(1, Self.key(target))
            return try queries.removedOneInForce(queries.deleteBans, at: now)
        }
    }

    // MARK: Mutes

    public func mute(account name: String, activeAt now: Int64) throws(StoreError) -> MuteRecord? {
        try read { queries throws(SQLiteFailure) in
            let statement = queries.activeMute
            defer { statement.reset() }
            try statement.bind(1, Self.key(name))
            try statement.bind(2, now)
            guard try statement.step() else { return nil }
            return MuteRecord(
                account: statement.text(0), until: statement.optionalInt64(1), by: statement.text(2),
                created: statement.int64(3))
        }
    }

    public func setMute(_ mute: MuteRecord) throws(StoreError) {
        try write { queries throws(SQLiteFailure) in
            let statement = queries.insertMute
            try statement.bind(1, Self.key(mute.account))
            try statement.bind(2, mute.account)
            try statement.bind(3, mute.until)
            try statement.bind(4, mute.by)
            try statement.bind(5, mute.created)
            try statement.run()
        }
    }

    public func removeMute(account name: String, activeAt now: Int64) throws(StoreError) -> Bool {
        try write { queries throws(SQLiteFailure) in
            try queries.deleteMute.bind(1, Self.key(name))
            return try queries.removedOneInForce(queries.deleteMute, at: now)
        }
    }

    // MARK: The pool

    private func read<Result>(_ body: (Queries) throws(SQLiteFailure) -> Result) throws(StoreError) -> Result {
        try using(body, failure: StoreError.readFailed(reason:))
    }

    private func write<Result>(_ body: (Queries) throws(SQLiteFailure) -> Result) throws(StoreError) -> Result {
        try using(body, failure: StoreError.writeFailed(reason:))
    }

    /// Runs `body` on a connection of its own: one taken from the pool, or a new one when none is free;
    /// the lock is held only to take it and to put it back.
    private func using<Result>(
        _ body: (Queries) throws(SQLiteFailure) -> Result, failure: (String) -> StoreError
    ) throws(StoreError) -> Result {
        let queries: Queries
        if let free = idle.withLock({ $0.popLast() }) {
            queries = free
        } else {
            do {
                queries = try Queries(opening: path, busyTimeoutMilliseconds: Self.busyTimeoutMilliseconds)
            } catch {
                throw failure(error.description)
            }
        }
        do {
            let result = try body(queries)
            giveBack(queries)
            return result
        } catch {
            // A connection left in a transaction it could not end is not given to the next caller.
            if !queries.connection.inTransaction { giveBack(queries) }
            throw failure(error.description)
        }
    }

    /// Puts a connection back in the pool, unless enough wait there; one not kept is closed when this
    /// returns, with no lock held.
    private func giveBack(_ queries: Queries) {
        idle.withLock { free in
            if free.count < Self.idleConnections { free.append(queries) }
        }
    }
}
