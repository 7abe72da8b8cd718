import ChatPassword
import ChatProtocol
import ChatStore
import ChatSystem

/// Accounts and moderation: `/register`, `/login`, `/password`, and the operator commands.
///
/// Each runs on the session's own thread: the store's reads and writes and the password hash happen here
/// with no lock held, and only what changes the room goes through the ``Registry``. No password reaches a
/// log or an error text.
extension Session {
    /// Why an account command cannot be served without a store.
    static let noAccounts = "nothing is kept (the server runs with --store none)"

    var desk: AccountDesk { settings.desk }

    private func wallNow() -> Int64 { Timestamp.now().millisecondsSinceEpoch }

    // MARK: Accounts

    mutating func register(password: String) throws(ProtocolError) {
        guard desk.store.keepsAccounts else { throw .unavailable(Self.noAccounts) }
        guard desk.registrationOpen else { throw .unavailable("registration is closed") }
        guard let standing = registry.standing(of: outbox.id) else { return }
        if AccountNames.isGenerated(standing.name) {
            throw .badName("a generated name (user and digits) cannot be registered: /nick to another name first")
        }
        guard try accountNamed(standing.name) == nil else {
            throw .nameRegistered("the name \(standing.name) is registered")
        }
        guard Wire.passwordBytes.contains(password.utf8.count) else { throw .badPassword }
        let hash: String
        do throws(PasswordError) {
            hash = try desk.hasher.hash(password)
        } catch {
            logger.error("hashing a password failed", metadata: ["name": "\(standing.name)"])
            throw .unavailable("the account cannot be made now")
        }
        let created: Bool
        do throws(StoreError) {
            created = try desk.store.createAccount(
                AccountRecord(name: standing.name, passwordHash: hash, isOperator: false, created: wallNow()))
        } catch {
            logger.error("the account store cannot write", metadata: ["error": "\(error)"])
            throw .unavailable("the account cannot be made now")
        }
        guard created else { throw .nameRegistered("the name \(standing.name) is registered") }
        logger.info("registered", metadata: ["name": "\(standing.name)", "peer": "\(outbox.peer)"])
        unsent.add(registry.registered(outbox.id, account: standing.name))
    }

    mutating func logIn(name: String, password: String) throws(ProtocolError) {
        let key = Name.key(name)
        if let seconds = desk.throttle.refusal(address: outbox.address, accountKey: key) {
            throw .loginFailed("too many attempts; try again in \(seconds) s")
        }
        let account = Name.isValid(name) ? try accountNamed(name) : nil
        // No account: the decoy hash costs the same time, so the answer tells nothing.
        guard desk.hasher.verify(password, against: account?.passwordHash), let account else {
            desk.throttle.recordFailure(address: outbox.address, accountKey: account == nil ? nil : key)
            logger.notice("login failed", metadata: ["name": "\(name)", "peer": "\(outbox.peer)"])
            throw .loginFailed("wrong name or password")
        }
        // The password before the ban: a wrong password says nothing of a ban.
        let now = wallNow()
        let bans = try readStore { () throws(StoreError) in try desk.store.bans(activeAt: now) }
        if let ban = bans.first(where: { $0.kind == .account && Name.key($0.target) == key }) {
            throw .banned("the account \(account.name) is banned \(AccountDesk.untilText(ban.until))")
        }
        let mute = try readStore { () throws(StoreError) in try desk.store.mute(account: account.name, activeAt: now) }
        guard
            let left = registry.logIn(
                outbox.id, account: account.name, isOperator: account.isOperator,
                mute: mute.map { Registry.Mute(until: $0.until) })
        else { return }
        unsent.add(left)
        loggedIn = true
        logger.info(
            "logged in",
            metadata: ["name": "\(account.name)", "peer": "\(outbox.peer)", "operator": "\(account.isOperator)"])
        do throws(StoreError) {
            try desk.store.recordLogin(account: account.name, at: now)
            if desk.hasher.needsRehash(account.passwordHash), let stronger = try? desk.hasher.hash(password) {
                _ = try desk.store.setPasswordHash(stronger, forAccount: account.name)
            }
        } catch {
            logger.warning("the account store cannot record a login", metadata: ["error": "\(error)"])
        }
    }

    mutating func changePassword(old: String, new: String) throws(ProtocolError) {
        guard let standing = registry.standing(of: outbox.id) else { return }
        guard let name = standing.account else { throw .loginRequired("log in first: /login NAME PASSWORD") }
        guard Wire.passwordBytes.contains(new.utf8.count) else { throw .badPassword }
        let key = Name.key(name)
        if let seconds = desk.throttle.refusal(address: outbox.address, accountKey: key) {
            throw .loginFailed("too many attempts; try again in \(seconds) s")
        }
        guard let account = try accountNamed(name), desk.hasher.verify(old, against: account.passwordHash) else {
            desk.throttle.recordFailure(address: outbox.address, accountKey: key)
            logger.notice("password change refused", metadata: ["name": "\(name)", "peer": "\(outbox.peer)"])
            throw .loginFailed("wrong password")
        }
        let changed: Bool
        do throws(StoreError) {
            changed = try desk.store.setPasswordHash(try hashOrRefuse(new), forAccount: account.name)
        } catch {
            logger.error("the account store cannot write", metadata: ["error": "\(error)"])
            throw .unavailable("the password cannot be changed now")
        }
        guard changed else { throw .loginFailed("wrong password") }
        logger.info("password changed", metadata: ["name": "\(account.name)"])
        unsent.add(registry.reply(to: outbox.id, [.passwordChanged]))
    }

    /// The hash of a new password; a failure of the hasher reads as the store's.
    private func hashOrRefuse(_ password: String) throws(StoreError) -> String {
        do throws(PasswordError) {
            return try desk.hasher.hash(password)
        } catch {
            throw .writeFailed(reason: "the password could not be hashed")
        }
    }

    /// Whether `/nick NAME` aims at a registered name (asked before the registry renames).
    func nameIsRegistered(_ name: String) throws(ProtocolError) -> Bool {
        guard desk.store.keepsAccounts else { return false }
        return try accountNamed(name) != nil
    }

    private func accountNamed(_ name: String) throws(ProtocolError) -> AccountRecord? {
        try readStore { () throws(StoreError) in try desk.store.account(named: name) }
    }

    /// Runs a store call, turning its failure into `ERROR unavailable` (and one log line).
    private func readStore<T>(_ body: () throws(StoreError) -> T) throws(ProtocolError) -> T {
        do throws(StoreError) {
            return try body()
        } catch {
            logger.error("the account store failed", metadata: ["error": "\(error)"])
            throw .unavailable("accounts cannot be read now")
        }
    }

    // MARK: Moderation

    mutating func kick(_ name: String, reason: String?) throws(ProtocolError) {
        let (target, op) = try registry.target(name, by: outbox.id, command: "kick")
        logger.notice("kick", metadata: ["name": "\(target.name)", "by": "\(op)"])
        unsent.add(registry.expel(target, reason: .kicked, farewell: Self.farewell("kicked by \(op)", reason)))
    }

    mutating func ban(_ name: String, minutes: Int?, reason: String?) throws(ProtocolError) {
        let (target, op) = try registry.target(name, by: outbox.id, command: "ban")
        let now = wallNow()
        let ban = BanRecord(
            kind: target.account == nil ? .address : .account, target: target.account ?? target.address,
            until: minutes.map { now + Int64($0) * 60_000 }, by: op, reason: reason ?? "", created: now)
        do throws(StoreError) {
            try desk.store.addBan(ban)
        } catch {
            logger.error("the account store cannot write", metadata: ["error": "\(error)"])
            throw .unavailable("the ban cannot be kept now")
        }
        if ban.kind == .address { desk.noteAddressBan(ban) }
        logger.notice("ban", metadata: ["name": "\(target.name)", "kind": "\(ban.kind.rawValue)", "by": "\(op)"])
        unsent.add(registry.expel(target, reason: .banned, farewell: Self.farewell("banned by \(op)", reason)))
    }

    mutating func unban(_ target: String) throws(ProtocolError) {
        _ = try registry.requireOperator(outbox.id, command: "unban")
        let now = wallNow()
        let lifted: Bool
        do throws(StoreError) {
            lifted = try desk.store.removeBan(target: target, activeAt: now)
        } catch {
            logger.error("the account store cannot write", metadata: ["error": "\(error)"])
            throw .unavailable("the ban cannot be lifted now")
        }
        desk.forgetAddressBan(target)
        guard lifted else { throw .notFound("not banned") }
        unsent.add(registry.reply(to: outbox.id, [.unbanned(target)]))
    }

    mutating func listBans() throws(ProtocolError) {
        _ = try registry.requireOperator(outbox.id, command: "bans")
        let now = wallNow()
        let bans = try readStore { () throws(StoreError) in try desk.store.bans(activeAt: now) }
        let lines = bans.map { ban in
            Event.ban(
                BanEntry(
                    kind: ban.kind == .account ? .account : .address, target: ban.target,
                    until: ban.until.map { Timestamp(millisecondsSinceEpoch: $0) }, by: ban.by, reason: ban.reason))
        }
        unsent.add(registry.reply(to: outbox.id, lines + [.bansEnd(count: lines.count)]))
    }

    mutating func mute(_ name: String, minutes: Int?) throws(ProtocolError) {
        let (target, op) = try registry.target(name, by: outbox.id, command: "mute")
        let now = wallNow()
        let until = minutes.map { now + Int64($0) * 60_000 }
        if let account = target.account {
            do throws(StoreError) {
                try desk.store.setMute(MuteRecord(account: account, until: until, by: op, created: now))
            } catch {
                logger.error("the account store cannot write", metadata: ["error": "\(error)"])
                throw .unavailable("the mute cannot be kept now")
            }
        }
        registry.setMute(Registry.Mute(until: until), member: target.id, account: target.account, now: now)
        logger.notice("mute", metadata: ["name": "\(target.name)", "by": "\(op)"])
        unsent.add(registry.reply(to: outbox.id, [.muted(target.name)]))
    }

    mutating func unmute(_ name: String) throws(ProtocolError) {
        _ = try registry.requireOperator(outbox.id, command: "unmute")
        let now = wallNow()
        let connected = registry.muteOf(name)
        var lifted = false
        var shown = connected?.name ?? name
        if let connected {
            lifted = registry.setMute(nil, member: connected.id, account: connected.account, now: now)
        }
        // An account's mute outlives its connections: it may be lifted while its owner is away.
        if desk.store.keepsAccounts, connected == nil || connected?.account != nil {
            let account = connected?.account ?? name
            do throws(StoreError) {
                if try desk.store.removeMute(account: account, activeAt: now) { lifted = true }
                if connected == nil, let record = try desk.store.account(named: account) { shown = record.name }
            } catch {
                logger.error("the account store cannot write", metadata: ["error": "\(error)"])
                throw .unavailable("the mute cannot be lifted now")
            }
        }
        guard lifted else { throw .notFound("not muted") }
        unsent.add(registry.reply(to: outbox.id, [.unmuted(shown)]))
    }

    /// `BYE` text for a kick or a ban: `kicked by OP`, with `: REASON` when one was given.
    private static func farewell(_ head: String, _ reason: String?) -> String {
        reason.map { "\(head): \($0)" } ?? head
    }
}
