import ChatSystem
import ChatTLS
import Glibc

/// The pin file: the certificates the user trusted on first use, one line per server,
/// `HOST:PORT sha256:HEX`, in `$XDG_CONFIG_HOME/chatroom/known_servers` (`~/.config/...` when unset).
///
/// As ssh's `known_hosts`: blank lines and lines starting with `#` are ignored, and so is a line that is
/// not a pin (so a hand edit gone wrong costs that line, not the file); a pin is appended, never
/// rewriting the other lines, and the user removes one by deleting its line. HOST is `--host` as given,
/// an IPv6 address in brackets (``key(for:)``). The file is read afresh at each connection, so a pin
/// added by another client counts at once.
public struct KnownServers: Equatable, Sendable {
    /// The file's path.
    public let path: String

    /// One pin, as read from its line.
    struct Pin: Equatable, Sendable {
        /// Its line in the file, from 1.
        var line: Int
        /// `HOST:PORT`.
        var server: String
        /// The certificate's fingerprint.
        var fingerprint: Fingerprint
    }

    /// A pin file that cannot be read or written, and why.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// What went wrong, for people.
        public var description: String
    }

    /// Creates the pin file of a path (nothing is read or made until it is used).
    public init(path: String) {
        self.path = path
    }

    /// Where the pins live for this user: `$XDG_CONFIG_HOME/chatroom/known_servers`, with `~/.config` when
    /// `XDG_CONFIG_HOME` is unset, empty or relative (the XDG base directory rules).
    ///
    /// - Parameter environment: Reads a variable (the process's environment by default).
    /// - Returns: The path, or `nil` when there is no home to put it in.
    public static func defaultPath(
        environment: (String) -> String? = { getenv($0).map { String(cString: $0) } }
    ) -> String? {
        if let config = environment("XDG_CONFIG_HOME"), config.hasPrefix("/") {
            return config + "/chatroom/known_servers"
        }
        guard let home = environment("HOME"), home.hasPrefix("/") else { return nil }
        return (home == "/" ? "" : home) + "/.config/chatroom/known_servers"
    }

    /// The name of a server in the file: `HOST:PORT` with the host as given, an IPv6 address in brackets.
    public static func key(for address: ServerAddress) -> String {
        address.description
    }

    /// The pins in a file's text, in order; blank lines, comments and lines that are not pins are skipped
    /// (their numbers still count).
    static func parse(_ text: String) -> [Pin] {
        var pins: [Pin] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard fields.count >= 2, !fields[0].hasPrefix("#"), let fingerprint = Fingerprint(fields[1]) else {
                continue
            }
            pins.append(Pin(line: index + 1, server: String(fields[0]), fingerprint: fingerprint))
        }
        return pins
    }

    /// The pins of one server, in the order of their lines (none when the file does not exist yet).
    ///
    /// - Parameter server: `HOST:PORT` (``key(for:)``).
    /// - Throws: ``Failure`` when the file exists and cannot be read.
    func pins(for server: String) throws(Failure) -> [Pin] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT { return [] }
        guard fd >= 0 else { throw failure("cannot read") }
        defer { close(fd) }
        return Self.parse(try readAll(fd)).filter { $0.server == server }
    }

    /// Appends a pin, making the folders (0700) and the file (0600) when missing; the other lines are left
    /// as they are.
    ///
    /// - Parameters:
    ///   - fingerprint: The certificate's fingerprint.
    ///   - server: `HOST:PORT` (``key(for:)``).
    /// - Returns: The pin's line in the file.
    /// - Throws: ``Failure`` when a folder or the file cannot be made, read or written.
    @discardableResult
    func add(_ fingerprint: Fingerprint, for server: String) throws(Failure) -> Int {
        try makeFolders()
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create") }
        defer { close(fd) }
        // Two clients trusting at once each append a whole line, and each learns its own line's number.
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        let existing = try readAll(fd)
        let endsOpen = !existing.isEmpty && !existing.hasSuffix("\n")
        let line = (endsOpen ? "\n" : "") + "\(server) \(fingerprint)\n"
        let written = Array(line.utf8).withUnsafeBytes { writeAll(fd, $0) }
        guard written else { throw failure("cannot write") }
        return existing.utf8.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 } + (endsOpen ? 1 : 0) + 1
    }

    private func makeFolders() throws(Failure) {
        let parts = path.split(separator: "/").dropLast()
        var folder = ""
        for part in parts {
            folder += "/" + part
            guard mkdir(folder, 0o700) == 0 || errno == EEXIST else {
                throw Failure(description: "cannot create the folder \(folder): \(String(cString: strerror(errno)))")
            }
        }
    }

    private func readAll(_ fd: Int32) throws(Failure) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(bytes.count)) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw failure("cannot read") }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func failure(_ what: String) -> Failure {
        Failure(description: "\(what) \(path): \(String(cString: strerror(errno)))")
    }
}
