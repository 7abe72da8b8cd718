import CSystemShims
import ChatProtocol
import ChatSystem
import Glibc

/// The thread that sends the lines ``WriteCoalescing`` held back, when their deadline comes.
///
/// One thread serves every connection: each time it wakes it takes every connection that is due and sends
/// each one's queue with one write, so a held-back batch costs no wake-up of the connection's own thread
/// (waking each recipient's thread per delivery once took two thirds of the server's CPU). It sleeps until
/// the earliest deadline and is signalled only when a connection is due before that, which with a constant
/// interval means only when it had nothing to do. A thread that queues a line for a connection whose deadline
/// has passed sends it itself (see ``OutboxState/enqueue(_:limit:coalescing:now:)``), so under heavy load the
/// threads that broadcast share this work.
final class DeferredFlusher: Sendable {
    /// An outbox with lines held back until `deadline` (monotonic nanoseconds).
    struct Entry: Sendable {
        let outbox: Outbox
        let deadline: UInt64
    }

    private struct State: Sendable {
        var entries: [Entry] = []
        /// Outboxes with lines to send now, shared out between the thread and the one that handed them over
        /// (``flushSharing(_:)``), taken ``shareChunk`` at a time.
        var shared: [Outbox] = []
        /// When the thread looks at the entries next: `.max` while it sleeps with nothing to do, 0 while it
        /// is sending (it looks again before sleeping).
        var wakeAt: UInt64 = 0
        var stopped = false
    }

    /// Entries due this close to now are taken in the same pass (about the kernel's timer slack).
    static let slack: UInt64 = 50_000
    /// How many shared outboxes a thread takes at a time: small enough that two threads split a
    /// broadcast's recipients about evenly, large enough that the lock is taken rarely.
    static let shareChunk = 8

    /// The deliveries (lines times recipients) from which a group's writes are shared with this thread
    /// (``flushSharing(_:linesEach:)``).
    ///
    /// Below it the thread that delivers a store's group writes it alone, in well under a cork interval
    /// (about 3.3 us a `sendmsg` and 0.6 us a line, see ``WriteCoalescing``: 0.5 ms at mid, 100 members and
    /// 2-3 lines a group). Sharing so little only put this thread's wake-up in the way of every line, on two
    /// cores where a woken thread waits its turn: mid's p99 was 4.2 ms in half the runs, against 2.6 ms
    /// written alone. From it (200 members and 10 lines a group; the ceiling's groups are twice that and
    /// more), one thread's writes would take about the interval and hold up the next group.
    static let shareFrom = 2_000

    /// Whether `lines` for each of `recipients` outboxes are written together with this thread.
    static func sharesWrites(lines: Int, recipients: Int) -> Bool {
        lines * recipients >= shareFrom
    }

    let coalescing: WriteCoalescing
    /// The entries and when the thread looks at them next.
    ///
    /// Lock order: never held with another lock. ``schedule(_:)`` is called with none held, and the thread
    /// flushes the due outboxes after releasing it. Held only for memory work, with no system call under it.
    private let state = Locked(State())
    private let waker: PollWaker

    /// - Throws: ``SystemError`` if its eventfd cannot be made.
    init(coalescing: WriteCoalescing) throws {
        self.coalescing = coalescing
        self.waker = try PollWaker()
    }

    /// Starts the thread.
    func start(stackSize: Int) throws(SystemError) {
        try ThreadSpawner.spawn(stackSize: stackSize) { [self] in run() }
    }

    /// Ends the thread; lines still held back are left to their connections' own threads (which send
    /// everything when a connection closes).
    func stop() {
        state.withLock { $0.stopped = true }
        waker.wake()
    }

    /// Hands over outboxes whose lines were held back (see ``OutboxState/Enqueued/deferred(until:)``).
    ///
    /// Called with no lock held: it may signal the thread.
    func schedule(_ entries: [Entry]) {
        guard let earliest = entries.lazy.map(\.deadline).min() else { return }
        let wake = state.withLock { state -> Bool in
            state.entries.append(contentsOf: entries)
            guard earliest < state.wakeAt else { return false }
            state.wakeAt = earliest
            return true
        }
        if wake { waker.wake() }
    }

    /// Sends `outboxes` (each with up to `lines` lines queued and a flush promised to it), together with the
    /// thread when they are many deliveries (``sharesWrites(lines:recipients:)``): it is woken unless it is
    /// sending already, and both take a few at a time until none is left. Fewer are sent from the calling
    /// thread alone.
    ///
    /// The store's writer delivers a whole group at once; sent from its thread alone, the writes of a busy
    /// room (one per recipient and group) were more than one core could do, and the next group waited for
    /// them. Shared, they take two threads, and the writer is back to committing after its part.
    ///
    /// Called with no lock held.
    func flushSharing(_ outboxes: [Outbox], linesEach lines: Int) {
        guard !outboxes.isEmpty else { return }
        guard Self.sharesWrites(lines: lines, recipients: outboxes.count) else {
            for outbox in outboxes { outbox.flush(owner: false) }
            return
        }
        let wake = state.withLock { state -> Bool in
            state.shared.append(contentsOf: outboxes)
            guard state.wakeAt != 0 else { return false }
            state.wakeAt = 0
            return true
        }
        if wake { waker.wake() }
        var chunk: [Outbox] = []
        chunk.reserveCapacity(Self.shareChunk)
        while takeShared(into: &chunk) {
            for outbox in chunk { outbox.flush(owner: false) }
        }
    }

    /// Takes the next few shared outboxes into `chunk` (emptied first); `false` when none is left.
    private func takeShared(into chunk: inout [Outbox]) -> Bool {
        chunk.removeAll(keepingCapacity: true)
        state.withLock { state in
            let count = min(Self.shareChunk, state.shared.count)
            chunk.append(contentsOf: state.shared.suffix(count))
            state.shared.removeLast(count)
        }
        return !chunk.isEmpty
    }

    private func run() {
        var due: [Entry] = []
        var later: [Entry] = []
        var chunk: [Outbox] = []
        chunk.reserveCapacity(Self.shareChunk)
        while true {
            if takeShared(into: &chunk) {
                for outbox in chunk { outbox.flush(owner: false) }
                continue
            }
            let now = monotonicNanoseconds()
            let wakeAt = state.withLock { state -> UInt64? in
                guard !state.stopped else { return nil }
                // Shared outboxes came since the look above: send them first.
                guard state.shared.isEmpty else {
                    state.wakeAt = 0
                    return 0
                }
                var next = UInt64.max
                for entry in state.entries {
                    if entry.deadline <= now + Self.slack {
                        due.append(entry)
                    } else {
                        later.append(entry)
                        next = min(next, entry.deadline)
                    }
                }
                swap(&state.entries, &later)
                later.removeAll(keepingCapacity: true)
                state.wakeAt = due.isEmpty ? next : 0
                return state.wakeAt
            }
            guard let wakeAt else { return }
            if !due.isEmpty {
                for entry in due { entry.outbox.flush(owner: false, deferredUntil: entry.deadline) }
                due.removeAll(keepingCapacity: true)
                continue
            }
            if wakeAt != 0 { sleep(until: wakeAt, now: now) }
        }
    }

    /// Waits until `deadline` (`.max`: without limit) or a signal.
    private func sleep(until deadline: UInt64, now: UInt64) {
        var descriptor = pollfd(fd: waker.fd, events: Int16(POLLIN), revents: 0)
        let wait = deadline == .max ? -1 : deadline > now ? Int64(deadline - now) : 0
        _ = CSystemShims_poll_nanos(&descriptor, 1, wait)
        if descriptor.revents & Int16(POLLIN) != 0 { waker.drain() }
    }
}
