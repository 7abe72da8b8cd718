#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H

#include <sqlite3.h>

// SQLITE_TRANSIENT is (sqlite3_destructor_type)-1, a macro Swift cannot import: bind text through this,
// which has SQLite copy the bytes before it returns, so Swift's buffer need not outlive the call.
static inline int CSQLite_bind_text(sqlite3_stmt *statement, int index, const char *text, sqlite3_uint64 bytes) {
    return sqlite3_bind_text64(statement, index, text, bytes, SQLITE_TRANSIENT, SQLITE_UTF8);
}

#endif
