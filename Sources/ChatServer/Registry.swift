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
        /// The capabilities the connection turned on (`/caps`): which variant of each line it gets.
        var capabilities = CapabilityMask.none
        /// The connection sent `/caps` (even an empty one): it speaks v1.1, and `/help` lists v1.1 too.
        var speaksV11 = false
        /// History answers stop below this id: from it on, every message reaches this connection live.
        var historyLimit: UInt64
        /// The account the connection is logged in as (its stored spelling, which is then its name).
        var account: String?
        /// Whether that account was an operator when it logged in.
        var isOperator = false
        /// Its broadcasts and direct messages are refused while this is in force.
        var mute: Mute?
    }

    /// A mute: until a wall-clock time, or until `/unmute`.
    struct Mute: Sendable, Equatable {
        /// Milliseconds since the Unix epoch; `nil` for until unmuted.
        var until: Int64?

        func isInForce(at now: Int64) -> Bool { until.map { $0 > now } ?? true }

        /// The text of the `ERROR muted` a muted sender gets.
        func refusal(at now: Int64) -> ProtocolError {
            guard let until else { return .muted("you are muted until unmuted") }
            let minutes = (until - now + 59_999) / 60_000
            return .muted("you are muted for \(max(minutes, 1)) more min")
        }
    }

    /// A connection to a members-only room that has not logged in: not in the room, it sees nothing of it
    /// and nobody sees it, but it counts toward the connection limits.
    struct Waiting: Sendable {
        let outbox: Outbox
        /// The name its `WELCOME` gave it.
        let name: String
    }

    /// A broadcast that waits for the store before anyone is sent it.
    struct PendingMessage: Sendable {
        let message: StoredMessage
        /// The sender's outbox, told when the store took the message (see ``OutboxState/awaitStore(_:)``).
        let sender: Outbox
    }

    struct State: Sendable {
        var members: [UInt64: Member] = [:]
        /// Connections waiting to log in to a members-only room.
        var waiting: [UInt64: Waiting] = [:]
        var idsByKey: [String: UInt64] = [:]
        var nextNumber = 1
        var accepting = true
        var liveSessions = 0
        /// TLS connections in their handshake, with a place kept for them (they count toward the limits).
        var handshaking: [UInt64: Outbox] = [:]
        /// TLS connections past a limit, in the handshake that lets them be told so.
        var refusing = 0
        /// Open connections per peer address (members and those still closing).
        var connectionsByAddress: [String: Int] = [:]
        /// The id the next broadcast gets: ids only grow, across restarts too (the store's last id + 1).
        var nextMessageID: UInt64 = 1
        /// The highest id delivered to the room (every id below it was delivered, or refused by the store).
        var deliveredUpTo: UInt64 = 0
        /// Broadcasts accepted, in id order, that the store has not yet taken.
        var pending: [PendingMessage] = []
        /// Bytes of text in `pending`.
        var pendingBytes = 0
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

    /// Whether a TLS connection may take a place in the room once its handshake is done.
    enum Reservation: Equatable {
        /// Its place is kept: ``admit(_:reserved:)`` after the handshake.
        case reserved
        /// Past `--max-clients` or `--max-per-ip`: it is told so after its handshake (``refusalEnded()``).
        case full
        case tooManyFromAddress
        /// The server is shutting down, or too many refusals are in their handshakes: close it at once.
        case closed
    }

    /// The most TLS connections told `server-full` at once (each holds a thread for its handshake).
    static let maxRefusing = 64

    /// What one call queued, gathered under the lock.
    struct Delivery {
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
    /// Whether broadcasts wait for the store (``StoreWriter``) before they are delivered; without a store that
    /// keeps messages they go at once.
    let storesMessages: Bool
    /// Wakes the ``StoreWriter`` when a broadcast starts to wait (there is one when `storesMessages`).
    let pendingWaker: PollWaker?
    /// Whether connections wait outside the room until they log in (`--members-only`).
    let membersOnly: Bool
    /// The members, their names and the admission counts.
    ///
    /// Lock order: this lock comes first. Every delivery takes an ``Outbox``'s lock while holding it (see
    /// ``Outbox/state``); no code takes it while holding an outbox's lock, nor with the ``DeferredFlusher``'s.
    /// Held only for memory work; the one system call under it is the wake signal an outbox sends its own
    /// thread when it is closed (`pthread_kill`, which cannot block).
    let state = Locked(State())

    /// - Parameters:
    ///   - storesMessages: Broadcasts wait for the store's writer (``takePending(maxCount:maxBytes:)``,
    ///     ``deliverStored(_:)``) before anyone is sent them.
    ///   - pendingWaker: Wakes the writer; needed when `storesMessages`.
    ///   - lastMessageID: The highest id ever given (the store's), so that ids go on from it.
    init(
        maxClients: Int, maxPerAddress: Int, sendQueueLimit: Int, greeting: String, flusher: DeferredFlusher? = nil,
        storesMessages: Bool = false, pendingWaker: PollWaker? = nil, lastMessageID: UInt64 = 0,
        membersOnly: Bool = false
    ) {
        self.membersOnly = membersOnly
        self.maxClients = maxClients
        self.maxPerAddress = maxPerAddress
        self.sendQueueLimit = sendQueueLimit
        self.greeting = greeting
        self.flusher = flusher
        self.storesMessages = storesMessages
        self.pendingWaker = pendingWaker
        state.withLock {
            $0.nextMessageID = lastMessageID + 1
            $0.deliveredUpTo = lastMessageID
        }
    }

    // MARK: Membership

    /// Admits a connection: names it, queues its `WELCOME`, tells everyone else `JOIN`.
    ///
    /// An admitted connection counts as a live session until ``sessionEnded(_:)``.
    ///
    /// - Returns: Whether it was admitted, and what is left to send.
    /// - Parameter reserved: Its place was kept by ``reserve(_:)`` (a TLS connection after its handshake): the
    ///   limits are not checked again. A reserved connection refused as `closed` still counts until
    ///   ``sessionEnded(_:)``.
    func admit(_ outbox: Outbox, reserved: Bool = false) -> (admission: Admission, unsent: Unsent) {
        let now = monotonicNanoseconds()
        return state.withLock { state -> (Admission, Unsent) in
            if reserved {
                guard state.handshaking.removeValue(forKey: outbox.id) != nil, state.accepting else {
                    return (.closed, Unsent())
                }
            } else {
                guard state.accepting else { return (.closed, Unsent()) }
                if let refusal = limitReached(state, outbox) { return (refusal, Unsent()) }
                state.liveSessions += 1
                state.connectionsByAddress[outbox.address, default: 0] += 1
            }
            let name = generatedName(&state)
            var delivery = Delivery()
            if membersOnly {
                state.waiting[outbox.id] = Waiting(outbox: outbox, name: name)
                enqueue(OutboundLine(.welcome(name: name, text: greeting)), outbox, &delivery)
                settle(&state, &delivery)
                return (.admitted(name: name), delivery.unsent)
            }
            state.members[outbox.id] = Member(outbox: outbox, name: name, historyLimit: state.deliveredUpTo + 1)
            state.idsByKey[Name.key(name)] = outbox.id
            enqueue(OutboundLine(.welcome(name: name, text: greeting)), outbox, &delivery)
            deliver(.join(name), toAllIn: state, except: outbox.id, now: now, &delivery)
            settle(&state, &delivery)
            return (.admitted(name: name), delivery.unsent)
        }
    }

    /// Which limit a new connection would pass, if any: handshakes in progress count.
    private func limitReached(_ state: State, _ outbox: Outbox) -> Admission? {
        guard state.members.count + state.waiting.count + state.handshaking.count < maxClients else { return .full }
        let fromAddress = state.connectionsByAddress[outbox.address, default: 0]
        guard maxPerAddress == 0 || fromAddress < maxPerAddress else { return .tooManyFromAddress }
        return nil
    }

    /// Keeps a place for a TLS connection while it does its handshake on its own thread, or says which limit
    /// it passes (it is told after the handshake, over TLS). Either way it counts as a live session until
    /// ``sessionEnded(_:)`` or ``releaseReservation(_:)`` (reserved), or ``refusalEnded()``.
    func reserve(_ outbox: Outbox) -> Reservation {
        state.withLock { state in
            guard state.accepting else { return .closed }
            if let refusal = limitReached(state, outbox) {
                guard state.refusing < Self.maxRefusing else { return .closed }
                state.refusing += 1
                state.liveSessions += 1
                return refusal == .full ? .full : .tooManyFromAddress
            }
            state.handshaking[outbox.id] = outbox
            state.liveSessions += 1
            state.connectionsByAddress[outbox.address, default: 0] += 1
            return .reserved
        }
    }

    /// Gives back the place of a reserved TLS connection that will not be admitted (its handshake failed, or its
    /// address is banned): it was never in the room.
    func releaseReservation(_ outbox: Outbox) {
        state.withLock { _ = $0.handshaking.removeValue(forKey: outbox.id) }
        sessionEnded(outbox)
    }

    /// Records that a TLS connection turned away past a limit is closed.
    func refusalEnded() {
        state.withLock { state in
            state.refusing -= 1
            state.liveSessions -= 1
        }
    }

    /// Removes a member and tells the others `LEAVE NAME REASON`.
    ///
    /// - Returns: The member's name, or `nil` if it had already gone; and what is left to send.
    func remove(_ id: UInt64, reason: LeaveReason) -> (name: String?, unsent: Unsent) {
        let now = monotonicNanoseconds()
        return state.withLock { state -> (String?, Unsent) in
            // Nobody saw a waiting connection come; nobody sees it go.
            if let waiting = state.waiting.removeValue(forKey: id) { return (waiting.name, Unsent()) }
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
            let outboxes = state.members.values.map(\.outbox) + state.waiting.values.map(\.outbox)
            let handshaking = Array(state.handshaking.values)
            state.members.removeAll()
            state.waiting.removeAll()
            state.handshaking.removeAll()
            // A handshake in progress is cut: its thread wakes, finds its place gone, and closes.
            for outbox in handshaking { outbox.close(.now(reason: "shutdown")) }
            state.idsByKey.removeAll()
            return outboxes
        }
        let bye = OutboundLine(.bye(farewell))
        for outbox in outboxes {
            outbox.close(.afterFlush(deadline: deadline, reason: "shutdown"), finalLine: bye)
        }
    }

    // MARK: Commands

    /// Sends `MSG FROM TEXT` to every member, the sender included, once the store has it.
    ///
    /// The message gets the next id and the time now. Without a store that keeps messages it is delivered at
    /// once; otherwise it waits, with the sender's further input, until the ``StoreWriter`` has committed it
    /// (``deliverStored(_:)``) or the store refused it (``refuseStored(_:reason:)``).
    ///
    /// - Returns: What is left to send, and whether the message waits for the store.
    func broadcast(from id: UInt64, text: String) throws(ProtocolError) -> (unsent: Unsent, waitsForStore: Bool) {
        let now = monotonicNanoseconds()
        let (unsent, wakeWriter) = try state.withLock { (state) throws(ProtocolError) -> (Unsent, Bool?) in
            guard let sender = state.members[id] else { return (Unsent(), nil) }
            let time = Timestamp.now()
            if let mute = sender.mute, mute.isInForce(at: time.millisecondsSinceEpoch) {
                throw mute.refusal(at: time.millisecondsSinceEpoch)
            }
            let message = StoredMessage(id: state.nextMessageID, time: time, from: sender.name, text: text)
            state.nextMessageID += 1
            guard storesMessages else {
                var delivery = Delivery()
                deliver(message, toAllIn: state, now: now, &delivery)
                settle(&state, &delivery)
                return (delivery.unsent, nil)
            }
            state.pending.append(PendingMessage(message: message, sender: sender.outbox))
            state.pendingBytes += text.utf8.count
            sender.outbox.awaitStore(message.id)
            return (Unsent(), state.pending.count == 1)
        }
        guard let wakeWriter else { return (unsent, false) }
        if wakeWriter { pendingWaker?.wake() }
        return (unsent, true)
    }

    // MARK: The store's writer

    /// Takes the oldest broadcasts waiting for the store, in id order: at most `maxCount`, and no more text
    /// than `maxBytes` (at least one message), so that delivering a group at once cannot by itself take a
    /// healthy reader past its send queue limit.
    func takePending(maxCount: Int, maxBytes: Int) -> [PendingMessage] {
        state.withLock { state in
            var count = 0
            var bytes = 0
            while count < min(maxCount, state.pending.count) {
                let size = state.pending[count].message.text.utf8.count
                if count > 0 && bytes + size > maxBytes { break }
                bytes += size
                count += 1
            }
            let taken = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            state.pendingBytes -= bytes
            return taken
        }
    }

    /// Delivers broadcasts the store has committed, in id order, to every member now in the room, and lets
    /// their senders go on.
    ///
    /// A group is sent at once, past the cork: the writer already gathered it by the cork's rule (see
    /// ``StoreWriter``), so holding it back again would only add the wait twice.
    ///
    /// Each member gets the whole group with one take of its outbox's lock (in the variant its capabilities
    /// select, each variant encoded once): a group of a busy room is hundreds of lines for each of hundreds
    /// of members, all queued on the store's thread.
    func deliverStored(_ messages: [PendingMessage]) -> Unsent {
        var variants = messages.map { pending in
            TaggedLines(
                .message(from: pending.message.from, text: pending.message.text),
                tags: Tags(id: pending.message.id, time: pending.message.time))
        }
        var groups: [[OutboundLine]?] = [nil, nil, nil, nil]
        return state.withLock { state in
            var delivery = Delivery()
            delivery.unsent.reserveCapacity(forMore: state.members.count)
            for member in state.members.values {
                let mask = member.capabilities
                let slot = Int(mask.bits)
                if groups[slot] == nil { groups[slot] = variants.indices.map { variants[$0].line(for: mask) } }
                let enqueued = member.outbox.enqueue(groups[slot] ?? [], limit: sendQueueLimit)
                record(enqueued, for: member.outbox, &delivery)
            }
            for pending in messages { pending.sender.settleStore(pending.message.id) }
            if let last = messages.last { state.deliveredUpTo = last.message.id }
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// Refuses broadcasts the store could not take: each sender alone gets `ERROR unavailable`, nobody else
    /// anything, and the sender goes on.
    func refuseStored(_ messages: [PendingMessage], reason: String) -> Unsent {
        state.withLock { state in
            var delivery = Delivery()
            let refusal = OutboundLine(ProtocolError.unavailable(reason).event)
            for pending in messages {
                state.deliveredUpTo = max(state.deliveredUpTo, pending.message.id)
                if state.members[pending.sender.id] != nil { enqueue(refusal, pending.sender, &delivery) }
                pending.sender.settleStore(pending.message.id)
            }
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// Whether broadcasts wait for the store now.
    var hasPending: Bool { state.withLock { !$0.pending.isEmpty } }

    // MARK: v1.1

    /// Turns capabilities on for a member and answers `CAPS` with every capability now on.
    func enableCapabilities(_ capabilities: [Capability], for id: UInt64) -> Unsent {
        state.withLock { state -> Unsent in
            guard var member = state.members[id] else { return Unsent() }
            for capability in capabilities { member.capabilities.insert(capability) }
            member.speaksV11 = true
            state.members[id] = member
            var delivery = Delivery()
            enqueue(OutboundLine(.caps(member.capabilities.capabilities)), member.outbox, &delivery)
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// Below which id a history answer for this member stops (every later message reaches it live), and
    /// whether it speaks v1.1; `nil` when it is no longer a member.
    func historyView(for id: UInt64) -> (limit: UInt64, speaksV11: Bool)? {
        state.withLock { state in state.members[id].map { ($0.historyLimit, $0.speaksV11) } }
    }

    /// The highest message id delivered to the room.
    var deliveredUpTo: UInt64 { state.withLock { $0.deliveredUpTo } }

    /// Sends `DM FROM TO TEXT` to the recipient and echoes it to the sender (once if they are the same).
    func directMessage(from id: UInt64, to name: String, text: String) throws(ProtocolError) -> Unsent {
        try state.withLock { (state) throws(ProtocolError) -> Unsent in
            guard let sender = state.members[id] else { return Unsent() }
            let time = Timestamp.now()
            if let mute = sender.mute, mute.isInForce(at: time.millisecondsSinceEpoch) {
                throw mute.refusal(at: time.millisecondsSinceEpoch)
            }
            guard let recipientID = state.idsByKey[Name.key(name)], let recipient = state.members[recipientID] else {
                throw .noSuchUser(name)
            }
            var delivery = Delivery()
            var lines = TaggedLines(
                .directMessage(from: sender.name, to: recipient.name, text: text), tags: Tags(time: time))
            if recipientID != id { enqueue(lines.line(for: recipient.capabilities), recipient.outbox, &delivery) }
            enqueue(lines.line(for: sender.capabilities), sender.outbox, &delivery)
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// Renames a member and tells everyone `NICK OLD NEW`.
    ///
    /// - Parameter registered: The new name belongs to an account (the caller asked the store, with no lock
    ///   held): refused, as is any rename of a logged-in connection.
    func rename(_ id: UInt64, to newName: String, registered: Bool = false) throws(ProtocolError) -> Unsent {
        let now = monotonicNanoseconds()
        return try state.withLock { (state) throws(ProtocolError) -> Unsent in
            guard let member = state.members[id] else { return Unsent() }
            if let account = member.account { throw .nameRegistered("you are logged in as \(account)") }
            if registered { throw .nameRegistered("the name \(newName) is registered") }
            let newKey = Name.key(newName)
            if let holder = state.idsByKey[newKey], holder != id { throw .nameTaken(newName) }
            guard newName != member.name else { throw .nameTaken(newName) }
            state.idsByKey[Name.key(member.name)] = nil
            state.idsByKey[newKey] = id
            state.members[id]?.name = newName
            var delivery = Delivery()
            deliver(.nick(old: member.name, new: newName), toAllIn: state, now: now, &delivery)
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// Answers the member alone, in order with everything else it receives.
    func reply(to id: UInt64, _ events: [Event]) -> Unsent {
        state.withLock { state -> Unsent in
            guard let outbox = state.members[id]?.outbox ?? state.waiting[id]?.outbox else { return Unsent() }
            var delivery = Delivery()
            for event in events { enqueue(OutboundLine(event), outbox, &delivery) }
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

    /// Queues a room event for every member (but `except`), stamped with the time now for those who asked
    /// for `time`.
    func deliver(
        _ event: Event, toAllIn state: State, except: UInt64? = nil, now: UInt64, _ delivery: inout Delivery
    ) {
        deliver(TaggedLines(event, tags: Tags(time: .now())), toAllIn: state, except: except, now: now, &delivery)
    }

    /// Queues a broadcast for every member, with its id and time for those who asked for them.
    func deliver(_ message: StoredMessage, toAllIn state: State, now: UInt64, _ delivery: inout Delivery) {
        let event = Event.message(from: message.from, text: message.text)
        deliver(TaggedLines(event, tags: Tags(id: message.id, time: message.time)), toAllIn: state, now: now, &delivery)
    }

    /// Queues each member the variant of a room event its capabilities select.
    @inline(__always)
    func deliver(
        _ lines: TaggedLines, toAllIn state: State, except: UInt64? = nil, now: UInt64, _ delivery: inout Delivery
    ) {
        var lines = lines
        delivery.unsent.reserveCapacity(forMore: state.members.count)
        for member in state.members.values where member.outbox.id != except {
            enqueue(lines.line(for: member.capabilities), member.outbox, coalescingAt: now, &delivery)
        }
    }

    /// Queues `line` for `outbox`.
    ///
    /// - Parameter now: For a room event, when it happened: the cork may hold it back. `nil` sends it at
    ///   once (an answer to the member's own command).
    @inline(__always)
    func enqueue(
        _ line: OutboundLine, _ outbox: Outbox, coalescingAt now: UInt64? = nil, _ delivery: inout Delivery
    ) {
        let coalescing = now == nil ? nil : flusher?.coalescing
        record(outbox.enqueue(line, limit: sendQueueLimit, coalescing: coalescing, now: now ?? 0), for: outbox, &delivery)
    }

    /// Notes what queueing lines for `outbox` said: an overflow to settle, a flush or a cork to send.
    @inline(__always)
    func record(_ enqueued: OutboxState.Enqueued, for outbox: Outbox, _ delivery: inout Delivery) {
        if case .overflow = enqueued { delivery.overflowed.append(outbox.id) }
        delivery.unsent.record(enqueued, for: outbox)
    }

    func unlink(
        _ id: UInt64, reason: LeaveReason, now: UInt64, _ state: inout State, _ delivery: inout Delivery
    ) -> String? {
        guard let member = state.members.removeValue(forKey: id) else { return nil }
        state.idsByKey[Name.key(member.name)] = nil
        deliver(.leave(member.name, reason), toAllIn: state, now: now, &delivery)
        return member.name
    }

    /// Drops every member whose queue overflowed, telling the others `LEAVE NAME slow`
    /// (which may overflow further queues, so it repeats until none does).
    func settle(_ state: inout State, _ delivery: inout Delivery) {
        while let id = delivery.overflowed.popLast() {
            guard let member = state.members[id] else { continue }
            member.outbox.close(.now(reason: "slow"))
            _ = unlink(id, reason: .slow, now: monotonicNanoseconds(), &state, &delivery)
        }
    }
}
