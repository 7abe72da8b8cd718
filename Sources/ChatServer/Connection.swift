import ChatProtocol

/// The part of a client connection that other threads touch: its outbound queue and its wake signal.
///
/// The socket itself belongs to the connection's own thread (``Session``); everything here is memory
/// work under ``outbox``'s lock, plus a write to an eventfd, so no thread ever blocks on another's socket.
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
        /// Queued; `wake` says whether the owning thread must be signalled.
        case queued(wake: Bool)
        /// Queueing it would pass the limit; nothing was queued.
        case overflow
        /// The connection is closing and takes no more lines.
        case closed
    }

    struct Outbox {
        var lines: [OutboundLine] = []
        /// Bytes queued here plus bytes taken by the writer and not yet sent.
        var unsentBytes = 0
        /// The owning thread is (about to be) blocked in `poll` and needs a signal to see new lines.
        var sleeping = false
        var closing: Closing?
    }

    let id: UInt64
    let fd: Int32
    /// The peer as `address:port`, for logs.
    let peer: String
    /// The peer's address alone, for the per-address limit.
    let address: String
    let connectedAt: UInt64
    let wake: WakeSignal
    let outbox = Locked(Outbox())

    init(id: UInt64, fd: Int32, peer: String, address: String) throws {
        self.id = id
        self.fd = fd
        self.peer = peer
        self.address = address
        self.connectedAt = monotonicNanoseconds()
        self.wake = try WakeSignal()
    }

    /// Queues a line unless that would take the unsent bytes past `limit`.
    func enqueue(_ line: OutboundLine, limit: Int) -> EnqueueResult {
        outbox.withLock { box in
            guard box.closing == nil else { return .closed }
            guard box.unsentBytes + line.count <= limit else { return .overflow }
            box.lines.append(line)
            box.unsentBytes += line.count
            let wake = box.sleeping
            box.sleeping = false
            return .queued(wake: wake)
        }
    }

    /// Starts closing; the first reason given wins, except that closing `now` overrides a flush.
    ///
    /// - Parameter finalLine: A last line (such as `BYE`) queued regardless of the limit.
    /// - Returns: Whether the owning thread must be signalled.
    func close(_ closing: Closing, finalLine: OutboundLine? = nil) -> Bool {
        outbox.withLock { box in
            switch (box.closing, closing) {
            case (nil, _), (.afterFlush, .now): box.closing = closing
            default: return false
            }
            if let finalLine {
                box.lines.append(finalLine)
                box.unsentBytes += finalLine.count
            }
            let wake = box.sleeping
            box.sleeping = false
            return wake
        }
    }

    /// Takes every queued line for writing.
    func take(into pending: inout [OutboundLine]) -> Closing? {
        outbox.withLock { box in
            box.sleeping = false
            if !box.lines.isEmpty {
                pending.append(contentsOf: box.lines)
                box.lines.removeAll(keepingCapacity: true)
            }
            return box.closing
        }
    }

    /// Marks the owning thread as going to sleep, unless lines are waiting or the closing state changed.
    ///
    /// - Parameter seen: The closing state the thread last took.
    /// - Returns: `false` when the thread should not sleep.
    func prepareToSleep(seen: Closing?) -> Bool {
        outbox.withLock { box in
            guard box.lines.isEmpty, box.closing == seen else { return false }
            box.sleeping = true
            return true
        }
    }

    /// Records bytes the writer has sent.
    func didSend(_ count: Int) {
        outbox.withLock { $0.unsentBytes -= count }
    }
}
