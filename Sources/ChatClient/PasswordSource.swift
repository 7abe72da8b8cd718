import Glibc

/// Where the client finds the password of the account it is started as (`--name`), for scripts and
/// plain mode: `--password-file FILE` (its first line) or else the `CHATROOM_PASSWORD` variable.
public enum PasswordSource {
    /// The environment variable that holds the password.
    public static let environmentVariable = "CHATROOM_PASSWORD"

    /// The largest password file read; a password is at most 256 bytes.
    static let maxFileBytes = 64 * 1024

    /// A password file that cannot be used, and why (the password itself is never part of it).
    public struct Failure: Error, Equatable, CustomStringConvertible {
        /// What is wrong, for people.
        public var description: String
    }

    /// The password to log in with.
    ///
    /// - Parameters:
    ///   - file: The `--password-file` path, if given: it wins over the variable.
    ///   - environment: The value of ``environmentVariable``, if set; an empty value counts as unset.
    /// - Returns: The password, or `nil` when neither gives one.
    /// - Throws: ``Failure`` when the file cannot be read or its first line is empty.
    public static func password(file: String?, environment: String?) throws(Failure) -> String? {
        if let file { return try firstLine(ofFile: file) }
        guard let environment, !environment.isEmpty else { return nil }
        return environment
    }

    /// The first line of a file, without its line ending (LF or CRLF).
    ///
    /// - Throws: ``Failure`` when the file cannot be read or its first line is empty.
    static func firstLine(ofFile path: String) throws(Failure) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw Failure(description: "cannot read the password file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < maxFileBytes && !bytes.contains(0x0A) {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw Failure(description: "cannot read the password file \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        var line = bytes.prefix { $0 != 0x0A }
        if line.last == 0x0D { line = line.dropLast() }
        guard !line.isEmpty else { throw Failure(description: "the first line of the password file \(path) is empty") }
        return String(decoding: line, as: UTF8.self)
    }
}
