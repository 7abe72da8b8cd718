/// What can go wrong with a ``MessageStore``.
///
/// The server answers a broadcast that ``writeFailed(reason:)`` with `ERROR unavailable` (and logs the
/// reason), a query that fails or meets ``unavailable`` likewise; ``cannotOpen(path:reason:)`` at start is
/// one line on stderr and exit status 1.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The store could not be opened (or created) at start; nothing was changed.
    case cannotOpen(path: String, reason: OpenFailure)
    /// A write did not happen (disk full, file size limit, I/O error); the reason keeps SQLite's message.
    /// Nothing of it was stored, and a later try may succeed once the cause is gone.
    case writeFailed(reason: String)
    /// A query failed (an I/O error, or damage found while reading); the reason keeps SQLite's message.
    case readFailed(reason: String)
    /// ``MessageStore/append(_:)`` was given an id not above the one before it (a bug in the caller).
    case idNotIncreasing(id: UInt64, last: UInt64)
    /// A copy for ``SQLiteMessageStore/backup(to:)`` could not be written.
    case backupFailed(path: String, reason: String)
    /// There is no store (`--store none`): nothing is kept, so nothing can be read.
    case unavailable

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the message store \(path): \(reason)"
        case .writeFailed(let reason): "the message store cannot write: \(reason)"
        case .readFailed(let reason): "the message store cannot read: \(reason)"
        case .idNotIncreasing(let id, let last): "message id \(id) is not above the last stored id \(last)"
        case .backupFailed(let path, let reason): "cannot back the message store up to \(path): \(reason)"
        case .unavailable: "no message store (--store none)"
        }
    }
}

/// Why a store would not open, each a reason a person can act on.
public enum OpenFailure: Equatable, Sendable, CustomStringConvertible {
    /// The file or its folder may not be read or written by this process.
    case permissionDenied
    /// The path names a folder, not a file.
    case isDirectory
    /// The folder the file would be created in does not exist.
    case noSuchDirectory
    /// The file is not an SQLite database (text, another format, or a header damaged beyond recognition).
    case notADatabase
    /// An SQLite database, but damaged; SQLite's message says where.
    case corrupt(String)
    /// An SQLite database, but not one this program made (other tables, another application id).
    case notAStore
    /// Made by a newer release: its schema version is above the highest this release knows.
    case newerSchema(found: Int, supported: Int)
    /// The file, or the folder for its write-ahead log, can be read but not written.
    case readOnly
    /// Anything else, with SQLite's message.
    case other(String)

    public var description: String {
        switch self {
        case .permissionDenied: "permission denied"
        case .isDirectory: "it is a directory"
        case .noSuchDirectory: "no such directory"
        case .notADatabase: "not an SQLite database"
        case .corrupt(let message): "the database is corrupt (\(message))"
        case .notAStore: "an SQLite database, but not a chatroom message store"
        case .newerSchema(let found, let supported):
            "made by a newer release (schema version \(found); this release knows versions up to \(supported))"
        case .readOnly: "read-only (cannot write the file or its folder)"
        case .other(let message): message
        }
    }
}
