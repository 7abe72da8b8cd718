import CSystemShims
import ChatProtocol
import ChatSystem
import ChatTLS
import Glibc

/// A connection's outbound side: its queue of lines, the token that lets one thread at a time write to its
/// socket, and the means to wake its own thread (a signal; see `CSystemShimsWake.h`).
///
/// Lines usually leave from the thread that queued them: after queueing (under the registry lock), that
/// thread releases every lock, takes this outbox's write token if nobody holds it, and sends what is
/// queued with one non-blocking `sendmsg`. Whoever holds the token keeps sending until the queue is
/// empty, so lines queued meanwhile by other threads ride along in the same write, in queue order (which
/// is the room's global order). A full socket buffer hands the outbox to its own thread, which waits
/// for `POLLOUT`; so no thread ever waits on another's socket, and a broadcast costs no thread wake-ups.
///
/// A room event for a connection that receives lines steadily is held back instead (see ``WriteCoalescing``):
/// the ``DeferredFlusher`` sends it, with the lines that came meanwhile, at the deadline.
///
/// Every decision is ``OutboxState``'s, a value tested without sockets; this class holds it behind a lock and
/// makes the system calls.
final class Outbox: Sendable {
    let id: UInt64
    let fd: Int32
    /// The peer as `address:port`, for logs.
    let peer: String
    /// The peer's address alone, for the per-address limit.
    let address: String
    let connectedAt: UInt64
    /// The queue and the token.
    ///
    /// Lock order: the ``Registry``'s lock may be held while this one is taken (queueing happens under
    /// both), never the reverse; the ``DeferredFlusher``'s lock is never held with it. This lock is held
    /// only for memory work, never across a socket call. The one system call made under it is the wake
    /// signal (`pthread_kill`, in ``wake(_:)``), which cannot block: it is made under the lock so that the
    /// owning thread cannot exit in between, since it exits only after ``retire()``, and a retired outbox
    /// is never signalled.
    let state: Locked<OutboxState>
    /// The connection is over TLS (its engine is in ``state``).
    let isTLS: Bool

    init(id: UInt64, fd: Int32, peer: String, address: String, tls: TLSEngine? = nil) {
        self.state = Locked(OutboxState(tls: tls))
        self.isTLS = tls != nil
        self.id = id
        self.fd = fd
        self.peer = peer
        self.address = address
        self.connectedAt = monotonicNanoseconds()
    }

    // MARK: Queueing (any thread)

    /// Queues a line unless that would take the unsent bytes past `limit`
    /// (see ``OutboxState/enqueue(_:limit:coalescing:now:)``).
    ///
    /// - Parameters:
    ///   - coalescing: The cork that may hold the line back; `nil` sends it (and any held back) at once.
    ///   - now: The time the line is queued, for `coalescing`.
    @inline(__always)
    func enqueue(_ line: OutboundLine, limit: Int, coalescing: WriteCoalescing? = nil, now: UInt64 = 0)
        -> OutboxState.Enqueued
    {
        state.withLock { $0.enqueue(line, limit: limit, coalescing: coalescing, now: now) }
    }

    /// Queues several lines, in order, under one lock, to be sent at once (past the cork); see
    /// ``OutboxState/enqueue(_:limit:)``.
    func enqueue<Lines: Sequence<OutboundLine>>(_ lines: Lines, limit: Int) -> OutboxState.Enqueued {
        state.withLock { $0.enqueue(lines, limit: limit) }
    }

    /// Starts closing; the first reason given wins, except that closing `now` overrides a flush.
    ///
    /// The owning thread is woken to act on it.
    ///
    /// - Parameter finalLine: A last line (such as `BYE`) queued regardless of the limit.
    func close(_ closing: OutboxState.Closing, finalLine: OutboundLine? = nil) {
        state.withLock { Self.wake($0.close(closing, finalLine: finalLine)) }
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
        withUnsafeTemporaryAllocation(of: iovec.self, capacity: OutboxState.maxIovecs) { iovecs in
            guard let base = iovecs.baseAddress,
                var batch = state.withLock({ $0.startWrite(owner: owner, deferredUntil: deadline, into: base) })
            else { return }
            while true {
                // The token is held: the lines in the batch cannot be taken away, so the pointers stay valid.
                let startedAt = monotonicNanoseconds()
                let sent = try? StreamSocket.send(fd, base, count: batch.count)
                let next = state.withLock { state in
                    let next = state.finishWrite(sent: sent, of: batch, owner: owner, startedAt: startedAt, into: base)
                    if case .stop(let thread) = next { Self.wake(thread) }
                    return next
                }
                guard case .send(let more) = next else { return }
                batch = more
            }
        }
    }

    /// Over TLS, queues the `close_notify` alert once (see ``OutboxState/sealClose()``).
    ///
    /// - Returns: Whether it was queued now: the caller flushes it before closing the socket.
    func sealClose() -> Bool {
        isTLS && state.withLock { $0.sealClose() }
    }

    // MARK: TLS (the owning thread)

    /// The negotiated TLS version (`TLSv1.3`), for the log; empty when plain.
    var tlsVersion: String { state.withLock { $0.tls?.protocolVersion ?? "" } }

    /// Hands the engine ciphertext from the socket and reads what plaintext it can into `buffer`.
    func open(_ ciphertext: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer) -> TLSEngine.Read {
        state.withLock { $0.open(ciphertext, into: buffer) }
    }

    /// Takes the handshake one step, with the ciphertext that came from the socket, and returns the ciphertext
    /// to send (before anyone else may write: the connection is not in the room yet).
    func handshake(_ ciphertext: UnsafeRawBufferPointer) -> (progress: TLSEngine.Handshake, output: [UInt8]) {
        state.withLock { state in
            guard let tls = state.tls else { return (.failed("not a TLS connection"), []) }
            tls.feed(ciphertext)
            let progress = tls.handshake()
            return (progress, tls.takeOutput())
        }
    }

    /// Seals `lines` and a `close_notify` for a connection turned away after its handshake (not in the room).
    func sealRefusal(_ bytes: [UInt8]) -> [UInt8] {
        state.withLock { state in
            guard let tls = state.tls else { return bytes }
            bytes.withUnsafeBytes { _ = tls.write($0) }
            tls.close()
            return tls.takeOutput()
        }
    }

    /// Sends the wake signal to `thread`, if any; called with the lock held (see ``state``).
    @inline(__always)
    private static func wake(_ thread: pthread_t?) {
        if let thread { _ = CSystemShims_wake_thread(thread) }
    }

    // MARK: The owning thread

    /// Records the calling thread as the owner, the one to wake.
    func adoptOwner() {
        let thread = pthread_self()
        state.withLock { $0.adopt(owner: thread) }
    }

    /// Starts a turn of the owning thread's loop.
    func beginTurn() -> OutboxState.Turn {
        state.withLock { $0.beginTurn() }
    }

    /// Marks the owning thread as going to sleep, unless it has work: lines nobody is sending, a failure,
    /// a closing state it has not seen, or a broadcast the store took since it looked.
    ///
    /// - Parameters:
    ///   - seen: The closing state the thread last saw.
    ///   - sawAwaitingStore: Whether it saw its broadcast waiting for the store.
    ///   - wakeOnSettle: It has input that waits for that broadcast (see ``OutboxState/wakeOnSettle``).
    /// - Returns: `nil` when the thread should not sleep; otherwise whether to wait for `POLLOUT`.
    func prepareToSleep(seen: OutboxState.Closing?, sawAwaitingStore: Bool, wakeOnSettle: Bool) -> Bool? {
        state.withLock { $0.prepareToSleep(seen: seen, sawAwaitingStore: sawAwaitingStore, wakeOnSettle: wakeOnSettle) }
    }

    // MARK: Waiting for the store

    /// Records that this connection's broadcast `id` waits for the store; called under the registry's lock.
    func awaitStore(_ id: UInt64) {
        state.withLock { $0.awaitStore(id) }
    }

    /// Records that the store took or refused message `id`, waking the owning thread if it waited for it.
    func settleStore(_ id: UInt64) {
        state.withLock { Self.wake($0.settleStore(id)) }
    }

    /// Takes the write token for good, so that the socket can be closed.
    ///
    /// - Returns: `false` while another thread is sending; it signals the owner when it is done.
    func retire() -> Bool {
        state.withLock { $0.retire() }
    }
}
