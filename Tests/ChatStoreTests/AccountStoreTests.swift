import ChatPassword
import ChatSystem
import Foundation
import Testing

@testable import ChatStore

/// A time in 2026 (ms since the epoch), the tests' "now".
private let now: Int64 = 1_780_000_000_000
private let minute: Int64 = 60_000

private func account(_ name: String, hash: String = "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", operator: Bool = false)
    -> AccountRecord
{
    AccountRecord(name: name, passwordHash: hash, isOperator: `operator`, created: now - 10 * minute)
}

private func ban(
    _ kind: BanRecord.Kind, _ target: String, until: Int64? = nil, by: String = "op", reason: String = "",
    created: Int64 = now
) -> BanRecord {
    BanRecord(kind: kind, target: target, until: until, by: by, reason: reason, created: created)
}

/// Runs `body` with a new account store in a temporary folder.
private func withAccountStore(_ body: (SQLiteAccountStore, String) throws -> Void) throws {
    try withTemporaryDirectory { directory in
        let path = "\(directory)/store.db"
        try body(try SQLiteAccountStore(path: path), path)
    }
}

@Suite struct AccountStoreTests {
    // MARK: Accounts

    @Test func anAccountIsFoundByItsNameInAnyCaseAndKeepsItsSpelling() throws {
        try withAccountStore { store, _ throws in
            #expect(store.keepsAccounts)
            #expect(try store.account(named: "alice") == nil)
            let alice = account("Alice", operator: true)
            #expect(try store.createAccount(alice))
            #expect(try store.account(named: "Alice") == alice)
            #expect(try store.account(named: "alice") == alice)
            #expect(try store.account(named: "ALICE") == alice)
            #expect(try store.account(named: "alic") == nil)
            #expect(try store.account(named: "alice2") == nil)
        }
    }

    @Test func aNameTakenInAnyCaseIsNotMadeAgain() throws {
        try withAccountStore { store, _ throws in
            let alice = account("Alice")
            #expect(try store.createAccount(alice))
            #expect(try !store.createAccount(account("aLICE", hash: "other", operator: true)))
            #expect(try !store.createAccount(alice))
            #expect(try store.allAccounts() == [alice])
        }
    }

    @Test func everyFieldIsKept() throws {
        try withAccountStore { store, _ throws in
            let record = AccountRecord(
                name: "Bob_the-2nd", passwordHash: "$argon2id$v=19$m=6144,t=2,p=1$AAAA$BBBB", isOperator: true,
                created: 1_700_000_000_123, lastLogin: 1_700_000_600_456)
            #expect(try store.createAccount(record))
            #expect(try store.account(named: "bob_THE-2nd") == record)
        }
    }

    @Test func allAccountsAreSortedByNameWithoutRegardToCase() throws {
        try withAccountStore { store, _ throws in
            #expect(try store.allAccounts() == [])
            for name in ["carol", "Dave", "alice", "Bob", "bob2", "Ann-Marie", "ann_b"] {
                #expect(try store.createAccount(account(name)))
            }
            // "-" < "_" < letters in ASCII, compared lower-cased.
            #expect(
                try store.allAccounts().map(\.name) == ["alice", "Ann-Marie", "ann_b", "Bob", "bob2", "carol", "Dave"])
        }
    }

    @Test func theHashAndTheOperatorFlagChangeForAnExistingAccountOnly() throws {
        try withAccountStore { store, _ throws in
            #expect(try store.createAccount(account("Alice", hash: "old")))
            #expect(try store.setPasswordHash("new", forAccount: "ALICE"))
            #expect(try store.account(named: "alice")?.passwordHash == "new")
            #expect(try !store.setPasswordHash("new", forAccount: "bob"))

            #expect(try store.setOperator(true, forAccount: "alice"))
            #expect(try store.account(named: "alice")?.isOperator == true)
            // Setting it to what it is still finds the account.
            #expect(try store.setOperator(true, forAccount: "alice"))
            #expect(try store.setOperator(false, forAccount: "aLiCe"))
            #expect(try store.account(named: "alice")?.isOperator == false)
            #expect(try !store.setOperator(true, forAccount: "bob"))
            #expect(try store.account(named: "bob") == nil)
            #expect(try store.account(named: "alice")?.name == "Alice")
        }
    }

    @Test func aLoginIsRecorded() throws {
        try withAccountStore { store, _ throws in
            #expect(try store.createAccount(account("Alice")))
            #expect(try store.account(named: "alice")?.lastLogin == nil)
            try store.recordLogin(account: "ALICE", at: now)
            #expect(try store.account(named: "alice")?.lastLogin == now)
            try store.recordLogin(account: "alice", at: now + minute)
            #expect(try store.account(named: "alice")?.lastLogin == now + minute)
            // No such account: nothing to record, and no error.
            try store.recordLogin(account: "bob", at: now)
            #expect(try store.account(named: "bob") == nil)
        }
    }

    @Test func removingAnAccountRemovesItsMuteAndItsAccountBanOnly() throws {
        try withAccountStore { store, _ throws in
            #expect(try store.createAccount(account("Alice")))
            #expect(try store.createAccount(account("bob")))
            try store.addBan(ban(.account, "Alice", created: now - 3))
            try store.addBan(ban(.address, "127.0.0.2", created: now - 2))
            try store.addBan(ban(.account, "bob", created: now - 1))
            try store.setMute(MuteRecord(account: "Alice", until: nil, by: "op", created: now))
            try store.setMute(MuteRecord(account: "bob", until: nil, by: "op", created: now))

            #expect(try store.removeAccount(named: "ALICE"))
            #expect(try store.account(named: "alice") == nil)
            #expect(try store.mute(account: "alice", activeAt: now) == nil)
            #expect(try store.bans(activeAt: now).map(\.target) == ["127.0.0.2", "bob"])
            #expect(try store.mute(account: "bob", activeAt: now) != nil)
            #expect(try store.allAccounts().map(\.name) == ["bob"])

            #expect(try !store.removeAccount(named: "alice"))
            // The name is free again.
            #expect(try store.createAccount(account("alice")))
            #expect(try store.account(named: "Alice")?.name == "alice")
        }
    }

    // MARK: Bans

    @Test func bansInForceAreListedOldestFirst() throws {
        try withAccountStore { store, _ throws in
            #expect(try store.bans(activeAt: now) == [])
            let forever = ban(.account, "Mallory", by: "alice", reason: "flooding", created: now - 3 * minute)
            let address = ban(.address, "127.0.0.2", until: now + minute, by: "bob", created: now - 2 * minute)
            let ended = ban(.account, "eve", until: now - 1, created: now - 5 * minute)
            let endingNow = ban(.address, "10.0.0.1", until: now, created: now - 4 * minute)
            let later = ban(.address, "::1", until: now + 60 * minute, created: now - minute)
            for each in [later, ended, address, endingNow, forever] { try store.addBan(each) }
            #expect(try store.bans(activeAt: now) == [forever, address, later])
            // A ban whose end is at `now` is over.
            #expect(try store.bans(activeAt: now + minute) == [forever, later])
            #expect(try store.bans(activeAt: now - 5 * minute) == [ended, endingNow, forever, address, later])
        }
    }

    @Test func aBanOfTheSameKindAndTargetReplacesTheOld() throws {
        try withAccountStore { store, _ throws in
            try store.addBan(ban(.account, "Mallory", until: now + minute, by: "alice", created: now - 2 * minute))
            try store.addBan(ban(.address, "127.0.0.2", created: now - minute))
            let again = ban(.account, "MALLORY", until: nil, by: "bob", reason: "again", created: now)
            try store.addBan(again)
            #expect(try store.bans(activeAt: now) == [ban(.address, "127.0.0.2", created: now - minute), again])
            // The same target of another kind is another ban.
            try store.addBan(ban(.address, "mallory", created: now + 1))
            #expect(try store.bans(activeAt: now + 1).count == 3)
        }
    }

    @Test func liftingABanSaysWhetherOneWasInForce() throws {
        try withAccountStore { store, _ throws in
            try store.addBan(ban(.account, "Mallory", created: now - minute))
            try store.addBan(ban(.address, "127.0.0.2", until: now + minute, created: now - minute))
            try store.addBan(ban(.account, "eve", until: now - 1, created: now - minute))
            #expect(try store.removeBan(target: "mallory", activeAt: now))
            #expect(try !store.removeBan(target: "mallory", activeAt: now))
            #expect(try store.removeBan(target: "127.0.0.2", activeAt: now))
            // An ended ban is not in force: lifting it says so, and it goes all the same.
            #expect(try !store.removeBan(target: "EVE", activeAt: now))
            #expect(try store.bans(activeAt: now - 2 * minute) == [])
            #expect(try !store.removeBan(target: "nobody", activeAt: now))
        }
    }

    // MARK: Mutes

    @Test func aMuteIsFoundInAnyCaseUntilItEnds() throws {
        try withAccountStore { store, _ throws in
            #expect(try store.mute(account: "alice", activeAt: now) == nil)
            let mute = MuteRecord(account: "Alice", until: now + 10 * minute, by: "op", created: now)
            try store.setMute(mute)
            #expect(try store.mute(account: "ALICE", activeAt: now) == mute)
            #expect(try store.mute(account: "alice", activeAt: now + 10 * minute - 1) == mute)
            #expect(try store.mute(account: "alice", activeAt: now + 10 * minute) == nil)
            #expect(try store.mute(account: "bob", activeAt: now) == nil)
        }
    }

    @Test func aMuteReplacesTheOldAndLiftingItSaysWhetherItWasInForce() throws {
        try withAccountStore { store, _ throws in
            try store.setMute(MuteRecord(account: "Alice", until: now + minute, by: "op", created: now - minute))
            let forever = MuteRecord(account: "alice", until: nil, by: "root", created: now)
            try store.setMute(forever)
            #expect(try store.mute(account: "Alice", activeAt: now + 100 * minute) == forever)
            #expect(try store.removeMute(account: "ALICE", activeAt: now))
            #expect(try store.mute(account: "alice", activeAt: now) == nil)
            #expect(try !store.removeMute(account: "alice", activeAt: now))

            try store.setMute(MuteRecord(account: "bob", until: now - 1, by: "op", created: now - minute))
            #expect(try !store.removeMute(account: "bob", activeAt: now))
            #expect(try store.mute(account: "bob", activeAt: now - minute) == nil)
        }
    }

    // MARK: The file

    /// A file made by the first release (schema version 1), with three messages.
    private func makeFirstReleaseStore(_ path: String) throws {
        let raw = try rawConnection(path)
        try raw.execute("PRAGMA journal_mode = WAL")
        try raw.execute(MigrationTests.firstRelease)
        try raw.execute(
            """
            BEGIN;
            INSERT INTO messages VALUES (1, 1767225601000, 'alice', 'hello from the first release');
            INSERT INTO messages VALUES (2, 1767225602000, 'bob', 'Crème brûlée');
            INSERT INTO messages VALUES (3, 1767225603000, 'alice', 'bye');
            INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages;
            UPDATE store_meta SET value = 3 WHERE key = 'high_water_id';
            COMMIT;
            """)
    }

    @Test func aFirstReleaseStoreMigratesAndKeepsItsMessages() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeFirstReleaseStore(path)
            let accounts = try SQLiteAccountStore(path: path)
            let raw = try rawConnection(path)
            #expect(try raw.integer("PRAGMA user_version") == 2)
            #expect(
                try raw.integer("SELECT count(*) FROM sqlite_schema WHERE name IN ('accounts', 'bans', 'mutes')") == 3)
            #expect(try accounts.createAccount(account("alice")))
            let history = try SQLiteMessageStore(path: path)
            #expect(try history.latest(10).ids == [1, 2, 3])
            #expect(try history.latest(1).first?.text == "bye")
            #expect(try history.search("creme", limit: 50).ids == [2])
            #expect(history.lastID == 3)
            try history.append(messages(4...4))
            #expect(try accounts.account(named: "alice") != nil)
            #expect(try history.latest(10).ids == [1, 2, 3, 4])
        }
    }

    @Test func theHistoryMigratesTheFileForTheAccountsToo() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeFirstReleaseStore(path)
            let history = try SQLiteMessageStore(path: path)
            let accounts = try SQLiteAccountStore(path: path)
            #expect(try accounts.createAccount(account("alice")))
            #expect(try history.latest(10).ids == [1, 2, 3])
            #expect(try rawConnection(path).integer("PRAGMA user_version") == 2)
        }
    }

    @Test func aNewFileHoldsBothAndTheHistoryOpensIt() throws {
        try withAccountStore { accounts, path throws in
            #expect(try accounts.createAccount(account("alice")))
            let history = try SQLiteMessageStore(path: path)
            #expect(history.lastID == 0)
            try history.append(messages(1...3))
            #expect(try history.latest(10).ids == [1, 2, 3])
            #expect(try accounts.allAccounts().map(\.name) == ["alice"])
        }
    }

    @Test func aNewerStoreIsRefused() throws {
        try withAccountStore { _, path throws in
            try rawConnection(path).execute("PRAGMA user_version = 3")
            #expect(throws: StoreError.cannotOpen(path: path, reason: .newerSchema(found: 3, supported: 2))) {
                try SQLiteAccountStore(path: path)
            }
        }
    }

    @Test func anotherProgramsDatabaseIsRefused() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/other.db"
            try rawConnection(path).execute("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)")
            #expect(throws: StoreError.cannotOpen(path: path, reason: .notAStore)) {
                try SQLiteAccountStore(path: path)
            }
            #expect(throws: StoreError.cannotOpen(path: "\(directory)/no/such/store.db", reason: .noSuchDirectory)) {
                try SQLiteAccountStore(path: "\(directory)/no/such/store.db")
            }
        }
    }

    @Test func twoStoresOnOneFileSeeEachOthersWrites() throws {
        try withAccountStore { first, path throws in
            let second = try SQLiteAccountStore(path: path)
            let history = try SQLiteMessageStore(path: path)
            #expect(try first.createAccount(account("alice")))
            #expect(try second.account(named: "alice") != nil)
            #expect(try !second.createAccount(account("Alice")))
            #expect(try second.setOperator(true, forAccount: "alice"))
            #expect(try first.account(named: "alice")?.isOperator == true)
            try history.append(messages(1...2))
            try second.addBan(ban(.address, "127.0.0.9"))
            #expect(try first.bans(activeAt: now).map(\.target) == ["127.0.0.9"])
            #expect(try first.removeBan(target: "127.0.0.9", activeAt: now))
            #expect(try second.bans(activeAt: now) == [])
            try first.setMute(MuteRecord(account: "alice", until: nil, by: "op", created: now))
            #expect(try second.mute(account: "alice", activeAt: now) != nil)
            #expect(try second.removeAccount(named: "alice"))
            #expect(try first.account(named: "alice") == nil)
            #expect(try first.mute(account: "alice", activeAt: now) == nil)
            #expect(try history.latest(10).ids == [1, 2])
        }
    }

    @Test func theFileHoldsNoPassword() throws {
        try withAccountStore { store, path throws in
            let hasher = PasswordHasher(parameters: .init(memoryKiB: 64, iterations: 1))
            let password = "correct horse battery staple"
            let hash = try hasher.hash(password)
            #expect(try store.createAccount(account("alice", hash: hash)))
            let other = try hasher.hash("another fine password")
            #expect(try store.setPasswordHash(other, forAccount: "alice"))
            #expect(try store.createAccount(account("bob", hash: try hasher.hash(password))))
            // The write-ahead log holds the latest pages; the file, what was copied into it.
            var bytes = Data()
            for file in [path, path + "-wal"] { bytes.append(FileManager.default.contents(atPath: file) ?? Data()) }
            #expect(bytes.range(of: Data(other.utf8)) != nil, "the hash was not found: the test reads the wrong files")
            #expect(bytes.range(of: Data(password.utf8)) == nil)
            #expect(bytes.range(of: Data("another fine password".utf8)) == nil)
        }
    }

    @Test func aFailedWriteOrReadNamesNeitherNameNorHash() throws {
        try withAccountStore { store, path throws in
            #expect(try store.createAccount(account("alice")))
            try rawConnection(path).execute("DROP TABLE accounts")
            let hash = "$argon2id$v=19$m=6144,t=2,p=1$c2VjcmV0c2FsdA$c2VjcmV0aGFzaA"
            #expect(throws: StoreError.writeFailed(reason: "no such table: accounts (SQLITE_ERROR)")) {
                try store.setPasswordHash(hash, forAccount: "alice")
            }
            #expect(throws: StoreError.readFailed(reason: "no such table: accounts (SQLITE_ERROR)")) {
                try store.account(named: "alice")
            }
            // The store goes on with what is still there.
            try store.addBan(ban(.account, "alice"))
            #expect(try store.bans(activeAt: now).count == 1)
        }
    }

    @Test func manyThreadsAtOnce() throws {
        try withAccountStore { store, path throws in
            let history = try SQLiteMessageStore(path: path)
            let failures = Locked<[String]>([])
            var threads: [pthread_t] = []
            for index in 0..<8 {
                threads.append(
                    try ThreadSpawner.spawnJoinable {
                        do throws(StoreError) {
                            let name = "User\(index)x"
                            guard try store.createAccount(account(name)) else { throw .writeFailed(reason: "taken") }
                            for round in 0..<25 {
                                try store.recordLogin(account: name, at: now + Int64(round))
                                guard try store.account(named: name)?.lastLogin == now + Int64(round) else {
                                    throw .readFailed(reason: "\(name) lost its login")
                                }
                                try store.addBan(ban(.address, "10.0.\(index).\(round)", created: now + Int64(round)))
                                _ = try store.bans(activeAt: now)
                                _ = try store.allAccounts()
                            }
                        } catch {
                            failures.withLock { $0.append("\(error)") }
                        }
                    })
            }
            // The history's writer takes the same file's write lock meanwhile.
            for group in 0..<20 { try history.append(messages(UInt64(group * 5 + 1)...UInt64(group * 5 + 5))) }
            for thread in threads { ThreadSpawner.join(thread) }
            #expect(failures.withLock { $0 } == [])
            #expect(try store.allAccounts().count == 8)
            #expect(try store.bans(activeAt: now).count == 8 * 25)
            #expect(history.lastID == 100)
        }
    }

    @Test func twoProcessesMigratingAtOnceBothOpen() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeFirstReleaseStore(path)
            let failures = Locked<[String]>([])
            let threads = try (0..<4).map { index in
                try ThreadSpawner.spawnJoinable {
                    do throws(StoreError) {
                        if index % 2 == 0 {
                            _ = try SQLiteAccountStore(path: path)
                        } else {
                            _ = try SQLiteMessageStore(path: path)
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
            for thread in threads { ThreadSpawner.join(thread) }
            #expect(failures.withLock { $0 } == [])
            #expect(try rawConnection(path).integer("PRAGMA user_version") == 2)
            #expect(try SQLiteMessageStore(path: path).latest(10).ids == [1, 2, 3])
        }
    }
}
