import ChatSystem
import Glibc
import Synchronization

/// What the coordinator and the event loops share: the phase, the plan, and running totals.
///
/// The loops add their counts here once per turn of their loop (not per line), so the coordinator can
/// decide when connecting is over, when every delivery is in, and print progress.
final class RunControl: Sendable {
    /// The phases of a run, in order.
    enum Phase: Int {
        /// Clients connect and read their welcomes and joins.
        case connect = 0
        /// Connecting is over: the loops close clients not welcomed yet, so the room is fixed.
        case settle = 1
        /// The plan is set: senders send, receivers measure.
        case load = 2
        /// The loops close their clients and return their results.
        case finish = 3
    }

    private let phaseValue = Atomic<Int>(Phase.connect.rawValue)
    /// Set before the phase moves to `load`, and not changed after.
    let plan = Locked<LoadPlan?>(nil)

    /// TLS handshakes completed (and their certificate accepted).
    let handshakes = Atomic<Int>(0)
    /// Clients welcomed.
    let welcomed = Atomic<Int>(0)
    /// Clients that never got their welcome (refused, reset, out of descriptors).
    let failed = Atomic<Int>(0)
    /// Clients closed by the server after their welcome.
    let lost = Atomic<Int>(0)
    /// `JOIN` lines received by all clients.
    let joins = Atomic<Int>(0)
    /// Messages sent.
    let sent = Atomic<Int>(0)
    /// Messages due but not sent: the sender was gone, or its unsent bytes were at the limit.
    let skipped = Atomic<Int>(0)
    /// Deliveries of this run's messages.
    let delivered = Atomic<Int>(0)
    /// The largest latency seen since the coordinator last took it, in microseconds.
    let recentMaxLatency = Atomic<UInt64>(0)
    /// The `errno` the first failed client failed with (0: none yet).
    let firstConnectError = Atomic<Int32>(0)
    /// Loops that have closed their unwelcomed clients and reported it.
    let loopsSettled = Atomic<Int>(0)
    /// Loops whose timetable is done.
    let loopsDoneSending = Atomic<Int>(0)
    /// The indices of clients welcomed, and of welcomed clients lost since, in no order.
    let membership = Locked<(welcomed: [Int], lost: [Int])>(([], []))
    /// What the TLS handshakes said: rare events, so one lock for them all.
    let tls = Locked(TLSNotes())

    /// What the loops learnt from their TLS handshakes.
    struct TLSNotes {
        /// The protocol the first complete handshake negotiated (`TLSv1.3`).
        var protocolVersion: String?
        /// Why the first failed handshake failed (that client's error is `EPROTO`).
        var firstFailure: String?
        /// Why the server's certificate was refused: the run stops.
        var rejection: String?
    }

    /// The current phase.
    var phase: Phase { Phase(rawValue: phaseValue.load(ordering: .acquiring)) ?? .finish }

    /// Moves to `phase`; everything written before is visible to a loop that sees it.
    func enter(_ phase: Phase) {
        phaseValue.store(phase.rawValue, ordering: .releasing)
    }

    /// Keeps `error` as ``firstConnectError`` unless one is kept already.
    func noteConnectError(_ error: Int32) {
        _ = firstConnectError.compareExchange(expected: 0, desired: error, ordering: .relaxed)
    }

    /// Keeps why a handshake failed, unless a reason is kept already.
    func noteHandshakeFailure(_ reason: String) {
        tls.withLock { if $0.firstFailure == nil { $0.firstFailure = reason } }
    }

    /// Says the server's certificate was refused, which ends the run.
    func noteRejection(_ reason: String) {
        tls.withLock { if $0.rejection == nil { $0.rejection = reason } }
    }

    /// Keeps the protocol a handshake negotiated, unless one is kept already.
    func noteProtocolVersion(_ version: String) {
        tls.withLock { if $0.protocolVersion == nil { $0.protocolVersion = version } }
    }

    /// Why the first failed client failed, in words: its TLS failure when that is what it was.
    var firstConnectFailure: String? {
        let code = firstConnectError.load(ordering: .relaxed)
        guard code != 0 else { return nil }
        if code == EPROTO, let reason = tls.withLock({ $0.firstFailure }) { return reason }
        return String(cString: strerror(code))
    }

    /// Raises ``recentMaxLatency`` to `value` if it is larger.
    func noteLatency(_ value: UInt64) {
        var current = recentMaxLatency.load(ordering: .relaxed)
        while value > current {
            let (exchanged, original) = recentMaxLatency.compareExchange(
                expected: current, desired: value, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
}
