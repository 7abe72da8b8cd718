/// An account as the store keeps it.
public struct AccountRecord: Equatable, Sendable {
    /// The name, in the spelling it was registered with; unique without regard to ASCII case.
    public var name: String
    /// The password's hash in the PHC string form (`$argon2id$v=19$m=...,t=...,p=...$SALT$HASH`): the
    /// parameters and the salt travel with it, so they can be raised later.
    public var passwordHash: String
    /// Whether the account may use the operator commands (read at each login).
    public var isOperator: Bool
    /// When the account was made, in milliseconds since the Unix epoch.
    public var created: Int64
    /// The last successful login, in milliseconds since the Unix epoch; `nil` for never.
    public var lastLogin: Int64?

    /// An account record with every field given (``lastLogin`` `nil`: never logged in).
    public init(name: String, passwordHash: String, isOperator: Bool, created: Int64, lastLogin: Int64? = nil) {
        self.name = name
        self.passwordHash = passwordHash
        self.isOperator = isOperator
        self.created = created
        self.lastLogin = lastLogin
    }
}

/// A ban as the store keeps it.
public struct BanRecord: Equatable, Sendable {
    /// What a ban refuses: an account's logins, or an address's connections. The raw value is the KIND of a
    /// `BAN` line and what the store keeps.
    public enum Kind: String, Sendable, CaseIterable {
        /// The account's `/login`s get `ERROR banned ...`.
        case account
        /// Connections from the address get `ERROR banned ...` and are closed.
        case address
    }

    /// An account ban or an address ban.
    public var kind: Kind
    /// The account's stored spelling, or the address as the server prints it.
    public var target: String
    /// When it ends, in milliseconds since the Unix epoch; `nil` for never.
    public var until: Int64?
    /// The operator's name.
    public var by: String
    /// Possibly empty.
    public var reason: String
    /// When it was made, in milliseconds since the Unix epoch (bans are listed oldest first).
    public var created: Int64

    /// A ban record with every field given.
    public init(kind: Kind, target: String, until: Int64?, by: String, reason: String, created: Int64) {
        self.kind = kind
        self.target = target
        self.until = until
        self.by = by
        self.reason = reason
        self.created = created
    }
}

/// A mute bound to an account, as the store keeps it (a mute of a guest lives only in the server).
public struct MuteRecord: Equatable, Sendable {
    /// The account's stored spelling.
    public var account: String
    /// When it ends, in milliseconds since the Unix epoch; `nil` for never.
    public var until: Int64?
    /// The operator's name.
    public var by: String
    /// When it was made, in milliseconds since the Unix epoch.
    public var created: Int64

    /// A mute record with every field given.
    public init(account: String, until: Int64?, by: String, created: Int64) {
        self.account = account
        self.until = until
        self.by = by
        self.created = created
    }
}

/// Accounts, bans and mutes: the interface the server and the `accounts` subcommands depend on.
///
/// Names are matched without regard to ASCII case; a record keeps the spelling it was made with. A ban
/// or mute whose `until` is at or before `now` is not in force: queries taking `now` leave it out (and an
/// implementation may delete it).
///
/// Every method may block on I/O: call them from threads that may wait, never while holding a lock that
/// delivery needs. Any thread may call any method at any time; another process (the `accounts`
/// subcommands) may change the same store meanwhile, and a change is seen by the next call.
public protocol AccountStore: AnyObject, Sendable {
    /// Whether the store keeps accounts at all (`false` for ``NoAccounts``, `--store none`).
    var keepsAccounts: Bool { get }

    /// The account named `name` (any case), or `nil`.
    func account(named name: String) throws(StoreError) -> AccountRecord?
    /// Makes an account; `false` (and nothing changed) when one of that name (any case) exists.
    func createAccount(_ account: AccountRecord) throws(StoreError) -> Bool
    /// Removes an account with its mute and its account ban; `false` when there is none.
    func removeAccount(named name: String) throws(StoreError) -> Bool
    /// `false` when there is no such account.
    func setPasswordHash(_ hash: String, forAccount name: String) throws(StoreError) -> Bool
    /// `false` when there is no such account.
    func setOperator(_ isOperator: Bool, forAccount name: String) throws(StoreError) -> Bool
    /// Records a successful login at `time` (milliseconds since the Unix epoch).
    func recordLogin(account name: String, at time: Int64) throws(StoreError)
    /// Every account, sorted by name without regard to case.
    func allAccounts() throws(StoreError) -> [AccountRecord]

    /// The bans in force at `now`, oldest first.
    func bans(activeAt now: Int64) throws(StoreError) -> [BanRecord]
    /// Adds a ban, replacing one of the same kind and target (an account's in any case).
    func addBan(_ ban: BanRecord) throws(StoreError)
    /// Lifts every ban on `target` (an account name in any case, or an address); returns whether one was in
    /// force at `now`.
    func removeBan(target: String, activeAt now: Int64) throws(StoreError) -> Bool

    /// The account's mute in force at `now`, or `nil`.
    func mute(account name: String, activeAt now: Int64) throws(StoreError) -> MuteRecord?
    /// Mutes an account, replacing its mute.
    func setMute(_ mute: MuteRecord) throws(StoreError)
    /// Lifts the account's mute; returns whether one was in force at `now`.
    func removeMute(account name: String, activeAt now: Int64) throws(StoreError) -> Bool
}

/// The accounts of `--store none`: there are none, and none can be made. Queries answer empty; every
/// write throws ``StoreError/unavailable``.
public final class NoAccounts: AccountStore {
    public init() {}

    public var keepsAccounts: Bool { false }
    public func account(named name: String) throws(StoreError) -> AccountRecord? { nil }
    public func createAccount(_ account: AccountRecord) throws(StoreError) -> Bool { throw .unavailable }
    public func removeAccount(named name: String) throws(StoreError) -> Bool { throw .unavailable }
    public func setPasswordHash(_ hash: String, forAccount name: String) throws(StoreError) -> Bool {
        throw .unavailable
    }
    public func setOperator(_ isOperator: Bool, forAccount name: String) throws(StoreError) -> Bool {
        throw .unavailable
    }
    public func recordLogin(account name: String, at time: Int64) throws(StoreError) {}
    public func allAccounts() throws(StoreError) -> [AccountRecord] { [] }
    public func bans(activeAt now: Int64) throws(StoreError) -> [BanRecord] { [] }
    public func addBan(_ ban: BanRecord) throws(StoreError) { throw .unavailable }
    public func removeBan(target: String, activeAt now: Int64) throws(StoreError) -> Bool { false }
    public func mute(account name: String, activeAt now: Int64) throws(StoreError) -> MuteRecord? { nil }
    public func setMute(_ mute: MuteRecord) throws(StoreError) { throw .unavailable }
    public func removeMute(account name: String, activeAt now: Int64) throws(StoreError) -> Bool { false }
}
