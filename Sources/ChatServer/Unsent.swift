/// What a ``Registry`` call queued and left to send: the caller sends it once it holds no lock.
///
/// Every registry call that queues lines returns one. A caller gathers them over a batch of work (all the
/// lines one read brought, all the connections one accept brought) and sends once, so that lines queued
/// for the same outbox meanwhile leave in one write.
struct Unsent {
    /// Outboxes with new lines and nobody sending: the caller promised to flush them (see
    /// ``OutboxState/Enqueued/queued(kick:)``).
    private(set) var outboxes: [Outbox] = []
    /// Outboxes whose new lines the cork holds back, for the ``DeferredFlusher``.
    private(set) var corked: [DeferredFlusher.Entry] = []

    /// Records a line queued for `outbox`, from what queueing it said.
    @inline(__always)
    mutating func record(_ enqueued: OutboxState.Enqueued, for outbox: Outbox) {
        switch enqueued {
        // The same outbox twice in a row (two lines for one recipient): one flush sends both.
        case .queued(kick: true): if outboxes.last !== outbox { outboxes.append(outbox) }
        case .deferred(let deadline): corked.append(.init(outbox: outbox, deadline: deadline))
        case .queued(kick: false), .overflow, .closed: break
        }
    }

    /// Makes room for `count` more outboxes (a broadcast's recipients).
    mutating func reserveCapacity(forMore count: Int) {
        outboxes.reserveCapacity(outboxes.count + count)
    }

    /// Takes over what another call left to send.
    mutating func add(_ other: Unsent) {
        outboxes.append(contentsOf: other.outboxes)
        corked.append(contentsOf: other.corked)
    }

    /// Hands the corked outboxes to `flusher` and sends the others from this thread; called with no lock held.
    ///
    /// - Parameter flusher: The registry's (there is nothing corked without one).
    mutating func send(deferringTo flusher: DeferredFlusher?) {
        if !corked.isEmpty {
            flusher?.schedule(corked)
            corked.removeAll(keepingCapacity: true)
        }
        for outbox in outboxes { outbox.flush(owner: false) }
        outboxes.removeAll(keepingCapacity: true)
    }

    /// Like ``send(deferringTo:)``, but sends the outboxes together with the flusher's thread when they are
    /// many lines (``DeferredFlusher/flushSharing(_:linesEach:)``), for a whole group of broadcasts delivered
    /// at once.
    ///
    /// - Parameter lines: The most lines any of the outboxes was given.
    mutating func send(sharingWith flusher: DeferredFlusher?, linesEach lines: Int) {
        guard let flusher else { return send(deferringTo: nil) }
        if !corked.isEmpty {
            flusher.schedule(corked)
            corked.removeAll(keepingCapacity: true)
        }
        flusher.flushSharing(outboxes, linesEach: lines)
        outboxes.removeAll(keepingCapacity: true)
    }
}
