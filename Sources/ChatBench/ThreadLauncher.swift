import Glibc

/// Starts and joins POSIX threads for the event loops.
enum ThreadLauncher {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new joinable thread.
    ///
    /// - Parameter body: The work the thread runs, then exits.
    /// - Returns: The thread, for ``join(_:)``.
    /// - Throws: ``BenchError/system(call:errno:)`` when the thread cannot be created.
    static func start(_ body: @escaping @Sendable () -> Void) throws(BenchError) -> pthread_t {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { argument in
                guard let argument else { return nil }
                Unmanaged<Box>.fromOpaque(argument).takeRetainedValue().body()
                return nil
            }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw .system(call: "pthread_create", errno: rc)
        }
        return thread
    }

    /// Waits for `thread` to end.
    static func join(_ thread: pthread_t) {
        pthread_join(thread, nil)
    }
}
