import Testing

@testable import ChatStore

@Suite struct SQLiteMessageStoreTests {
    /// Ids 2, 4, ..., 20: with gaps, so the queries' edges fall between ids as well as on them.
    private func withEvenStore(_ body: (SQLiteMessageStore) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            try store.append(messages(stride(from: 2, through: 20, by: 2)))
            try body(store)
        }
    }

    @Test func aNewStoreIsEmpty() throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            #expect(store.keepsMessages)
            #expect(store.lastID == 0)
            #expect(store.count == 0)
            #expect(try store.latest(10) == [])
            #expect(try store.before(5, 10) == [])
            #expect(try store.after(0, 10) == [])
            #expect(try store.search("anything", limit: 50) == [])
        }
    }

    @Test func messagesComeBackExactlyAsStored() throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            let stored = [
                StoredMessage(id: 1, time: 1_767_225_600_123, from: "alice", text: "hello"),
                StoredMessage(id: 2, time: -5, from: "Zoë", text: "naïve café 🎉 👩‍👩‍👧 東京"),
                StoredMessage(id: 3, time: Int64.max, from: "b", text: "x"),
                StoredMessage(id: 4, time: 0, from: "", text: ""),
                StoredMessage(id: 5, time: 7, from: "quote\"s", text: "'; DROP TABLE messages; --"),
            ]
            try store.append(stored)
            #expect(try store.latest(10) == stored)
            #expect(store.lastID == 5)
            #expect(store.count == 5)
        }
    }

    @Test func latestGivesTheNewestOldestFirst() throws {
        try withEvenStore { store throws in
            #expect(try store.latest(3).ids == [16, 18, 20])
            #expect(try store.latest(1).ids == [20])
            #expect(try store.latest(10).ids == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20])
            #expect(try store.latest(1000).ids == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20])
            #expect(try store.latest(0).ids == [])
            #expect(try store.latest(-1).ids == [])
        }
    }

    @Test func beforeGivesTheNewestBelowAnIdOldestFirst() throws {
        try withEvenStore { store throws in
            #expect(try store.before(7, 2).ids == [4, 6])
            #expect(try store.before(8, 2).ids == [4, 6])
            #expect(try store.before(8, 100).ids == [2, 4, 6])
            #expect(try store.before(2, 5).ids == [])
            #expect(try store.before(1, 5).ids == [])
            #expect(try store.before(0, 5).ids == [])
            #expect(try store.before(3, 5).ids == [2])
            #expect(try store.before(100, 3).ids == [16, 18, 20])
            #expect(try store.before(21, 1).ids == [20])
            #expect(try store.before(UInt64.max, 2).ids == [18, 20])
            #expect(try store.before(10, 0).ids == [])
        }
    }

    @Test func afterGivesTheOldestAboveAnIdOldestFirst() throws {
        try withEvenStore { store throws in
            #expect(try store.after(7, 2).ids == [8, 10])
            #expect(try store.after(8, 2).ids == [10, 12])
            #expect(try store.after(0, 3).ids == [2, 4, 6])
            #expect(try store.after(19, 10).ids == [20])
            #expect(try store.after(20, 5).ids == [])
            #expect(try store.after(1000, 5).ids == [])
            #expect(try store.after(UInt64.max, 1).ids == [])
            #expect(try store.after(0, 1000).ids == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20])
            #expect(try store.after(5, 0).ids == [])
        }
    }

    @Test func pagingBackwardsAndForwardsCoversEveryMessageOnce() throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            for group in stride(from: 1, through: 991, by: 10) {
                try store.append(messages(UInt64(group)...UInt64(group + 9)))
            }
            var backwards: [UInt64] = []
            var page = try store.latest(64)
            while let first = page.first {
                backwards = page.ids + backwards
                page = try store.before(first.id, 64)
            }
            var forwards: [UInt64] = []
            page = try store.after(0, 64)
            while let last = page.last {
                forwards += page.ids
                page = try store.after(last.id, 64)
            }
            #expect(backwards == Array(1...1000))
            #expect(forwards == Array(1...1000))
        }
    }

    @Test func idsContinueAcrossReopening() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            do {
                let store = try SQLiteMessageStore(path: path)
                try store.append(messages(1...5))
                try store.append(messages(6...7))
            }
            do {
                let store = try SQLiteMessageStore(path: path)
                #expect(store.lastID == 7)
                #expect(store.count == 7)
                try store.append(messages(8...8))
                #expect(store.lastID == 8)
            }
            let store = try SQLiteMessageStore(path: path)
            #expect(store.lastID == 8)
            #expect(try store.latest(100).ids == [1, 2, 3, 4, 5, 6, 7, 8])
        }
    }

    @Test func idsNeverGoBackEvenIfEveryMessageIsDeleted() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            do {
                let store = try SQLiteMessageStore(path: path)
                try store.append(messages(1...5))
                try store.append(messages(40...41))
                // Pruning keeps the newest message, and records the highest id before it removes any.
                #expect(try store.prune(keepNewest: 1, olderThanMilliseconds: nil, limit: 500) == 6)
            }
            // So even with the last one deleted from outside, ids go on from 41.
            try rawConnection(path).execute(
                "INSERT INTO messages_fts(messages_fts) VALUES ('delete-all'); DELETE FROM messages")
            let store = try SQLiteMessageStore(path: path)
            #expect(store.lastID == 41)
            #expect(store.count == 0)
            #expect(throws: StoreError.idNotIncreasing(id: 41, last: 41)) { try store.append(messages(41...41)) }
            try store.append(messages(42...42))
            #expect(try store.latest(10).ids == [42])
        }
    }

    @Test func appendRefusesIdsThatDoNotIncrease() throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            try store.append(messages(1...3))
            #expect(throws: StoreError.idNotIncreasing(id: 3, last: 3)) { try store.append(messages(3...4)) }
            #expect(throws: StoreError.idNotIncreasing(id: 2, last: 3)) { try store.append(messages([2])) }
            #expect(throws: StoreError.idNotIncreasing(id: 5, last: 5)) { try store.append(messages([4, 5, 5])) }
            #expect(throws: StoreError.idNotIncreasing(id: 0, last: 3)) { try store.append(messages([0])) }
            // A refused group stores nothing of itself.
            #expect(try store.latest(10).ids == [1, 2, 3])
            #expect(store.lastID == 3)
            try store.append([])
            try store.append(messages([4, 9]))
            #expect(try store.latest(10).ids == [1, 2, 3, 4, 9])
        }
    }

    @Test func theFileIsInWALModeWithItsSchemaVersion() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            let store = try SQLiteMessageStore(path: path)
            try store.append(messages(1...3))
            let raw = try rawConnection(path)
            #expect(try raw.text("PRAGMA journal_mode") == "wal")
            #expect(try raw.integer("PRAGMA user_version") == Int64(Schema.migrations.count))
            #expect(try raw.integer("PRAGMA application_id") == 0x4348_4154)
            // Appends leave the high-water mark to the newest id; a prune records it before removing any.
            #expect(try raw.integer("SELECT value FROM store_meta WHERE key = 'high_water_id'") == 0)
            #expect(try store.prune(keepNewest: 1, olderThanMilliseconds: nil, limit: 10) == 2)
            #expect(try raw.integer("SELECT value FROM store_meta WHERE key = 'high_water_id'") == 3)
        }
    }

    @Test func aThreadOfItsOwnCopiesTheLogIntoTheFile() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            let store = try SQLiteMessageStore(path: path)
            let before = try fileSize(path)
            try store.append(messages(1...2_000))
            // No append follows: only the checkpoint thread can move the commit from the log into the file.
            #expect(try eventually { try fileSize(path) > before })
            #expect(try SQLiteMessageStore(path: path).count == 2_000)
        }
    }

    @Test func searchFindsMessagesTheIndexHasNotCaughtUpWithAndTheOnesItHas() throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            try store.append((1...40).map { message($0, $0 % 2 == 0 ? "lunch at noon \($0)" : "other \($0)") })
            // Before the index caught up (the appends leave it to catchUp), after, and across both.
            let even = Array(stride(from: UInt64(2), through: 40, by: 2))
            #expect(try store.search("lunch", limit: 50).ids == even)
            try store.catchUpIndex()
            #expect(try store.search("lunch", limit: 50).ids == even)
            try store.append((41...60).map { message($0, $0 % 2 == 0 ? "LUNCH later \($0)" : "other \($0)") })
            #expect(try store.search("lunch", limit: 50).ids == even + Array(stride(from: UInt64(42), through: 60, by: 2)))
            #expect(try store.search("lunch", limit: 3).ids == [56, 58, 60])
            #expect(try store.search("lun*", limit: 12).ids == Array(stride(from: UInt64(38), through: 60, by: 2)))
        }
    }

    @Test func theIndexCatchesUpInStepsOfAtMostTheLimitAndOnlyOnceTheMinimumIsDue() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            let store = try SQLiteMessageStore(path: path)
            try store.append((1...300).map { message($0, "text \($0)") })
            func indexed() throws -> Int64? {
                try rawConnection(path).integer("SELECT value FROM store_meta WHERE key = 'indexed_id'")
            }
            #expect(try indexed() == 0)
            #expect(try store.catchUp(atLeast: 301, atMost: 256) == 0)
            #expect(try store.catchUp(atLeast: 256, atMost: 256) == 256)
            #expect(try indexed() == 256)
            #expect(try store.catchUp(atLeast: 256, atMost: 256) == 0)
            #expect(try store.catchUp(atLeast: 1, atMost: 256) == 44)
            #expect(try store.catchUp(atLeast: 1, atMost: 256) == 0)
            #expect(try indexed() == 300)
        }
    }

    @Test func theIndexStaysInStepWithTheMessages() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            let store = try SQLiteMessageStore(path: path)
            for group in stride(from: 1, through: 281, by: 20) {
                try store.append((UInt64(group)...UInt64(group + 19)).map { message($0, "word\($0 % 7) shared text") })
            }
            #expect(try store.prune(keepNewest: 100, olderThanMilliseconds: nil, limit: 50) == 50)
            #expect(try store.prune(keepNewest: 100, olderThanMilliseconds: nil) == 150)
            // FTS5 compares its index with the content table, token by token: once the index has caught up.
            try store.catchUpIndex()
            try rawConnection(path).execute(
                "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")
            #expect(try store.search("shared", limit: 1000).ids == Array(201...300))
        }
    }
}

@Suite struct NoStoreTests {
    @Test func keepsNothingAndAnswersNothing() throws {
        let store: any MessageStore = NoStore()
        #expect(!store.keepsMessages)
        #expect(store.lastID == 0)
        try store.append(messages(1...3))
        #expect(store.lastID == 0)
        #expect(throws: StoreError.unavailable) { try store.latest(10) }
        #expect(throws: StoreError.unavailable) { try store.before(5, 10) }
        #expect(throws: StoreError.unavailable) { try store.after(0, 10) }
        #expect(throws: StoreError.unavailable) { try store.search("x", limit: 50) }
        #expect(try store.prune(keepNewest: 1, olderThanMilliseconds: 0, limit: 500) == 0)
    }
}

@Suite struct StoreErrorTests {
    @Test(arguments: [
        (
            StoreError.cannotOpen(path: "/var/chat/store.db", reason: .permissionDenied),
            "cannot open the message store /var/chat/store.db: permission denied"
        ),
        (
            StoreError.cannotOpen(path: "s.db", reason: .isDirectory),
            "cannot open the message store s.db: it is a directory"
        ),
        (
            StoreError.cannotOpen(path: "s.db", reason: .noSuchDirectory),
            "cannot open the message store s.db: no such directory"
        ),
        (
            StoreError.cannotOpen(path: "s.db", reason: .notADatabase),
            "cannot open the message store s.db: not an SQLite database"
        ),
        (
            StoreError.cannotOpen(path: "s.db", reason: .corrupt("database disk image is malformed")),
            "cannot open the message store s.db: the database is corrupt (database disk image is malformed)"
        ),
        (
            StoreError.cannotOpen(path: "s.db", reason: .notAStore),
            "cannot open the message store s.db: an SQLite database, but not a chatroom message store"
        ),
        (
            StoreError.cannotOpen(path: "s.db", reason: .newerSchema(found: 3, supported: 1)),
            "cannot open the message store s.db: made by a newer release "
                + "(schema version 3; this release knows versions up to 1)"
        ),
        (
            StoreError.cannotOpen(path: "s.db", reason: .readOnly),
            "cannot open the message store s.db: read-only (cannot write the file or its folder)"
        ),
        (
            StoreError.writeFailed(reason: "database or disk is full (SQLITE_FULL)"),
            "the message store cannot write: database or disk is full (SQLITE_FULL)"
        ),
        (
            StoreError.readFailed(reason: "disk I/O error (SQLITE_IOERR_READ)"),
            "the message store cannot read: disk I/O error (SQLITE_IOERR_READ)"
        ),
        (StoreError.idNotIncreasing(id: 4, last: 9), "message id 4 is not above the last stored id 9"),
        (
            StoreError.backupFailed(path: "copy.db", reason: "output file already exists (SQLITE_ERROR)"),
            "cannot back the message store up to copy.db: output file already exists (SQLITE_ERROR)"
        ),
        (StoreError.unavailable, "no message store (--store none)"),
    ])
    func describesItselfInOneLine(error: StoreError, text: String) {
        #expect(error.description == text)
    }
}
