import ChatProtocol

/// The users of the room and the one global order of their events.
///
/// One lock guards the members and every delivery into their queues, so all clients see `JOIN`, `LEAVE`,
/// `NICK` and `MSG` in the same order. The lock is held only for memory work: queueing is an append,
/// and the eventfd writes that wake the recipients happen after it is released.
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
        var wake: [Connection] = []
        var overflowed: [UInt64] = []
    }

    let maxClients: Int
    let maxPerAddress: Int
    let sendQueueLimit: Int
    let greeting: String
    private let state = Locked(State())

    init(maxClients: Int, maxPerAddress: Int, sendQueueLimit: Int, greeting: String) {
        self.maxClients = maxClients
        self.maxPerAddress = maxPerAddress
        self.sendQueueLimit = sendQueueLimit
        self.greeting = greeting
    }

    // MARK: Membership

    /// Admits a connection: names it, queues its `WELCOME`, tells everyone else `JOIN`.
    ///
    /// An admitted connection counts as a live session until ``sessionEnded(_:)``.
    func admit(_ connection: Connection) -> Admission {
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
            deliver(OutboundLine(.join(name)), to: others, &outcome)
            settle(&state, &outcome)
            return (.admitted(name: name), outcome)
        }
        signal(outcome)
        return admission
    }

    /// Removes a member and tells the others `LEAVE NAME REASON`.
    ///
    /// - Returns: The member's name, or `nil` if it had already gone.
    @discardableResult
    func remove(_ id: UInt64, reason: LeaveReason) -> String? {
        let (name, outcome) = state.withLock { state -> (String?, Outcome) in
            var outcome = Outcome()
            let name = unlink(id, reason: reason, &state, &outcome)
            settle(&state, &outcome)
            return (name, outcome)
        }
        signal(outcome)
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
        for connection in connections
        where connection.close(.afterFlush(deadline: deadline, reason: "shutdown"), finalLine: bye) {
            connection.wake.signal()
        }
    }

    // MARK: Commands

    /// Sends `MSG FROM TEXT` to every member, the sender included.
    func broadcast(from id: UInt64, text: String) {
        let outcome = state.withLock { state -> Outcome in
            var outcome = Outcome()
            guard let sender = state.members[id] else { return outcome }
            deliver(OutboundLine(.message(from: sender.name, text: text)), toAllIn: state, &outcome)
            settle(&state, &outcome)
            return outcome
        }
        signal(outcome)
    }

    /// Sends `DM FROM TO TEXT` to the recipient and echoes it to the sender (once if they are the same).
    func directMessage(from id: UInt64, to name: String, text: String) throws(ProtocolError) {
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
        signal(outcome)
    }

    /// Renames a member and tells everyone `NICK OLD NEW`.
    func rename(_ id: UInt64, to newName: String) throws(ProtocolError) {
        let outcome = try state.withLock { (state) throws(ProtocolError) -> Outcome in
            var outcome = Outcome()
            guard let member = state.members[id] else { return outcome }
            let newKey = Name.key(newName)
            if let holder = state.idsByKey[newKey], holder != id { throw .nameTaken(newName) }
            guard newName != member.name else { throw .nameTaken(newName) }
            state.idsByKey[Name.key(member.name)] = nil
            state.idsByKey[newKey] = id
            state.members[id]?.name = newName
            deliver(OutboundLine(.nick(old: member.name, new: newName)), toAllIn: state, &outcome)
            settle(&state, &outcome)
            return outcome
        }
        signal(outcome)
    }

    /// Answers the member alone, in order with everything else it receives.
    func reply(to id: UInt64, _ events: [Event]) {
        let outcome = state.withLock { state -> Outcome in
            var outcome = Outcome()
            guard let member = state.members[id] else { return outcome }
            for event in events { deliver(OutboundLine(event), to: [member.connection], &outcome) }
            settle(&state, &outcome)
            return outcome
        }
        signal(outcome)
    }

    /// Answers `/users`: every name, sorted case-insensitively.
    func replyUsers(to id: UInt64) {
        let outcome = state.withLock { state -> Outcome in
            var outcome = Outcome()
            guard let member = state.members[id] else { return outcome }
            let names = state.members.values.map(\.name).sorted(by: Name.areInIncreasingOrder)
            deliver(OutboundLine(.users(names)), to: [member.connection], &outcome)
            settle(&state, &outcome)
            return outcome
        }
        signal(outcome)
    }

    // MARK: Delivery (called with the lock held)

    private func deliver(_ line: OutboundLine, to connections: [Connection], _ outcome: inout Outcome) {
        for connection in connections {
            enqueue(line, connection, &outcome)
        }
    }

    private func deliver(_ line: OutboundLine, toAllIn state: State, _ outcome: inout Outcome) {
        for member in state.members.values {
            enqueue(line, member.connection, &outcome)
        }
    }

    private func enqueue(_ line: OutboundLine, _ connection: Connection, _ outcome: inout Outcome) {
        switch connection.enqueue(line, limit: sendQueueLimit) {
        case .queued(let wake): if wake { outcome.wake.append(connection) }
        case .overflow: outcome.overflowed.append(connection.id)
        case .closed: break
        }
    }

    private func unlink(_ id: UInt64, reason: LeaveReason, _ state: inout State, _ outcome: inout Outcome) -> String? {
        guard let member = state.members.removeValue(forKey: id) else { return nil }
        state.idsByKey[Name.key(member.name)] = nil
        deliver(OutboundLine(.leave(member.name, reason)), toAllIn: state, &outcome)
        return member.name
    }

    /// Drops every member whose queue overflowed, telling the others `LEAVE NAME slow`
    /// (which may overflow further queues, so it repeats until none does).
    private func settle(_ state: inout State, _ outcome: inout Outcome) {
        while let id = outcome.overflowed.popLast() {
            guard let member = state.members[id] else { continue }
            if member.connection.close(.now(reason: "slow")) { outcome.wake.append(member.connection) }
            _ = unlink(id, reason: .slow, &state, &outcome)
        }
    }

    private func signal(_ outcome: Outcome) {
        for connection in outcome.wake { connection.wake.signal() }
    }
}
