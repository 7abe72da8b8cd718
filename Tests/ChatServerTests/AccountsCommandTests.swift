import ChatPassword
import ChatStore
import ChatTestSupport
import Foundation
import Glibc
import Testing

/// `chatroom-server accounts ...` as an administrator runs it: the built binary, the password on standard
/// input (its first line), a store in a temporary folder.
@Suite struct AccountsCommandTests {
    /// RFC 3339 in the protocol's one form: UTC, milliseconds.
    private static let time = #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"#

    /// Runs `chatroom-server accounts ARGUMENTS --store STORE` with `input` on standard input.
    private func accounts(_ arguments: [String], store: String?, input: String? = nil) throws -> ProcessResult {
        let server = try BuiltProducts.path("chatroom-server")
        return try runProcess([server, "accounts"] + arguments + (store.map { ["--store", $0] } ?? []), input: input)
    }

    /// Expects a run to have failed with `status` and one line on standard error holding `words`.
    private func expectFailure(
        _ result: ProcessResult, status: Int32, saying words: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == status, "\(result)", sourceLocation: sourceLocation)
        #expect(result.errors.contains(words), "\(result.errors)", sourceLocation: sourceLocation)
        #expect(result.output == "", sourceLocation: sourceLocation)
        if status == 1 {
            #expect(result.errors.hasPrefix("chatroom-server: "), "\(result.errors)", sourceLocation: sourceLocation)
            #expect(result.errors.filter { $0 == "\n" }.count == 1, "\(result.errors)", sourceLocation: sourceLocation)
        }
    }

    /// Expects `line` to be `NAME ROLE created TIME last-login TIME|never`, with `login` a TIME or `never`.
    private func expectListing(
        _ line: some StringProtocol, _ name: String, _ role: String, loggedIn: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let login = loggedIn ? Self.time : "never"
        let pattern = "^\(name) \(role) created \(Self.time) last-login \(login)$"
        #expect(
            String(line).range(of: pattern, options: .regularExpression) != nil, "\(line) is not \(pattern)",
            sourceLocation: sourceLocation)
    }

    @Test func addListPasswdOpDeopRemove() throws {
        try withTemporaryDirectory { folder throws in
            let store = folder + "/chatroom.sqlite"
            let started = Int64(Date().timeIntervalSince1970 * 1000)
            let add = try accounts(["add", "Alice", "--operator"], store: store, input: "first-password\n")
            #expect(add.status == 0, "\(add)")
            #expect(add.output == "")
            #expect(add.errors == "")
            #expect(try accounts(["add", "bob"], store: store, input: "bobs-password").status == 0)

            let listed = try accounts(["list"], store: store)
            #expect(listed.status == 0, "\(listed)")
            let lines = listed.output.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 3 && lines.last == "", "\(listed.output)")
            expectListing(lines[0], "Alice", "operator")
            expectListing(lines[1], "bob", "member")
            // The time is the wall clock's, in UTC.
            let file = try SQLiteAccountStore(path: store)
            let alice = try #require(try file.account(named: "alice"))
            #expect(alice.created >= started - 1 && alice.created <= Int64(Date().timeIntervalSince1970 * 1000) + 1)
            let created = ISO8601DateFormatter.withMilliseconds.string(
                from: Date(timeIntervalSince1970: Double(alice.created) / 1000))
            #expect(lines[0] == "Alice operator created \(created) last-login never")

            // The hash is of the password given, without its line end.
            let hasher = PasswordHasher(parameters: .init(memoryKiB: 8, iterations: 1))
            #expect(hasher.verify("first-password", against: alice.passwordHash))
            #expect(try hasher.verify("bobs-password", against: #require(try file.account(named: "bob")).passwordHash))

            let passwd = try accounts(["passwd", "ALICE"], store: store, input: "second-password\nignored\n")
            #expect(passwd.status == 0, "\(passwd)")
            let changed = try #require(try file.account(named: "alice"))
            #expect(hasher.verify("second-password", against: changed.passwordHash))
            #expect(!hasher.verify("first-password", against: changed.passwordHash))
            #expect(changed.name == "Alice")

            #expect(try accounts(["deop", "alice"], store: store).status == 0)
            #expect(try accounts(["op", "Bob"], store: store).status == 0)
            try file.recordLogin(account: "bob", at: 1_796_154_961_123)
            let after = try accounts(["list"], store: store).output.split(separator: "\n")
            #expect(after.count == 2)
            expectListing(after[0], "Alice", "member")
            #expect(after[1].hasPrefix("bob operator created "))
            #expect(after[1].hasSuffix(" last-login 2026-12-01T19:56:01.123Z"))

            #expect(try accounts(["remove", "ALICE"], store: store).status == 0)
            #expect(try accounts(["list"], store: store).output.split(separator: "\n").map { $0.prefix(4) } == ["bob "])
            #expect(try file.account(named: "alice") == nil)
        }
    }

    @Test func anEmptyStoreListsNothing() throws {
        try withTemporaryDirectory { folder throws in
            let store = folder + "/chatroom.sqlite"
            #expect(try accounts(["add", "alice"], store: store, input: "a-password\n").status == 0)
            #expect(try accounts(["remove", "alice"], store: store).status == 0)
            let listed = try accounts(["list"], store: store)
            #expect(listed.status == 0)
            #expect(listed.output == "")
            #expect(listed.errors == "")
        }
    }

    @Test func aMissingAccountIsStatusOne() throws {
        try withTemporaryDirectory { folder throws in
            let store = folder + "/chatroom.sqlite"
            #expect(try accounts(["add", "alice"], store: store, input: "a-password\n").status == 0)
            for subcommand in ["remove", "op", "deop"] {
                expectFailure(
                    try accounts([subcommand, "bob"], store: store), status: 1,
                    saying: "chatroom-server: no account named bob")
            }
            expectFailure(
                try accounts(["passwd", "bob"], store: store, input: "new-password\n"), status: 1,
                saying: "no account named bob")
        }
    }

    @Test func aNameTakenInAnyCaseIsStatusOne() throws {
        try withTemporaryDirectory { folder throws in
            let store = folder + "/chatroom.sqlite"
            #expect(try accounts(["add", "Alice"], store: store, input: "a-password\n").status == 0)
            expectFailure(
                try accounts(["add", "aLICE", "--operator"], store: store, input: "b-password\n"), status: 1,
                saying: "the name aLICE is taken (account Alice)")
            let file = try SQLiteAccountStore(path: store)
            #expect(try file.allAccounts().map(\.name) == ["Alice"])
            #expect(try file.account(named: "alice")?.isOperator == false)
        }
    }

    @Test(arguments: [
        ("user12", "names of the form user<digits> are the server's to give out"),
        ("USER7", "names of the form user<digits> are the server's to give out"),
        ("9lives", "a name starts with a letter"),
        ("server", "the name server is reserved"),
        ("bob smith", "a name holds only ASCII letters, digits, _ and -"),
        ("abcdefghijklmnopqrstuvwxy", "a name is 1 to 24 characters"),
    ])
    func aNameThatIsNotAllowedIsStatusOne(name: String, reason: String) throws {
        try withTemporaryDirectory { folder throws in
            let store = folder + "/chatroom.sqlite"
            expectFailure(
                try accounts(["add", name], store: store, input: "a-password\n"), status: 1,
                saying: "chatroom-server: \(name) cannot be an account's name: \(reason)")
        }
    }

    @Test func generatedLookingNamesThatAreNotGeneratedAreAllowed() throws {
        try withTemporaryDirectory { folder throws in
            let store = folder + "/chatroom.sqlite"
            for name in ["user", "users", "user1a", "username"] {
                #expect(try accounts(["add", name], store: store, input: "a-password\n").status == 0, "\(name)")
            }
        }
    }

    @Test func aPasswordOutside8To256BytesIsRefusedAndNeverShown() throws {
        try withTemporaryDirectory { folder throws in
            let store = folder + "/chatroom.sqlite"
            for password in ["seven77", String(repeating: "p", count: 257), ""] {
                let result = try accounts(["add", "alice"], store: store, input: password + "\n")
                expectFailure(result, status: 1, saying: "chatroom-server: a password is 8 to 256 bytes")
                if !password.isEmpty { #expect(!result.errors.contains(password)) }
            }
            // Nothing in standard input at all.
            expectFailure(try accounts(["add", "alice"], store: store), status: 1, saying: "a password is 8 to 256")
            #expect(try accounts(["add", "alice"], store: store, input: "eight888").status == 0)
            expectFailure(
                try accounts(["passwd", "alice"], store: store, input: "short\n"), status: 1,
                saying: "a password is 8 to 256 bytes")
            #expect(try accounts(["add", "bob"], store: store, input: String(repeating: "é", count: 128)).status == 0)
        }
    }

    @Test func theStoreFileHoldsNoPassword() throws {
        try withTemporaryDirectory { folder throws in
            let store = folder + "/chatroom.sqlite"
            let password = "a memorable passphrase"
            #expect(try accounts(["add", "alice"], store: store, input: password + "\n").status == 0)
            #expect(try accounts(["passwd", "alice"], store: store, input: "another passphrase\n").status == 0)
            var bytes = Data()
            for file in [store, store + "-wal"] { bytes.append(FileManager.default.contents(atPath: file) ?? Data()) }
            #expect(bytes.range(of: Data("$argon2id$v=19$".utf8)) != nil)
            #expect(bytes.range(of: Data(password.utf8)) == nil)
            #expect(bytes.range(of: Data("another passphrase".utf8)) == nil)
        }
    }

    @Test(arguments: [
        ["add", "alice"], ["remove", "alice"], ["passwd", "alice"], ["op", "alice"], ["deop", "alice"], ["list"],
    ])
    func storeNoneIsRefused(arguments: [String]) throws {
        try withTemporaryDirectory { folder throws in
            let result = try accounts(arguments, store: "none", input: "a-password\n")
            expectFailure(result, status: 1, saying: "chatroom-server: --store none keeps no accounts")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [])
        }
    }

    @Test func onlyAddMakesAStoreFile() throws {
        try withTemporaryDirectory { folder throws in
            let store = folder + "/chatroom.sqlite"
            expectFailure(try accounts(["list"], store: store), status: 1, saying: "no store at \(store)")
            expectFailure(try accounts(["remove", "alice"], store: store), status: 1, saying: "no store at \(store)")
            #expect(!FileManager.default.fileExists(atPath: store))
            #expect(try accounts(["add", "alice"], store: store, input: "a-password\n").status == 0)
            #expect(FileManager.default.fileExists(atPath: store))
        }
    }

    @Test func aFileThatIsNotAStoreIsStatusOne() throws {
        try withTemporaryDirectory { folder throws in
            let store = folder + "/notes.txt"
            try "These are my notes, not a database.\n".write(toFile: store, atomically: false, encoding: .utf8)
            expectFailure(
                try accounts(["list"], store: store), status: 1,
                saying: "chatroom-server: cannot open the message store \(store): not an SQLite database")
        }
    }

    @Test(arguments: [
        (["accounts"], "a subcommand is needed: add, remove, passwd, op, deop or list"),
        (["accounts", "add"], "Missing expected argument '<name>'"),
        (["accounts", "rename", "alice"], "unexpected arguments: 'rename', 'alice'"),
        (["accounts", "list", "extra"], "Unexpected argument 'extra'"),
        (["accounts", "remove", "alice", "--operator"], "Unknown option '--operator'"),
        (["accounts", "list", "--store"], "Missing value for '--store <path|none>'"),
        (["accounts", "list", "--port", "7000"], "--port is an option of the server, not of the accounts subcommands"),
        (["--store", "x.sqlite", "accounts", "list"], "options go after the subcommand"),
    ])
    func aUsageErrorIsStatus64(arguments: [String], message: String) throws {
        try withTemporaryDirectory { folder throws in
            let server = try BuiltProducts.path("chatroom-server")
            // Run in the folder, so that a mistake would leave its store there, never in the working tree.
            let result = try runProcess(["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", folder, server] + arguments)
            #expect(result.status == 64, "\(result)")
            #expect(result.errors.contains(message), "\(result.errors)")
            #expect(result.output == "")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == [])
        }
    }

    @Test func theyWorkWhileAServerHoldsTheStore() throws {
        try withTemporaryDirectory { folder throws in
            let store = folder + "/chatroom.sqlite"
            let server = try ServerProcess(arguments: ["--store", store])
            let (alice, _) = try join(server.port)
            try alice.send("before the accounts")
            #expect(try alice.readLine() == "MSG user1 before the accounts")

            #expect(try accounts(["add", "carol", "--operator"], store: store, input: "carols-password\n").status == 0)
            #expect(try accounts(["add", "dave"], store: store, input: "daves-password\n").status == 0)
            #expect(try accounts(["op", "dave"], store: store).status == 0)
            #expect(try accounts(["passwd", "carol"], store: store, input: "carols-new-password\n").status == 0)
            #expect(try accounts(["remove", "dave"], store: store).status == 0)
            let listed = try accounts(["list"], store: store)
            #expect(listed.status == 0, "\(listed)")
            let lines = listed.output.split(separator: "\n")
            #expect(lines.count == 1)
            expectListing(lines.first ?? "", "carol", "operator")

            // The room went on meanwhile, and its history is in the same file.
            try alice.send("after the accounts")
            #expect(try alice.readLine() == "MSG user1 after the accounts")
            server.signal(SIGTERM)
            #expect(try alice.readUntilClosed() == ["BYE server shutting down"])
            #expect(server.waitForExit(timeout: .seconds(5)) == 0)
            #expect(!server.log.contains("error"), "\(server.log)")
            let history = try SQLiteMessageStore(path: store)
            #expect(try history.latest(10).map(\.text) == ["before the accounts", "after the accounts"])
            #expect(try SQLiteAccountStore(path: store).allAccounts().map(\.name) == ["carol"])
        }
    }
}

extension ISO8601DateFormatter {
    /// `2026-12-01T19:56:01.123Z`.
    fileprivate static var withMilliseconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }
}
