import ChatPassword
import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

extension Transcript {
    /// Runs the script against a fresh server with an empty store of its own, then checks that every client
    /// still connected has nothing left to read.
    ///
    /// - Returns: The first failure, or `nil` when every step held.
    /// - Throws: Only when the server itself (or its store) cannot start.
    func run() async throws -> TranscriptError? {
        let folder = try makeTemporaryDirectory("chatroom-transcript")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var configuration = ChatServer.Configuration()
        if let maxClients { configuration.maxClients = maxClients }
        let path = folder + "/transcript.sqlite"
        configuration.store = try SQLiteMessageStore(path: path)
        let accounts = try SQLiteAccountStore(path: path)
        // Cheap hashes for the accounts made ahead; the server checks any parameters a hash names.
        let hasher = PasswordHasher(parameters: .init(memoryKiB: 64, iterations: 1, parallelism: 1))
        for account in self.accounts {
            _ = try accounts.createAccount(
                AccountRecord(
                    name: account.name, passwordHash: try hasher.hash(account.password), isOperator: account.isOperator,
                    created: Timestamp.now().millisecondsSinceEpoch))
        }
        configuration.accounts = accounts
        configuration.membersOnly = membersOnly
        configuration.registrationOpen = !registrationClosed
        if let loginTimeout { configuration.loginTimeout = Double(loginTimeout) }
        return try await run(configuration)
    }

    private func run(_ configuration: ChatServer.Configuration) async throws -> TranscriptError? {
        try await withRunningServer(configuration) { _, port in
            var runner = TranscriptRunner(transcript: self, port: port)
            defer { runner.closeAll() }
            do throws(TranscriptError) {
                try runner.runSteps()
                try runner.checkNothingUnread()
                return nil
            } catch {
                return error
            }
        }
    }
}

/// Plays a ``Transcript``'s steps one by one with blocking ``LineClient``s.
private struct TranscriptRunner {
    let transcript: Transcript
    let port: Int
    /// How long to wait for each expected line or close.
    let timeout: Duration = .seconds(5)
    /// Connected clients in the order they connected; ended ones are removed.
    private var clients: [(label: String, client: LineClient)] = []
    private var syncCount = 0

    init(transcript: Transcript, port: Int) {
        self.transcript = transcript
        self.port = port
    }

    mutating func runSteps() throws(TranscriptError) {
        for step in transcript.steps {
            try run(step)
        }
    }

    /// Proves that no open client received a line the script did not expect.
    mutating func checkNothingUnread() throws(TranscriptError) {
        for (label, client) in clients {
            let unread = try readUntilPong(label, client, line: transcript.lineCount)
            if !unread.isEmpty {
                throw failure(
                    transcript.lineCount,
                    "at the end of the transcript \(label) had lines the transcript does not expect:\n"
                        + unread.map { "    " + Transcript.display($0) }.joined(separator: "\n"))
            }
        }
    }

    mutating func closeAll() {
        for (_, client) in clients { client.close() }
        clients.removeAll()
    }

    private mutating func run(_ step: Transcript.Step) throws(TranscriptError) {
        let label = step.client
        if case .connect(let source) = step.action {
            do {
                clients.append((label, try LineClient(port: port, source: source)))
            } catch {
                throw failure(step.line, "\(label) could not connect: \(error)")
            }
            return
        }
        // The parser has checked that the client is connected here.
        guard let index = clients.firstIndex(where: { $0.label == label }) else {
            throw failure(step.line, "\(label) is not connected")
        }
        let client = clients[index].client
        switch step.action {
        case .connect:
            break
        case .send(let bytes):
            do {
                try client.sendRaw(bytes)
            } catch {
                throw failure(step.line, "\(label) could not send: \(error)")
            }
        case .expect(let expected):
            let line = try read(label, client, line: step.line, expecting: "\n    " + expected.display)
            guard let line else {
                throw failure(
                    step.line,
                    "\(label) expected\n    \(expected.display)\n  but the server closed the connection"
                        + earlier(client, before: 0))
            }
            if !expected.matches(line) {
                throw failure(
                    step.line,
                    "\(label) expected\n    \(expected.display)\n  but received\n    "
                        + Transcript.display(line) + earlier(client, before: 1))
            }
        case .expectClosed:
            let line = try read(label, client, line: step.line, expecting: " the server to close the connection")
            if let line {
                throw failure(
                    step.line,
                    "\(label) expected the server to close the connection\n  but received\n    "
                        + Transcript.display(line) + earlier(client, before: 1))
            }
            clients.remove(at: index)
        case .expectQuiet:
            let unread = try readUntilPong(label, client, line: step.line)
            if !unread.isEmpty {
                throw failure(
                    step.line,
                    "\(label) expected nothing more to read\n  but received\n"
                        + unread.map { "    " + Transcript.display($0) }.joined(separator: "\n"))
            }
        case .drop:
            client.close(reset: true)
            clients.remove(at: index)
        }
    }

    /// Reads one line; `nil` means the server closed the connection.
    private func read(_ label: String, _ client: LineClient, line: Int, expecting: String)
        throws(TranscriptError) -> String?
    {
        do {
            return try client.readLine(timeout: timeout)
        } catch {
            throw failure(
                line,
                "\(label) expected\(expecting)\n  but nothing arrived within \(timeout)" + earlier(client, before: 0))
        }
    }

    /// Sends `/ping` with a fresh token and returns what arrived before its `PONG`. The server answers a
    /// client's commands in order, so an empty result proves nothing else was waiting.
    private mutating func readUntilPong(_ label: String, _ client: LineClient, line: Int)
        throws(TranscriptError) -> [String]
    {
        syncCount += 1
        let token = "transcript-sync-\(syncCount)"
        do {
            try client.send("/ping \(token)")
        } catch {
            throw failure(
                line,
                "\(label) was still expected to be connected, but its check /ping could not be sent (\(error))"
                    + "\n  (a connection the server ends is written '\(label) closed')")
        }
        var lines: [String] = []
        while true {
            let received = try read(label, client, line: line, expecting: " PONG \(token) (the check for unread lines)")
            guard let received else {
                throw failure(
                    line,
                    "\(label) was still expected to be connected, but the server closed the connection"
                        + (lines.isEmpty
                            ? ""
                            : " after sending\n" + lines.map { "    " + Transcript.display($0) }.joined(separator: "\n"))
                        + "\n  (a connection the server ends is written '\(label) closed')")
            }
            if received == "PONG \(token)" { return lines }
            lines.append(received)
        }
    }

    /// The last few lines a client read before the current one, to show where it stands.
    private func earlier(_ client: LineClient, before skipped: Int) -> String {
        let lines = client.received.dropLast(skipped).suffix(3)
        guard !lines.isEmpty else { return "\n  (nothing was received before)" }
        return "\n  after\n" + lines.map { "    " + Transcript.display($0) }.joined(separator: "\n")
    }

    private func failure(_ line: Int, _ message: String) -> TranscriptError {
        TranscriptError(file: transcript.name, path: transcript.path, line: line, message: message)
    }
}
