import Testing

@testable import ChatStore

@Suite struct RetentionTests {
    /// Ids 1...20, message `i` stamped at `i` seconds (in milliseconds).
    private func withTwentyMessages(_ body: (SQLiteMessageStore) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            try store.append((1...20).map { message($0, time: Int64($0) * 1_000) })
            try body(store)
        }
    }

    @Test func keepsTheNewestByCount() throws {
        try withTwentyMessages { store throws in
            #expect(try store.prune(keepNewest: 5, olderThanMilliseconds: nil, limit: 500) == 15)
            #expect(try store.latest(100).ids == [16, 17, 18, 19, 20])
            #expect(store.count == 5)
            #expect(try store.prune(keepNewest: 5, olderThanMilliseconds: nil, limit: 500) == 0)
            try store.append(messages(21...22))
            #expect(try store.prune(keepNewest: 5, olderThanMilliseconds: nil, limit: 500) == 2)
            #expect(try store.latest(100).ids == [18, 19, 20, 21, 22])
        }
    }

    @Test func removesAtMostTheLimitPerCall() throws {
        try withTwentyMessages { store throws in
            #expect(try store.prune(keepNewest: 3, olderThanMilliseconds: nil, limit: 4) == 4)
            #expect(try store.after(0, 1).ids == [5])
            #expect(try store.prune(keepNewest: 3, olderThanMilliseconds: nil, limit: 4) == 4)
            #expect(try store.prune(keepNewest: 3, olderThanMilliseconds: nil, limit: 4) == 4)
            #expect(try store.prune(keepNewest: 3, olderThanMilliseconds: nil, limit: 4) == 4)
            #expect(try store.prune(keepNewest: 3, olderThanMilliseconds: nil, limit: 4) == 1)
            #expect(try store.prune(keepNewest: 3, olderThanMilliseconds: nil, limit: 4) == 0)
            #expect(try store.latest(100).ids == [18, 19, 20])
        }
    }

    @Test func theBatchingConvenienceRemovesAllThatIsDue() throws {
        try withTwentyMessages { store throws in
            #expect(try store.prune(keepNewest: 2, olderThanMilliseconds: nil, batch: 3) == 18)
            #expect(try store.latest(100).ids == [19, 20])
        }
    }

    @Test func removesMessagesOlderThanTheCutoff() throws {
        try withTwentyMessages { store throws in
            // Messages 1...5 are stamped before 5.5 s.
            #expect(try store.prune(keepNewest: 0, olderThanMilliseconds: 5_500, limit: 500) == 5)
            #expect(try store.after(0, 100).ids == Array(6...20))
            // Stamped exactly at the cutoff is not older than it.
            #expect(try store.prune(keepNewest: 0, olderThanMilliseconds: 7_000, limit: 500) == 1)
            #expect(try store.after(0, 1).ids == [7])
        }
    }

    @Test func eitherRuleRemovesAMessage() throws {
        try withTwentyMessages { store throws in
            #expect(try store.prune(keepNewest: 15, olderThanMilliseconds: 8_500, limit: 500) == 8)
            #expect(try store.after(0, 100).ids == Array(9...20))
            #expect(try store.prune(keepNewest: 10, olderThanMilliseconds: 8_500, limit: 500) == 2)
            #expect(try store.after(0, 100).ids == Array(11...20))
        }
    }

    @Test func neverRemovesTheNewestMessage() throws {
        try withTwentyMessages { store throws in
            #expect(try store.prune(keepNewest: 0, olderThanMilliseconds: Int64.max, limit: 500) == 19)
            #expect(try store.latest(100).ids == [20])
            #expect(try store.prune(keepNewest: 0, olderThanMilliseconds: Int64.max, limit: 500) == 0)
            #expect(store.lastID == 20)
        }
    }

    @Test func onlyTheOldestGoSoHistoryHasNoHoles() throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            // The clock stepped back at message 3: it is stamped before message 2.
            let times: [Int64] = [1_000, 9_000, 2_000, 10_000, 11_000]
            try store.append(times.enumerated().map { message(UInt64($0.offset + 1), time: $0.element) })
            #expect(try store.prune(keepNewest: 0, olderThanMilliseconds: 5_000, limit: 500) == 1)
            #expect(try store.latest(10).ids == [2, 3, 4, 5])
        }
    }

    @Test func keepingAnyNumberOfAnyAgeRemovesNothing() throws {
        try withTwentyMessages { store throws in
            #expect(try store.prune(keepNewest: 0, olderThanMilliseconds: nil, limit: 500) == 0)
            #expect(try store.prune(keepNewest: 5, olderThanMilliseconds: nil, limit: 0) == 0)
            #expect(store.count == 20)
        }
    }

    @Test func prunedMessagesAreGoneFromSearchAndStayGoneAfterReopening() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            do {
                let store = try SQLiteMessageStore(path: path)
                try store.append((1...30).map { message($0, "common word\($0)") })
                #expect(try store.prune(keepNewest: 10, olderThanMilliseconds: nil, limit: 500) == 20)
                #expect(try store.search("common", limit: 50).ids == Array(21...30))
                #expect(try store.search("word5", limit: 50) == [])
            }
            let store = try SQLiteMessageStore(path: path)
            #expect(store.count == 10)
            #expect(store.lastID == 30)
            #expect(try store.search("common", limit: 50).ids == Array(21...30))
            // The index holds exactly the messages kept once it has caught up (the server's writer does it
            // when the room is quiet); the pruned ones were taken out of it or never went in.
            try store.catchUpIndex()
            try rawConnection(path).execute(
                "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")
        }
    }
}
