import CArgon2
import ChatSystem
import Glibc

// Interim (the full one comes from the accounts-store branch): the API the server codes against.
public enum PasswordError: Error, Equatable, Sendable {
    case hashFailed(String)
}

public final class PasswordHasher: Sendable {
    public struct Parameters: Sendable, Equatable {
        public var memoryKiB: UInt32
        public var iterations: UInt32
        public var parallelism: UInt32
        public static let standard = Parameters(memoryKiB: 12 * 1024, iterations: 2, parallelism: 1)
        public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
            self.memoryKiB = memoryKiB
            self.iterations = iterations
            self.parallelism = parallelism
        }
    }

    let parameters: Parameters
    private let gate = Locked(0)
    private let decoy: String

    public init(parameters: Parameters = .standard, concurrentHashes: Int = 1) {
        self.parameters = parameters
        decoy = Self.encode("decoy-password", parameters) ?? ""
    }

    private static func encode(_ password: String, _ parameters: Parameters) -> String? {
        var salt = [UInt8](repeating: 0, count: 16)
        for index in salt.indices { salt[index] = UInt8.random(in: 0...255) }
        let length = argon2_encodedlen(parameters.iterations, parameters.memoryKiB, parameters.parallelism, 16, 32, Argon2_id)
        var encoded = [CChar](repeating: 0, count: length)
        let bytes = Array(password.utf8)
        let result = argon2id_hash_encoded(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism, bytes, bytes.count, salt, 16, 32,
            &encoded, length)
        guard result == ARGON2_OK.rawValue else { return nil }
        return String(decoding: encoded.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func hash(_ password: String) throws(PasswordError) -> String {
        guard let encoded = Self.encode(password, parameters) else { throw .hashFailed("argon2") }
        return encoded
    }

    public func verify(_ password: String, against hash: String?) -> Bool {
        let bytes = Array(password.utf8)
        let result = argon2id_verify(hash ?? decoy, bytes, bytes.count)
        return hash != nil && result == ARGON2_OK.rawValue
    }

    public func needsRehash(_ hash: String) -> Bool { false }
}
