import Glibc

/// Takes the process's asynchronous signals on one thread with `sigwait`, so no handler ever runs
/// in the middle of other code (curses must never be called from a signal handler).
///
/// Call ``blockSignals()`` first thing in `main`, before any thread starts: threads inherit the mask,
/// and `sigwait` only works for signals blocked in every thread.
public enum SignalWatcher {
    /// The signals taken: leave (`SIGINT`, `SIGTERM`, `SIGHUP`) and resize (`SIGWINCH`).
    public static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGWINCH]

    /// Blocks ``signals`` in the calling thread (and so in every thread it starts later), and
    /// ignores `SIGPIPE`.
    public static func blockSignals() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Starts the thread that waits for ``signals``.
    ///
    /// - Parameter handler: Called on that thread with each signal taken; it must not block.
    /// - Throws: ``ClientError`` when the thread cannot be started.
    public static func start(_ handler: @escaping @Sendable (Int32) -> Void) throws(ClientError) {
        try DetachedThread.spawn {
            var set = signalSet()
            while true {
                var received: Int32 = 0
                guard sigwait(&set, &received) == 0 else { continue }
                handler(received)
            }
        }
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }
}
