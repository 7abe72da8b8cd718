import CArgon2
import ChatSystem
import Glibc

/// Makes and checks password hashes: Argon2id (libargon2), a fresh salt per hash, the parameters kept in
/// the hash so that they can be raised later.
///
/// A hash is the PHC string libargon2 writes, `$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH` (salt and hash
/// in unpadded base64), which is all an account needs to keep. Checking one is constant-time
/// (`argon2id_verify`), and checking against no hash at all (no such account) costs the same as a wrong
/// password, so the time of a failed login does not tell whether the account exists.
///
/// **Load.** Hashing is memory-hard and costs milliseconds of one core by design. The hashes run on
/// background threads of the hasher's own, at most `concurrentHashes` at once, at the lowest priority
/// (`SCHED_IDLE`; see `HashGate`); the caller waits, blocked, for its hash. So a storm of logins takes only
/// the processor time delivery leaves idle, and queues when there is none, instead of taking cores from
/// the threads that deliver the room's messages. Call it from threads that may wait, and never under a
/// lock that delivery needs.
///
/// No password ever appears in an error, a log or a description made here.
public final class PasswordHasher: Sendable {
    /// Argon2id's cost parameters.
    public struct Parameters: Sendable, Equatable, CustomStringConvertible {
        /// Memory per hash, in KiB (libargon2's `m`; at least 8 per lane).
        public var memoryKiB: UInt32
        /// Passes over that memory (`t`; at least 1).
        public var iterations: UInt32
        /// Lanes (`p`; at least 1). libargon2 is built without threads here, so lanes run one after
        /// another: more lanes cost the same time, and give no more strength.
        public var parallelism: UInt32

        /// The parameters of new hashes: 6 MiB, 2 passes, 1 lane (`m=6144,t=2,p=1`).
        ///
        /// Chosen by measuring on the project's machine (2 cores, AMD EPYC, Debian's libargon2 20190702,
        /// whose portable build fills about 1 GiB of Argon2 memory a second): one hash costs 13.1 ms of one
        /// core at best, 13.6-14.1 ms median (30 hashes, `CLOCK_THREAD_CPUTIME_ID`, the machine under other
        /// builds' load), and 50 checks took 667 ms of one core. So 50 logins a second fit in one core, with
        /// room to spare.
        ///
        /// OWASP's equivalent settings (m=19 MiB t=2, m=12 MiB t=3, m=9 MiB t=4, m=7 MiB t=5) all cost
        /// 38-47 ms here, three times that budget: at 50 logins a second they would need two cores. This is
        /// the strongest setting within about 15 ms, the memory kept as large as the budget allows (more
        /// memory rather than more passes, as OWASP orders its list); about a third of OWASP's cost. A
        /// later release may raise it: hashes keep their parameters, and ``PasswordHasher/needsRehash(_:)``
        /// tells a login to hash the password again.
        public static let standard = Parameters(memoryKiB: 6_144, iterations: 2, parallelism: 1)

        /// Parameters for a hasher.
        ///
        /// - Parameters:
        ///   - memoryKiB: Memory per hash in KiB (libargon2 needs at least 8 per lane).
        ///   - iterations: Passes over the memory, at least 1.
        ///   - parallelism: Lanes, at least 1.
        public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32 = 1) {
            self.memoryKiB = memoryKiB
            self.iterations = iterations
            self.parallelism = parallelism
        }

        /// The parameters written in a PHC string, or `nil` when the string is not an Argon2id hash of
        /// version 19 (0x13) in the form libargon2 writes.
        ///
        /// - Parameter phc: A hash as ``PasswordHasher/hash(_:)`` makes it.
        public init?(phc: String) {
            let fields = phc.utf8.split(separator: UInt8(ascii: "$"), omittingEmptySubsequences: false)
            guard fields.count == 6, fields[0].isEmpty, fields[1].elementsEqual("argon2id".utf8),
                fields[2].elementsEqual("v=19".utf8), Self.isBase64(fields[4]), Self.isBase64(fields[5])
            else { return nil }
            let costs = fields[3].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            guard costs.count == 3, let m = Self.number(costs[0], named: "m"),
                let t = Self.number(costs[1], named: "t"),
                let p = Self.number(costs[2], named: "p")
            else { return nil }
            self.init(memoryKiB: m, iterations: t, parallelism: p)
        }

        public var description: String { "m=\(memoryKiB),t=\(iterations),p=\(parallelism)" }

        /// `NAME=DIGITS` as a `UInt32`, with no sign, no leading zero and no overflow.
        private static func number(_ field: Substring.UTF8View.SubSequence, named name: String) -> UInt32? {
            let prefix = Array((name + "=").utf8)
            guard field.starts(with: prefix) else { return nil }
            let digits = field.dropFirst(prefix.count)
            guard let first = digits.first, first != UInt8(ascii: "0") || digits.count == 1,
                digits.count <= 10, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else { return nil }
            return UInt32(String(decoding: digits, as: UTF8.self))
        }

        private static func isBase64(_ field: Substring.UTF8View.SubSequence) -> Bool {
            !field.isEmpty
                && field.allSatisfy { byte in
                    switch byte {
                    case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                        true
                    default: false
                    }
                }
        }
    }

    /// Salt bytes per hash (from `getrandom`).
    static let saltBytes = 16
    /// Hash bytes per hash.
    static let hashBytes = 32
    /// The most a stored hash may ask for before ``verify(_:against:)`` refuses it unchecked: a damaged or
    /// planted hash must not make a login allocate gigabytes or run for minutes.
    static let ceiling = Parameters(memoryKiB: 1 << 20, iterations: 64, parallelism: 64)

    /// The parameters of the hashes this hasher makes.
    public let parameters: Parameters
    private let gate: HashGate
    /// A hash of a random password made with ``parameters``, checked when there is no account, so that a
    /// missing account costs the time of a wrong password; `nil` only if libargon2 could not make one.
    private let decoy: String?

    /// Makes a hasher (and its decoy: one hash, so this takes about as long as ``hash(_:)``).
    ///
    /// - Parameters:
    ///   - parameters: The cost of new hashes.
    ///   - concurrentHashes: The most hashes and checks that run at once across all threads (at least 1).
    public convenience init(parameters: Parameters = .standard, concurrentHashes: Int = 1) {
        self.init(parameters: parameters, gate: HashGate(limit: concurrentHashes))
    }

    /// Makes a hasher behind a given gate (tests give one that counts the threads inside).
    init(parameters: Parameters, gate: HashGate) {
        self.parameters = parameters
        self.gate = gate
        // Nobody knows the decoy's password: 32 random bytes (or, should the system give none, a fixed
        // text with a fixed salt: it only has to cost the time of a check).
        var secret = [UInt8](repeating: 0, count: 32)
        var salt = [UInt8](repeating: 0, count: Self.saltBytes)
        if (try? Self.fillRandom(&secret)) == nil || (try? Self.fillRandom(&salt)) == nil {
            secret = Array("no account has this password".utf8)
        }
        decoy = try? secret.withUnsafeBufferPointer { (bytes) throws(PasswordError) in
            try Self.encode(bytes, salt: salt, parameters: parameters)
        }
    }

    /// The most hashes and checks that run at once.
    public var concurrentHashes: Int { gate.limit }

    /// Hashes a password with a fresh 16-byte salt from `getrandom`.
    ///
    /// Waits for its turn at the gate (see ``PasswordHasher``), then costs one hash.
    ///
    /// - Parameter password: The password, hashed as its UTF-8 bytes.
    /// - Returns: The PHC string, `$argon2id$v=19$m=..,t=..,p=..$SALT$HASH`.
    /// - Throws: ``PasswordError/noRandomness(_:)`` when the system gives no random bytes,
    ///   ``PasswordError/hashingFailed(code:message:)`` when libargon2 refuses (parameters out of its range,
    ///   no memory).
    public func hash(_ password: String) throws(PasswordError) -> String {
        let salt = try Self.salt()
        return try gate.run { () throws(PasswordError) in
            try Self.withBytes(of: password) { (bytes) throws(PasswordError) in
                try Self.encode(bytes, salt: salt, parameters: parameters)
            }
        }
    }

    /// Checks a password against a stored hash, in constant time (`argon2id_verify`).
    ///
    /// Waits for its turn at the gate, as ``hash(_:)``.
    ///
    /// - Parameters:
    ///   - password: The password given.
    ///   - hash: The stored PHC string; `nil` when there is no such account, which is checked against a
    ///     decoy hash made with this hasher's parameters, so that it costs the time of a wrong password.
    /// - Returns: `true` when the password is the one hashed. `false` for a wrong password, for no hash,
    ///   and for a hash that is not an Argon2id PHC string (or asks for more than a sane cost).
    public func verify(_ password: String, against hash: String?) -> Bool {
        guard let hash else {
            if let decoy { _ = check(password, against: decoy) }
            return false
        }
        guard let stored = Parameters(phc: hash), stored.memoryKiB <= Self.ceiling.memoryKiB,
            stored.iterations <= Self.ceiling.iterations, stored.parallelism <= Self.ceiling.parallelism
        else { return false }
        return check(password, against: hash)
    }

    /// Whether a stored hash was made with weaker parameters than this hasher's, so that a successful
    /// login may hash the password again (and store the new hash).
    ///
    /// Weaker: less memory or fewer passes (lanes add no strength here), or not an Argon2id PHC string at
    /// all.
    ///
    /// - Parameter hash: A stored PHC string.
    public func needsRehash(_ hash: String) -> Bool {
        guard let stored = Parameters(phc: hash) else { return true }
        return stored.memoryKiB < parameters.memoryKiB || stored.iterations < parameters.iterations
    }

    // MARK: libargon2

    private func check(_ password: String, against hash: String) -> Bool {
        gate.run {
            Self.withBytes(of: password) { bytes in
                argon2id_verify(hash, bytes.baseAddress, bytes.count) == ARGON2_OK.rawValue
            }
        }
    }

    /// Runs `body` over a copy of the password's UTF-8 bytes, wiped afterwards.
    private static func withBytes<Result, Failure: Error>(
        of password: String, _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        var bytes = Array(password.utf8)
        defer {
            bytes.withUnsafeMutableBytes { buffer in
                if let base = buffer.baseAddress { explicit_bzero(base, buffer.count) }
            }
        }
        return try bytes.withUnsafeBufferPointer(body)
    }

    private static func encode(
        _ password: UnsafeBufferPointer<UInt8>, salt: [UInt8], parameters: Parameters
    ) throws(PasswordError) -> String {
        let length = argon2_encodedlen(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism, UInt32(salt.count),
            UInt32(hashBytes), Argon2_id)
        var encoded = [CChar](repeating: 0, count: length + 1)
        let rc = argon2id_hash_encoded(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism, password.baseAddress, password.count,
            salt, salt.count, hashBytes, &encoded, encoded.count)
        guard rc == ARGON2_OK.rawValue else {
            throw .hashingFailed(code: rc, message: String(cString: argon2_error_message(rc)))
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func salt() throws(PasswordError) -> [UInt8] {
        var salt = [UInt8](repeating: 0, count: saltBytes)
        try fillRandom(&salt)
        return salt
    }

    /// Fills `bytes` from the kernel's random source (`getrandom`, blocking only until it is first seeded).
    private static func fillRandom(_ bytes: inout [UInt8]) throws(PasswordError) {
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { buffer in
                getrandom(buffer.baseAddress.map { $0 + filled }, buffer.count - filled, 0)
            }
            if count > 0 {
                filled += count
            } else if count < 0 && errno != EINTR {
                throw .noRandomness(SystemError("getrandom"))
            }
        }
    }
}
