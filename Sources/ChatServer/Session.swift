import CSystemShims
import ChatProtocol
import ChatStore
import ChatSystem
import Glibc
import Logging

/// What every session is run with.
struct SessionSettings: Sendable {
    /// Lines a second a client may send (0: no limit), and how many at once.
    var rate: Double
    var burst: Int
    /// Nanoseconds of silence after which a connection is closed (0: never).
    var idleTimeout: UInt64
    /// How long a closing connection may take to flush before it is cut.
    var flushGrace: UInt64 = 2_000_000_000
    /// The history, for `/history` and `/search` (read on the session's own thread).
    var store: any MessageStore = NoStore()
    /// Accounts, bans, mutes, passwords and the room's rules for them.
    var desk: AccountDesk
    /// Only logged-in connections are in the room; the others may only `/login`, `/help`, `/ping`, `/quit`.
    var membersOnly = false
}

/// The thread that owns one connection's socket: it reads and handles commands, and takes over the
/// sending of the connection's queued lines when the socket buffer is full or the connection is closing
/// (other threads send them otherwise; see ``Outbox``).
///
/// Input is read only once what was read before has been handled, so a client held to its rate
/// is slowed by TCP itself: its lines wait in its own socket buffer, never dropped.
struct Session {
    let outbox: Outbox
    let registry: Registry
    let logger: Logger
    let settings: SessionSettings

    private var framer = LineFramer()
    private var bucket: TokenBucket?
    /// Bytes read and not yet handled: `input[inputStart..<inputEnd]`. Allocated at the first read, so an
    /// idle connection costs no buffer.
    private var input = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var inputStart = 0
    private var inputEnd = 0
    /// Over TLS, ciphertext as it came from the socket, before the engine opens it into ``input``; allocated
    /// at the first read.
    private var sealedInput = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    /// Over TLS, the engine's last read filled ``input``: it may hold more plaintext, which must be read
    /// before the thread waits on the socket (nothing would wake it).
    private var tlsMayHoldMore = false
    /// The peer may still send (no end of stream or error seen, not closing).
    private var readOpen = true
    private var peerClosed = false
    private var lastHeard: UInt64
    private var closing: OutboxState.Closing?
    /// The name the connection last had, recorded when it left the registry.
    private var closingName: String?
    /// What the registry left to send for the batch in hand: this thread sends it once the batch is handled.
    var unsent = Unsent()
    /// This connection's last broadcast waits for the store (see ``OutboxState/awaitStore(_:)``): more
    /// broadcasts may follow it, but any other line waits in ``held`` until it is stored (or refused).
    var awaitingStore = false
    /// A line other than a broadcast (or one that was refused) that came while a broadcast waited for the
    /// store: it is run once the store answered, so that this client's answers stay in the order it sent
    /// its lines (its own `MSG` before the `PONG` of a later `/ping`, or the `ERROR` of a later line).
    var held: Result<Command, ProtocolError>?
    /// Broadcasts sent since the store last had none of this connection's waiting: at most
    /// ``maxBroadcastsInFlight``, after which a broadcast is held too (a flood cannot grow the store's queue
    /// without bound).
    var broadcastsInFlight = 0
    /// The most broadcasts of one connection that may wait for the store at once.
    static let maxBroadcastsInFlight = 32
    /// This thread's signal mask with the wake signal let through, for the waits.
    private var waitMask = sigset_t()
    /// The connection logged in (here, on its own thread): in a members-only room it is then in the room.
    var loggedIn = false
    /// A members-only room closes a connection that has not logged in by then (monotonic nanoseconds).
    private var loginDeadline: UInt64?

    init(outbox: Outbox, registry: Registry, logger: Logger, settings: SessionSettings) {
        self.outbox = outbox
        self.registry = registry
        self.logger = logger
        self.settings = settings
        let now = monotonicNanoseconds()
        lastHeard = now
        if settings.rate > 0 { bucket = TokenBucket(rate: settings.rate, burst: settings.burst, now: now) }
        if settings.membersOnly && settings.desk.loginTimeout > 0 { loginDeadline = now + settings.desk.loginTimeout }
    }

    /// Runs until the connection ends, then closes the socket and logs the disconnection.
    mutating func run(name: String) {
        defer {
            if input.count > 0 { input.deallocate() }
            if sealedInput.count > 0 { sealedInput.deallocate() }
        }
        outbox.adoptOwner()
        _ = CSystemShims_prepare_wakeable_thread(&waitMask)
        let endReason = serve()
        // Another thread may be in the middle of a send: wait for it to hand the token back.
        while !outbox.retire() {
            _ = CSystemShims_poll_wakeable(nil, 0, 10, &waitMask)
        }
        close(outbox.fd)
        let seconds = Double(monotonicNanoseconds() - outbox.connectedAt) / 1e9
        logger.info(
            "disconnect",
            metadata: [
                "name": "\(closingName ?? name)", "peer": "\(outbox.peer)", "reason": "\(endReason)",
                "duration": "\(String(format3: seconds))s",
            ])
        registry.sessionEnded(outbox)
    }

    /// The connection's loop; returns the reason it ended.
    private mutating func serve() -> String {
        // Whether the socket may take more bytes (false after a short send, until poll says POLLOUT).
        var writable = true
        while true {
            var turn = outbox.beginTurn()
            closing = turn.closing
            awaitingStore = turn.awaitingStore
            if !awaitingStore { broadcastsInFlight = 0 }
            if turn.failed { return leave(.lost, now: true) }
            if case .now(let reason) = closing { return reason }
            if writable {
                outbox.flush(owner: true)
                turn = outbox.beginTurn()
                if turn.failed { return leave(.lost, now: true) }
            }
            if case .afterFlush(let deadline, let reason) = closing {
                // Over TLS the session ends with a close_notify, which goes out like the lines before it.
                if turn.drained && outbox.sealClose() { continue }
                if turn.drained || monotonicNanoseconds() >= deadline { return reason }
            }
            // A line held back behind a broadcast waiting for the store runs once the store answered; until then
            // the rest of the input waits too, so that this client's lines are answered in order.
            if closing == nil && held != nil && !awaitingStore {
                runHeld()
                continue
            }
            if closing == nil && inputStart < inputEnd && held == nil {
                // Handle what was read, as far as the rate allows; then send the answers.
                if handleInput() { continue }
            }
            if closing == nil && peerClosed && inputStart == inputEnd && !awaitingStore && held == nil {
                // The peer closed its side and everything it sent is handled: send what is queued, then close.
                _ = leave(.lost)
                continue
            }
            let inputWaits = awaitingStore && (held != nil || (peerClosed && inputStart == inputEnd))
            guard
                let waitForWritable = outbox.prepareToSleep(
                    seen: closing, sawAwaitingStore: awaitingStore, wakeOnSettle: inputWaits)
            else { continue }

            let now = monotonicNanoseconds()
            let wantRead = readOpen && closing == nil && inputStart == inputEnd && held == nil
            if wantRead && tlsMayHoldMore {
                readOnce()
                continue
            }
            var wakeAt = UInt64.max
            if case .afterFlush(let deadline, _) = closing { wakeAt = deadline }
            if closing == nil && readOpen && settings.idleTimeout > 0 {
                wakeAt = min(wakeAt, lastHeard + settings.idleTimeout)
            }
            if closing == nil, !loggedIn, let loginDeadline { wakeAt = min(wakeAt, loginDeadline) }
            if closing == nil && inputStart < inputEnd && held == nil, let bucket {
                wakeAt = min(wakeAt, now + bucket.nanosUntilToken())
            }
            var socket = pollfd(
                fd: outbox.fd,
                events: Int16(wantRead ? POLLIN : 0) | Int16(waitForWritable ? POLLOUT : 0), revents: 0)
            let timeout: Int32 =
                wakeAt == .max ? -1 : wakeAt <= now ? 0 : Int32(min((wakeAt - now) / 1_000_000 + 1, 60_000))
            // Returns EINTR when another thread wakes this one (see Outbox).
            let ready = CSystemShims_poll_wakeable(&socket, 1, timeout, &waitMask)
            if ready < 0 && errno != EINTR { return leave(.lost, now: true) }
            let socketEvents = ready > 0 ? Int32(socket.revents) : 0
            writable = !waitForWritable || socketEvents & (POLLOUT | POLLERR | POLLHUP) != 0
            if wantRead && socketEvents & (POLLIN | POLLHUP | POLLERR) != 0 {
                readOnce()
            } else if socketEvents & (POLLHUP | POLLERR) != 0 && !waitForWritable && !wantRead {
                // A hang-up with nothing left to read or write: stop polling the socket.
                return leave(.lost, now: true)
            }
            if closing == nil && readOpen && settings.idleTimeout > 0
                && monotonicNanoseconds() >= lastHeard + settings.idleTimeout
            {
                _ = leave(.lost, now: true)
                return "idle"
            }
            if closing == nil, !loggedIn, let loginDeadline, monotonicNanoseconds() >= loginDeadline {
                // Nobody saw it come, so nobody sees it go; it gets its BYE before the socket closes.
                _ = leave(.lost, finalLine: OutboundLine(.bye("login required")))
            }
        }
    }

    // MARK: Reading

    private mutating func readOnce() {
        if outbox.isTLS { return readSealed() }
        if input.count == 0 { input = .allocate(byteCount: 16 * 1024, alignment: 16) }
        guard let count = receive(into: input) else { return }
        inputStart = 0
        inputEnd = count
        lastHeard = monotonicNanoseconds()
    }

    /// Reads over TLS: plaintext the engine still holds, else ciphertext from the socket, opened into
    /// ``input``.
    private mutating func readSealed() {
        if input.count == 0 { input = .allocate(byteCount: 16 * 1024, alignment: 16) }
        var ciphertext = UnsafeRawBufferPointer(start: nil, count: 0)
        while true {
            switch outbox.open(ciphertext, into: input) {
            case .bytes(let count):
                tlsMayHoldMore = count == input.count
                inputStart = 0
                inputEnd = count
                lastHeard = monotonicNanoseconds()
                return
            case .closed:
                tlsMayHoldMore = false
                readOpen = false
                peerClosed = true
                return
            case .failed:
                tlsMayHoldMore = false
                _ = leave(.lost, now: true)
                return
            case .needsInput:
                tlsMayHoldMore = false
                // Once a read from the socket is opened, wait for the next one.
                if ciphertext.count > 0 { return }
            }
            if sealedInput.count == 0 { sealedInput = .allocate(byteCount: 16 * 1024, alignment: 16) }
            guard let count = receive(into: sealedInput) else { return }
            ciphertext = UnsafeRawBufferPointer(rebasing: sealedInput[..<count])
        }
    }

    /// Reads what the socket holds into `buffer`.
    ///
    /// - Returns: How many bytes came; `nil` when none are there now, or the peer ended its side (recorded:
    ///   nothing more is read), or the read failed (the connection is left).
    private mutating func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let count: Int?
        do {
            count = try receiveAvailable(outbox.fd, into: buffer)
        } catch {
            _ = leave(.lost, now: true)
            return nil
        }
        guard let count, count > 0 else {
            if count == 0 {
                readOpen = false
                peerClosed = true
            }
            return nil
        }
        return count
    }

    /// Handles buffered lines while the rate allows.
    ///
    /// - Returns: Whether any line was handled.
    private mutating func handleInput() -> Bool {
        if var bucket {
            guard bucket.hasToken(now: monotonicNanoseconds()) else { return false }
            self.bucket = bucket
        }
        // Move the framer out while it calls back into `self`, so the two accesses do not overlap.
        var framer = LineFramer()
        swap(&framer, &self.framer)
        let bytes = UnsafeRawBufferPointer(rebasing: input[inputStart..<inputEnd])
        let consumed = framer.push(bytes) { frame in
            handle(frame)
            if closing != nil { return false }
            guard var bucket else { return held == nil }
            let now = monotonicNanoseconds()
            _ = bucket.take(now: now)
            let goOn = bucket.hasToken(now: now)
            self.bucket = bucket
            return goOn && held == nil
        }
        swap(&framer, &self.framer)
        // Everything this batch of lines queued leaves now, one write per connection.
        unsent.send(deferringTo: registry.flusher)
        inputStart += consumed
        if closing != nil { inputStart = inputEnd }
        return true
    }

    // MARK: Leaving

    /// Leaves the room (if still in it) with `reason`, and starts closing.
    ///
    /// - Parameters:
    ///   - now: Close at once, dropping what is queued (the peer is gone), rather than flush first.
    ///   - finalLine: A last line to send, such as `BYE`.
    /// - Returns: The reason, to log.
    mutating func leave(_ reason: LeaveReason, now: Bool = false, finalLine: OutboundLine? = nil) -> String {
        let (name, left) = registry.remove(outbox.id, reason: reason)
        if let name { closingName = name }
        unsent.add(left)
        unsent.send(deferringTo: registry.flusher)
        let closing: OutboxState.Closing =
            now
            ? .now(reason: reason.rawValue)
            : .afterFlush(deadline: monotonicNanoseconds() + settings.flushGrace, reason: reason.rawValue)
        outbox.close(closing, finalLine: finalLine)
        self.closing = closing
        readOpen = false
        return reason.rawValue
    }
}

extension String {
    /// Formats a number with three decimals, without Foundation.
    init(format3 value: Double) {
        let millis = Int((value * 1000).rounded())
        let fraction = String(millis % 1000)
        self = "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
