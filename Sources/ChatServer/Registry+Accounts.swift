import ChatProtocol
import ChatSystem

/// Accounts and moderation in the room: who is logged in as what, who may moderate, who is muted.
///
/// Everything here is memory work under the registry's lock; the store (accounts, bans, mutes) and the
/// password hashes are the caller's, with no lock held (see ``Session``).
extension Registry {
    /// What a connection's account commands need to know of it.
    struct Standing: Sendable, Equatable {
        var name: String
        var account: String?
        var isOperator: Bool
        /// It waits outside a members-only room.
        var waiting: Bool
    }

    /// A member an operator aims a command at.
    struct Target: Sendable {
        let id: UInt64
        let name: String
        let account: String?
        let address: String
    }

    /// The next free `userN`.
    func generatedName(_ state: inout State) -> String {
        var name: String
        repeat {
            name = "user\(state.nextNumber)"
            state.nextNumber += 1
        } while state.idsByKey[Name.key(name)] != nil
        return name
    }

    func standing(of id: UInt64) -> Standing? {
        state.withLock { state in
            if let member = state.members[id] {
                return Standing(name: member.name, account: member.account, isOperator: member.isOperator, waiting: false)
            }
            return state.waiting[id].map { Standing(name: $0.name, account: nil, isOperator: false, waiting: true) }
        }
    }

    /// Logs a connection in as `account` (its stored spelling), which becomes its name.
    ///
    /// In order: a guest holding the name is renamed to a fresh generated name (`NICK NAME userK` to
    /// everyone); a connection logged in as the account elsewhere gets `BYE logged in from another
    /// connection` and everyone `LEAVE NAME quit`; then everyone `NICK OLD NAME` when the name changes (in a
    /// members-only room, the others `JOIN NAME` as it enters); and the connection `LOGGED-IN NAME`.
    ///
    /// - Returns: What is left to send; `nil` when the connection is gone.
    func logIn(_ id: UInt64, account: String, isOperator: Bool, mute: Mute?) -> Unsent? {
        let now = monotonicNanoseconds()
        return state.withLock { state -> Unsent? in
            guard state.members[id] != nil || state.waiting[id] != nil else { return nil }
            var delivery = Delivery()
            let key = Name.key(account)
            // Whoever else holds the name: the account's earlier session (a logged-in connection always holds
            // its account's name), replaced; or a guest, renamed.
            if let holder = state.idsByKey[key], holder != id, let other = state.members[holder], other.account != nil {
                other.outbox.close(
                    .afterFlush(deadline: now + 2_000_000_000, reason: "replaced"),
                    finalLine: OutboundLine(.bye("logged in from another connection")))
                _ = unlink(holder, reason: .quit, now: now, &state, &delivery)
            } else if let holder = state.idsByKey[key], holder != id, let squatter = state.members[holder] {
                let fresh = generatedName(&state)
                state.idsByKey[key] = nil
                state.idsByKey[Name.key(fresh)] = holder
                state.members[holder]?.name = fresh
                deliver(.nick(old: squatter.name, new: fresh), toAllIn: state, now: now, &delivery)
            }
            if let waiting = state.waiting.removeValue(forKey: id) {
                state.members[id] = Member(
                    outbox: waiting.outbox, name: account, historyLimit: state.deliveredUpTo + 1, account: account,
                    isOperator: isOperator, mute: mute)
                state.idsByKey[key] = id
                deliver(.join(account), toAllIn: state, except: id, now: now, &delivery)
            } else if var member = state.members[id] {
                if member.name != account {
                    state.idsByKey[Name.key(member.name)] = nil
                    state.idsByKey[key] = id
                    let old = member.name
                    member.name = account
                    state.members[id] = member
                    deliver(.nick(old: old, new: account), toAllIn: state, now: now, &delivery)
                }
                state.members[id]?.account = account
                state.members[id]?.isOperator = isOperator
                // A guest's own mute stays with the connection; the account's replaces it when it has one.
                if let mute { state.members[id]?.mute = mute }
            }
            if let outbox = state.members[id]?.outbox {
                enqueue(OutboundLine(.loggedIn(account)), outbox, &delivery)
            }
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// Marks a member logged in as the account just made of its name, and answers `REGISTERED NAME`.
    func registered(_ id: UInt64, account: String) -> Unsent {
        state.withLock { state -> Unsent in
            guard let member = state.members[id] else { return Unsent() }
            state.members[id]?.account = account
            state.members[id]?.isOperator = false
            var delivery = Delivery()
            enqueue(OutboundLine(.registered(account)), member.outbox, &delivery)
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// The member named `name`, for an operator's command: permission first (a guest's `/kick nobody` is
    /// `not-operator`), then the lookup, and no command is aimed at an operator.
    ///
    /// - Returns: The target, and the operator's name (for the `BYE` and the log).
    func target(_ name: String, by id: UInt64, command: String) throws(ProtocolError) -> (
        target: Target, operator: String
    ) {
        try state.withLock { (state) throws(ProtocolError) -> (Target, String) in
            guard let sender = state.members[id], sender.isOperator else {
                throw .notOperator("only operators may use /\(command)")
            }
            guard let targetID = state.idsByKey[Name.key(name)], let target = state.members[targetID] else {
                throw .noSuchUser(name)
            }
            guard !target.isOperator else { throw .notOperator("\(target.name) is an operator") }
            return (
                Target(id: targetID, name: target.name, account: target.account, address: target.outbox.address),
                sender.name
            )
        }
    }

    /// Refuses a command of a member who is not an operator.
    func requireOperator(_ id: UInt64, command: String) throws(ProtocolError) -> String {
        try state.withLock { (state) throws(ProtocolError) -> String in
            guard let sender = state.members[id], sender.isOperator else {
                throw .notOperator("only operators may use /\(command)")
            }
            return sender.name
        }
    }

    /// Removes a member an operator kicked or banned: it gets `BYE` with `farewell`, everyone else
    /// `LEAVE NAME REASON`.
    func expel(_ target: Target, reason: LeaveReason, farewell: String) -> Unsent {
        let now = monotonicNanoseconds()
        return state.withLock { state -> Unsent in
            guard let member = state.members[target.id] else { return Unsent() }
            var delivery = Delivery()
            member.outbox.close(
                .afterFlush(deadline: now + 2_000_000_000, reason: reason.rawValue),
                finalLine: OutboundLine(.bye(farewell)))
            _ = unlink(target.id, reason: reason, now: now, &state, &delivery)
            settle(&state, &delivery)
            return delivery.unsent
        }
    }

    /// Sets (or with `nil`, lifts) the mute of the member `id`, and of every member logged in as its
    /// account when it has one.
    ///
    /// - Returns: Whether a mute was in force before, on any of them.
    @discardableResult
    func setMute(_ mute: Mute?, member id: UInt64?, account: String?, now: Int64) -> Bool {
        state.withLock { state in
            // The account's session, if any, holds the account's name.
            let accountHolder = account.flatMap { account in
                state.idsByKey[Name.key(account)].flatMap { holder in
                    state.members[holder]?.account.map(Name.key) == Name.key(account) ? holder : nil
                }
            }
            var wasMuted = false
            for memberID in Set([id, accountHolder].compactMap { $0 }) {
                guard let member = state.members[memberID] else { continue }
                if member.mute?.isInForce(at: now) == true { wasMuted = true }
                state.members[memberID]?.mute = mute
            }
            return wasMuted
        }
    }

    /// The member named `name` with its mute, for `/unmute`.
    func muteOf(_ name: String) -> (id: UInt64, name: String, account: String?, mute: Mute?)? {
        state.withLock { state in
            guard let id = state.idsByKey[Name.key(name)], let member = state.members[id] else { return nil }
            return (id, member.name, member.account, member.mute)
        }
    }

    /// Whether a connection still waits outside a members-only room.
    func isWaiting(_ id: UInt64) -> Bool { state.withLock { $0.waiting[id] != nil } }
}
