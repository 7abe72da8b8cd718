import CSystemShims
import Glibc

/// Starts POSIX threads with a chosen stack size.
///
/// Foundation's `Thread` would do, but costs a larger default stack and an object per thread;
/// a thread per connection wants the stack small. The client uses it for its long-lived loops and
/// the bench for its event loops (joinable, see ``spawnJoinable(_:)``).
public enum ThreadSpawner {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new detached thread.
    ///
    /// - Parameters:
    ///   - stackSize: The thread's stack size in bytes, or `nil` for the system's default.
    ///   - blockingSignals: Start the thread with every asynchronous signal blocked (faults stay
    ///     deliverable), for programs that take signals on one `sigwait` thread.
    ///   - body: The work the thread runs, then exits.
    /// - Throws: ``SystemError`` when the thread cannot be created (out of memory or thread limit).
    public static func spawn(
        stackSize: Int?, blockingSignals: Bool = false, _ body: @escaping @Sendable () -> Void
    ) throws(SystemError) {
        _ = try create(stackSize: stackSize, detached: true, blockingSignals: blockingSignals, body)
    }

    /// Starts `body` on a new joinable thread with the system's default stack.
    ///
    /// - Returns: The thread, for ``join(_:)``.
    /// - Throws: ``SystemError`` when the thread cannot be created.
    public static func spawnJoinable(_ body: @escaping @Sendable () -> Void) throws(SystemError) -> pthread_t {
        try create(stackSize: nil, detached: false, blockingSignals: false, body)
    }

    /// Makes the calling thread a background one for the rest of its life: it runs only when a processor has
    /// nothing else to do (`SCHED_IDLE`, or nice 19 where that is refused), so its work never delays the
    /// threads that deliver. There is no way back without privilege: give such work a thread of its own.
    ///
    /// - Returns: Whether it took.
    @discardableResult
    public static func lowerToBackground() -> Bool {
        CSystemShims_make_thread_idle() == 0
    }

    /// Waits for a thread from ``spawnJoinable(_:)`` to end.
    public static func join(_ thread: pthread_t) {
        pthread_join(thread, nil)
    }

    private static func create(
        stackSize: Int?, detached: Bool, blockingSignals: Bool, _ body: @escaping @Sendable () -> Void
    ) throws(SystemError) -> pthread_t {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        if let stackSize { pthread_attr_setstacksize(&attributes, stackSize) }
        if detached { pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED)) }
        // A new thread inherits its creator's mask: block everything while creating it, then restore.
        var previous = sigset_t()
        if blockingSignals {
            var all = sigset_t()
            sigfillset(&all)
            // Faults stay deliverable, so a crash on the thread still reports as one.
            for fault in [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT] { sigdelset(&all, fault) }
            pthread_sigmask(SIG_SETMASK, &all, &previous)
        }
        defer { if blockingSignals { pthread_sigmask(SIG_SETMASK, &previous, nil) } }
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
            throw SystemError("pthread_create", code: rc)
        }
        return thread
    }
}
