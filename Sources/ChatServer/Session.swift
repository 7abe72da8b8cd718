import ChatProtocol
import Glibc
import Logging

/// The thread that owns one connection's socket: it reads and handles commands, and writes the
/// connection's queued lines, waking on socket readiness or on the connection's wake signal.
struct Session {
    let connection: Connection
    let registry: Registry
    let logger: Logger
    /// How long a closing connection may take to flush before it is cut.
    let flushGrace: UInt64

    private var framer = LineFramer()
    private var pending: [OutboundLine] = []
    /// Index of the first unsent line in `pending`, and the bytes of it already sent.
    private var head = 0
    private var headOffset = 0
    private var readOpen = true
    private var closing: Connection.Closing?

    init(connection: Connection, registry: Registry, logger: Logger, flushGrace: UInt64 = 2_000_000_000) {
        self.connection = connection
        self.registry = registry
        self.logger = logger
        self.flushGrace = flushGrace
    }

    /// Runs until the connection ends, then closes the socket.
    mutating func run(name: String) {
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)
        let iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: Self.maxIovecs)
        defer {
            readBuffer.deallocate()
            iovecs.deallocate()
        }
        var endReason = "lost"
        loop: while true {
            closing = connection.take(into: &pending)
            if case .now(let reason) = closing {
                endReason = reason
                break loop
            }
            do {
                try flush(iovecs)
            } catch {
                endReason = leave(.lost)
                break loop
            }
            if case .afterFlush(let deadline, let reason) = closing {
                if head == pending.count || monotonicNanoseconds() >= deadline {
                    endReason = reason
                    break loop
                }
            }
            guard connection.prepareToSleep(seen: closing) else { continue }
            let wantRead = readOpen && closing == nil
            let wantWrite = head < pending.count
            var fds = [
                pollfd(
                    fd: connection.fd,
                    events: Int16(wantRead ? POLLIN : 0) | Int16(wantWrite ? POLLOUT : 0), revents: 0),
                pollfd(fd: connection.wake.fd, events: Int16(POLLIN), revents: 0),
            ]
            var timeout: Int32 = -1
            if case .afterFlush(let deadline, _) = closing {
                let now = monotonicNanoseconds()
                timeout = deadline > now ? Int32(min((deadline - now) / 1_000_000 + 1, 60_000)) : 0
            }
            let ready = poll(&fds, 2, timeout)
            if ready < 0 && errno != EINTR {
                endReason = leave(.lost)
                break loop
            }
            if fds[1].revents != 0 { connection.wake.drain() }
            let socketEvents = Int32(fds[0].revents)
            if wantRead && socketEvents & (POLLIN | POLLHUP | POLLERR) != 0 {
                readOnce(readBuffer)
            } else if !wantRead && socketEvents & (POLLHUP | POLLERR) != 0 && !wantWrite {
                // Nothing to read or write, yet the socket reports a hang-up: stop polling it.
                endReason = leave(.lost)
                break loop
            }
        }
        close(connection.fd)
        let seconds = Double(monotonicNanoseconds() - connection.connectedAt) / 1e9
        let finalName = closingName ?? name
        logger.info(
            "disconnect",
            metadata: [
                "name": "\(finalName)", "peer": "\(connection.peer)", "reason": "\(endReason)",
                "duration": "\(String(format3: seconds))s",
            ])
        registry.sessionEnded()
    }

    /// The name the connection last had, recorded when it left the registry.
    private var closingName: String?

    // MARK: Reading

    private mutating func readOnce(_ buffer: UnsafeMutableRawBufferPointer) {
        let count: Int?
        do {
            count = try Socket.receive(connection.fd, into: buffer)
        } catch {
            let _ = leave(.lost, now: true)
            return
        }
        guard let count else { return }
        if count == 0 {
            // The peer closed its side: what it sent is handled; send what is queued, then close.
            readOpen = false
            let _ = leave(.lost)
            return
        }
        // Move the framer out while it calls back into `self`, so the two accesses do not overlap.
        var framer = LineFramer()
        swap(&framer, &self.framer)
        framer.push(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) { frame in
            guard readOpen else { return }
            handle(frame)
        }
        swap(&framer, &self.framer)
    }

    // MARK: Writing

    private static let maxIovecs = 64

    /// Writes as much of `pending` as the socket takes now.
    private mutating func flush(_ iovecs: UnsafeMutablePointer<iovec>) throws {
        while head < pending.count {
            var count = 0
            var index = head
            while index < pending.count && count < Self.maxIovecs {
                let bytes = pending[index].bytes
                let skip = index == head ? headOffset : 0
                iovecs[count] = iovec(iov_base: bytes.baseAddress! + skip, iov_len: bytes.count - skip)
                count += 1
                index += 1
            }
            let sent = try Socket.send(connection.fd, iovecs, count: count)
            guard sent > 0 else { return }
            connection.didSend(sent)
            var left = sent
            while left > 0 {
                let remaining = pending[head].count - headOffset
                if left >= remaining {
                    left -= remaining
                    head += 1
                    headOffset = 0
                } else {
                    headOffset += left
                    left = 0
                }
            }
            if head == pending.count {
                pending.removeAll(keepingCapacity: true)
                head = 0
            }
        }
    }

    // MARK: Leaving

    /// Leaves the room (if still in it) with `reason`, and starts closing.
    ///
    /// - Returns: The reason to log.
    mutating func leave(_ reason: LeaveReason, now: Bool = false, finalLine: OutboundLine? = nil) -> String {
        if let name = registry.remove(connection.id, reason: reason) { closingName = name }
        let closing: Connection.Closing =
            now
            ? .now(reason: reason.rawValue)
            : .afterFlush(deadline: monotonicNanoseconds() + flushGrace, reason: reason.rawValue)
        _ = connection.close(closing, finalLine: finalLine)
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
