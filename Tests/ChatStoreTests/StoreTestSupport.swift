import CSQLite
import ChatSystem
import Foundation
import Testing

@testable import ChatStore

/// Runs `body` with a new, empty folder under the system's temporary folder, removed afterwards.
func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    let temporary = NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/"
    var template = Array("\(temporary)chatstore-test-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp") }
    let directory = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}

/// A message with a time derived from its id (1 s apart, from 2026-01-01), unless given.
func message(_ id: UInt64, _ text: String = "", from: String = "alice", time: Int64? = nil) -> StoredMessage {
    StoredMessage(
        id: id, time: time ?? 1_767_225_600_000 + Int64(id) * 1_000, from: from,
        text: text.isEmpty ? "message \(id)" : text)
}

/// Messages `ids`, each with its default text and time.
func messages(_ ids: some Sequence<UInt64>) -> [StoredMessage] {
    ids.map { message($0) }
}

extension Array where Element == StoredMessage {
    var ids: [UInt64] { map(\.id) }
}

/// A raw connection to a store's file, for building and damaging stores the way another program would.
func rawConnection(_ path: String) throws -> Connection {
    try Connection(path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
}

/// Polls `condition` until it holds or `timeout` passes; never sleeps for a fixed time to wait for it.
func eventually(timeout: Duration = .seconds(10), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        // A short pause between polls; the deadline, not this pause, decides the outcome.
        _ = poll(nil, 0, 1)
    }
    return try condition()
}

/// What `open` of a store at `path` threw, or `nil` if it opened.
func openFailure(_ path: String) -> StoreError? {
    do {
        _ = try SQLiteMessageStore(path: path)
        return nil
    } catch {
        return error
    }
}

/// The size of the file at `path`, in bytes.
func fileSize(_ path: String) throws -> Int {
    var info = stat()
    guard stat(path, &info) == 0 else { throw SystemError("stat") }
    return Int(info.st_size)
}
