import ChatSystem

/// Starts detached threads for the client's long-lived loops (network, signals, stdin).
enum DetachedThread {
    /// Starts `body` on a new detached thread with every asynchronous signal blocked.
    ///
    /// Signals are taken by one ``SignalWatcher`` thread (or not at all), never by a worker thread, so
    /// that a signal cannot interrupt a worker's system call or run a handler on it.
    ///
    /// - Parameter body: The work the thread runs, then exits.
    /// - Throws: ``ClientError/system(_:_:)`` when the thread cannot be created.
    static func spawn(_ body: @escaping @Sendable () -> Void) throws(ClientError) {
        do {
            try ThreadSpawner.spawn(stackSize: nil, blockingSignals: true, body)
        } catch {
            throw .system(error)
        }
    }
}
