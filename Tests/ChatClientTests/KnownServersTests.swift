import ChatTLS
import ChatTestSupport
import Glibc
import Testing

@testable import ChatClient

/// The pin file: where it lives, how it is read, and how a pin is added without touching the other lines.
@Suite struct KnownServersTests {
    private let first = "sha256:" + String(repeating: "0123456789abcdef", count: 4)
    private let second = "sha256:" + String(repeating: "fedcba9876543210", count: 4)

    private func fingerprint(_ text: String) throws -> Fingerprint {
        try #require(Fingerprint(text))
    }

    private func contents(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw TestFailure("cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 64 * 1024)
        let count = read(fd, &bytes, bytes.count)
        return String(decoding: bytes[..<max(0, count)], as: UTF8.self)
    }

    private func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw TestFailure("cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    private func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    @Test func theFileIsUnderXDGConfigHomeOrElseTheHomesConfigFolder() {
        func path(_ variables: [String: String]) -> String? {
            KnownServers.defaultPath { variables[$0] }
        }
        #expect(path(["XDG_CONFIG_HOME": "/x/config", "HOME": "/home/a"]) == "/x/config/chatroom/known_servers")
        #expect(path(["HOME": "/home/a"]) == "/home/a/.config/chatroom/known_servers")
        // An empty or relative XDG_CONFIG_HOME counts as unset (the XDG rules).
        #expect(path(["XDG_CONFIG_HOME": "", "HOME": "/home/a"]) == "/home/a/.config/chatroom/known_servers")
        #expect(path(["XDG_CONFIG_HOME": "config", "HOME": "/home/a"]) == "/home/a/.config/chatroom/known_servers")
        #expect(path(["HOME": "/"]) == "/.config/chatroom/known_servers")
        #expect(path([:]) == nil)
        #expect(path(["HOME": "relative"]) == nil)
    }

    @Test(arguments: [
        ("chat.example.org", 7778, "chat.example.org:7778"),
        ("127.0.0.1", 7778, "127.0.0.1:7778"),
        ("::1", 7778, "[::1]:7778"),
        ("fe80::1%eth0", 9000, "[fe80::1%eth0]:9000"),
        ("Chat.Example.org", 1, "Chat.Example.org:1"),
    ])
    func aServerIsNamedByItsHostAsGivenAndItsPortWithIPv6InBrackets(host: String, port: Int, key: String) {
        #expect(KnownServers.key(for: ServerAddress(host: host, port: port)) == key)
    }

    @Test func readingSkipsBlankLinesCommentsAndLinesThatAreNotPinsButCountsThem() throws {
        let text = [
            "# chatroom's pins",
            "",
            "[::1]:7778 \(first)",
            // Spaces and tabs around the fields, and the digits in either case.
            "  chat.example.org:7778\t" + "sha256:" + second.dropFirst(7).uppercased() + "  ",
            "#127.0.0.1:7778 \(second)",
            "127.0.0.1:7778",
            "127.0.0.1:7778 sha256:0123",
            "127.0.0.1:7778 \(first):00",
            "127.0.0.1:7778 \(second) a comment after the pin\r",
        ].joined(separator: "\n")
        #expect(
            KnownServers.parse(text) == [
                .init(line: 3, server: "[::1]:7778", fingerprint: try fingerprint(first)),
                .init(line: 4, server: "chat.example.org:7778", fingerprint: try fingerprint(second)),
                .init(line: 9, server: "127.0.0.1:7778", fingerprint: try fingerprint(second)),
            ])
        #expect(KnownServers.parse("") == [])
    }

    @Test func aMissingFileHasNoPins() throws {
        try withTemporaryDirectory { folder throws in
            #expect(try KnownServers(path: folder + "/none/known_servers").pins(for: "127.0.0.1:7778") == [])
        }
    }

    @Test func addingMakesThePrivateFolderAndFileAndAppendsOneLineAtATime() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/config/chatroom/known_servers"
            let pins = KnownServers(path: path)
            #expect(try pins.add(try fingerprint(first), for: "[::1]:7778") == 1)
            #expect(mode(folder + "/config") == 0o700)
            #expect(mode(folder + "/config/chatroom") == 0o700)
            #expect(mode(path) == 0o600)
            #expect(try pins.add(try fingerprint(second), for: "chat.example.org:7778") == 2)
            #expect(try contents(path) == "[::1]:7778 \(first)\nchat.example.org:7778 \(second)\n")
            #expect(
                try pins.pins(for: "[::1]:7778") == [
                    .init(line: 1, server: "[::1]:7778", fingerprint: try fingerprint(first))
                ])
            #expect(try pins.pins(for: "::1:7778") == [])
        }
    }

    @Test func addingLeavesTheOtherLinesAsTheyAreAndEndsAnOpenLastLineFirst() throws {
        try withTemporaryDirectory { folder throws in
            let path = folder + "/known_servers"
            let before = "# mine\n\n  a.example:1 \(first)   \n#b.example:2 \(second)"
            try write(before, to: path)
            #expect(try KnownServers(path: path).add(try fingerprint(second), for: "127.0.0.1:7778") == 5)
            #expect(try contents(path) == before + "\n127.0.0.1:7778 \(second)\n")
            // The folder and the file were there: their modes are the user's.
            #expect(mode(path) == 0o644)
            #expect(try KnownServers(path: path).add(try fingerprint(first), for: "127.0.0.1:7778") == 6)
            #expect(try KnownServers(path: path).pins(for: "127.0.0.1:7778").map(\.line) == [5, 6])
        }
    }

    @Test func aFileThatCannotBeReadOrMadeSaysWhy() throws {
        try withTemporaryDirectory { folder throws in
            // A folder where the file should be (a permission would not stop the root user).
            let path = folder + "/known_servers"
            mkdir(path, 0o700)
            #expect(throws: KnownServers.Failure(description: "cannot read \(path): Is a directory")) {
                try KnownServers(path: path).pins(for: "127.0.0.1:7778")
            }
            try write("", to: folder + "/file")
            let inside = folder + "/file/chatroom/known_servers"
            #expect(
                throws: KnownServers.Failure(
                    description: "cannot create the folder \(folder)/file/chatroom: Not a directory")
            ) {
                try KnownServers(path: inside).add(try fingerprint(first), for: "127.0.0.1:7778")
            }
        }
    }
}
