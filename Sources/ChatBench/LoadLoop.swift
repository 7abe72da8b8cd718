import ChatSystem
import ChatTLS
import Glibc
import Synchronization

/// One event loop thread: drives its share of the clients through connecting, the load and the drain.
///
/// Loop `i` of `k` owns the clients whose index is `i` modulo `k`. Everything here is confined to the loop's
/// thread; it talks to the coordinator only through ``RunControl``, once per turn.
struct LoadLoop: ~Copyable {
    let configuration: BenchConfiguration
    let address: SocketAddress
    let control: RunControl
    /// This loop's number, and how many loops there are.
    let index: Int
    let loopCount: Int
    var clients: [ClientState]
    let epoll: Epoll

    /// One buffer every client reads into (each client's framer keeps its unfinished line).
    let readBuffer: UnsafeMutableRawPointer
    static let readCapacity = 256 * 1024
    /// A line longer than this is a server breaking the line limit: it is dropped.
    static let maxLineBytes = 16 * 1024
    /// Where each outgoing line is built.
    let lineBuffer: UnsafeMutableRawPointer

    // TLS (with `--tls`): the context every client's engine starts from, and whether there is one, read on the
    // paths every line takes so that a plain run pays one predictable branch on a constant and nothing more.
    let tlsContext: TLSContext?
    let isTLS: Bool
    /// Where an engine decrypts what a client received, and where ciphertext waits on its way to the socket.
    /// Allocated for plain runs too, never touched there (so never resident).
    let plainBuffer: UnsafeMutableRawPointer
    let sealedBuffer: UnsafeMutableRawPointer
    static let tlsBufferCapacity = 64 * 1024
    /// Received ciphertext goes to the engine this much at a time, decrypted in between, so that an engine's
    /// input buffer (a memory BIO keeps its largest size) stays small however much one `recv` brought.
    static let feedSlice = 16 * 1024 + 512

    // Connecting.
    var nextToConnect = 0
    var inflight = 0
    var settled = false
    let inflightLimit: Int

    // The load, once the plan is set.
    var scheduler: RateScheduler?
    var senderSlots: [Int] = []
    /// Tokens sent before this are not of this run.
    var acceptFrom = UInt64.max
    /// Deliveries of tokens sent at or after this are measured.
    var measureFrom = UInt64.max
    var windowEnd = UInt64.max
    var windowCPUStart: UInt64?
    var reportedDoneSending = false
    /// The most sends taken in one turn, so a late loop still reads between bursts.
    static let sendBurstLimit: UInt64 = 1024

    // Totals, and what of them the coordinator has been told.
    var result = LoopResult()
    var totals = Totals()
    var published = Totals()
    var newlyWelcomed: [Int] = []
    var newlyLost: [Int] = []
    var recentMaxLatency: UInt64 = 0

    /// Counts the coordinator follows.
    struct Totals {
        var handshakes = 0
        var welcomed = 0
        var failed = 0
        var lost = 0
        var joins = 0
        var sent = 0
        var skipped = 0
        var delivered = 0
    }

    /// Creates the loop for clients `index`, `index + loopCount`, ...
    ///
    /// - Throws: ``BenchError/system(_:)`` if epoll cannot be had.
    init(
        configuration: BenchConfiguration, address: SocketAddress, control: RunControl, index: Int, loopCount: Int,
        tlsContext: TLSContext? = nil
    ) throws(BenchError) {
        self.configuration = configuration
        self.tlsContext = tlsContext
        isTLS = tlsContext != nil
        self.address = address
        self.control = control
        self.index = index
        self.loopCount = loopCount
        clients = stride(from: index, to: configuration.clients, by: loopCount).map { ClientState(id: $0) }
        epoll = try Epoll()
        readBuffer = .allocate(byteCount: Self.readCapacity, alignment: 16)
        lineBuffer = .allocate(byteCount: BenchToken.maximumLineBytes, alignment: 16)
        plainBuffer = .allocate(byteCount: Self.tlsBufferCapacity, alignment: 16)
        sealedBuffer = .allocate(byteCount: Self.tlsBufferCapacity, alignment: 16)
        inflightLimit = max(1, (configuration.connectConcurrency + loopCount - 1) / loopCount)
    }

    deinit {
        for client in clients where client.fd >= 0 { close(client.fd) }
        readBuffer.deallocate()
        lineBuffer.deallocate()
        plainBuffer.deallocate()
        sealedBuffer.deallocate()
    }

    /// The slot of the client with index `id` in this loop, if the loop owns it.
    func slot(of id: Int) -> Int? {
        guard id >= 0, id % loopCount == index else { return nil }
        let slot = id / loopCount
        return slot < clients.count ? slot : nil
    }

    /// Runs until the coordinator enters ``RunControl/Phase/finish``.
    ///
    /// - Returns: What the loop measured.
    mutating func run() -> LoopResult {
        while true {
            let phase = control.phase
            if phase == .finish { break }
            switch phase {
            case .connect:
                startConnections()
            case .settle:
                settle()
            case .load:
                settle()
                if scheduler == nil && !reportedDoneSending { adoptPlan() }
            case .finish:
                break
            }
            let now = monotonicNanoseconds()
            var timeout: Int64 = 10_000_000
            if scheduler != nil { timeout = sendDue(now) }
            markWindow(now)
            let count = epoll.wait(timeout: timeout)
            for index in 0..<count { handle(epoll.report(index)) }
            publish()
        }
        markWindow(monotonicNanoseconds())
        return result
    }

    /// Once connecting is over: closes every client not welcomed yet (they count as failed) and says so.
    mutating func settle() {
        guard !settled else { return }
        settled = true
        for slot in clients.indices {
            switch clients[slot].phase {
            case .idle:
                clients[slot].phase = .closed
                totals.failed += 1
            case .connecting, .handshaking, .welcoming:
                disconnect(slot, error: ETIMEDOUT)
            case .ready, .closed:
                break
            }
        }
        publish()
        control.loopsSettled.add(1, ordering: .releasing)
    }

    /// Takes up the plan the coordinator set: this loop's senders, their share of the rate, the window.
    mutating func adoptPlan() {
        guard let plan = control.plan.withLock({ $0 }) else { return }
        acceptFrom = plan.start
        measureFrom = plan.warmupEnd
        windowEnd = plan.end
        let share = plan.share(owned: { slot(of: $0) != nil })
        senderSlots = share.senders.compactMap { slot(of: $0) }
        if senderSlots.isEmpty {
            reportedDoneSending = true
            control.loopsDoneSending.add(1, ordering: .releasing)
        } else {
            scheduler = RateScheduler(rate: share.rate, start: plan.start, end: plan.end)
        }
    }

    /// Notes the thread's CPU time as the measured window opens and closes.
    mutating func markWindow(_ now: UInt64) {
        if windowCPUStart == nil && now >= measureFrom {
            windowCPUStart = threadCPUNanoseconds()
        }
        if result.windowCPU == nil, let start = windowCPUStart, now >= windowEnd {
            result.windowCPU = threadCPUNanoseconds() - start
        }
    }

    /// Tells the coordinator what changed since the last turn.
    mutating func publish() {
        @inline(__always) func add(_ counter: borrowing Atomic<Int>, _ now: Int, _ before: Int) {
            if now != before { counter.add(now - before, ordering: .relaxed) }
        }
        add(control.handshakes, totals.handshakes, published.handshakes)
        add(control.welcomed, totals.welcomed, published.welcomed)
        add(control.failed, totals.failed, published.failed)
        add(control.lost, totals.lost, published.lost)
        add(control.joins, totals.joins, published.joins)
        add(control.sent, totals.sent, published.sent)
        add(control.skipped, totals.skipped, published.skipped)
        add(control.delivered, totals.delivered, published.delivered)
        published = totals
        if !newlyWelcomed.isEmpty || !newlyLost.isEmpty {
            control.membership.withLock { [newlyWelcomed, newlyLost] in
                $0.welcomed += newlyWelcomed
                $0.lost += newlyLost
            }
            newlyWelcomed.removeAll(keepingCapacity: true)
            newlyLost.removeAll(keepingCapacity: true)
        }
        if recentMaxLatency > 0 {
            control.noteLatency(recentMaxLatency)
            recentMaxLatency = 0
        }
    }
}
