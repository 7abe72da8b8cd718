import ChatProtocol
import ChatSystem
import Glibc

extension LoadLoop {
    /// Opens connections until ``inflightLimit`` are under way or every client has been started.
    mutating func startConnections() {
        while inflight < inflightLimit && nextToConnect < clients.count {
            let slot = nextToConnect
            nextToConnect += 1
            let fd: Int32
            do throws(SystemError) {
                fd = try StreamSocket.open(family: address.family)
            } catch {
                clients[slot].phase = .closed
                totals.failed += 1
                control.noteConnectError(error.code)
                continue
            }
            StreamSocket.setNoDelay(fd)
            clients[slot].fd = fd
            clients[slot].phase = .connecting
            inflight += 1
            let error = address.connect(fd)
            if error != 0 {
                disconnect(slot, error: error)
            } else if !epoll.add(fd, interest: [.readable, .writable], token: UInt64(slot)) {
                disconnect(slot, error: errno)
            } else {
                clients[slot].watchingWritable = true
            }
        }
    }

    /// Handles one epoll report.
    mutating func handle(_ report: Epoll.Ready) {
        let slot = Int(truncatingIfNeeded: report.token)
        guard slot >= 0, slot < clients.count else { return }
        switch clients[slot].phase {
        case .idle, .closed:
            return
        case .connecting:
            guard report.isWritable || report.isFailed else { return }
            finishConnect(slot)
            guard clients[slot].phase == .welcoming || clients[slot].phase == .handshaking else { return }
        case .handshaking, .welcoming, .ready:
            break
        }
        if report.isReadable { receive(slot) }
        guard clients[slot].phase != .closed else { return }
        if report.isWritable && clients[slot].pendingBytes > 0 { flush(slot) }
        if report.isFailed && !report.isReadable { disconnect(slot, error: ECONNRESET) }
    }

    /// Completes a non-blocking connect: the client now waits for its `WELCOME`, or starts its TLS handshake.
    mutating func finishConnect(_ slot: Int) {
        let fd = clients[slot].fd
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = errno }
        guard error == 0 else {
            disconnect(slot, error: error)
            return
        }
        epoll.modify(fd, interest: .readable, token: UInt64(slot))
        clients[slot].watchingWritable = false
        if let tlsContext {
            startHandshake(slot, context: tlsContext)
        } else {
            clients[slot].phase = .welcoming
        }
    }

    /// Closes a client and counts it as failed (never welcomed) or lost (welcomed, then gone).
    ///
    /// - Parameters:
    ///   - slot: The client's slot.
    ///   - error: Why, as an `errno` (0 when the server closed the connection).
    mutating func disconnect(_ slot: Int, error: Int32) {
        switch clients[slot].phase {
        case .connecting, .handshaking, .welcoming:
            inflight -= 1
            totals.failed += 1
            control.noteConnectError(error == 0 ? ECONNRESET : error)
        case .ready:
            totals.lost += 1
            newlyLost.append(clients[slot].id)
        case .idle, .closed:
            break
        }
        if clients[slot].fd >= 0 { close(clients[slot].fd) }
        clients[slot].fd = -1
        clients[slot].phase = .closed
        clients[slot].framer = LineFramer(maxLineBytes: Self.maxLineBytes)
        clients[slot].outbound = []
        clients[slot].outboundStart = 0
        clients[slot].tls = nil
    }
}
