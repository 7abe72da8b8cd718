import Testing

@testable import ChatStore

@Suite struct MigrationTests {
    /// The first release's schema as it shipped, frozen here: a store made by it must keep opening.
    static let firstRelease = """
        CREATE TABLE messages(id INTEGER PRIMARY KEY, time INTEGER NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL);
        CREATE VIRTUAL TABLE messages_fts USING fts5(
            text, content = 'messages', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2', columnsize = 0
        );
        CREATE TABLE store_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO store_meta(key, value) VALUES ('high_water_id', 0);
        PRAGMA application_id = 1128808788;
        PRAGMA user_version = 1;
        """

    /// A file made by the first release, written by hand the way it wrote it: ids 1...3.
    private func makeFirstReleaseStore(_ path: String) throws {
        let raw = try rawConnection(path)
        try raw.execute("PRAGMA journal_mode = WAL")
        try raw.execute(Self.firstRelease)
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

    private static let expected = [
        StoredMessage(id: 1, time: 1_767_225_601_000, from: "alice", text: "hello from the first release"),
        StoredMessage(id: 2, time: 1_767_225_602_000, from: "bob", text: "Crème brûlée"),
        StoredMessage(id: 3, time: 1_767_225_603_000, from: "alice", text: "bye"),
    ]

    @Test func aStoreMadeByTheFirstReleaseOpensWithItsData() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeFirstReleaseStore(path)
            let store = try SQLiteMessageStore(path: path)
            #expect(try store.latest(10) == Self.expected)
            #expect(store.lastID == 3)
            #expect(try store.search("creme", limit: 50).ids == [2])
            try store.append(messages(4...4))
            #expect(try store.latest(10).ids == [1, 2, 3, 4])
            #expect(try rawConnection(path).integer("PRAGMA user_version") == Int64(Schema.migrations.count))
        }
    }

    @Test func migrationsRunInOrderAndKeepTheData() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeFirstReleaseStore(path)
            let second =
                Schema.migrations + [
                    Schema.Migration(
                        sql: """
                            CREATE TABLE reactions(message INTEGER NOT NULL, emoji TEXT NOT NULL);
                            INSERT INTO reactions SELECT id, '👍' FROM messages WHERE sender = 'alice';
                            """)
                ]
            do {
                let store = try SQLiteMessageStore(path: path, options: .init(), migrations: second)
                #expect(try store.latest(10) == Self.expected)
            }
            let raw = try rawConnection(path)
            let known = Schema.migrations.count
            #expect(try raw.integer("PRAGMA user_version") == Int64(known + 1))
            #expect(try raw.integer("SELECT count(*) FROM reactions") == 2)
            // Opening again runs nothing twice.
            _ = try SQLiteMessageStore(path: path, options: .init(), migrations: second)
            #expect(try raw.integer("SELECT count(*) FROM reactions") == 2)
            // And this release, which knows the versions up to its list's length, refuses the upgraded file.
            #expect(
                openFailure(path) == .cannotOpen(path: path, reason: .newerSchema(found: known + 1, supported: known)))
        }
    }

    @Test func aFailingMigrationLeavesTheStoreAtItsVersion() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeFirstReleaseStore(path)
            let broken =
                Schema.migrations + [
                    Schema.Migration(sql: "CREATE TABLE extra(x INTEGER); ALTER TABLE nowhere ADD COLUMN y INTEGER;")
                ]
            #expect(throws: StoreError.cannotOpen(path: path, reason: .other("no such table: nowhere (SQLITE_ERROR)")))
            {
                try SQLiteMessageStore(path: path, options: .init(), migrations: broken)
            }
            // The steps before the failing one stay done (each is a transaction of its own); it left nothing.
            let raw = try rawConnection(path)
            #expect(try raw.integer("PRAGMA user_version") == Int64(Schema.migrations.count))
            #expect(try raw.integer("SELECT count(*) FROM sqlite_schema WHERE name = 'extra'") == 0)
            #expect(try SQLiteMessageStore(path: path).latest(10) == Self.expected)
        }
    }
}
