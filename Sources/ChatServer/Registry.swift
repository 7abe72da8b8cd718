import ChatProtocol
import ChatSystem

/// The users of the room and the one global order of their events.
///
/// One lock guards the members and every delivery into their queues, so all clients see `JOIN`, `LEAVE`,
/// `NICK` and `MSG` in the same order. The lock is held only for memory work: queueing is an append.
/// Nothing is sent here: each call returns what it left to send (``Unsent``), which the caller sends once
/// it holds no lock (see ``Outbox/flush(owner:deferredUntil:)``), handing what the cork holds back to the
/// ``DeferredFlusher`` for its deadline. Only room events go through the cork; answers to a member's own
/// command (and `WELCOME`) leave at once, with anything held back for it.
final class Registry: Sendable {
    struct Member: Sendable {
        let outbox: Outbox
        var name: String
    }

    struct State: Sendable {
        var members: [UInt64: Member] = [:]
        var idsByKey: [String: UInt64] = [:]
        var nextNumber = 1
        var accepting = true
        var liveSessions = 0
        /// Open connections per peer address (members and those still closing).
        var connectionsByAddress: [String: Int] = [:]
    }

    /// Whether a connection was let in.
    enum Admission: Equatable {
        case admitted(name: String)
        /// `--max-clients` is reached.
        case full
        /// `--max-per-ip` is reached for this address.
        case tooManyFromAddress
        /// The server is shutting down.
        case closed
    }

    /// What one call queued, gathered under the lock.
    private struct Delivery {
        var unsent = Unsent()
        /// Members whose queue a line would have taken past the limit: they are dropped as `slow`.
        var overflowed: [UInt64] = []
    }

    let maxClients: Int
    let maxPerAddress: Int
    let sendQueueLimit: Int
    let greeting: String
    /// Sends the room events the cork held back; `nil` sends every line at once.
    let flusher: DeferredFlusher?
    /// The members, their names and the admission counts.
    ///
    /// Lock order: this lock comes first. Every delivery takes an ``Outbox``'s lock while holding it (see
    /// ``Outbox/state``); no code takes it while holding an outbox's lock, nor with the ``DeferredFlusher``'s.
    /// Held only for memory work; the one system call under it is the wake signal an outbox sends its own
    /// thread when it is closed (`pthread_kill`, which cannot block).
    private let state = Locked(State())

    init(maxClients: Int, maxPerAddress: Int, sendQueueLimit: Int, greeting: String, flusher: DeferredFlusher? = nil) {
        self.maxClients = maxClients
        self.maxPerAddress = maxPerAddress
        self.sendQueueLimit = sendQueueLimit
        self.greeting = greeting
        self.flusher = flusher
    }

    // MARK: Membership

    /// Admits a connection: names it, queues its `WELCOME`, tells everyone else `JOIN`.
    ///
    /// An admitted connection counts as a live session until ``sessionEnded(_:)``.
    ///
    /// - Returns: Whether it was admitted, and what is left to send.
    func admit(_ outbox: Outbox) -> (admission: Admission, unsent: Unsent) {
        let now = monotonicNanoseconds()
        return state.withLock { state -> (Admission, Unsent) in
            guard state.accepting else { return (.closed, Unsent()) }
            guard state.members.count < maxClients else { return (.full, Unsent()) }
            let fromAddress = state.connectionsByAddress[outbox.address, default: 0]
            guard maxPerAddress == 0 || fromAddress < maxPerAddress else { return (.tooManyFromAddress, Unsent()) }
            var name: String
            repeat {
                name = "user\(state.nextNumber)"
                state.nextNumber += 1
            } while state.idsByKey[Name.key(name)] != nil
            var delivery = Delivery()
            let others = state.members.values.map(\.outbox)
            state.members[outbox.id] = Member(outbox: outbox, name: name)
            state.idsByKey[Name.key(name)] = outbox.id
            state.liveSessions += 1
            state.connectionsByAddress[outbox.address] = fromAddress + 1
            enqueue(OutboundLine(.welcome(name: name, text: greeting)), outbox, &delivery)
            let join = OutboundLine(.join(name))
            for other in others { enqueue(join, other, coalescingAt: now, &delivery) }
            settle(&state, &delivery)
            return (.admitted(name: name), delivery.unsent)
        }
    }

    /// Removes a member and tells the others `LEAVE NAME REASON`.
    ///
    /// - Returns: The member's name, or `nil` if it had already gone; and what is left to send.
    func remove(_ id: UInt64, reason: LeaveReason) -> (name: String?, unsent: Unsent) {
        let now = monotonicNanoseconds()
        return state.withLock { state -> (String?, Unsent) in
            var delivery = Delivery()
            let name = unlink(id, reason: reason, now: now, &state, &delivery)
            settle(&state, &delivery)
            return (name, delivery.unsent)
        }
    }

    /// Records that a session thread has ended and its socket is closed (admission counted it).
    func sessionEnded(_ outbox: Outbox) {
        state.withLock { state in
            state.liveSessions -= 1
            let left = state.connectionsByAddress[outbox.address, default: 1] - 1
            state.connectionsByAddress[outbox.address] = left > 0 ? left : nil
        }
    }

    /// Session threads still running.
    var liveSessions: Int { state.withLock { $0.liveSessions } }

    /// Members connected now.
    var count: Int { state.withLock { $0.members.count } }

    /// Stops admitting and closes every member after `BYE`, flushing until `deadline`.
    func closeAll(farewell: String, deadline: UInt64) {
        let outboxes = state.withLock { state -> [Outbox] in
            state.accepting = false
            let outboxes = state.members.values.map(\.outbox)
            state.members.removeAll()
            state.idsByKey.removeAll()
            return outboxes
        }
        let bye = OutboundLine(.bye(farewell))
        for outbox in outboxes {
            outbox.close(.afterFlush(deadline: deadline, reason: "shutdown"), finalLine: bye)
        }
    }

    // MARK: Commands

    /// Sends `MSG FROM TEXT` to every member, the sender included.
    func broadcast(from id: UInt64, text: String) -> Unsent {
        let now = monotonicNanoseconds()
        return state.withLock { state -> Unsent in
            guard let sender = state.members[id] else { return Unsent() }
            var delivery = Delivery()
            deliver(OutboundLine(.message(from: sender.name, text: text)), toAllIn: state, now: now, &delivery)
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// Sends `DM FROM TO TEXT` to the recipient and echoes it to the sender (once if they are the same).
    func directMessage(from id: UInt64, to name: String, text: String) throws(ProtocolError) -> Unsent {
        try state.withLock { (state) throws(ProtocolError) -> Unsent in
            guard let sender = state.members[id] else { return Unsent() }
            guard let recipientID = state.idsByKey[Name.key(name)], let recipient = state.members[recipientID] else {
                throw .noSuchUser(name)
            }
            var delivery = Delivery()
            let line = OutboundLine(.directMessage(from: sender.name, to: recipient.name, text: text))
            if recipientID != id { enqueue(line, recipient.outbox, &delivery) }
            enqueue(line, sender.outbox, &delivery)
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// Renames a member and tells everyone `NICK OLD NEW`.
    func rename(_ id: UInt64, to newName: String) throws(ProtocolError) -> Unsent {
        let now = monotonicNanoseconds()
        return try state.withLock { (state) throws(ProtocolError) -> Unsent in
            guard let member = state.members[id] else { return Unsent() }
            let newKey = Name.key(newName)
            if let holder = state.idsByKey[newKey], holder != id { throw .nameTaken(newName) }
            guard newName != member.name else { throw .nameTaken(newName) }
            state.idsByKey[Name.key(member.name)] = nil
            state.idsByKey[newKey] = id
            state.members[id]?.name = newName
            var delivery = Delivery()
            deliver(OutboundLine(.nick(old: member.name, new: newName)), toAllIn: state, now: now, &delivery)
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// Answers the member alone, in order with everything else it receives.
    func reply(to id: UInt64, _ events: [Event]) -> Unsent {
        state.withLock { state -> Unsent in
            guard let member = state.members[id] else { return Unsent() }
            var delivery = Delivery()
            for event in events { enqueue(OutboundLine(event), member.outbox, &delivery) }
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// Answers `/users`: every name, sorted case-insensitively.
    func replyUsers(to id: UInt64) -> Unsent {
        state.withLock { state -> Unsent in
            guard let member = state.members[id] else { return Unsent() }
            var delivery = Delivery()
            let names = state.members.values.map(\.name).sorted(by: Name.areInIncreasingOrder)
            enqueue(OutboundLine(.users(names)), member.outbox, &delivery)
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    // MARK: Delivery (called with the lock held)

    /// Queues a room event for every member.
    private func deliver(_ line: OutboundLine, toAllIn state: State, now: UInt64, _ delivery: inout Delivery) {
        delivery.unsent.reserveCapacity(forMore: state.members.count)
        for member in state.members.values {
            enqueue(line, member.outbox, coalescingAt: now, &delivery)
        }
    }

    /// Queues `line` for `outbox`.
    ///
    /// - Parameter now: For a room event, when it happened: the cork may hold it back. `nil` sends it at
    ///   once (an answer to the member's own command).
    @inline(__always)
    private func enqueue(
        _ line: OutboundLine, _ outbox: Outbox, coalescingAt now: UInt64? = nil, _ delivery: inout Delivery
    ) {
        let coalescing = now == nil ? nil : flusher?.coalescing
        let enqueued = outbox.enqueue(line, limit: sendQueueLimit, coalescing: coalescing, now: now ?? 0)
        if case .overflow = enqueued { delivery.overflowed.append(outbox.id) }
        delivery.unsent.record(enqueued, for: outbox)
    }

    private func unlink(
        _ id: UInt64, reason: LeaveReason, now: UInt64, _ state: inout State, _ delivery: inout Delivery
    ) -> String? {
        guard let member = state.members.removeValue(forKey: id) else { return nil }
        state.idsByKey[Name.key(member.name)] = nil
        deliver(OutboundLine(.leave(member.name, reason)), toAllIn: state, now: now, &delivery)
        return member.name
    }

    /// Drops every member whose queue overflowed, telling the others `LEAVE NAME slow`
    /// (which may overflow further queues, so it repeats until none does).
    private func settle(_ state: inout State, _ delivery: inout Delivery) {
        while let id = delivery.overflowed.popLast() {
            guard let member = state.members[id] else { continue }
            member.outbox.close(.now(reason: "slow"))
            _ = unlink(id, reason: .slow, now: monotonicNanoseconds(), &state, &delivery)
        }
    }
}
