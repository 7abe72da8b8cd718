import Glibc

/// Starts detached POSIX threads for the client's long-lived loops (network, signals, stdin).
enum DetachedThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new detached thread with every asynchronous signal blocked.
    ///
    /// Signals are taken by one ``SignalWatcher`` thread (or not at all), never by a worker thread, so
    /// that a signal cannot interrupt a worker's system call or run a handler on it.
    ///
    /// - Parameter body: The work the thread runs, then exits.
    /// - Throws: ``ClientError/system(_:_:)`` when the thread cannot be created.
    static func spawn(_ body: @escaping @Sendable () -> Void) throws(ClientError) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        // The new thread inherits this mask: block everything while creating it, then restore ours.
        var all = sigset_t()
        var previous = sigset_t()
        sigfillset(&all)
        // Faults stay deliverable, so a crash on this thread still reports as one.
        for fault in [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT] { sigdelset(&all, fault) }
        pthread_sigmask(SIG_SETMASK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, &attributes,
            { argument in
                guard let argument else { return nil }
                Unmanaged<Box>.fromOpaque(argument).takeRetainedValue().body()
                return nil
            }, box)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            throw .system("pthread_create", rc)
        }
    }
}
