import ChatProtocol
import ChatSystem
import Glibc
import Synchronization

/// Runs a bench: connects the clients, offers the load, drains, and reports.
///
/// The calling thread coordinates; `--threads` event loop threads (one by default) drive the sockets.
///
/// ```swift
/// let report = try BenchRunner(configuration: .init(port: 7777, clients: 100)).run()
/// print(report.text)
/// ```
public struct BenchRunner: Sendable {
    /// What to run.
    public var configuration: BenchConfiguration
    /// Called about once a second with a line saying how the run is going (without a line feed).
    public var progress: (@Sendable (String) -> Void)?

    /// Creates a runner.
    ///
    /// - Parameters:
    ///   - configuration: What to run.
    ///   - progress: Called about once a second with a progress line; `nil` for none.
    public init(configuration: BenchConfiguration, progress: (@Sendable (String) -> Void)? = nil) {
        self.configuration = configuration
        self.progress = progress
    }

    /// Runs the bench to the end.
    ///
    /// - Returns: What was measured.
    /// - Throws: ``BenchError`` when the run cannot be made: bad options, an unresolvable host, no client
    ///   welcomed, too few file descriptors.
    public func run() throws(BenchError) -> BenchReport {
        let configuration = self.configuration
        try configuration.validate()
        // A socket per client, epoll per loop, the standard streams and a margin.
        let needed = configuration.clients + configuration.threads + 32
        if let limit = DescriptorLimit.raiseToHardLimit(), limit < needed {
            throw .descriptorLimit(needed: needed, limit: limit)
        }
        let address: SocketAddress
        do throws(ResolveError) {
            // The first address the resolver prefers, for every client.
            address = try SocketAddress.resolve(host: configuration.host, port: configuration.port)[0]
        } catch {
            throw .unresolvableHost(configuration.host)
        }
        let tlsContext = try configuration.tls?.makeContext()
        let pid = configuration.serverPID
        var serverBefore: ProcessSample?
        if pid > 0 {
            serverBefore = ProcessSample.read(pid: pid)
            guard serverBefore != nil else {
                throw .invalidConfiguration("--server-pid \(pid): no such process to read in /proc")
            }
        }

        let control = RunControl()
        let loopCount = configuration.threads
        let results = Locked<[LoopResult?]>(Array(repeating: nil, count: loopCount))
        let loopError = Locked<BenchError?>(nil)
        var threads: [pthread_t] = []
        defer {
            control.enter(.finish)
            for thread in threads { ThreadSpawner.join(thread) }
        }
        for index in 0..<loopCount {
            threads.append(
                try Self.spawnLoop {
                    do throws(BenchError) {
                        var loop = try LoadLoop(
                            configuration: configuration, address: address, control: control, index: index,
                            loopCount: loopCount, tlsContext: tlsContext)
                        let result = loop.run()
                        results.withLock { $0[index] = result }
                    } catch {
                        loopError.withLock { $0 = error }
                    }
                })
        }

        var ticker = ProgressTicker(progress: progress, control: control)
        ticker.showsHandshakes = configuration.tls != nil
        var connect = waitForConnections(control, ticker: &ticker)
        if let error = loopError.withLock({ $0 }) { throw error }
        if let reason = control.tls.withLock({ $0.rejection }) {
            throw .certificateRejected(host: configuration.host, port: configuration.port, reason: reason)
        }
        // Fix the room: stragglers are closed, and every loop has said who is in.
        control.enter(.settle)
        while control.loopsSettled.load(ordering: .acquiring) < loopCount {
            pause(milliseconds: 1, ticker: &ticker)
        }
        connect.welcomed = control.welcomed.load(ordering: .relaxed)
        connect.failed = control.failed.load(ordering: .relaxed)
        if configuration.tls != nil {
            connect.handshakes = control.handshakes.load(ordering: .relaxed)
            connect.tlsVersion = control.tls.withLock { $0.protocolVersion }
        }
        let serverConnected = pid > 0 ? ProcessSample.read(pid: pid) : nil
        let present = control.membership.withLock { Set($0.welcomed).subtracting($0.lost).sorted() }
        guard !present.isEmpty else {
            if configuration.tls != nil, connect.handshakes == 0, let reason = connect.firstError,
                control.firstConnectError.load(ordering: .relaxed) == EPROTO
            {
                throw .handshakeFailed(failed: connect.failed, reason: reason)
            }
            throw .noClientConnected(failed: connect.failed)
        }

        // The plan starts a little ahead, so that every loop has picked it up when the first message is due.
        let start = monotonicNanoseconds() + 20_000_000
        let plan: LoadPlan
        if configuration.rate > 0 {
            let warmupEnd = start + UInt64(configuration.warmup * 1e9)
            plan = LoadPlan(
                start: start, warmupEnd: warmupEnd, end: warmupEnd + UInt64(configuration.duration * 1e9),
                senders: Array(present.prefix(configuration.effectiveSenders)), rate: configuration.rate)
        } else {
            // One message from the first client: a timetable one nanosecond long at a rate of one a nanosecond.
            plan = LoadPlan(start: start, warmupEnd: start, end: start + 1, senders: [present[0]], rate: 1e9)
        }
        control.plan.withLock { $0 = plan }
        control.enter(.load)
        let receivers = present.count
        ticker.phase = configuration.rate > 0 ? "warm-up" : "probe"
        ticker.receivers = receivers

        // The measured window: the server's CPU, the bench's and the machine's at each end.
        var window: (opening: WindowEdge, closing: WindowEdge)?
        if configuration.rate > 0 {
            wait(until: plan.warmupEnd, ticker: &ticker)
            ticker.phase = "measuring"
            let opening = WindowEdge.read(pid: pid)
            wait(until: plan.end, ticker: &ticker)
            window = (opening, WindowEdge.read(pid: pid))
        }

        // The drain: until every delivery owed is in, or `--drain` seconds after the last send.
        ticker.phase = "drain"
        let sendCap = plan.end + UInt64((configuration.drain + 60) * 1e9)
        while control.loopsDoneSending.load(ordering: .acquiring) < loopCount && monotonicNanoseconds() < sendCap
        {
            pause(milliseconds: 5, ticker: &ticker)
        }
        let drainEnd = max(monotonicNanoseconds(), plan.end) + UInt64(configuration.drain * 1e9)
        while monotonicNanoseconds() < drainEnd {
            let owed = control.sent.load(ordering: .relaxed) * receivers
            if control.delivered.load(ordering: .relaxed) >= owed { break }
            pause(milliseconds: 5, ticker: &ticker)
        }
        control.enter(.finish)
        for thread in threads { ThreadSpawner.join(thread) }
        threads = []
        if let error = loopError.withLock({ $0 }) { throw error }

        var merged = LoopResult()
        for result in results.withLock({ $0 }) {
            if let result { merged.merge(result) }
        }
        let lostDuringLoad = control.membership.withLock { Set($0.lost).intersection(present).count }
        var report = BenchReport(
            configuration: configuration, connect: connect,
            tester: BenchReport.Tester(
                loops: loopCount, cpuSeconds: nil, windowSeconds: configuration.rate > 0 ? configuration.duration : 0,
                busiestLoopShare: nil, machineCores: max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1),
                machineBusyCores: nil))
        if configuration.rate > 0 {
            report.load = BenchReport.Load(
                senders: plan.senders.count, receivers: receivers, windowSeconds: configuration.duration,
                sent: merged.sent, sentInWindow: merged.sentInWindow, skipped: merged.skipped,
                expected: merged.sent * receivers, delivered: merged.delivered,
                deliveredInWindow: merged.deliveredInWindow, lostClients: lostDuringLoad,
                latency: BenchReport.Latency(merged.latency), sendLag: BenchReport.Latency(merged.sendLag))
        } else {
            report.probe = BenchReport.Probe(receivers: receivers, latency: BenchReport.Latency(merged.latency))
        }
        if let window {
            let (opening, closing) = window
            let seconds = configuration.duration
            report.tester.cpuSeconds = Double(closing.benchCPU &- opening.benchCPU) / 1e9
            report.tester.busiestLoopShare = merged.windowCPU.map { Double($0) / 1e9 / seconds }
            if let start = opening.machine, let end = closing.machine, end.totalTicks > start.totalTicks {
                let share = Double(end.busyTicks - start.busyTicks) / Double(end.totalTicks - start.totalTicks)
                report.tester.machineBusyCores = share * Double(report.tester.machineCores)
            }
        }
        if pid > 0, let serverBefore, let serverConnected {
            var server = BenchReport.Server(
                pid: pid, before: serverBefore, connected: serverConnected, connections: receivers)
            if let opening = window?.opening.server, let closing = window?.closing.server {
                server.underLoad = closing
                server.windowCPUSeconds = closing.cpuSeconds - opening.cpuSeconds
            }
            report.server = server
        }
        return report
    }

    /// Waits until every client is welcomed (or failed) and every join announced, or the timeout, or until
    /// the server's certificate is refused.
    private func waitForConnections(_ control: RunControl, ticker: inout ProgressTicker) -> BenchReport.Connect {
        let start = monotonicNanoseconds()
        let deadline = start + UInt64(configuration.connectTimeout * 1e9)
        var welcomedAt: UInt64?
        ticker.phase = "connect"
        while true {
            let now = monotonicNanoseconds()
            let welcomed = control.welcomed.load(ordering: .relaxed)
            let failed = control.failed.load(ordering: .relaxed)
            let present = welcomed - control.lost.load(ordering: .relaxed)
            let joins = control.joins.load(ordering: .relaxed)
            let owed = present * (present - 1) / 2
            if welcomedAt == nil && welcomed + failed >= configuration.clients { welcomedAt = now }
            let done = welcomedAt != nil && joins >= owed
            let refused = configuration.tls != nil && control.tls.withLock { $0.rejection != nil }
            if done || refused || now >= deadline {
                return BenchReport.Connect(
                    clients: configuration.clients, welcomed: welcomed, failed: failed,
                    welcomeSeconds: Double((welcomedAt ?? now) - start) / 1e9, seconds: Double(now - start) / 1e9,
                    joins: joins, joinsExpected: owed, timedOut: !done, firstError: control.firstConnectFailure)
            }
            pause(milliseconds: 2, ticker: &ticker)
        }
    }

    /// Sleeps until `time`, printing progress on the way.
    private func wait(until time: UInt64, ticker: inout ProgressTicker) {
        while true {
            let now = monotonicNanoseconds()
            guard now < time else { return }
            ticker.tick(now: now)
            sleep(until: min(time, ticker.nextTick))
        }
    }

    private func pause(milliseconds: UInt64, ticker: inout ProgressTicker) {
        let now = monotonicNanoseconds()
        ticker.tick(now: now)
        sleep(until: min(now + milliseconds * 1_000_000, ticker.nextTick))
    }

    private func sleep(until time: UInt64) {
        var target = timespec(tv_sec: Int(time / 1_000_000_000), tv_nsec: Int(time % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil) == EINTR {}
    }

    /// Starts an event loop's thread, to be joined when the run ends.
    private static func spawnLoop(_ body: @escaping @Sendable () -> Void) throws(BenchError) -> pthread_t {
        do {
            return try ThreadSpawner.spawnJoinable(body)
        } catch {
            throw .system(error)
        }
    }
}

/// What is read as the measured window opens and as it closes.
private struct WindowEdge {
    /// The server's process (with `--server-pid`).
    var server: ProcessSample?
    /// The bench process's CPU time, in nanoseconds.
    var benchCPU: UInt64
    /// The whole machine's CPU ticks.
    var machine: MachineSample?

    static func read(pid: Int32) -> WindowEdge {
        WindowEdge(
            server: pid > 0 ? ProcessSample.read(pid: pid) : nil, benchCPU: processCPUNanoseconds(),
            machine: MachineSample.read())
    }
}
