import CSQLite
import Glibc

extension OpenFailure {
    /// The reason a person can act on behind `failure`, met while opening the store at `path`.
    ///
    /// SQLite's own codes say what it met (`SQLITE_NOTADB`, `SQLITE_CORRUPT`) but not always why a file
    /// would not open: it falls back to read-only when it may not write, then fails on the write-ahead log
    /// with whatever that open left in `errno`. For those, the file and its folder are asked directly, as
    /// this process (its file-system user) sees them.
    init(_ failure: SQLiteFailure, path: String) {
        switch failure.primary {
        case SQLITE_NOTADB:
            self = .notADatabase
        case SQLITE_CORRUPT:
            self = .corrupt(failure.message)
        case SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM, SQLITE_AUTH, SQLITE_IOERR:
            self = Self.diagnose(path) ?? .other(failure.description)
        default:
            self = .other(failure.description)
        }
    }

    /// Why the file at `path`, or the folder it is in, cannot be used for reading and writing; `nil`
    /// when both can.
    private static func diagnose(_ path: String) -> OpenFailure? {
        let file = open(path, O_RDWR | O_CLOEXEC)
        if file >= 0 {
            close(file)
        } else {
            switch errno {
            case EISDIR: return .isDirectory
            case EROFS: return .readOnly
            case ENOENT: return faccessat(AT_FDCWD, folder(of: path), F_OK, AT_EACCESS) == 0 ? nil : .noSuchDirectory
            case EACCES, EPERM:
                let readable = open(path, O_RDONLY | O_CLOEXEC)
                guard readable >= 0 else { return .permissionDenied }
                close(readable)
                return .readOnly
            default: return nil
            }
        }
        // The write-ahead log and its index are created beside the file.
        return faccessat(AT_FDCWD, folder(of: path), W_OK, AT_EACCESS) == 0 ? nil : .readOnly
    }

    private static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
