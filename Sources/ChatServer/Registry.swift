import ChatProtocol
import ChatSystem

/// The users of the room and the one global order of their events.
///
/// One lock guards the members and every delivery into their queues, so all clients see `JOIN`, `LEAVE`,
/// `NICK` and `MSG` in the same order. The lock is held only for memory work: queueing is an append;
/// the sends happen after it is released, when the caller flushes its ``PendingFlushes``
/// (see ``Connection/flush(owner:deferredUntil:)``), or at a cork's deadline from the ``DeferredFlusher``.
/// Only room events go through the cork; answers to a member's own command (and `WELCOME`) leave at
/// once, with anything held back for it.
final class Registry: Sendable {
    struct Member {
        let connection: Connection
        var name: String
    }

    struct State {
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

    /// What a delivery left to do once the lock is released.
    struct Outcome {
        /// Connections with new lines and nobody sending: the caller sends them.
        var kick: [Connection] = []
        /// Connections whose new lines are held back: the caller hands them to the ``DeferredFlusher``.
        var deferred: [DeferredFlusher.Entry] = []
        var overflowed: [UInt64] = []
    }

    let maxClients: Int
    let maxPerAddress: Int
    let sendQueueLimit: Int
    let greeting: String
    /// Sends the room events the cork held back; `nil` sends every line at once.
    let flusher: DeferredFlusher?
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
    func admit(_ connection: Connection, _ flushes: inout PendingFlushes) -> Admission {
        let now = monotonicNanoseconds()
        let (admission, outcome) = state.withLock { state -> (Admission, Outcome) in
            guard state.accepting else { return (.closed, Outcome()) }
            guard state.members.count < maxClients else { return (.full, Outcome()) }
            let fromAddress = state.connectionsByAddress[connection.address, default: 0]
            guard maxPerAddress == 0 || fromAddress < maxPerAddress else { return (.tooManyFromAddress, Outcome()) }
            var name: String
            repeat {
                name = "user\(state.nextNumber)"
                state.nextNumber += 1
            } while state.idsByKey[Name.key(name)] != nil
            var outcome = Outcome()
            let others = state.members.values.map(\.connection)
            state.members[connection.id] = Member(connection: connection, name: name)
            state.idsByKey[Name.key(name)] = connection.id
            state.liveSessions += 1
            state.connectionsByAddress[connection.address] = fromAddress + 1
            deliver(OutboundLine(.welcome(name: name, text: greeting)), to: [connection], &outcome)
            deliver(OutboundLine(.join(name)), to: others, coalescingAt: now, &outcome)
            settle(&state, &outcome)
            return (.admitted(name: name), outcome)
        }
        finish(outcome, &flushes)
        return admission
    }

    /// Removes a member and tells the others `LEAVE NAME REASON`.
    ///
    /// - Returns: The member's name, or `nil` if it had already gone.
    @discardableResult
    func remove(_ id: UInt64, reason: LeaveReason, _ flushes: inout PendingFlushes) -> String? {
        let now = monotonicNanoseconds()
        let (name, outcome) = state.withLock { state -> (String?, Outcome) in
            var outcome = Outcome()
            let name = unlink(id, reason: reason, now: now, &state, &outcome)
            settle(&state, &outcome)
            return (name, outcome)
        }
        finish(outcome, &flushes)
        return name
    }

    /// Records that a session thread has ended and its socket is closed (admission counted it).
    func sessionEnded(_ connection: Connection) {
        state.withLock { state in
            state.liveSessions -= 1
            let left = state.connectionsByAddress[connection.address, default: 1] - 1
            state.connectionsByAddress[connection.address] = left > 0 ? left : nil
        }
    }

    /// Session threads still running.
    var liveSessions: Int { state.withLock { $0.liveSessions } }

    /// Members connected now.
    var count: Int { state.withLock { $0.members.count } }

    /// Stops admitting and closes every member after `BYE`, flushing until `deadline`.
    func closeAll(farewell: String, deadline: UInt64) {
        let connections = state.withLock { state -> [Connection] in
            state.accepting = false
            let connections = state.members.values.map(\.connection)
            state.members.removeAll()
            state.idsByKey.removeAll()
            return connections
        }
        let bye = OutboundLine(.bye(farewell))
        for connection in connections {
            connection.close(.afterFlush(deadline: deadline, reason: "shutdown"), finalLine: bye)
        }
    }

    // MARK: Commands

    /// Sends `MSG FROM TEXT` to every member, the sender included.
    func broadcast(from id: UInt64, text: String, _ flushes: inout PendingFlushes) {
        let now = monotonicNanoseconds()
        let outcome = state.withLock { state -> Outcome in
            var outcome = Outcome()
            guard let sender = state.members[id] else { return outcome }
            deliver(OutboundLine(.message(from: sender.name, text: text)), toAllIn: state, now: now, &outcome)
            settle(&state, &outcome)
            return outcome
        }
        finish(outcome, &flushes)
    }

    /// Sends `DM FROM TO TEXT` to the recipient and echoes it to the sender (once if they are the same).
    func directMessage(
        from id: UInt64, to name: String, text: String, _ flushes: inout PendingFlushes
    ) throws(ProtocolError) {
        let outcome = try state.withLock { (state) throws(ProtocolError) -> Outcome in
            var outcome = Outcome()
            guard let sender = state.members[id] else { return outcome }
            guard let recipientID = state.idsByKey[Name.key(name)], let recipient = state.members[recipientID] else {
                throw .noSuchUser(name)
            }
            let line = OutboundLine(.directMessage(from: sender.name, to: recipient.name, text: text))
            let targets = recipientID == id ? [sender.connection] : [recipient.connection, sender.connection]
            deliver(line, to: targets, &outcome)
            settle(&state, &outcome)
            return outcome
        }
        finish(outcome, &flushes)
    }

    /// Renames a member and tells everyone `NICK OLD NEW`.
    func rename(_ id: UInt64, to newName: String, _ flushes: inout PendingFlushes) throws(ProtocolError) {
        let now = monotonicNanoseconds()
        let outcome = try state.withLock { (state) throws(ProtocolError) -> Outcome in
            var outcome = Outcome()
            guard let member = state.members[id] else { return outcome }
            let newKey = Name.key(newName)
            if let holder = state.idsByKey[newKey], holder != id { throw .nameTaken(newName) }
            guard newName != member.name else { throw .nameTaken(newName) }
            state.idsByKey[Name.key(member.name)] = nil
            state.idsByKey[newKey] = id
            state.members[id]?.name = newName
            deliver(OutboundLine(.nick(old: member.name, new: newName)), toAllIn: state, now: now, &outcome)
            settle(&state, &outcome)
            return outcome
        }
        finish(outcome, &flushes)
    }

    /// Answers the member alone, in order with everything else it receives.
    func reply(to id: UInt64, _ events: [Event], _ flushes: inout PendingFlushes) {
        let outcome = state.withLock { state -> Outcome in
            var outcome = Outcome()
            guard let member = state.members[id] else { return outcome }
            for event in events { deliver(OutboundLine(event), to: [member.connection], &outcome) }
            settle(&state, &outcome)
            return outcome
        }
        finish(outcome, &flushes)
    }

    /// Answers `/users`: every name, sorted case-insensitively.
    func replyUsers(to id: UInt64, _ flushes: inout PendingFlushes) {
        let outcome = state.withLock { state -> Outcome in
            var outcome = Outcome()
            guard let member = state.members[id] else { return outcome }
            let names = state.members.values.map(\.name).sorted(by: Name.areInIncreasingOrder)
            deliver(OutboundLine(.users(names)), to: [member.connection], &outcome)
            settle(&state, &outcome)
            return outcome
        }
        finish(outcome, &flushes)
    }

    /// Passes on what a delivery left to do, once the lock is released.
    private func finish(_ outcome: Outcome, _ flushes: inout PendingFlushes) {
        flushes.add(outcome.kick)
        flusher?.schedule(outcome.deferred)
    }

    // MARK: Delivery (called with the lock held)

    /// Queues `line` for `connections`.
    ///
    /// - Parameter now: For a room event, when it happened: the cork may hold it back. `nil` sends it at
    ///   once (an answer to the member's own command).
    private func deliver(
        _ line: OutboundLine, to connections: [Connection], coalescingAt now: UInt64? = nil, _ outcome: inout Outcome
    ) {
        for connection in connections {
            enqueue(line, connection, coalescingAt: now, &outcome)
        }
    }

    /// Queues a room event for every member.
    private func deliver(_ line: OutboundLine, toAllIn state: State, now: UInt64, _ outcome: inout Outcome) {
        outcome.kick.reserveCapacity(outcome.kick.count + state.members.count)
        for member in state.members.values {
            enqueue(line, member.connection, coalescingAt: now, &outcome)
        }
    }

    private func enqueue(
        _ line: OutboundLine, _ connection: Connection, coalescingAt now: UInt64?, _ outcome: inout Outcome
    ) {
        let coalescing = now == nil ? nil : flusher?.coalescing
        switch connection.enqueue(line, limit: sendQueueLimit, coalescing: coalescing, now: now ?? 0) {
        case .queued(let kick): if kick && outcome.kick.last !== connection { outcome.kick.append(connection) }
        case .deferred(let deadline): outcome.deferred.append(.init(connection: connection, deadline: deadline))
        case .overflow: outcome.overflowed.append(connection.id)
        case .closed: break
        }
    }

    private func unlink(
        _ id: UInt64, reason: LeaveReason, now: UInt64, _ state: inout State, _ outcome: inout Outcome
    ) -> String? {
        guard let member = state.members.removeValue(forKey: id) else { return nil }
        state.idsByKey[Name.key(member.name)] = nil
        deliver(OutboundLine(.leave(member.name, reason)), toAllIn: state, now: now, &outcome)
        return member.name
    }

    /// Drops every member whose queue overflowed, telling the others `LEAVE NAME slow`
    /// (which may overflow further queues, so it repeats until none does).
    private func settle(_ state: inout State, _ outcome: inout Outcome) {
        while let id = outcome.overflowed.popLast() {
            guard let member = state.members[id] else { continue }
            member.connection.close(.now(reason: "slow"))
            _ = unlink(id, reason: .slow, now: monotonicNanoseconds(), &state, &outcome)
        }
    }

}

/// Connections that were given lines and promised a flush, to be sent once the caller holds no lock.
///
/// A caller collects them over a batch of work (all the lines one read brought, all the connections one
/// accept brought) and flushes once, so that lines queued for the same connection meanwhile leave in one
/// write.
struct PendingFlushes {
    private var connections: [Connection] = []

    mutating func add(_ more: [Connection]) {
        connections.append(contentsOf: more)
    }

    var isEmpty: Bool { connections.isEmpty }

    /// Sends what is queued for each connection, from this thread.
    mutating func flushAll() {
        for connection in connections { connection.flush(owner: false) }
        connections.removeAll(keepingCapacity: true)
    }
}
