import ChatPassword
import ChatProtocol
import ChatStore
import ChatSystem
import Glibc

/// What the sessions share for accounts and moderation: the store of accounts, bans and mutes, the
/// password hasher, the guessing limit, and the room's rules.
///
/// Every store call and every hash runs on the calling session's own thread with no lock held; the
/// hasher computes at most one hash at a time (``PasswordHasher``), so a storm of logins queues for
/// one core and the room keeps the other.
final class AccountDesk: Sendable {
    let store: any AccountStore
    let hasher: PasswordHasher
    let throttle: LoginThrottle
    /// `/register` makes accounts.
    let registrationOpen: Bool
    /// Nanoseconds a connection to a members-only room has to log in; 0 when the room is open.
    let loginTimeout: UInt64
    /// The address bans in force, kept from the store at start and by this server's `/ban` and `/unban`,
    /// so that admission needs no disk read.
    private let addressBans: Locked<[String: BanRecord]>

    /// The server's hasher: its hashes run at the lowest priority (see ``PasswordHasher``), so they may use
    /// every processor delivery leaves idle; one at a time would cap logins at one core's worth (about 70
    /// a second here) even on an idle machine, and a storm past that piles waiting connections up.
    static func backgroundHasher() -> PasswordHasher {
        PasswordHasher(concurrentHashes: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }

    init(
        store: any AccountStore, hasher: PasswordHasher = AccountDesk.backgroundHasher(),
        throttle: LoginThrottle = LoginThrottle(),
        registrationOpen: Bool, loginTimeout: UInt64
    ) {
        self.store = store
        self.hasher = hasher
        self.throttle = throttle
        self.registrationOpen = registrationOpen
        self.loginTimeout = loginTimeout
        let now = Timestamp.now().millisecondsSinceEpoch
        let bans = (try? store.bans(activeAt: now)) ?? []
        addressBans = Locked(Dictionary(bans.filter { $0.kind == .address }.map { ($0.target, $0) }, uniquingKeysWith: { $1 }))
    }

    /// The ban in force on `address`, if any.
    func addressBan(_ address: String, now: Int64 = Timestamp.now().millisecondsSinceEpoch) -> BanRecord? {
        addressBans.withLock { bans in
            guard let ban = bans[address] else { return nil }
            if let until = ban.until, until <= now {
                bans[address] = nil
                return nil
            }
            return ban
        }
    }

    func noteAddressBan(_ ban: BanRecord) { addressBans.withLock { $0[ban.target] = ban } }

    func forgetAddressBan(_ address: String) { addressBans.withLock { $0[address] = nil } }

    /// `until TIME`, or `until unbanned`, for the texts of a ban.
    static func untilText(_ until: Int64?) -> String {
        until.map { "until \(Timestamp(millisecondsSinceEpoch: $0).rfc3339)" } ?? "until unbanned"
    }
}
