import ChatSystem
import Glibc
import Synchronization
import Testing

@testable import ChatPassword

/// Parameters small enough for tests to hash often (libargon2's smallest memory for one lane is 8 KiB).
private let small = PasswordHasher.Parameters(memoryKiB: 256, iterations: 1, parallelism: 1)

@Suite struct PasswordHasherTests {
    @Test func aHashVerifiesItsPasswordAndNoOther() throws {
        let hasher = PasswordHasher(parameters: small)
        let hash = try hasher.hash("correct horse battery staple")
        #expect(hasher.verify("correct horse battery staple", against: hash))
        #expect(!hasher.verify("correct horse battery stapl", against: hash))
        #expect(!hasher.verify("Correct horse battery staple", against: hash))
        #expect(!hasher.verify("", against: hash))
    }

    @Test func passwordsOfAnyBytesRoundTrip() throws {
        let hasher = PasswordHasher(parameters: small)
        for password in ["", " spaces inside and out ", "pässwörd 🔑", String(repeating: "x", count: 4096)] {
            let hash = try hasher.hash(password)
            #expect(hasher.verify(password, against: hash))
            #expect(!hasher.verify(password + "!", against: hash))
        }
    }

    @Test func theHashIsAPHCStringWithItsParameters() throws {
        let parameters = PasswordHasher.Parameters(memoryKiB: 512, iterations: 2, parallelism: 2)
        let hash = try PasswordHasher(parameters: parameters).hash("correct horse battery staple")
        let fields = hash.split(separator: "$", omittingEmptySubsequences: false)
        #expect(fields.count == 6, "\(hash)")
        #expect(fields.first == "")
        #expect(fields.dropFirst().first == "argon2id")
        #expect(fields.dropFirst(2).first == "v=19")
        #expect(fields.dropFirst(3).first == "m=512,t=2,p=2")
        // 16 bytes of salt and 32 of hash, in unpadded base64.
        #expect(fields.dropFirst(4).first?.count == 22)
        #expect(fields.dropFirst(5).first?.count == 43)
        #expect(PasswordHasher.Parameters(phc: hash) == parameters)
        #expect(!hash.contains("correct"))
    }

    @Test func everyHashHasItsOwnSalt() throws {
        let hasher = PasswordHasher(parameters: small)
        let hashes = try (0..<20).map { _ in try hasher.hash("the same password") }
        #expect(Set(hashes).count == 20)
        #expect(Set(hashes.map { $0.split(separator: "$")[3] }).count == 20)
        for hash in hashes { #expect(hasher.verify("the same password", against: hash)) }
    }

    @Test func noAccountChecksTheDecoyAndFails() {
        let hasher = PasswordHasher(parameters: small)
        #expect(!hasher.verify("any password at all", against: nil))
        #expect(!hasher.verify("", against: nil))
    }

    @Test(arguments: [
        "",
        "not a hash",
        "$argon2id$v=19$m=256,t=1,p=1$",
        "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$",
        "$argon2i$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=16$m=256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=256,t=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=-256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=256,t=1,p=1$c2Fsd!Nhb$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        // A cost far past any real hash's: refused before libargon2 would allocate 4 GiB.
        "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
    ])
    func aMalformedHashFails(hash: String) {
        #expect(!PasswordHasher(parameters: small).verify("password", against: hash))
    }

    @Test func aDamagedHashFails() throws {
        let hasher = PasswordHasher(parameters: small)
        let hash = try hasher.hash("correct horse battery staple")
        let last = hash.last == "A" ? "B" : "A"
        #expect(!hasher.verify("correct horse battery staple", against: String(hash.dropLast()) + last))
        #expect(!hasher.verify("correct horse battery staple", against: String(hash.dropLast(3))))
    }

    @Test func aHashWithWeakerParametersNeedsRehashing() throws {
        let strong = PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 2))
        let hash = try strong.hash("password")
        #expect(!strong.needsRehash(hash))
        #expect(!PasswordHasher(parameters: .init(memoryKiB: 512, iterations: 2)).needsRehash(hash))
        #expect(!PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 1)).needsRehash(hash))
        // Lanes add no strength: fewer or more of them ask for nothing.
        #expect(!PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 2, parallelism: 4)).needsRehash(hash))
        #expect(PasswordHasher(parameters: .init(memoryKiB: 2048, iterations: 2)).needsRehash(hash))
        #expect(PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 3)).needsRehash(hash))
        #expect(PasswordHasher(parameters: .init(memoryKiB: 512, iterations: 3)).needsRehash(hash))
        #expect(strong.needsRehash("not a hash"))
        // A hash made with other parameters still verifies with any hasher: its own are in it.
        #expect(PasswordHasher(parameters: small).verify("password", against: hash))
    }

    @Test func badParametersAreAnErrorThatNamesNoPassword() {
        let hasher = PasswordHasher(parameters: .init(memoryKiB: 4, iterations: 1))
        #expect {
            _ = try hasher.hash("hunter2-secret")
        } throws: { error in
            guard let error = error as? PasswordError, case .hashingFailed(let code, _) = error else { return false }
            // ARGON2_MEMORY_TOO_LITTLE
            return code == -14 && !error.description.contains("hunter2")
        }
        #expect(!hasher.verify("hunter2-secret", against: nil))
    }

    @Test func theStandardParametersMakeAHashThatVerifies() throws {
        let hasher = PasswordHasher()
        #expect(hasher.parameters == .standard)
        #expect(hasher.concurrentHashes == 1)
        let hash = try hasher.hash("correct horse battery staple")
        #expect(PasswordHasher.Parameters(phc: hash) == .standard)
        #expect(hash.hasPrefix("$argon2id$v=19$m=\(PasswordHasher.Parameters.standard.memoryKiB),"))
        #expect(hasher.verify("correct horse battery staple", against: hash))
        #expect(!hasher.verify("correct horse battery stapler", against: hash))
        #expect(!hasher.needsRehash(hash))
    }
}

@Suite struct HashGateTests {
    /// Who is inside the gate now, and the most ever at once.
    private final class Occupancy: Sendable {
        let now = Atomic(0)
        let most = Atomic(0)
        let entries = Atomic(0)
        /// Rounds whose hash or checks went wrong.
        let failures = Atomic(0)

        var hooks: HashGate.Hooks {
            HashGate.Hooks(
                entered: { [self] in
                    let inside = now.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
                    _ = most.max(inside, ordering: .sequentiallyConsistent)
                    entries.wrappingAdd(1, ordering: .sequentiallyConsistent)
                },
                leaving: { [self] in now.wrappingSubtract(1, ordering: .sequentiallyConsistent) })
        }
    }

    /// `threads` threads each hashing and verifying `rounds` times through one hasher with `limit`.
    private func hammer(limit: Int, threads: Int, rounds: Int) throws -> Occupancy {
        let occupancy = Occupancy()
        let hasher = PasswordHasher(
            parameters: .init(memoryKiB: 1024, iterations: 1), gate: HashGate(limit: limit, hooks: occupancy.hooks))
        var running: [pthread_t] = []
        for index in 0..<threads {
            running.append(
                try ThreadSpawner.spawnJoinable {
                    for round in 0..<rounds {
                        let password = "password \(index) \(round)"
                        guard let hash = try? hasher.hash(password), hasher.verify(password, against: hash),
                            !hasher.verify(password, against: nil)
                        else {
                            occupancy.failures.wrappingAdd(1, ordering: .sequentiallyConsistent)
                            continue
                        }
                    }
                })
        }
        for thread in running { ThreadSpawner.join(thread) }
        #expect(occupancy.failures.load(ordering: .sequentiallyConsistent) == 0)
        // The decoy was made before the hooks could count: 3 entries per round.
        #expect(occupancy.entries.load(ordering: .sequentiallyConsistent) == threads * rounds * 3)
        #expect(occupancy.now.load(ordering: .sequentiallyConsistent) == 0)
        return occupancy
    }

    @Test func oneHashAtATimeWhateverTheThreads() throws {
        let occupancy = try hammer(limit: 1, threads: 4, rounds: 10)
        #expect(occupancy.most.load(ordering: .sequentiallyConsistent) == 1)
    }

    @Test func neverMoreThanTheLimit() throws {
        let occupancy = try hammer(limit: 2, threads: 4, rounds: 10)
        #expect((1...2).contains(occupancy.most.load(ordering: .sequentiallyConsistent)))
    }

    @Test func aLimitBelowOneIsOne() {
        #expect(HashGate(limit: 0).limit == 1)
        #expect(PasswordHasher(parameters: small, concurrentHashes: -3).concurrentHashes == 1)
    }
}
