import ChatSystem
import Foundation
import Testing

@testable import ChatStore

/// A full disk and a read-only file system, on a small tmpfs of the test's own (tests run as root).
@Suite struct DiskFaultTests {
    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as in CI); tried once.
    static let canMount: Bool = {
        (try? withTmpfs { _ in true }) ?? false
    }()

    @Test(.enabled(if: canMount, "mounting a tmpfs needs root (CAP_SYS_ADMIN); skipped without it"))
    func aFullDiskRefusesTheGroupAndTheStoreRecoversByItself() throws {
        try withTmpfs { directory in
            let path = "\(directory)/store.db"
            let store = try SQLiteMessageStore(path: path)
            try store.append(messages(1...10))
            let group = (11...210).map { message($0, String(repeating: "payload ", count: 250) + "number\($0)") }

            let filler = "\(directory)/filler"
            try fill(filler)
            for _ in 0..<2 {
                #expect(throws: StoreError.writeFailed(reason: "database or disk is full (SQLITE_FULL)")) {
                    try store.append(group)
                }
            }
            // Nothing of the group is stored, and what was stored before still answers.
            #expect(store.lastID == 10)
            #expect(store.count == 10)
            #expect(try store.latest(1000).ids == Array(1...10))
            #expect(try store.search("message", limit: 50).ids == Array(1...10))
            #expect(try store.search("payload", limit: 50) == [])

            // Space comes back: the same messages, with the same ids, go in without reopening anything.
            #expect(unlink(filler) == 0)
            try store.append(group)
            try store.append(messages(211...211))
            #expect(store.lastID == 211)
            #expect(try store.after(0, 1000).ids == Array(1...211))
            #expect(try store.search("number150", limit: 50).ids == [150])

            let reopened = try SQLiteMessageStore(path: "\(directory)/store.db")
            #expect(try reopened.after(0, 1000) == (try store.after(0, 1000)))
            try store.catchUpIndex()
            try rawConnection(path).execute(
                "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")
            #expect(try rawConnection(path).text("PRAGMA integrity_check") == "ok")
        }
    }

    @Test(.enabled(if: canMount, "mounting a tmpfs needs root (CAP_SYS_ADMIN); skipped without it"))
    func aFullDiskDuringPruningLosesNothing() throws {
        try withTmpfs { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            for start in stride(from: UInt64(1), through: 1_000, by: 100) {
                try store.append((start...start + 99).map { message($0, "some text to index \($0)") })
            }
            let filler = "\(directory)/filler"
            try fill(filler)
            var refused: StoreError?
            do {
                while try store.prune(keepNewest: 10, olderThanMilliseconds: nil, limit: 200) > 0 {}
            } catch {
                refused = error as? StoreError
            }
            #expect(refused == .writeFailed(reason: "database or disk is full (SQLITE_FULL)"))
            // Whatever batches went through went whole: the history is still one unbroken run up to 1000.
            let left = try store.after(0, 1000).ids
            #expect(left.count == store.count)
            #expect(left == Array((1_001 - UInt64(left.count))...1_000))
            #expect(unlink(filler) == 0)
            #expect(try store.prune(keepNewest: 10, olderThanMilliseconds: nil) == left.count - 10)
            #expect(try store.after(0, 1000).ids == Array(991...1_000))
        }
    }

    @Test(.enabled(if: canMount, "mounting a tmpfs needs root (CAP_SYS_ADMIN); skipped without it"))
    func aReadOnlyFileSystemIsRefusedAtOpen() throws {
        try withTmpfs { directory in
            let path = "\(directory)/store.db"
            do {
                let store = try SQLiteMessageStore(path: path)
                try store.append(messages(1...3))
            }
            guard mount("tmpfs", directory, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), "size=2m") == 0 else {
                throw SystemError("mount -o remount,ro")
            }
            #expect(openFailure(path) == .cannotOpen(path: path, reason: .readOnly))
        }
    }

    /// Writes to `path` until the file system is full.
    private func fill(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SystemError("open") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x55, count: 4096)
        while write(fd, chunk, chunk.count) > 0 {}
        guard errno == ENOSPC else { throw SystemError("write") }
    }
}

/// Runs `body` with the path of a new 2 MiB tmpfs, unmounted afterwards.
private func withTmpfs<Result>(_ body: (String) throws -> Result) throws -> Result {
    try withTemporaryDirectory { parent in
        let directory = "\(parent)/fs"
        guard mkdir(directory, 0o755) == 0 else { throw SystemError("mkdir") }
        guard mount("tmpfs", directory, "tmpfs", 0, "size=2m") == 0 else { throw SystemError("mount tmpfs") }
        defer { umount2(directory, Int32(MNT_DETACH)) }
        return try body(directory)
    }
}
