import ChatPassword
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Glibc
import Logging

/// A running server with its history and accounts in a temporary folder, and ways to make accounts ahead,
/// restart it on the same store, and connect from other loopback addresses.
final class AccountsRoom: @unchecked Sendable {
    // @unchecked: used by one test thread.
    let folder: String
    let path: String
    var configuration: ChatServer.Configuration
    private(set) var server: ChatServer
    private(set) var accounts: SQLiteAccountStore
    /// The password every account made by ``makeAccount(_:operator:)`` has: the name twice.
    static func password(of name: String) -> String { "\(name)-\(name)-secret" }
    /// A cheap hash for accounts made ahead (the server verifies any parameters the hash names).
    private let hasher = PasswordHasher(parameters: .init(memoryKiB: 64, iterations: 1, parallelism: 1))

    var port: Int { server.port }

    init(
        logger: Logger = quietLogger, _ adjust: (inout ChatServer.Configuration) -> Void = { _ in }
    ) throws {
        folder = try makeTemporaryDirectory("chatroom-accounts")
        path = folder + "/room.sqlite"
        var configuration = ChatServer.Configuration(host: "127.0.0.1", port: 0)
        adjust(&configuration)
        self.configuration = configuration
        (server, accounts) = try Self.start(configuration, path: path, logger: logger)
        self.logger = logger
    }

    private let logger: Logger

    private static func start(_ configuration: ChatServer.Configuration, path: String, logger: Logger) throws -> (
        ChatServer, SQLiteAccountStore
    ) {
        var configuration = configuration
        configuration.store = try SQLiteMessageStore(path: path)
        let accounts = try SQLiteAccountStore(path: path)
        configuration.accounts = accounts
        let server = try ChatServer(configuration: configuration, logger: logger)
        try server.start()
        return (server, accounts)
    }

    /// Stops the server (as SIGTERM does) and starts another on the same store and port.
    func restart() throws {
        let port = server.port
        server.shutdown(grace: .milliseconds(200))
        configuration.port = port
        (server, accounts) = try Self.start(configuration, path: path, logger: logger)
    }

    /// Makes an account as `chatroom-server accounts add` would, with ``password(of:)``.
    func makeAccount(_ name: String, operator isOperator: Bool = false) throws {
        let made = try accounts.createAccount(
            AccountRecord(
                name: name, passwordHash: try hasher.hash(Self.password(of: name)), isOperator: isOperator,
                created: Timestamp.now().millisecondsSinceEpoch))
        guard made else { throw TestFailure("the account \(name) exists already") }
    }

    /// Connects (from `source`, a loopback address) and reads the `WELCOME`: the client and its name.
    func connect(from source: String? = nil) throws -> (LineClient, String) {
        let client = try LineClient(port: port, source: source)
        guard let line = try client.readLine(), line.hasPrefix("WELCOME ") else {
            throw TestFailure("no WELCOME; got \(client.received)")
        }
        return (client, String(line.split(separator: " ")[1]))
    }

    /// Connects and logs in as `name` (with ``password(of:)``), reading up to its `LOGGED-IN`.
    func logIn(_ name: String, from source: String? = nil) throws -> LineClient {
        let (client, _) = try connect(from: source)
        try client.send("/login \(name) \(Self.password(of: name))")
        _ = try client.readLines(until: "LOGGED-IN \(name)")
        return client
    }

    deinit {
        server.shutdown(grace: .milliseconds(100))
        try? FileManager.default.removeItem(atPath: folder)
    }
}

extension LineClient {
    /// Sends `line` and reads the first line after it that is not a room event (`JOIN`, `LEAVE`, `NICK`,
    /// `MSG`, `DM`): the answer, when other connections may come and go meanwhile.
    func answer(_ line: String) throws -> String? {
        try send(line)
        while let next = try readLine() {
            let word = next.split(separator: " ", maxSplits: 1).first ?? ""
            if !["JOIN", "LEAVE", "NICK", "MSG", "DM"].contains(word) { return next }
        }
        return nil
    }
}
