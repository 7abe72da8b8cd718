import CSQLite
import ChatSystem
import Glibc

extension SQLiteMessageStore {
    /// Copies the write-ahead log into the database file on a thread and connection of its own.
    ///
    /// Left to the writer (SQLite's automatic checkpoint, in the commit that fills 1,000 pages of log), a
    /// checkpoint's writes and fsyncs land in an append: one commit in a hundred took 15 ms and more, and
    /// an append is what delivery waits for. Here a commit only raises a flag; the thread looks at it every
    /// ``Options/checkpointIntervalMilliseconds`` and runs a passive checkpoint, which never blocks the
    /// writer nor the readers.
    ///
    /// `@unchecked Sendable`: `connection` and `checkpoint` are used by the checkpoint thread alone once it
    /// runs; the flags and the thread id are behind `Locked`.
    final class Checkpointer: @unchecked Sendable {
        private let connection: Connection
        private let checkpoint: Statement
        private let interval: Int32
        private let waker: PollWaker
        private let committed = Locked(false)
        private let stopping = Locked(false)
        private let thread = Locked<pthread_t?>(nil)

        init(path: String, intervalMilliseconds: Int32) throws(SQLiteFailure) {
            connection = try Connection(path: path, flags: SQLITE_OPEN_READWRITE)
            checkpoint = try connection.prepare("PRAGMA wal_checkpoint(PASSIVE)")
            interval = intervalMilliseconds
            do {
                waker = try PollWaker()
            } catch {
                throw SQLiteFailure(code: SQLITE_CANTOPEN, message: "\(error)")
            }
        }

        /// Starts the thread.
        ///
        /// - Returns: `false` when no thread could be started (the writer then checkpoints by itself).
        func start() -> Bool {
            do {
                let started = try ThreadSpawner.spawnJoinable { [self] in run() }
                thread.withLock { $0 = started }
                return true
            } catch {
                return false
            }
        }

        /// Tells the thread that there is log to copy.
        func noteCommit() {
            committed.withLock { $0 = true }
        }

        /// Stops the thread and waits for it (at most one checkpoint).
        func stop() {
            stopping.withLock { $0 = true }
            waker.wake()
            if let running = thread.withLock({ $0 }) { ThreadSpawner.join(running) }
        }

        private func run() {
            var descriptor = pollfd(fd: waker.fd, events: Int16(POLLIN), revents: 0)
            while !stopping.withLock({ $0 }) {
                if poll(&descriptor, 1, interval) > 0 { waker.drain() }
                let due = committed.withLock { due in
                    defer { due = false }
                    return due
                }
                // A failure (no space for the file to grow, an I/O error) leaves the log as it is; the
                // next round tries again, and the writer's commits do not depend on it.
                if due { try? checkpoint.run() }
            }
        }
    }
}
