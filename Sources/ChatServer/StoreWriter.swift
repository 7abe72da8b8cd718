import ChatProtocol
import ChatStore
import ChatSystem
import Glibc
import Logging

/// What the store keeps: the newest `keepNewest` messages (0: any number), none older than `maxAge`.
public struct Retention: Sendable, Equatable {
    /// How many messages to keep; 0 keeps any number.
    public var keepNewest: Int
    /// The age past which a message goes, in seconds; `nil` keeps messages of any age.
    public var maxAgeSeconds: Int64?

    public init(keepNewest: Int = 1_000_000, maxAgeSeconds: Int64? = nil) {
        self.keepNewest = keepNewest
        self.maxAgeSeconds = maxAgeSeconds
    }
}

/// The thread that commits broadcasts to the store before anyone is sent them, and prunes the history.
///
/// Broadcasts wait in the ``Registry`` in id order (``Registry/broadcast(from:text:)``). Each time it wakes
/// this thread takes all that waits, up to a bounded group, commits the group in one transaction (no lock
/// held), then delivers it (``Registry/deliverStored(_:)``); what came meanwhile is the next group. So a
/// message is durable before it is delivered, a group costs one commit, and a group is small enough that
/// delivering it at once cannot by itself take a healthy reader past its send queue limit. When the store
/// cannot write, the group is refused (each sender gets `ERROR unavailable`), the log says so once, and the
/// next broadcast tries again; the log says so again once a write (a group's or the pruner's) succeeds.
/// Between groups, when nothing waits, it prunes and brings the full-text index up, each in small
/// batches, so neither holds up delivery for long; it is the store's only writer.
final class StoreWriter: Sendable {
    /// The most messages one group commits.
    static let maxGroup = 256
    /// The most messages one pruning transaction removes.
    static let pruneBatch = 500
    /// How often the writer looks for messages to prune, in nanoseconds.
    static let pruneInterval: UInt64 = 5_000_000_000
    /// The messages one indexing transaction adds (``MessageStore/catchUp(atLeast:atMost:)``): while
    /// broadcasts flow, the index waits until this many are due, so FTS5's cost per transaction is shared by
    /// many messages, and a broadcast waits at most one such batch: about 1.5 ms, longer when FTS5 merges
    /// segments in it (docs/STORE.md).
    static let indexBatch = 256
    /// How long without a group before the room counts as quiet and the index takes the rest, in nanoseconds.
    static let quietInterval: UInt64 = 200_000_000
    private struct State {
        var stopped = false
        var running = false
    }

    let store: any MessageStore
    let registry: Registry
    let logger: Logger
    let retention: Retention
    /// The registry's ``Registry/pendingWaker``: a broadcast that starts to wait wakes this thread.
    private let waker: PollWaker
    private let state = Locked(State())

    /// `nil` when `registry` does not store messages (it has no ``Registry/pendingWaker``).
    init?(store: any MessageStore, registry: Registry, retention: Retention, logger: Logger) {
        guard let waker = registry.pendingWaker else { return nil }
        self.waker = waker
        self.store = store
        self.registry = registry
        self.retention = retention
        self.logger = logger
    }

    /// Starts the thread.
    func start(stackSize: Int) throws(SystemError) {
        state.withLock { $0.running = true }
        do {
            try ThreadSpawner.spawn(stackSize: stackSize) { [self] in run() }
        } catch {
            state.withLock { $0.running = false }
            throw error
        }
    }

    /// Commits and delivers what waits, then ends the thread (waiting at most until `deadline`).
    func stop(deadline: UInt64) {
        state.withLock { $0.stopped = true }
        waker.wake()
        var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
        while state.withLock({ $0.running }) && monotonicNanoseconds() < deadline {
            nanosleep(&pause, nil)
        }
    }

    private func run() {
        defer { state.withLock { $0.running = false } }
        var failing = false
        var nextPrune = monotonicNanoseconds()
        var commits = CommitTimes()
        while true {
            waker.drain()
            if !commits.leftWaiting, let coalescing = registry.flusher?.coalescing, registry.hasPending {
                commits.waitForGroup(coalescing)
            }
            // At most an eighth of the send queue limit of text: a group delivered at once never fills a healthy
            // reader's queue by itself.
            let group = registry.takePending(maxCount: Self.maxGroup, maxBytes: registry.sendQueueLimit / 8)
            if !group.isEmpty {
                commits.record(leaving: registry.hasPending)
                commit(group, failing: &failing)
                continue
            }
            if state.withLock({ $0.stopped }) { return }
            let now = monotonicNanoseconds()
            if now >= nextPrune {
                // One batch at a time: a broadcast that comes meanwhile goes first.
                if pruneOnce(failing: &failing) == Self.pruneBatch { continue }
                nextPrune = now + Self.pruneInterval
            }
            // The index, a batch at a time while broadcasts flow, and the rest once the room is quiet.
            var wakeAt = nextPrune
            if commits.unindexed {
                let quiet = now >= commits.last + Self.quietInterval
                if (try? store.catchUp(atLeast: quiet ? 1 : Self.indexBatch, atMost: Self.indexBatch)) ?? 0 > 0 {
                    continue
                }
                if quiet {
                    commits.unindexed = false
                } else {
                    wakeAt = min(wakeAt, commits.last + Self.quietInterval)
                }
            }
            var waker = pollfd(fd: waker.fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&waker, 1, Int32((wakeAt - min(wakeAt, now)) / 1_000_000 + 1))
        }
    }

    /// When the writer committed its last two groups, to gather a steady stream of broadcasts into one group a
    /// cork interval.
    ///
    /// The store's groups follow the cork's rule (``WriteCoalescing``): a broadcast that comes while the room
    /// is quiet is committed at once; while broadcasts come steadily a group is committed at most once an
    /// interval, and what came meanwhile goes with it. The group is then sent past the cork
    /// (``Registry/deliverStored(_:)``), since it is the batch the cork would have made, so its lines wait
    /// once, not twice. It saves a commit (and a wake-up of this thread) for every broadcast but one of each
    /// group.
    private struct CommitTimes {
        var last: UInt64 = 0
        var previous: UInt64 = 0
        /// Whether the last group left broadcasts waiting (it was full): the next one goes at once.
        var leftWaiting = false
        /// Whether messages committed since the index last caught up may wait for it.
        var unindexed = true

        /// Waits until the cork's deadline for a group, if a steady stream is being committed.
        func waitForGroup(_ coalescing: WriteCoalescing) {
            let now = monotonicNanoseconds()
            guard let deadline = coalescing.deadline(now: now, lastWrite: last, previousWrite: previous) else { return }
            sleep(untilMonotonic: deadline)
        }

        /// Records a group taken now; `more` says whether broadcasts were left waiting.
        mutating func record(leaving more: Bool) {
            previous = last
            last = monotonicNanoseconds()
            leftWaiting = more
            unindexed = true
        }
    }

    /// Stores a group and delivers it, or refuses it when the store cannot write.
    private func commit(_ group: [Registry.PendingMessage], failing: inout Bool) {
        var unsent: Unsent
        do throws(StoreError) {
            try store.append(group.map(\.message.row))
            if failing {
                failing = false
                logger.notice("the message store writes again")
            }
            unsent = registry.deliverStored(group)
        } catch {
            if !failing {
                failing = true
                logger.error(
                    "the message store cannot write; broadcasts are refused until it can",
                    metadata: ["error": "\(error)"])
            }
            unsent = registry.refuseStored(group, reason: "the message could not be stored, so it was not sent")
        }
        unsent.send(sharingWith: registry.flusher, linesEach: group.count)
    }

    /// Removes one batch of messages past the retention; returns how many.
    ///
    /// Pruning writes too, so it shares the broadcasts' `failing`: while the store cannot write (a full disk),
    /// a failing prune every ``pruneInterval`` adds nothing to the log, and the first prune that removes
    /// messages once it can says so, broadcast or not.
    private func pruneOnce(failing: inout Bool) -> Int {
        guard retention.keepNewest > 0 || retention.maxAgeSeconds != nil else { return 0 }
        let cutoff = retention.maxAgeSeconds.map { Timestamp.now().millisecondsSinceEpoch - $0 * 1000 }
        do throws(StoreError) {
            let removed = try store.prune(
                keepNewest: retention.keepNewest, olderThanMilliseconds: cutoff, limit: Self.pruneBatch)
            // A prune that removed nothing wrote nothing, so it says nothing about whether writes work.
            if removed > 0 && failing {
                failing = false
                logger.notice("the message store writes again")
            }
            return removed
        } catch {
            if !failing {
                failing = true
                logger.error(
                    "the message store cannot write; broadcasts are refused until it can",
                    metadata: ["error": "\(error)", "while": "pruning"])
            }
            return 0
        }
    }
}
