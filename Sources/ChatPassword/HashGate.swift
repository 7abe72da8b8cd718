import Glibc

/// Lets at most a given number of threads through at once; the others wait, blocked (never spinning),
/// until one leaves.
///
/// A hash is tens of milliseconds of one core and memory-hard on purpose: without a bound, a storm of
/// logins would take every core (and as many times the hash's memory) from the threads that deliver the
/// room's messages. The gate's lock is held only to count, never while a hash runs.
///
/// `@unchecked Sendable`: `inside` is touched only with `mutex` held; `mutex` and `condition` are
/// allocated once and live as long as the gate.
final class HashGate: @unchecked Sendable {
    /// Called inside the gate, as a thread enters and as it leaves (tests count who is inside).
    struct Hooks: Sendable {
        var entered: @Sendable () -> Void
        var leaving: @Sendable () -> Void
    }

    /// The most threads inside at once (at least 1).
    let limit: Int
    private let hooks: Hooks?
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var inside = 0

    init(limit: Int, hooks: Hooks? = nil) {
        self.limit = max(1, limit)
        self.hooks = hooks
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` once fewer than ``limit`` threads are inside, waiting (blocked) until then.
    func run<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        while inside >= limit {
            pthread_cond_wait(condition, mutex)
        }
        inside += 1
        pthread_mutex_unlock(mutex)
        hooks?.entered()
        defer {
            hooks?.leaving()
            pthread_mutex_lock(mutex)
            inside -= 1
            pthread_cond_signal(condition)
            pthread_mutex_unlock(mutex)
        }
        return try body()
    }
}
