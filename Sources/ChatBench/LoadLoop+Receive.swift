import ChatSystem
import ChatProtocol
import Glibc

extension LoadLoop {
    /// Reads what one client has waiting (one `recv` a turn: epoll is level-triggered) and handles each line.
    mutating func receive(_ slot: Int) {
        if isTLS {
            receiveSealed(slot)
            return
        }
        guard let count = receiveIntoReadBuffer(slot) else { return }
        // One clock reading for everything this read brought: the time it reached us.
        frame(slot, UnsafeRawBufferPointer(start: readBuffer, count: count), now: monotonicNanoseconds())
    }

    /// One `recv` of what a client has waiting into the read buffer.
    ///
    /// - Returns: How many bytes came; `nil` when none are there, or the connection ended (the client is closed).
    @inline(__always)
    mutating func receiveIntoReadBuffer(_ slot: Int) -> Int? {
        let count: Int?
        do throws(SystemError) {
            count = try receiveAvailable(
                clients[slot].fd, into: UnsafeMutableRawBufferPointer(start: readBuffer, count: Self.readCapacity))
        } catch {
            disconnect(slot, error: error.code)
            return nil
        }
        guard let count else { return nil }
        guard count > 0 else {
            disconnect(slot, error: 0)
            return nil
        }
        return count
    }

    /// Splits bytes a client received into lines and handles each.
    ///
    /// - Parameters:
    ///   - slot: The client.
    ///   - bytes: What it received (plaintext).
    ///   - now: When those bytes became readable to the client, the arrival time of every line in them.
    @inline(__always)
    mutating func frame(_ slot: Int, _ bytes: UnsafeRawBufferPointer, now: UInt64) {
        // The framer leaves the client while it calls back into the loop, so the two accesses do not overlap.
        var framer = LineFramer(maxLineBytes: 0)
        swap(&framer, &clients[slot].framer)
        _ = framer.push(bytes) { frame in
            // A line past every limit the protocol sets is dropped rather than held.
            if case .line(let line) = frame { handleLine(slot, UnsafeRawBufferPointer(line), now: now) }
            return clients[slot].phase != .closed
        }
        if clients[slot].phase != .closed { swap(&framer, &clients[slot].framer) }
    }

    /// Handles one line a client received.
    @inline(__always)
    mutating func handleLine(_ slot: Int, _ line: UnsafeRawBufferPointer, now: UInt64) {
        @inline(__always) func starts(with prefix: StaticString) -> Bool {
            let length = prefix.utf8CodeUnitCount
            guard line.count >= length, let base = line.baseAddress else { return false }
            return memcmp(base, prefix.utf8Start, length) == 0
        }
        if starts(with: "MSG ") {
            if let token = BenchToken.find(in: UnsafeRawBufferPointer(rebasing: line[4...])) {
                deliver(token, now: now)
            }
        } else if starts(with: "JOIN ") {
            totals.joins += 1
        } else if starts(with: "WELCOME ") && clients[slot].phase == .welcoming {
            clients[slot].phase = .ready
            inflight -= 1
            totals.welcomed += 1
            newlyWelcomed.append(clients[slot].id)
        }
    }

    /// Counts a delivery and, when its message was sent in the measured window, records its latency.
    @inline(__always)
    mutating func deliver(_ token: BenchToken, now: UInt64) {
        if token.sendTime < acceptFrom && scheduler == nil && !reportedDoneSending {
            // Another loop may have started on the plan before this one looked.
            adoptPlan()
        }
        guard token.sendTime >= acceptFrom, token.sendTime <= now, token.sender < configuration.clients else {
            result.foreign += 1
            return
        }
        totals.delivered += 1
        result.delivered += 1
        let micros = (now - token.sendTime) / 1000
        if micros > recentMaxLatency { recentMaxLatency = micros }
        guard token.sendTime >= measureFrom else { return }
        result.deliveredInWindow += 1
        result.latency.record(micros)
    }
}
