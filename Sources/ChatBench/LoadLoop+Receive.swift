import ChatProtocol
import Glibc

extension LoadLoop {
    /// Reads what one client has waiting (one `recv` a turn: epoll is level-triggered) and handles each line.
    mutating func receive(_ slot: Int) {
        let fd = clients[slot].fd
        let carried = clients[slot].carry.count
        if carried > 0 {
            clients[slot].carry.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { readBuffer.copyMemory(from: base, byteCount: bytes.count) }
            }
        }
        let count = recv(fd, readBuffer + carried, Self.readCapacity, 0)
        guard count > 0 else {
            if count == 0 {
                disconnect(slot, error: 0)
            } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                disconnect(slot, error: errno)
            }
            return
        }
        // One clock reading for everything this read brought: the time it reached us.
        let now = Clock.monotonicNanoseconds()
        let filled = carried + count
        var start = 0
        while start < filled, let found = memchr(readBuffer + start, Int32(Wire.lineFeed), filled - start) {
            let lineFeed = readBuffer.distance(to: found)
            var end = lineFeed
            if end > start && readBuffer.load(fromByteOffset: end - 1, as: UInt8.self) == Wire.carriageReturn {
                end -= 1
            }
            handleLine(slot, UnsafeRawBufferPointer(start: readBuffer + start, count: end - start), now: now)
            start = lineFeed + 1
            if clients[slot].phase == .closed { return }
        }
        let rest = filled - start
        if rest == 0 {
            if carried > 0 { clients[slot].carry.removeAll(keepingCapacity: true) }
        } else if rest <= Self.carryLimit {
            clients[slot].carry.removeAll(keepingCapacity: true)
            clients[slot].carry.append(contentsOf: UnsafeRawBufferPointer(start: readBuffer + start, count: rest))
        } else {
            // A line past every limit the protocol sets: drop it rather than hold it.
            clients[slot].carry = []
        }
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
