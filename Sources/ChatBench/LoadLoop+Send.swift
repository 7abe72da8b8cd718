import ChatSystem
import Glibc

extension LoadLoop {
    /// Sends every message the timetable says is due.
    ///
    /// - Parameter now: The current monotonic time.
    /// - Returns: How long epoll may wait before the next message falls due, in nanoseconds.
    mutating func sendDue(_ now: UInt64) -> Int64 {
        guard var timetable = scheduler else { return 10_000_000 }
        // At most a burst a turn, so replies are still read when the loop is far behind.
        let taken = timetable.takeDue(at: now, limit: Self.sendBurstLimit)
        scheduler = timetable
        for message in taken {
            send(senderSlots[Int(message % UInt64(senderSlots.count))], due: timetable.dueTime(of: message))
        }
        guard let next = timetable.nextDueTime else {
            scheduler = nil
            reportedDoneSending = true
            // The final sent count first: the coordinator reads it as soon as every loop is done.
            publish()
            control.loopsDoneSending.add(1, ordering: .releasing)
            return 10_000_000
        }
        let after = monotonicNanoseconds()
        return next > after ? Int64(min(next - after, 10_000_000)) : 0
    }

    /// Sends one message from a client, stamped with the time now.
    ///
    /// - Parameters:
    ///   - slot: The sending client.
    ///   - due: When the timetable wanted it sent, for the send lag.
    mutating func send(_ slot: Int, due: UInt64) {
        guard clients[slot].phase == .ready else {
            skip()
            return
        }
        let pending = clients[slot].pendingBytes
        if pending > 0 && pending + BenchToken.maximumLineBytes > configuration.outboundLimit {
            // The server has not read this client's earlier messages: keep the schedule, drop this one.
            skip()
            return
        }
        let now = monotonicNanoseconds()
        let token = BenchToken(sender: clients[slot].id, sequence: clients[slot].sequence, sendTime: now)
        let length = token.write(
            lineWithSize: configuration.size,
            into: UnsafeMutableRawBufferPointer(start: lineBuffer, count: BenchToken.maximumLineBytes))
        let line = UnsafeRawBufferPointer(start: lineBuffer, count: length)
        if isTLS {
            // Sealed after the clock was read: the encryption is part of the latency, as a real client's is.
            guard sendSealed(slot, line) else {
                skip()
                return
            }
        } else {
            guard sendOrQueue(slot, line) else {
                skip()
                return
            }
        }
        clients[slot].sequence += 1
        totals.sent += 1
        result.sent += 1
        if now >= measureFrom { result.sentInWindow += 1 }
        result.sendLag.record(now > due ? (now - due) / 1000 : 0)
    }

    private mutating func skip() {
        totals.skipped += 1
        result.skipped += 1
    }

    /// Sends bytes behind any a client holds already, holding what the kernel does not take.
    ///
    /// - Returns: `false` when the socket failed and the client is closed.
    @inline(__always)
    mutating func sendOrQueue(_ slot: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var written = 0
        if clients[slot].pendingBytes == 0 {
            do throws(SystemError) {
                written = try StreamSocket.send(clients[slot].fd, bytes)
            } catch {
                disconnect(slot, error: error.code)
                return false
            }
        }
        if written < bytes.count {
            queue(slot, UnsafeRawBufferPointer(rebasing: bytes[written...]))
        }
        return true
    }

    /// Holds bytes the kernel did not take, and watches for room to send them.
    private mutating func queue(_ slot: Int, _ bytes: UnsafeRawBufferPointer) {
        let start = clients[slot].outboundStart
        if start > 0 && start * 2 >= clients[slot].outbound.count {
            clients[slot].outbound.removeSubrange(0..<start)
            clients[slot].outboundStart = 0
        }
        clients[slot].outbound.append(contentsOf: bytes)
        if !clients[slot].watchingWritable {
            epoll.modify(clients[slot].fd, interest: [.readable, .writable], token: UInt64(slot))
            clients[slot].watchingWritable = true
        }
    }

    /// Sends what a client holds, as far as the kernel takes it.
    mutating func flush(_ slot: Int) {
        let fd = clients[slot].fd
        while clients[slot].pendingBytes > 0 {
            let start = clients[slot].outboundStart
            let result = clients[slot].outbound.withUnsafeBytes { bytes in
                Result { () throws(SystemError) in try StreamSocket.send(fd, UnsafeRawBufferPointer(rebasing: bytes[start...])) }
            }
            let sent: Int
            switch result {
            case .success(let count): sent = count
            case .failure(let error):
                disconnect(slot, error: error.code)
                return
            }
            guard sent > 0 else { break }  // the socket is full: wait for EPOLLOUT
            clients[slot].outboundStart += sent
        }
        if clients[slot].pendingBytes == 0 {
            clients[slot].outbound.removeAll(keepingCapacity: true)
            clients[slot].outboundStart = 0
            if clients[slot].watchingWritable {
                epoll.modify(fd, interest: .readable, token: UInt64(slot))
                clients[slot].watchingWritable = false
            }
        }
    }
}
