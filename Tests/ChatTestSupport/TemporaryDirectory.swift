import Foundation
import Glibc

/// Makes a new, empty folder under `/tmp` (never in the working tree), for a test's stores and files.
///
/// - Returns: Its path.
/// - Throws: ``TestFailure`` when it cannot be made.
public func makeTemporaryDirectory(_ prefix: String = "chatroom-test") throws -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed: errno \(errno)") }
    return String(cString: made)
}

/// Runs `body` with a new, empty folder under `/tmp`, removed with everything in it afterwards.
public func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let folder = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder)
}

/// The names in `folder` (not `.` and `..`), sorted, read with `readdir`.
///
/// - Throws: ``TestFailure`` when the folder cannot be opened.
public func directoryEntries(_ folder: String) throws -> [String] {
    guard let directory = opendir(folder) else { throw TestFailure("cannot open \(folder): errno \(errno)") }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}
