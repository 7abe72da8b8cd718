import ChatTLS
import Glibc

/// Who writes an ``Outbox``'s lines, and when: its queue and its write token, as a value without sockets.
///
/// Each mutating method makes one transition and returns what the caller must do (send a batch, wake the
/// owning thread, nothing); ``Outbox`` holds the state behind its lock and makes the calls outside it.
/// The transitions:
///
/// - **Queued**: ``enqueue(_:limit:coalescing:now:)`` appends a line. If nobody holds the token and nobody
///   has promised to flush, the caller promises (``Enqueued/queued(kick:)``), or the cork holds the line
///   back (**corked**, ``Enqueued/deferred(until:)``) for the ``DeferredFlusher``.
/// - **Writing**: ``startWrite(owner:deferredUntil:into:)`` takes the token (``Token/taken``) and gathers
///   the queue into iovecs; ``finishWrite(sent:of:owner:startedAt:into:)`` drops what was sent and gathers
///   what came meanwhile (lines **ride along**) until the queue is empty (``Token/free``).
/// - **Socket full**: a short write hands the outbox to its owning thread (``Token/socketFull``), which alone
///   takes the token again, once `poll` reports `POLLOUT`.
/// - **Closing**: ``close(_:finalLine:)`` stops the queueing (**closed**: ``Enqueued/closed``), after a
///   flush or at once; ``retire()`` takes the token for good (``Token/retired``) once nobody writes.
///
/// Over TLS the connection's ``TLSEngine`` lives here too, so it is only ever used under the outbox's lock:
/// queued lines wait as plaintext in ``plaintext`` until the token holder gathers a batch, when they are
/// sealed together into one ciphertext chunk at the end of ``lines`` (``seal(_:)``); from there on the chunks
/// are written like lines. Since only the token holder seals and sends, ciphertext reaches the socket in the
/// order it was made.
struct OutboxState: Sendable {
    /// Why and how a connection is ending.
    enum Closing: Equatable, Sendable {
        /// Send what is queued (until the deadline, in monotonic nanoseconds), then close.
        case afterFlush(deadline: UInt64, reason: String)
        /// Close at once, without sending what is queued.
        case now(reason: String)
    }

    /// Who may write to the socket.
    enum Token: Equatable, Sendable {
        /// Nobody writes: the next thread that flushes takes the token.
        case free
        /// A thread writes (it alone); lines queued meanwhile leave in its next write.
        case taken
        /// A write came back short, the socket buffer is full: only the owning thread takes the token, after
        /// `POLLOUT`.
        case socketFull
        /// A send failed: the peer is gone, nobody writes again.
        case failed
        /// Taken for good: the socket is about to be closed.
        case retired
    }

    /// What the owning thread is waiting for, if anything: how another thread knows to wake it.
    enum OwnerWait: Equatable, Sendable {
        /// It runs, and will look at the state before it waits.
        case none
        /// It is (about to be) in `poll` and needs the wake signal to notice anything.
        case poll
        /// It waits for the token to be given back, to retire.
        case token
    }

    /// The result of queueing a line.
    enum Enqueued: Equatable {
        /// Queued; `kick` says the caller promises to flush once it holds no lock (nobody holds the token,
        /// and nobody else promised).
        case queued(kick: Bool)
        /// Queued and held back by the cork: the caller hands the outbox to the ``DeferredFlusher`` with this
        /// deadline once it holds no lock.
        case deferred(until: UInt64)
        /// Queueing it would pass the limit; nothing was queued.
        case overflow
        /// The connection is closing and takes no more lines.
        case closed
    }

    /// Lines gathered into iovecs for one write.
    struct Batch: Equatable {
        /// iovecs filled, at most ``OutboxState/maxIovecs``.
        var count: Int
        var bytes: Int
    }

    /// What the thread that holds the token does after a write.
    enum AfterWrite: Equatable {
        /// Keep the token and send this batch (already in the iovecs).
        case send(Batch)
        /// The token is given back (or the socket handed to the owner): stop, after waking `wake` if set
        /// (under the lock, see ``Outbox``).
        case stop(wake: pthread_t?)
    }

    /// What the owning thread needs to know at the top of its loop.
    struct Turn: Equatable {
        var closing: Closing?
        /// A send failed: the peer is gone.
        var failed: Bool
        /// Nothing is queued and no other thread is sending.
        var drained: Bool
        /// The connection's last broadcast waits for the store (see ``awaitStore(_:)``): its input other than
        /// broadcasts waits too.
        var awaitingStore: Bool = false
    }

    /// The most lines one write carries. The iovecs live on the sending thread's stack: 32 (512 bytes) keeps an
    /// idle connection thread within two touched stack pages (64 took a third: 10.4 -> 14.2 KiB per idle
    /// connection), and with the cork a write rarely holds more than 20 lines even at the ceiling.
    static let maxIovecs = 32

    /// Lines not yet fully sent are `lines[head...]`; `headOffset` bytes of the first are sent. Over TLS they
    /// are ciphertext chunks.
    private(set) var lines: [OutboundLine] = []
    /// The TLS engine of a connection over TLS (`nil`: plain), used only under the outbox's lock.
    let tls: TLSEngine?
    /// Over TLS, lines queued and not yet sealed (counted in ``unsentBytes``).
    private(set) var plaintext: [OutboundLine] = []
    /// Over TLS, the `close_notify` alert is queued (see ``sealClose()``).
    private(set) var closeSealed = false
    private(set) var head = 0
    private(set) var headOffset = 0
    /// Bytes queued and not yet sent.
    private(set) var unsentBytes = 0
    private(set) var token = Token.free
    private(set) var ownerWait = OwnerWait.none
    /// A thread has promised to flush (see ``Enqueued/queued(kick:)``).
    private(set) var kickPending = false
    /// The deadline of the deferred flush the queued lines wait for (0: none); see ``DeferredFlusher``.
    private(set) var corkedUntil: UInt64 = 0
    /// When the last two writes began (monotonic nanoseconds, 0: none yet), for ``WriteCoalescing``.
    private(set) var lastWrite: UInt64 = 0
    private(set) var previousWrite: UInt64 = 0
    /// The owning thread, once it runs; woken with the wake signal.
    private(set) var owner: pthread_t?
    private(set) var closing: Closing?
    /// The id of this connection's last broadcast, while the store has not yet taken or refused it (0: none).
    /// Until it has, the connection's own thread handles only more broadcasts (which the store takes in
    /// order after it), so that its other commands are answered after its `MSG` lines.
    private(set) var awaitingMessage: UInt64 = 0
    /// The owning thread, asleep, has input that waits for that message: the store's answer must wake it.
    /// (Without input waiting it sleeps until the client sends more, and nothing needs waking.)
    private(set) var wakeOnSettle = false

    init(tls: TLSEngine? = nil) {
        self.tls = tls
    }

    var hasUnsent: Bool {
        guard let tls else { return head < lines.count }
        return head < lines.count || !plaintext.isEmpty || tls.pendingOutput > 0
    }

    /// The lines not yet fully sent, in order.
    var unsentLines: ArraySlice<OutboundLine> { lines[head...] }

    // MARK: Queueing (any thread)

    /// Queues a line unless that would take the unsent bytes past `limit`.
    ///
    /// - Parameters:
    ///   - coalescing: The cork that may hold the line back; `nil` sends it (and any held back) at once.
    ///   - now: The time the line is queued, for `coalescing`.
    @inline(__always)
    mutating func enqueue(_ line: OutboundLine, limit: Int, coalescing: WriteCoalescing?, now: UInt64) -> Enqueued {
        guard closing == nil else { return .closed }
        guard unsentBytes + line.count <= limit else { return .overflow }
        append(line)
        // Whoever holds the token takes the line along; after a failure or retirement nobody sends it.
        guard token == .free, !kickPending else { return .queued(kick: false) }
        if corkedUntil != 0 {
            // Lines are held back: this one joins them, unless it is urgent or their deadline has passed, in
            // which case this thread sends them all (the flusher's entry then finds nothing to do).
            if coalescing != nil && now < corkedUntil { return .queued(kick: false) }
            corkedUntil = 0
        } else if let coalescing,
            let deadline = coalescing.deadline(now: now, lastWrite: lastWrite, previousWrite: previousWrite)
        {
            corkedUntil = deadline
            return .deferred(until: deadline)
        }
        kickPending = true
        return .queued(kick: true)
    }

    /// Queues lines in order, as many ``enqueue(_:limit:coalescing:now:)`` calls without a cork would, and
    /// says what the first that was not plainly queued said: a flush promised (`kick`), the queue full (the
    /// lines after it are not queued), or the outbox closed.
    @inline(__always)
    mutating func enqueue<Lines: Sequence<OutboundLine>>(_ lines: Lines, limit: Int) -> Enqueued {
        var result = Enqueued.queued(kick: false)
        for line in lines {
            let enqueued = enqueue(line, limit: limit, coalescing: nil, now: 0)
            switch enqueued {
            case .queued(kick: false): continue
            case .queued(kick: true): result = enqueued
            case .overflow, .closed, .deferred: return enqueued
            }
        }
        return result
    }

    /// Starts closing; the first reason given wins, except that closing `now` overrides a flush.
    ///
    /// - Parameter finalLine: A last line (such as `BYE`) queued regardless of the limit.
    /// - Returns: The owning thread, to wake so that it acts on it.
    mutating func close(_ closing: Closing, finalLine: OutboundLine?) -> pthread_t? {
        switch (self.closing, closing) {
        case (nil, _), (.afterFlush, .now): self.closing = closing
        default: return nil
        }
        if let finalLine { append(finalLine) }
        return wakeOwner(ifPolling: true, ifWaitingForToken: true)
    }

    // MARK: Writing (the token holder)

    /// Takes the token, unless another thread holds it or it is not this caller's turn, and gathers the queue.
    ///
    /// - Parameters:
    ///   - owner: The caller is the owning thread, which also writes after the socket was full (once `poll`
    ///     reported `POLLOUT`) and while closing, but leaves corked lines to their deadline otherwise.
    ///   - deadline: From the ``DeferredFlusher``: the deadline it was given; nothing is sent if the lines it
    ///     was for have left already and others wait for a later one.
    ///   - iovecs: Room for ``maxIovecs``, filled with the batch.
    /// - Returns: The batch to send, the token held; `nil` if the caller is not to write.
    @inline(__always)
    mutating func startWrite(
        owner: Bool, deferredUntil deadline: UInt64?, into iovecs: UnsafeMutablePointer<iovec>
    ) -> Batch? {
        if let deadline {
            guard corkedUntil == deadline else { return nil }
            corkedUntil = 0
        } else if owner && corkedUntil != 0 && token != .socketFull && closing == nil {
            return nil
        }
        kickPending = false
        guard hasUnsent else { return nil }
        switch token {
        case .free: guard owner || closing == nil else { return nil }
        case .socketFull: guard owner else { return nil }
        case .taken, .failed, .retired: return nil
        }
        token = .taken
        return gather(into: iovecs)
    }

    /// Records a write of the batch from ``startWrite(owner:deferredUntil:into:)`` (or an earlier `.send`).
    ///
    /// - Parameters:
    ///   - sent: The bytes the socket took (fewer than the batch's when its buffer is full); `nil`: the send
    ///     failed.
    ///   - owner: The writer is the owning thread (which needs no waking).
    ///   - startedAt: When the write began, for ``WriteCoalescing``.
    ///   - iovecs: Where the next batch goes.
    @inline(__always)
    mutating func finishWrite(
        sent: Int?, of batch: Batch, owner: Bool, startedAt: UInt64, into iovecs: UnsafeMutablePointer<iovec>
    ) -> AfterWrite {
        guard let sent else {
            token = .failed
            return .stop(wake: wakeOwner(ifPolling: !owner, ifWaitingForToken: !owner))
        }
        consume(sent)
        previousWrite = lastWrite
        lastWrite = startedAt
        if sent < batch.bytes {
            // The owner waits for POLLOUT and takes over.
            token = .socketFull
            return .stop(wake: wakeOwner(ifPolling: !owner, ifWaitingForToken: !owner))
        }
        // The token is held, so nobody has retired the outbox: lines that came meanwhile leave now.
        if hasUnsent { return .send(gather(into: iovecs)) }
        token = .free
        // A closing owner waits for the queue to drain; a retiring one for the token.
        return .stop(wake: wakeOwner(ifPolling: !owner && closing != nil, ifWaitingForToken: !owner))
    }

    /// Queues a line for sending: as it is, or over TLS as plaintext to seal.
    @inline(__always)
    private mutating func append(_ line: OutboundLine) {
        if tls != nil { plaintext.append(line) } else { lines.append(line) }
        unsentBytes += line.count
    }

    /// Fills `iovecs` with the unsent lines, up to ``maxIovecs``; over TLS, seals what waits first.
    @inline(__always)
    private mutating func gather(into iovecs: UnsafeMutablePointer<iovec>) -> Batch {
        if let tls { seal(tls) }
        var batch = Batch(count: 0, bytes: 0)
        var index = head
        while index < lines.count && batch.count < Self.maxIovecs {
            let line = lines[index].bytes
            let skip = index == head ? headOffset : 0
            iovecs[batch.count] = iovec(iov_base: line.baseAddress.map { $0 + skip }, iov_len: line.count - skip)
            batch.bytes += line.count - skip
            batch.count += 1
            index += 1
        }
        return batch
    }

    /// Encrypts the plaintext lines waiting, together, and moves every byte of ciphertext the engine made (with
    /// any it made on its own, such as an alert) into one chunk at the end of ``lines``.
    private mutating func seal(_ engine: TLSEngine) {
        if !plaintext.isEmpty {
            var bytes = 0
            for line in plaintext { bytes += line.count }
            if plaintext.count == 1 {
                engine.write(UnsafeRawBufferPointer(plaintext[0].bytes))
            } else {
                // One record for many lines (up to TLS's 16 KiB): fewer records are less CPU and fewer bytes.
                let packed = UnsafeMutableRawBufferPointer.allocate(byteCount: min(bytes, 16 * 1024), alignment: 16)
                defer { packed.deallocate() }
                var used = 0
                for line in plaintext {
                    var offset = 0
                    while offset < line.count {
                        let take = min(line.count - offset, packed.count - used)
                        packed.baseAddress!.advanced(by: used).copyMemory(
                            from: line.bytes.baseAddress!.advanced(by: offset), byteCount: take)
                        used += take
                        offset += take
                        if used == packed.count {
                            engine.write(UnsafeRawBufferPointer(packed))
                            used = 0
                        }
                    }
                }
                if used > 0 { engine.write(UnsafeRawBufferPointer(rebasing: packed[..<used])) }
            }
            unsentBytes -= bytes
            if plaintext.capacity > 16 { plaintext = [] } else { plaintext.removeAll(keepingCapacity: true) }
        }
        guard engine.pendingOutput > 0 else { return }
        let chunk = OutboundLine(ciphertextOf: engine)
        lines.append(chunk)
        unsentBytes += chunk.count
        // A burst (the JOINs of a crowd) grew the engine's buffer: an idle connection should not keep it.
        engine.releaseIdleBuffers()
    }

    /// Over TLS, queues the `close_notify` alert once, when the connection closes after a flush.
    ///
    /// - Returns: Whether it was queued now (the owner then flushes it before it closes the socket).
    mutating func sealClose() -> Bool {
        guard let tls, !closeSealed else { return false }
        closeSealed = true
        tls.close()
        return true
    }

    // MARK: Reading over TLS (the owning thread)

    /// Hands the engine ciphertext from the socket, then reads what plaintext it can into `buffer`.
    mutating func open(_ ciphertext: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer)
        -> TLSEngine.Read
    {
        guard let tls else { return .failed("not a TLS connection") }
        tls.feed(ciphertext)
        let read = tls.read(into: buffer)
        if case .needsInput = read, !hasUnsent { tls.releaseIdleBuffers() }
        return read
    }

    /// Drops `sent` bytes from the front of the queue.
    @inline(__always)
    private mutating func consume(_ sent: Int) {
        unsentBytes -= sent
        var left = sent
        while left > 0 {
            let remaining = lines[head].count - headOffset
            if left >= remaining {
                left -= remaining
                head += 1
                headOffset = 0
            } else {
                headOffset += left
                left = 0
            }
        }
        if head == lines.count {
            // Keep a small array for the next lines; give back a large one (a JOIN storm's) to save memory.
            if lines.capacity > 16 { lines = [] } else { lines.removeAll(keepingCapacity: true) }
            head = 0
        } else if head >= 256 && head * 2 >= lines.count {
            lines.removeFirst(head)
            head = 0
        }
    }

    /// The owning thread to signal, if it waits for something and the caller needs it to notice; it is then
    /// no longer counted as waiting.
    ///
    /// A retired outbox's thread may have exited: it is never signalled.
    @inline(__always)
    private mutating func wakeOwner(ifPolling: Bool, ifWaitingForToken: Bool) -> pthread_t? {
        switch ownerWait {
        case .none: return nil
        case .poll: guard ifPolling else { return nil }
        case .token: guard ifWaitingForToken else { return nil }
        }
        ownerWait = .none
        return token == .retired ? nil : owner
    }

    // MARK: The owning thread

    /// Records `thread` as the owner, the one to wake.
    mutating func adopt(owner thread: pthread_t) {
        owner = thread
    }

    /// Starts a turn of the owning thread's loop.
    mutating func beginTurn() -> Turn {
        ownerWait = .none
        return Turn(
            closing: closing, failed: token == .failed, drained: !hasUnsent && token != .taken,
            awaitingStore: awaitingMessage != 0)
    }

    // MARK: Waiting for the store (the registry and the store's writer)

    /// Records that the connection's broadcast `id` waits to be stored before anyone is sent it.
    mutating func awaitStore(_ id: UInt64) {
        awaitingMessage = id
    }

    /// Records that the store took (or refused) message `id`.
    ///
    /// - Returns: The owning thread to wake, when this was the message it waited for and it sleeps in `poll`.
    mutating func settleStore(_ id: UInt64) -> pthread_t? {
        guard awaitingMessage == id else { return nil }
        awaitingMessage = 0
        guard wakeOnSettle else { return nil }
        return wakeOwner(ifPolling: true, ifWaitingForToken: false)
    }

    /// Marks the owning thread as going to `poll`, unless it has work: lines nobody is sending, a failure, or a
    /// closing state it has not seen.
    ///
    /// - Parameters:
    ///   - seen: The closing state the thread last saw.
    ///   - sawAwaitingStore: Whether the thread last saw a broadcast waiting for the store (a store that took
    ///     it since is work: the input can go on).
    ///   - wakeOnSettle: The thread has input that waits for that broadcast: wake it when the store answers.
    /// - Returns: `nil` when the thread should not sleep; otherwise whether to wait for `POLLOUT`.
    mutating func prepareToSleep(seen: Closing?, sawAwaitingStore: Bool = false, wakeOnSettle: Bool = false) -> Bool? {
        guard token != .failed, closing == seen, (awaitingMessage != 0) == sawAwaitingStore else { return nil }
        self.wakeOnSettle = wakeOnSettle
        if hasUnsent && token == .free && (corkedUntil == 0 || closing != nil) { return nil }
        ownerWait = .poll
        return token == .socketFull && hasUnsent
    }

    /// Takes the token for good, so that the socket can be closed.
    ///
    /// - Returns: `false` while another thread writes; the owner is then woken when it gives the token back.
    mutating func retire() -> Bool {
        guard token != .taken else {
            ownerWait = .token
            return false
        }
        token = .retired
        return true
    }
}
