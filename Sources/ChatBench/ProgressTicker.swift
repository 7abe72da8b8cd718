import ChatSystem
import Synchronization

/// Makes the progress line, once a second, from the running totals.
struct ProgressTicker {
    let progress: (@Sendable (String) -> Void)?
    let control: RunControl
    let start = monotonicNanoseconds()
    /// When the next line is due.
    private(set) var nextTick: UInt64
    /// What the run is doing, shown first.
    var phase = "connect"
    /// Clients each message is owed to, once the load has begun.
    var receivers = 0
    /// Whether the connect line counts TLS handshakes.
    var showsHandshakes = false
    private var last: (time: UInt64, sent: Int, delivered: Int, cpu: UInt64)

    init(progress: (@Sendable (String) -> Void)?, control: RunControl) {
        self.progress = progress
        self.control = control
        nextTick = start + 1_000_000_000
        last = (start, 0, 0, processCPUNanoseconds())
    }

    /// Emits a line if one is due.
    mutating func tick(now: UInt64) {
        guard now >= nextTick else { return }
        while nextTick <= now { nextTick += 1_000_000_000 }
        guard let progress else { return }
        let sent = control.sent.load(ordering: .relaxed)
        let delivered = control.delivered.load(ordering: .relaxed)
        let cpu = processCPUNanoseconds()
        let seconds = Double(now - last.time) / 1e9
        var line = "[\(NumberFormat.fixed(Double(now - start) / 1e9, 1)) s] \(phase): "
        if phase == "connect" {
            let welcomed = control.welcomed.load(ordering: .relaxed)
            let present = welcomed - control.lost.load(ordering: .relaxed)
            if showsHandshakes {
                line += "\(NumberFormat.grouped(control.handshakes.load(ordering: .relaxed))) TLS handshakes, "
            }
            line +=
                "\(NumberFormat.grouped(welcomed)) welcomed, "
                + "\(NumberFormat.grouped(control.failed.load(ordering: .relaxed))) failed, "
                + "\(NumberFormat.grouped(control.joins.load(ordering: .relaxed))) of "
                + "\(NumberFormat.grouped(present * (present - 1) / 2)) joins"
        } else {
            let maxLatency = control.recentMaxLatency.exchange(0, ordering: .relaxed)
            line +=
                "\(NumberFormat.groupedFixed(Double(sent - last.sent) / seconds, 0)) sent/s, "
                + "\(NumberFormat.groupedFixed(Double(delivered - last.delivered) / seconds, 0)) deliveries/s, "
                + "max latency \(NumberFormat.duration(microseconds: maxLatency)), "
                + "\(NumberFormat.grouped(delivered)) of \(NumberFormat.grouped(sent * receivers)) delivered"
        }
        line += ", bench CPU \(NumberFormat.percent(Double(cpu &- last.cpu) / 1e9 / seconds, digits: 0))"
        last = (now, sent, delivered, cpu)
        progress(line)
    }
}
