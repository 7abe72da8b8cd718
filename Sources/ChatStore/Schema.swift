/// The store's schema: a list of forward migrations, each taking the file to the next `user_version`.
///
/// Version 1 is the first release's. A later release appends to ``migrations`` and never edits a step
/// that has shipped: a store made by any earlier release opens and runs the steps it has not had, each in
/// its own transaction together with its new `user_version`, so a crash between steps leaves a valid
/// older version that the next start carries on from.
enum Schema {
    /// `PRAGMA application_id` of a chatroom store ("CHAT" in ASCII), to tell it from other SQLite files.
    static let applicationID: Int32 = 0x4348_4154

    /// One step: the SQL that takes version `index` to `index + 1` (the list's first entry makes version 1).
    struct Migration: Sendable {
        var sql: String
    }

    static let migrations: [Migration] = [
        // 1: messages, their full-text index, and the high-water mark of ids.
        Migration(
            sql: """
                CREATE TABLE messages(
                    id INTEGER PRIMARY KEY,
                    time INTEGER NOT NULL,
                    sender TEXT NOT NULL,
                    text TEXT NOT NULL
                );
                -- External content (the text is stored once, in messages), kept in step by the store's
                -- own statements: a trigger would make FTS5 flush its buffer once per row, 2.5x the cost.
                -- columnsize=0: no per-row sizes, which only ranking (bm25) reads; results are in id order.
                CREATE VIRTUAL TABLE messages_fts USING fts5(
                    text, content = 'messages', content_rowid = 'id',
                    tokenize = 'unicode61 remove_diacritics 2', columnsize = 0
                );
                -- The highest id ever stored, so ids never go back even when pruning empties messages.
                CREATE TABLE store_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                INSERT INTO store_meta(key, value) VALUES ('high_water_id', 0);
                -- Every message up to this id is in messages_fts: the index catches up in batches, off the
                -- commit that makes a message durable.
                INSERT INTO store_meta(key, value) VALUES ('indexed_id', 0);
                PRAGMA application_id = \(applicationID);
                """
        ),
        // 2: accounts, bans and mutes (``SQLiteAccountStore``). Every `key` is the ASCII-lowercased name (or
        // address), so names are unique, and found, without regard to case; times are milliseconds since the
        // Unix epoch, `until` NULL for never.
        Migration(
            sql: """
                CREATE TABLE accounts(
                    key TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    operator INTEGER NOT NULL DEFAULT 0,
                    created INTEGER NOT NULL,
                    last_login INTEGER
                ) WITHOUT ROWID;
                -- kind: 'account' (key: the account's name) or 'address' (key: the address).
                -- Listed oldest first: by created, then rowid (a replaced ban is a new row).
                CREATE TABLE bans(
                    kind TEXT NOT NULL,
                    key TEXT NOT NULL,
                    target TEXT NOT NULL,
                    until INTEGER,
                    "by" TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    created INTEGER NOT NULL,
                    UNIQUE(kind, key)
                );
                CREATE TABLE mutes(
                    key TEXT PRIMARY KEY,
                    account TEXT NOT NULL,
                    until INTEGER,
                    "by" TEXT NOT NULL,
                    created INTEGER NOT NULL
                ) WITHOUT ROWID;
                """
        ),
    ]
}
