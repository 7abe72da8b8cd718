import CSystemShims
import ChatProtocol
import ChatSystem
import Glibc

/// The shared side of a client connection: its outbound queue, the token that lets one thread at a time
/// write to its socket, and the means to wake its own thread (a signal; see `CSystemShimsWake.h`).
///
/// Lines usually leave from the thread that queued them: after queueing (under the registry lock), that
/// thread releases every lock, takes this connection's write token if nobody holds it, and sends what is
/// queued with one non-blocking `sendmsg`. Whoever holds the token keeps sending until the queue is
/// empty, so lines queued meanwhile by other threads ride along in the same write, in queue order (which
/// is the room's global order). A full socket buffer hands the connection to its own thread, which waits
/// for `POLLOUT`; so no thread ever waits on another's socket, and a broadcast costs no thread wake-ups.
/// Locks are held only for memory work, never across the `sendmsg`.
///
/// A room event for a connection that receives lines steadily is held back instead (see ``WriteCoalescing``):
/// the ``DeferredFlusher`` sends it, with the lines that came meanwhile, at the deadline.
final class Connection: Sendable {
    /// Why and how a connection is ending.
    enum Closing: Equatable, Sendable {
        /// Send what is queued (until the deadline, in monotonic nanoseconds), then close.
        case afterFlush(deadline: UInt64, reason: String)
        /// Close at once, dropping what is queued.
        case now(reason: String)
    }

    /// The result of queueing a line.
    enum EnqueueResult {
        /// Queued; `kick` says the caller promises to ``flush(owner:)`` once it holds no lock
        /// (no other thread is sending, and nobody else promised).
        case queued(kick: Bool)
        /// Queued and held back: the caller hands the connection to the ``DeferredFlusher`` with this deadline
        /// once it holds no lock.
        case deferred(until: UInt64)
        /// Queueing it would pass the limit; nothing was queued.
        case overflow
        /// The connection is closing and takes no more lines.
        case closed
    }

    /// What the owning thread needs to know at the top of its loop.
    struct Turn {
        var closing: Closing?
        /// A send failed: the peer is gone.
        var failed: Bool
        /// Nothing is queued and no other thread is sending.
        var drained: Bool
    }

    struct Outbox {
        /// Lines not yet fully sent are `lines[head...]`; `headOffset` bytes of the first are sent.
        var lines: [OutboundLine] = []
        var head = 0
        var headOffset = 0
        /// Bytes queued and not yet sent.
        var unsentBytes = 0
        /// A thread holds the write token: it alone may send on the socket.
        var writing = false
        /// The socket buffer was full: only the owning thread sends, when `poll` reports `POLLOUT`.
        var blocked = false
        var failed = false
        /// The socket is about to be closed: nobody may take the token again.
        var retired = false
        /// The owning thread is (about to be) in `poll` and needs the wake signal to notice anything.
        var ownerSleeping = false
        /// The owning thread waits for the token to be given back.
        var ownerWaiting = false
        /// A thread has promised to flush (see ``EnqueueResult/queued(kick:)``).
        var kickPending = false
        /// The deadline of the deferred flush the queued lines wait for (0: none); see ``DeferredFlusher``.
        var corkedUntil: UInt64 = 0
        /// When the last two writes began (monotonic nanoseconds, 0: none yet), for ``WriteCoalescing``.
        var lastWrite: UInt64 = 0
        var previousWrite: UInt64 = 0
        /// The owning thread, once it runs; woken with the wake signal.
        var owner: pthread_t?
        var closing: Closing?

        var hasUnsent: Bool { head < lines.count }
    }

    /// The most lines one write carries. The iovecs live on the sending thread's stack: 32 (512 bytes) keeps an
    /// idle connection thread within two touched stack pages (64 took a third: 10.4 -> 14.2 KiB per idle
    /// connection), and with the cork a write rarely holds more than 20 lines even at the ceiling.
    static let maxIovecs = 32

    let id: UInt64
    let fd: Int32
    /// The peer as `address:port`, for logs.
    let peer: String
    /// The peer's address alone, for the per-address limit.
    let address: String
    let connectedAt: UInt64
    let outbox = Locked(Outbox())

    init(id: UInt64, fd: Int32, peer: String, address: String) {
        self.id = id
        self.fd = fd
        self.peer = peer
        self.address = address
        self.connectedAt = monotonicNanoseconds()
    }

    // MARK: Queueing (any thread)

    /// Queues a line unless that would take the unsent bytes past `limit`.
    ///
    /// - Parameters:
    ///   - coalescing: The cork that may hold the line back; `nil` sends it (and any held back) at once.
    ///   - now: The time the line is queued, for `coalescing`.
    func enqueue(_ line: OutboundLine, limit: Int, coalescing: WriteCoalescing? = nil, now: UInt64 = 0)
        -> EnqueueResult
    {
        outbox.withLock { box in
            guard box.closing == nil else { return .closed }
            guard box.unsentBytes + line.count <= limit else { return .overflow }
            box.lines.append(line)
            box.unsentBytes += line.count
            guard !box.writing, !box.blocked, !box.kickPending else { return .queued(kick: false) }
            if box.corkedUntil != 0 {
                // Lines are held back: this one joins them, unless it is urgent or their deadline has passed,
                // in which case this thread sends them all (the flusher's entry then finds nothing to do).
                if coalescing != nil && now < box.corkedUntil { return .queued(kick: false) }
                box.corkedUntil = 0
            } else if let coalescing,
                let deadline = coalescing.deadline(now: now, lastWrite: box.lastWrite, previousWrite: box.previousWrite)
            {
                box.corkedUntil = deadline
                return .deferred(until: deadline)
            }
            box.kickPending = true
            return .queued(kick: true)
        }
    }

    /// Starts closing; the first reason given wins, except that closing `now` overrides a flush.
    ///
    /// The owning thread is woken to act on it.
    ///
    /// - Parameter finalLine: A last line (such as `BYE`) queued regardless of the limit.
    func close(_ closing: Closing, finalLine: OutboundLine? = nil) {
        outbox.withLock { box in
            switch (box.closing, closing) {
            case (nil, _), (.afterFlush, .now): box.closing = closing
            default: return
            }
            if let finalLine {
                box.lines.append(finalLine)
                box.unsentBytes += finalLine.count
            }
            Self.wakeOwner(&box, ifSleeping: true, ifWaiting: true)
        }
    }

    // MARK: Writing (any thread, one at a time)

    /// Sends queued lines from the calling thread unless another thread is sending.
    ///
    /// - Parameters:
    ///   - owner: `true` from the connection's own thread, which may also send while the socket
    ///     was full (after `POLLOUT`) and while the connection is closing, but leaves lines held back by the
    ///     cork to their deadline otherwise.
    ///     The owning thread is woken when it must take over: the socket is full, a send failed, or it waits
    ///     for the token.
    ///   - deadline: From the ``DeferredFlusher``: the deadline it was given; nothing is sent if the lines
    ///     it was for have left already and others wait for a later one.
    func flush(owner: Bool, deferredUntil deadline: UInt64? = nil) {
        withUnsafeTemporaryAllocation(of: iovec.self, capacity: Self.maxIovecs) { iovecs in
            guard let base = iovecs.baseAddress else { return }
            var batch = (count: 0, bytes: 0)
            let claimed = outbox.withLock { box -> Bool in
                if let deadline {
                    guard box.corkedUntil == deadline else { return false }
                    box.corkedUntil = 0
                } else if owner && box.corkedUntil != 0 && !box.blocked && box.closing == nil {
                    return false
                }
                box.kickPending = false
                guard !box.writing, !box.failed, !box.retired, box.hasUnsent else { return false }
                guard owner || (!box.blocked && box.closing == nil) else { return false }
                box.writing = true
                batch = Self.gather(box, into: base)
                return true
            }
            guard claimed else { return }
            while true {
                // The token is held: `lines[head...]` cannot be taken away, so the pointers stay valid.
                var sent = 0
                var failed = false
                let startedAt = monotonicNanoseconds()
                do {
                    sent = try StreamSocket.send(fd, base, count: batch.count)
                } catch {
                    failed = true
                }
                let goOn = outbox.withLock { box -> Bool in
                    if failed {
                        box.failed = true
                        box.writing = false
                        Self.wakeOwner(&box, ifSleeping: !owner, ifWaiting: !owner)
                        return false
                    }
                    Self.consume(sent, &box)
                    box.previousWrite = box.lastWrite
                    box.lastWrite = startedAt
                    if sent < batch.bytes {
                        // The socket buffer is full: the owner waits for POLLOUT and takes over.
                        box.blocked = true
                        box.writing = false
                        Self.wakeOwner(&box, ifSleeping: !owner, ifWaiting: !owner)
                        return false
                    }
                    if owner { box.blocked = false }
                    if box.hasUnsent && !box.retired {
                        batch = Self.gather(box, into: base)
                        return true
                    }
                    box.writing = false
                    // A closing owner waits for the queue to drain; a retiring one for the token.
                    Self.wakeOwner(&box, ifSleeping: !owner && box.closing != nil, ifWaiting: !owner)
                    return false
                }
                if !goOn { return }
            }
        }
    }

    /// Fills `iovecs` with the unsent lines, up to ``maxIovecs``.
    private static func gather(_ box: Outbox, into iovecs: UnsafeMutablePointer<iovec>) -> (count: Int, bytes: Int) {
        var count = 0
        var bytes = 0
        var index = box.head
        while index < box.lines.count && count < maxIovecs {
            let line = box.lines[index].bytes
            let skip = index == box.head ? box.headOffset : 0
            iovecs[count] = iovec(iov_base: line.baseAddress.map { $0 + skip }, iov_len: line.count - skip)
            bytes += line.count - skip
            count += 1
            index += 1
        }
        return (count, bytes)
    }

    /// Drops `sent` bytes from the front of the queue.
    private static func consume(_ sent: Int, _ box: inout Outbox) {
        box.unsentBytes -= sent
        var left = sent
        while left > 0 {
            let remaining = box.lines[box.head].count - box.headOffset
            if left >= remaining {
                left -= remaining
                box.head += 1
                box.headOffset = 0
            } else {
                box.headOffset += left
                left = 0
            }
        }
        if box.head == box.lines.count {
            // Keep a small array for the next lines; give back a large one (a JOIN storm's) to save memory.
            if box.lines.capacity > 16 { box.lines = [] } else { box.lines.removeAll(keepingCapacity: true) }
            box.head = 0
        } else if box.head >= 256 && box.head * 2 >= box.lines.count {
            box.lines.removeFirst(box.head)
            box.head = 0
        }
    }

    /// Signals the owning thread if it sleeps (or waits for the token) and the caller needs it.
    ///
    /// Called with the lock held, so the thread cannot exit in between: it exits only after ``retire()``,
    /// and a retired connection is never signalled.
    private static func wakeOwner(_ box: inout Outbox, ifSleeping: Bool, ifWaiting: Bool) {
        let needed = (ifSleeping && box.ownerSleeping) || (ifWaiting && box.ownerWaiting)
        if ifSleeping { box.ownerSleeping = false }
        if ifWaiting { box.ownerWaiting = false }
        if needed, !box.retired, let owner = box.owner { _ = CSystemShims_wake_thread(owner) }
    }

    // MARK: The owning thread

    /// Records the calling thread as the owner, the one to wake.
    func adoptOwner() {
        let thread = pthread_self()
        outbox.withLock { $0.owner = thread }
    }

    /// Starts a turn of the owning thread's loop.
    func beginTurn() -> Turn {
        outbox.withLock { box in
            box.ownerSleeping = false
            return Turn(closing: box.closing, failed: box.failed, drained: !box.hasUnsent && !box.writing)
        }
    }

    /// Marks the owning thread as going to sleep, unless it has work: lines nobody is sending, a failure,
    /// or a closing state it has not seen.
    ///
    /// - Parameter seen: The closing state the thread last saw.
    /// - Returns: `nil` when the thread should not sleep; otherwise whether to wait for `POLLOUT`.
    func prepareToSleep(seen: Closing?) -> Bool? {
        outbox.withLock { box in
            guard !box.failed, box.closing == seen else { return nil }
            if box.hasUnsent && !box.writing && !box.blocked && (box.corkedUntil == 0 || box.closing != nil) {
                return nil
            }
            box.ownerSleeping = true
            return box.blocked && box.hasUnsent
        }
    }

    /// Takes the write token for good, so that the socket can be closed.
    ///
    /// - Returns: `false` while another thread is sending; it signals the owner when it is done.
    func retire() -> Bool {
        outbox.withLock { box in
            guard !box.writing else {
                box.ownerWaiting = true
                return false
            }
            box.retired = true
            return true
        }
    }
}
