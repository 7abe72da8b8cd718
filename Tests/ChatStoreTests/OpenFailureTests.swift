import ChatSystem
import Foundation
import Testing

@testable import ChatStore

/// Stores that will not open: each gets the one clear reason, and nothing crashes or changes the file.
@Suite struct OpenFailureTests {
    @Test func aTextFileIsNotADatabase() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/notes.txt"
            let text = String(repeating: "These are my notes, not a database.\n", count: 200)
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            #expect(openFailure(path) == .cannotOpen(path: path, reason: .notADatabase))
            #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        }
    }

    @Test func aShortTextFileIsNotADatabase() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/short.txt"
            try "hello\n".write(toFile: path, atomically: false, encoding: .utf8)
            #expect(openFailure(path) == .cannotOpen(path: path, reason: .notADatabase))
        }
    }

    @Test func aDirectoryIsNotAStore() throws {
        try withTemporaryDirectory { directory in
            #expect(openFailure(directory) == .cannotOpen(path: directory, reason: .isDirectory))
        }
    }

    @Test func aMissingFolderIsSaidSo() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/no/such/store.db"
            #expect(openFailure(path) == .cannotOpen(path: path, reason: .noSuchDirectory))
        }
    }

    /// Tests run as root, whom file modes do not stop: the open runs on a thread of its own whose
    /// file-system identity is `nobody` (setfsuid, which also drops root's override of file modes).
    @Test func aFileWithoutPermissionIsRefused() throws {
        try withTemporaryDirectory { directory in
            chmod(directory, 0o755)
            let path = "\(directory)/store.db"
            do { _ = try SQLiteMessageStore(path: path) }
            chmod(path, 0o000)
            #expect(openFailureAsNobody(path) == .cannotOpen(path: path, reason: .permissionDenied))
            chmod(path, 0o444)
            #expect(openFailureAsNobody(path) == .cannotOpen(path: path, reason: .readOnly))
            chmod(directory, 0o555)
            chmod(path, 0o666)
            // The write-ahead log cannot be created beside the file.
            #expect(openFailureAsNobody(path) == .cannotOpen(path: path, reason: .readOnly))
            chmod(directory, 0o755)
        }
    }

    @Test func aDamagedHeaderIsNotADatabase() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeStore(path, ids: 1...50)
            try overwrite(path, at: 0, with: Array("SQLite format 9\0".utf8))
            #expect(openFailure(path) == .cannotOpen(path: path, reason: .notADatabase))
        }
    }

    @Test func aTruncatedFileIsCorrupt() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeStore(path, ids: 1...2000)
            #expect(truncate(path, 4096 * 3) == 0)
            #expect(openFailure(path) == .cannotOpen(path: path, reason: .corrupt("database disk image is malformed")))
        }
    }

    @Test func aDamagedSchemaIsCorrupt() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeStore(path, ids: 1...50)
            // Page 1's b-tree header, right after the 100-byte file header: the schema table's root.
            try overwrite(path, at: 100, with: [UInt8](repeating: 0xFF, count: 12))
            #expect(openFailure(path) == .cannotOpen(path: path, reason: .corrupt("database disk image is malformed")))
        }
    }

    @Test func aNewerSchemaIsRefusedAndLeftAlone() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeStore(path, ids: 1...5)
            try rawConnection(path).execute("PRAGMA user_version = 7")
            #expect(
                openFailure(path)
                    == .cannotOpen(path: path, reason: .newerSchema(found: 7, supported: Schema.migrations.count)))
            #expect(try rawConnection(path).integer("SELECT count(*) FROM messages") == 5)
            #expect(try rawConnection(path).integer("PRAGMA user_version") == 7)
        }
    }

    @Test func anotherProgramsDatabaseIsNotAStore() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/other.db"
            try rawConnection(path).execute("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)")
            #expect(openFailure(path) == .cannotOpen(path: path, reason: .notAStore))
            let tagged = "\(directory)/tagged.db"
            try rawConnection(tagged).execute("PRAGMA application_id = 1234; PRAGMA user_version = 1")
            #expect(openFailure(tagged) == .cannotOpen(path: tagged, reason: .notAStore))
            let versioned = "\(directory)/versioned.db"
            try rawConnection(versioned).execute("PRAGMA user_version = 5")
            #expect(openFailure(versioned) == .cannotOpen(path: versioned, reason: .notAStore))
        }
    }

    @Test func aNegativeSchemaVersionIsNotAStore() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeStore(path, ids: 1...5)
            try rawConnection(path).execute("PRAGMA user_version = -3")
            #expect(openFailure(path) == .cannotOpen(path: path, reason: .notAStore))
        }
    }

    @Test func anEmptyFileBecomesAStore() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/empty.db"
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            let store = try SQLiteMessageStore(path: path)
            try store.append(messages(1...2))
            #expect(try store.latest(10).ids == [1, 2])
        }
    }

    @Test func damageFoundWhileReadingIsAReadFailure() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/store.db"
            try makeStore(path, ids: 1...3000)
            // Garbage over the pages of the full-text index's segments, which opening does not read; the
            // first leaf (in key order), which holds the index's structure record, is spared.
            let raw = try rawConnection(path)
            let pages = try raw.prepare(
                """
                SELECT pageno FROM dbstat WHERE name = 'messages_fts_data' AND pagetype = 'leaf'
                ORDER BY path LIMIT -1 OFFSET 1
                """)
            var leaves: [Int64] = []
            while try pages.step() { leaves.append(pages.int64(0)) }
            pages.reset()
            #expect(leaves.count > 3)
            for page in leaves {
                try overwrite(path, at: (Int(page) - 1) * 4096, with: [UInt8](repeating: 0xA5, count: 4096))
            }
            let store = try SQLiteMessageStore(path: path)
            #expect(throws: StoreError.readFailed(reason: "database disk image is malformed (SQLITE_CORRUPT)")) {
                try store.search("message", limit: 50)
            }
            #expect(try store.latest(2).ids == [2999, 3000])
        }
    }

    // MARK: Helpers

    private func makeStore(_ path: String, ids: ClosedRange<UInt64>) throws {
        let store = try SQLiteMessageStore(path: path)
        for start in stride(from: ids.lowerBound, through: ids.upperBound, by: 100) {
            try store.append(messages(start...min(start + 99, ids.upperBound)))
        }
        try store.catchUpIndex()
    }

    private func overwrite(_ path: String, at offset: Int, with bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw SystemError("open") }
        defer { close(fd) }
        guard pwrite(fd, bytes, bytes.count, off_t(offset)) == bytes.count else { throw SystemError("pwrite") }
    }

    /// What opening `path` threw on a thread whose file-system user is `nobody`.
    private func openFailureAsNobody(_ path: String) -> StoreError? {
        typealias SetFSUID = @convention(c) (UInt32) -> Int32
        let result = Locked<StoreError?>(nil)
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "setfsuid") else {
            Issue.record("setfsuid is not in the C library")
            return nil
        }
        let setfsuid = unsafeBitCast(symbol, to: SetFSUID.self)
        do {
            let thread = try ThreadSpawner.spawnJoinable {
                _ = setfsuid(65534)
                defer { _ = setfsuid(0) }
                result.withLock { $0 = openFailure(path) }
            }
            ThreadSpawner.join(thread)
        } catch {
            Issue.record("could not start a thread: \(error)")
        }
        return result.withLock { $0 }
    }
}
