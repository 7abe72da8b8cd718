import CSQLite
import Glibc

/// A failed SQLite call: its extended result code, SQLite's message, and the `errno` behind it, if any.
struct SQLiteFailure: Error, CustomStringConvertible {
    /// The extended result code (`SQLITE_IOERR_WRITE`, ...); `code & 0xff` is the primary one.
    var code: Int32
    var message: String
    /// The system call's `errno` behind an I/O or open failure, or 0.
    var systemErrno: Int32

    /// The failure `code` left on `connection` (or, with no connection, SQLite's text for the code).
    init(_ connection: OpaquePointer?, code: Int32) {
        self.code = code
        if let connection {
            message = String(cString: sqlite3_errmsg(connection))
            systemErrno = sqlite3_system_errno(connection)
        } else {
            message = String(cString: sqlite3_errstr(code))
            systemErrno = 0
        }
    }

    init(code: Int32, message: String) {
        self.code = code
        self.message = message
        systemErrno = 0
    }

    var primary: Int32 { code & 0xff }

    /// SQLite's message, the code's name and, for I/O, the system's reason:
    /// `disk I/O error (SQLITE_IOERR_WRITE, File too large)`.
    var description: String {
        var detail = Self.name(of: code)
        if systemErrno != 0, primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN || primary == SQLITE_FULL {
            detail += ", " + String(cString: strerror(systemErrno))
        }
        return "\(message) (\(detail))"
    }

    private static func name(of code: Int32) -> String {
        // The extended I/O codes are macros Swift cannot import: SQLITE_IOERR | (n << 8).
        if code & 0xff == SQLITE_IOERR {
            switch code >> 8 {
            case 1: return "SQLITE_IOERR_READ"
            case 2: return "SQLITE_IOERR_SHORT_READ"
            case 3: return "SQLITE_IOERR_WRITE"
            case 4: return "SQLITE_IOERR_FSYNC"
            case 6: return "SQLITE_IOERR_TRUNCATE"
            default: break
            }
        }
        switch code & 0xff {
        case SQLITE_ERROR: return "SQLITE_ERROR"
        case SQLITE_PERM: return "SQLITE_PERM"
        case SQLITE_BUSY: return "SQLITE_BUSY"
        case SQLITE_LOCKED: return "SQLITE_LOCKED"
        case SQLITE_NOMEM: return "SQLITE_NOMEM"
        case SQLITE_READONLY: return "SQLITE_READONLY"
        case SQLITE_IOERR: return "SQLITE_IOERR"
        case SQLITE_CORRUPT: return "SQLITE_CORRUPT"
        case SQLITE_FULL: return "SQLITE_FULL"
        case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN"
        case SQLITE_TOOBIG: return "SQLITE_TOOBIG"
        case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT"
        case SQLITE_MISUSE: return "SQLITE_MISUSE"
        case SQLITE_NOTADB: return "SQLITE_NOTADB"
        default: return "SQLite code \(code)"
        }
    }
}
