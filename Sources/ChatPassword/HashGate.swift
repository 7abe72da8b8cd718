import ChatSystem
import Glibc

/// Runs hashes on at most a given number of background threads; the callers wait, blocked (never
/// spinning), for their hash to be done.
///
/// A hash is milliseconds of one core and memory-hard on purpose. Without a bound, a storm of logins would
/// take every core (and as many times the hash's memory) from the threads that deliver the room's
/// messages; and even one hash at a time, run at the caller's priority, takes a core's turns from them.
/// So the hashes run on threads of their own at the lowest priority (``ThreadSpawner/lowerToBackground()``):
/// they get the processor only when delivery does not want it. Under a storm logins wait their turn, and
/// the room goes on. A worker ends after ``idleSeconds`` with nothing to do, and another starts when work
/// comes again.
///
/// `@unchecked Sendable`: `queue` and `workers` are touched only with `mutex` held; `mutex` and the
/// conditions are allocated once and live as long as the gate (the workers hold it).
final class HashGate: @unchecked Sendable {
    /// Called on the worker, as a hash starts and as it ends (tests count how many run at once).
    struct Hooks: Sendable {
        var entered: @Sendable () -> Void
        var leaving: @Sendable () -> Void
    }

    /// The most hashes that run at once (at least 1): the number of workers.
    let limit: Int
    /// How long a worker waits for more work before it ends.
    static let idleSeconds = 2
    private let hooks: Hooks?
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Signalled when a job is queued (for the workers) and when a job is done (for its caller).
    private let queued: UnsafeMutablePointer<pthread_cond_t>
    private let finished: UnsafeMutablePointer<pthread_cond_t>
    private var queue: [Job] = []
    private var workers = 0

    /// One caller's work. `@unchecked Sendable`: `work` runs (and is dropped) on one worker while its caller
    /// waits; `done` is read and written with the gate's mutex held.
    private final class Job: @unchecked Sendable {
        /// The caller's closure, which must not outlive its call: dropped as soon as it has run.
        var work: (() -> Void)?
        var done = false
        init(_ work: @escaping () -> Void) { self.work = work }
    }

    init(limit: Int, hooks: Hooks? = nil) {
        self.limit = max(1, limit)
        self.hooks = hooks
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        queued = .allocate(capacity: 1)
        queued.initialize(to: pthread_cond_t())
        pthread_cond_init(queued, nil)
        finished = .allocate(capacity: 1)
        finished.initialize(to: pthread_cond_t())
        pthread_cond_init(finished, nil)
    }

    deinit {
        pthread_cond_destroy(finished)
        finished.deallocate()
        pthread_cond_destroy(queued)
        queued.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` on a background worker once one is free, and waits for it.
    ///
    /// Should no worker thread start (the thread limit), `body` runs on the calling thread, still one at a
    /// time with the others.
    func run<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        let outcome = Outcome<Result, Failure>()
        return try withoutActuallyEscaping(body) { (body) throws(Failure) -> Result in
            let job = Job {
                do throws(Failure) {
                    outcome.value = .success(try body())
                } catch {
                    outcome.value = .failure(error)
                }
            }
            pthread_mutex_lock(mutex)
            queue.append(job)
            let startWorker = workers < limit
            if startWorker { workers += 1 }
            pthread_cond_signal(queued)
            pthread_mutex_unlock(mutex)
            if startWorker && !startWorkerThread() {
                pthread_mutex_lock(mutex)
                workers -= 1
                pthread_mutex_unlock(mutex)
                runQueued(inline: job)
            }
            pthread_mutex_lock(mutex)
            while !job.done { pthread_cond_wait(finished, mutex) }
            pthread_mutex_unlock(mutex)
            // The worker set the value before it marked the job done.
            switch outcome.value {
            case .success(let value): return value
            case .failure(let error): throw error
            case nil: return try body()
            }
        }
    }

    private func startWorkerThread() -> Bool {
        do {
            try ThreadSpawner.spawn(stackSize: 256 * 1024, blockingSignals: true) { [self] in work() }
            return true
        } catch {
            return false
        }
    }

    /// A worker: lowers itself to the background, then runs queued jobs until none comes for a while.
    private func work() {
        ThreadSpawner.lowerToBackground()
        pthread_mutex_lock(mutex)
        while true {
            if queue.isEmpty {
                var deadline = timespec()
                clock_gettime(CLOCK_REALTIME, &deadline)
                deadline.tv_sec += Self.idleSeconds
                while queue.isEmpty {
                    if pthread_cond_timedwait(queued, mutex, &deadline) == ETIMEDOUT { break }
                }
                if queue.isEmpty {
                    workers -= 1
                    pthread_mutex_unlock(mutex)
                    return
                }
            }
            let job = queue.removeFirst()
            pthread_mutex_unlock(mutex)
            perform(job)
            pthread_mutex_lock(mutex)
        }
    }

    /// Runs `job` here when no worker could start (it may have been taken by a worker meanwhile).
    private func runQueued(inline job: Job) {
        pthread_mutex_lock(mutex)
        guard let index = queue.firstIndex(where: { $0 === job }) else {
            pthread_mutex_unlock(mutex)
            return
        }
        queue.remove(at: index)
        pthread_mutex_unlock(mutex)
        perform(job)
    }

    private func perform(_ job: Job) {
        hooks?.entered()
        job.work?()
        job.work = nil
        hooks?.leaving()
        pthread_mutex_lock(mutex)
        job.done = true
        pthread_cond_broadcast(finished)
        pthread_mutex_unlock(mutex)
    }
}

/// What a job gave, written by its worker before the job is marked done and read by its caller after.
/// `@unchecked Sendable`: those two never overlap (the gate's mutex orders them).
private final class Outcome<Value, Failure: Error>: @unchecked Sendable {
    var value: Result<Value, Failure>?
}
