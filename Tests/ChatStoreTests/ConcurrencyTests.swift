import ChatSystem
import Glibc
import Testing

@testable import ChatStore

/// Appends, pruning, queries and backups from several threads at once (run under ThreadSanitizer in CI).
@Suite struct ConcurrencyTests {
    /// Appends `total` messages in groups of `group` on a thread of its own; problems go to `problems`.
    private func startFlood(
        _ store: SQLiteMessageStore, total: UInt64, group: UInt64, problems: Locked<[String]>
    ) throws -> pthread_t {
        try ThreadSpawner.spawnJoinable {
            var next: UInt64 = 1
            while next <= total {
                let ids = next...min(next + group - 1, total)
                do {
                    try store.append(ids.map { message($0, "flood message \($0)") })
                } catch {
                    problems.withLock { $0.append("append \(ids): \(error)") }
                    return
                }
                next = ids.upperBound + 1
            }
        }
    }

    @Test func readersSeeWholeGroupsInOrderWhileAWriterAppendsAndAPrunerPrunes() throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            let problems = Locked<[String]>([])
            let done = Locked(false)
            let total: UInt64 = 6_000
            let writer = try startFlood(store, total: total, group: 25, problems: problems)
            let pruner = try ThreadSpawner.spawnJoinable {
                while !done.withLock({ $0 }) {
                    do {
                        _ = try store.prune(keepNewest: 1_000, olderThanMilliseconds: nil, limit: 100)
                    } catch {
                        problems.withLock { $0.append("prune: \(error)") }
                        return
                    }
                }
            }
            var readers: [pthread_t] = []
            for reader in 0..<3 {
                readers.append(
                    try ThreadSpawner.spawnJoinable {
                        var rounds = 0
                        while !done.withLock({ $0 }) || rounds < 10 {
                            rounds += 1
                            do {
                                // Each answer is one unbroken, ascending run of ids that ends on a whole group.
                                let latest = try store.latest(50).ids
                                let newest = latest.last ?? 0
                                let page = try store.before(newest, 30).ids
                                let from = try store.after(page.first ?? 0, 40).ids
                                let found = try store.search("flood", limit: 20).ids
                                for (name, ids) in [("latest", latest), ("before", page), ("after", from)]
                                where ids != Array(ids.first.map { $0..<($0 + UInt64(ids.count)) } ?? 0..<0) {
                                    problems.withLock { $0.append("reader \(reader): \(name) gave \(ids)") }
                                }
                                if newest % 25 != 0 {
                                    problems.withLock {
                                        $0.append("reader \(reader): latest ends inside a group: \(newest)")
                                    }
                                }
                                if found != found.sorted() || Set(found).count != found.count {
                                    problems.withLock { $0.append("reader \(reader): search gave \(found)") }
                                }
                            } catch {
                                problems.withLock { $0.append("reader \(reader): \(error)") }
                                return
                            }
                        }
                    })
            }
            ThreadSpawner.join(writer)
            done.withLock { $0 = true }
            ThreadSpawner.join(pruner)
            readers.forEach(ThreadSpawner.join)
            #expect(problems.withLock { $0 } == [])
            try store.prune(keepNewest: 1_000, olderThanMilliseconds: nil)
            #expect(store.lastID == total)
            #expect(try store.after(0, 1000).ids == Array((total - 999)...total))
            #expect(try store.search("flood", limit: 3).ids == [total - 2, total - 1, total])
        }
    }

    @Test func aCopyTakenDuringAFloodHoldsEveryMessageUpToItsPoint() throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            let problems = Locked<[String]>([])
            let total: UInt64 = 20_000
            let writer = try startFlood(store, total: total, group: 20, problems: problems)
            #expect(eventually { store.lastID >= 2_000 })
            let copyPath = "\(directory)/copy.db"
            try store.backup(to: copyPath)
            let afterCopy = store.lastID
            ThreadSpawner.join(writer)
            #expect(problems.withLock { $0 } == [])

            let copy = try SQLiteMessageStore(path: copyPath)
            let point = copy.lastID
            #expect(point >= 2_000 && point <= afterCopy)
            // Whole groups only, and nothing missing below the copy's point.
            #expect(point % 20 == 0)
            #expect(copy.count == Int(point))
            var held: [StoredMessage] = []
            var page = try copy.after(0, 1000)
            while let last = page.last {
                held += page
                page = try copy.after(last.id, 1000)
            }
            #expect(held == (1...point).map { message($0, "flood message \($0)") })
            #expect(try copy.search("flood", limit: 2).ids == [point - 1, point])
            try copy.catchUpIndex()
            try rawConnection(copyPath).execute(
                "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")
            #expect(
                throws: StoreError.backupFailed(path: copyPath, reason: "output file already exists (SQLITE_ERROR)")
            ) {
                try store.backup(to: copyPath)
            }
        }
    }
}
