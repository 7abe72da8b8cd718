import Glibc

/// A value behind a pthread mutex.
///
/// `Synchronization.Mutex` would do the same job, but on Linux it locks with raw futex calls that
/// ThreadSanitizer cannot see, so every access it guards is reported as a race. A pthread mutex is
/// understood by the sanitizer, which keeps `swift test --sanitize=thread` meaningful.
/// Hold it only for memory work: never across a socket call.
///
/// `Value` must be `Sendable`: the lock makes the box shareable between threads, so whatever is inside
/// must be safe to hand from one thread to another. A non-`Sendable` class inside would otherwise become
/// reachable from every thread that holds the box, with nothing checking what it does.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only touched inside `withLock`, under `mutex`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// Creates a lock guarding `value`.
    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    @inline(__always)
    public func withLock<Result, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
