import CSQLite
import ChatStore
import ChatTestSupport
import Foundation
import Testing

private let welcome = "Welcome to chatroom! Type /help for the commands."

/// The durable history over real sockets: `chatroom-server` with a `--store` of the test's own (a file in a
/// temporary folder) or `--store none`, as a user runs it.
@Suite struct HistoryTests {
    /// Sends each text and reads back its `@id=...;time=... MSG` (the client has ids and time on).
    private func broadcast(_ texts: [String], from client: LineClient, as name: String) throws -> [SeenMessage] {
        try texts.map { text in
            try client.send(text)
            let line = try client.readLine()
            guard let line, let seen = SeenMessage(tagged: line), seen.from == name, seen.text == text else {
                throw TestFailure("\(text) came back as \(String(describing: line))")
            }
            return seen
        }
    }

    // MARK: Persistence

    @Test func theHistoryOutlivesASigtermRestartAndIdsGoOn() throws {
        try withTemporaryDirectory { folder in
            let store = folder + "/history.sqlite"
            let sent: [SeenMessage]
            do {
                let server = try ServerProcess(arguments: ["--store", store])
                let (alice, _) = try join(server.port)
                try alice.enableIDsAndTime()
                sent = try broadcast(["one", "two words", #"three: "quoted" \ (AND) *"#], from: alice, as: "user1")
                #expect(sent.map(\.id) == [1, 2, 3])
                server.signal(SIGTERM)
                #expect(try alice.readUntilClosed() == ["BYE server shutting down"])
                #expect(server.waitForExit(timeout: .seconds(5)) == 0)
                #expect(server.log.contains("last-id=0"), "\(server.log)")
            }
            let server = try ServerProcess(arguments: ["--store", store])
            #expect(server.log.contains("last-id=3"), "\(server.log)")
            let (bob, name) = try join(server.port)
            #expect(name == "user1")
            // Same ids, times, names and texts as were sent live before the restart.
            #expect(try bob.answer(to: "/history") == sent.map(\.historyLine))
            try bob.enableIDsAndTime()
            let after = try broadcast(["four"], from: bob, as: "user1")
            #expect(after.map(\.id) == [4])
            #expect(try bob.sync() == [])
            let (carol, _) = try join(server.port)
            #expect(try carol.answer(to: "/history 2") == (sent.suffix(1) + after).map(\.historyLine))
            #expect(storeFiles(in: folder).first == "history.sqlite")
        }
    }

    @Test func theWriterIndexesWhatItStoredOnceTheRoomIsQuiet() throws {
        try withTemporaryDirectory { folder in
            let store = folder + "/history.sqlite"
            let server = try ServerProcess(arguments: ["--store", store, "--rate", "0"])
            let (alice, _) = try join(server.port)
            try alice.enableIDsAndTime()
            let sent = try broadcast((1...300).map { "note \($0)" }, from: alice, as: "user1")
            // The index takes 256 at a time while messages come, and the rest once none came for 200 ms.
            var indexed: Int64?
            let caughtUp = try eventually(timeout: .seconds(10)) {
                indexed = try integer("SELECT value FROM store_meta WHERE key = 'indexed_id'", in: store)
                return indexed == 300
            }
            #expect(caughtUp, "indexed_id is \(String(describing: indexed))")
            #expect(try alice.answer(to: "/search note") == sent.suffix(50).map(\.foundLine))
        }
    }

    @Test func retainKeepsTheNewestMessagesAndIdsGoOnAfterARestart() throws {
        try withTemporaryDirectory { folder in
            let arguments = ["--store", folder + "/history.sqlite", "--retain", "5"]
            do {
                let server = try ServerProcess(arguments: arguments)
                let (alice, _) = try join(server.port)
                try alice.enableIDsAndTime()
                #expect(try broadcast((1...8).map { "m\($0)" }, from: alice, as: "user1").map(\.id) == Array(1...8))
                server.signal(SIGTERM)
                #expect(server.waitForExit(timeout: .seconds(5)) == 0)
            }
            let server = try ServerProcess(arguments: arguments)
            let (bob, _) = try join(server.port)
            // The store prunes at start, off the delivery path: poll for it.
            let kept = try poll(timeout: .seconds(10)) {
                try bob.wholeHistory()
            } until: {
                $0.count <= 5
            }
            #expect(kept.map(\.id) == Array(4...8))
            #expect(kept.map(\.text) == (4...8).map { "m\($0)" })
            try bob.enableIDsAndTime()
            #expect(try broadcast(["m9"], from: bob, as: "user1").map(\.id) == [9])
            // A running server prunes too (every few seconds, between groups of broadcasts).
            let (carol, _) = try join(server.port)
            let later = try poll(timeout: .seconds(15), every: .milliseconds(200)) {
                try carol.wholeHistory()
            } until: {
                $0.count <= 5
            }
            #expect(later.map(\.id) == Array(5...9))
        }
    }

    @Test func aLineSentJustBeforeTheClientClosesIsStoredAndDeliveredBeforeItsLeave() throws {
        try withTemporaryDirectory { folder in
            let server = try ServerProcess(arguments: ["--store", folder + "/history.sqlite"])
            let (alice, _) = try join(server.port)
            let (bob, _) = try join(server.port)
            try alice.send("parting words")
            alice.shutdownWrite()
            #expect(try alice.readUntilClosed() == ["JOIN user2", "MSG user1 parting words"])
            #expect(try bob.readLines(2) == ["MSG user1 parting words", "LEAVE user1 lost"])
            let (carol, _) = try join(server.port)
            let history = try carol.wholeHistory()
            #expect(history.map(\.id) == [1])
            #expect(history.map(\.text) == ["parting words"])
        }
    }

    @Test func manyBroadcastsInOneWriteFlowIntoTheStoreAndOtherLinesAreAnsweredInTheirPlace() throws {
        try withTemporaryDirectory { folder in
            let server = try ServerProcess(arguments: ["--store", folder + "/history.sqlite", "--rate", "0"])
            let (alice, _) = try join(server.port)
            let (bob, _) = try join(server.port)
            _ = try alice.readLine()  // JOIN user2
            // More broadcasts than may wait for the store at once, a command, a refused line, and more: all in
            // one write, so each line after the first arrives while broadcasts before it wait for the store.
            let first = (1...40).map { "a\($0)" }
            let second = (41...45).map { "a\($0)" }
            let lines = first + ["/ping mid", "/nosuch"] + second + ["/ping end"]
            try alice.sendRaw(Array((lines.joined(separator: "\n") + "\n").utf8))
            let answers = try alice.readLines(first.count + 1 + 1 + second.count + 1)
            #expect(
                answers
                    == first.map { "MSG user1 \($0)" }
                    + ["PONG mid", "ERROR unknown-command unknown command /nosuch (try /help)"]
                    + second.map { "MSG user1 \($0)" } + ["PONG end"])
            #expect(try bob.readLines(45) == (first + second).map { "MSG user1 \($0)" })
            let (carol, _) = try join(server.port)
            #expect(try carol.wholeHistory().map(\.text) == first + second)
        }
    }

    // MARK: Reconnecting

    /// What one connection of a reconnecting client got: the texts `/history after` gave it, and those that
    /// came live (some before its `/caps` took effect, without ids).
    private struct Visit {
        var history: [String] = []
        var live: [String] = []
        /// The highest id it knows of.
        var lastID: UInt64
    }

    /// Whether `line` is a `JOIN` or a `LEAVE`, with a `time` tag or without (before `/caps` took effect).
    private static func isJoinOrLeave(_ line: String) -> Bool {
        let event = line.hasPrefix("@time=") ? line.split(separator: " ", maxSplits: 1).last ?? "" : Substring(line)
        return event.hasPrefix("JOIN ") || event.hasPrefix("LEAVE ")
    }

    /// Connects, asks for ids and for the history after `lastID` (page after page until one is short), and
    /// reads live broadcasts until `enough` holds; then closes.
    private func visit(_ port: Int, after lastID: UInt64, until enough: (Visit) -> Bool) throws -> Visit {
        let client = try LineClient(port: port)
        defer { client.close() }
        try client.send("/caps ids time")
        try client.send("/history after \(lastID) 1000")
        var visit = Visit(lastID: lastID)
        var page = 0
        var lastHistoryID = lastID
        var historyDone = false
        var pinged = false
        while true {
            guard let line = try client.readLine(timeout: .seconds(10)) else {
                throw TestFailure("the server closed the connection; got \(client.received.suffix(5))")
            }
            if let message = SeenMessage(tagged: line) {
                visit.live.append(message.text)
                visit.lastID = max(visit.lastID, message.id)
            } else if line.hasPrefix("MSG user1 ") {
                visit.live.append(String(line.dropFirst("MSG user1 ".count)))
            } else if let message = SeenMessage(stored: line) {
                visit.history.append(message.text)
                visit.lastID = max(visit.lastID, message.id)
                lastHistoryID = message.id
                page += 1
            } else if line.hasPrefix("HISTORY-END ") {
                guard line == "HISTORY-END \(page)" else { throw TestFailure("\(line) after \(page) lines") }
                if page == 1000 {
                    // The next page starts after this one (live lines with higher ids may have come meanwhile).
                    try client.send("/history after \(lastHistoryID) 1000")
                } else {
                    historyDone = true
                }
                page = 0
            } else if line == "PONG done" {
                return visit
            } else if !(line.hasPrefix("WELCOME ") || line == "CAPS ids time" || Self.isJoinOrLeave(line)) {
                throw TestFailure("unexpected \(line)")
            }
            if historyDone && !pinged && enough(visit) {
                // What is in flight before the PONG belongs to this visit too.
                try client.send("/ping done")
                pinged = true
            }
        }
    }

    /// "A client that kept the highest id it saw and, after reconnecting, asks /history after ID (repeating
    /// until an answer is short) gets exactly what it missed: none twice, none lost", while one sender floods.
    @Test func aReconnectingClientGetsExactlyWhatItMissedFromTheHistory() throws {
        try withTemporaryDirectory { folder in
            let server = try ServerProcess(arguments: ["--store", folder + "/history.sqlite", "--rate", "0"])
            let (senderClient, name) = try join(server.port)
            #expect(name == "user1")
            try senderClient.enableIDsAndTime()
            let texts = (0..<6000).map { "line \($0)" }
            let sender = Flooder(client: senderClient, name: name, texts: texts)
            sender.start()
            let echoed = { sender.progress.withLock { $0.messages } }
            var got: [String] = []
            var lastID: UInt64 = 0
            // Gaps of more than a page of history, of a few messages, and of none at all.
            for gap in [0, 1500, 10, 0, 1200] {
                let start = echoed()
                let waited = poll(timeout: .seconds(30), every: .milliseconds(1), echoed) { $0 >= start + gap }
                #expect(waited >= start + gap, "the sender stopped at \(waited) of \(texts.count)")
                let visit = try visit(server.port, after: lastID) { $0.live.count >= 200 || echoed() == texts.count }
                got += visit.history + visit.live
                lastID = visit.lastID
            }
            // The last visit reads to the end of the flood.
            let done = poll(timeout: .seconds(60), every: .milliseconds(5), echoed) { $0 == texts.count }
            #expect(done == texts.count, "the sender stopped at \(done) of \(texts.count)")
            let last = try visit(server.port, after: lastID) { _ in true }
            got += last.history + last.live
            #expect(got.count == texts.count)
            #expect(!server.log.contains("Sanitizer"), "\(server.log)")
            if got != texts {
                let index =
                    zip(got, texts).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(got.count, texts.count)
                Issue.record(
                    Comment(
                        rawValue: "got \(got.count) messages; the first difference at \(index):"
                            + " \(got.dropFirst(index).prefix(3)) instead of \(texts.dropFirst(index).prefix(3))"))
            }
        }
    }

    @Test func retainDaysRemovesOlderMessagesAndIdsGoOn() throws {
        try withTemporaryDirectory { folder in
            let path = folder + "/history.sqlite"
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let day: Int64 = 86_400_000
            do {
                // Three messages from three days ago and two from an hour ago, as an earlier run kept them.
                let store = try SQLiteMessageStore(path: path)
                try store.append(
                    (1...5).map { id in
                        ChatStore.StoredMessage(
                            id: id, time: id <= 3 ? now - 3 * day : now - day / 24, from: "alice", text: "m\(id)")
                    })
            }
            let server = try ServerProcess(arguments: ["--store", path, "--retain-days", "1"])
            #expect(server.log.contains("last-id=5"), "\(server.log)")
            let (bob, _) = try join(server.port)
            let kept = try poll(timeout: .seconds(10)) {
                try bob.wholeHistory()
            } until: {
                $0.count <= 2
            }
            #expect(kept.map(\.id) == [4, 5])
            #expect(kept.map(\.text) == ["m4", "m5"])
            try bob.enableIDsAndTime()
            #expect(try broadcast(["m6"], from: bob, as: "user1").map(\.id) == [6])
        }
    }

    // MARK: --store none

    @Test func withStoreNoneHistoryAndSearchAreUnavailableAndNothingIsWritten() throws {
        let storesBefore = storeFiles(in: FileManager.default.currentDirectoryPath)
        let server = try ServerProcess()
        let arguments = try String(contentsOfFile: "/proc/\(server.child.pid)/cmdline", encoding: .utf8)
        #expect(arguments.split(separator: "\0").contains("--store"))
        #expect(arguments.contains("--store\0none\0"))
        let (alice, _) = try join(server.port)
        try alice.send("/caps ids")
        #expect(try alice.readLine() == "CAPS ids")
        try alice.send("hello")
        #expect(try alice.readLine() == "@id=1 MSG user1 hello")
        let unavailable = "ERROR unavailable nothing is kept (the server runs with --store none)"
        for command in ["/history", "/history 5", "/HISTORY before 2", "/history after 0 1000", "/search hello"] {
            try alice.send(command)
            #expect(try alice.readLine() == unavailable, "\(command)")
        }
        // The command is read first: a malformed one is still a syntax error.
        try alice.send("/history 0")
        #expect(try alice.readLine() == "ERROR bad-syntax N is a number from 1 to 1000")
        try alice.send("/search")
        #expect(try alice.readLine() == "ERROR empty-message the message is empty")
        #expect(try alice.sync() == [])
        // The server runs where the tests run (the package folder), and keeps nothing there.
        let cwd = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(server.child.pid)/cwd")
        #expect(cwd == FileManager.default.currentDirectoryPath)
        #expect(storeFiles(in: cwd) == storesBefore)
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: .seconds(5)) == 0)
        #expect(storeFiles(in: cwd) == storesBefore)
    }

    // MARK: v1 untouched

    /// The lines two v1 clients (that never send a v1.1 command) receive over one scripted session.
    private func v1Session(_ arguments: [String]) throws -> [[String]] {
        let server = try ServerProcess(arguments: arguments)
        let (alice, _) = try join(server.port)
        let (bob, _) = try join(server.port)
        let script: [(LineClient, String)] = [
            (alice, "/nick alice"), (alice, "hello everyone"), (bob, #"/bc "psst, \"quoted\"""#),
            (alice, "/dm user2 a secret"), (bob, "/users"), (bob, "/help"), (bob, "/frobnicate"),
            (alice, "/nick user2"), (bob, "/ping token"), (alice, "  "), (bob, "/quit"),
        ]
        for (client, line) in script {
            try client.send(line)
            // The sender first: once it has its answer, whatever its line sent the other is queued for it too.
            if line == "/quit" { _ = try client.readUntilClosed() } else { _ = try client.sync() }
            _ = try (client === alice ? bob : alice).sync()
        }
        server.signal(SIGTERM)
        _ = try alice.readUntilClosed()
        #expect(server.waitForExit(timeout: .seconds(5)) == 0)
        return [alice.received, bob.received]
    }

    @Test func aV1ClientSeesExactlyTheSameLinesWithTheStoreAsWithout() throws {
        let withStore = try withTemporaryDirectory { try v1Session(["--store", $0 + "/history.sqlite"]) }
        let without = try v1Session(["--store", "none"])
        #expect(withStore == without)
        let help = [
            "/help - show this help", "/users - list who is connected", #"/dm NAME "TEXT" - send TEXT to NAME alone"#,
            #"/bc "TEXT" - send TEXT to everyone (a line not starting with / does the same)"#,
            "/nick NAME - change your name", "/ping [TOKEN] - the server answers PONG [TOKEN]",
            "/quit - leave the chat",
        ].map { "HELP " + $0 }
        let alice = [
            "WELCOME user1 \(welcome)", "JOIN user2", "NICK user1 alice", "PONG sync-1", "MSG alice hello everyone",
            "PONG sync-2", #"MSG user2 psst, "quoted""#, "PONG sync-3", "DM alice user2 a secret", "PONG sync-4",
            "PONG sync-5", "PONG sync-6", "PONG sync-7", "ERROR name-taken the name user2 is taken", "PONG sync-8",
            "PONG sync-9", "PONG sync-10", "LEAVE user2 quit", "PONG sync-11", "BYE server shutting down",
        ]
        let bob =
            [
                "WELCOME user2 \(welcome)", "NICK user1 alice", "PONG sync-1", "MSG alice hello everyone",
                "PONG sync-2",
                #"MSG user2 psst, "quoted""#, "PONG sync-3", "DM alice user2 a secret", "PONG sync-4",
                "USERS alice user2", "PONG sync-5",
            ] + help + [
                "PONG sync-6", "ERROR unknown-command unknown command /frobnicate (try /help)", "PONG sync-7",
                "PONG sync-8", "PONG token", "PONG sync-9", "PONG sync-10", "BYE goodbye",
            ]
        #expect(withStore == [alice, bob])
    }

    // MARK: Search

    /// Search input that tries FTS5 syntax or SQL, and the ids of the messages (below) it finds: every
    /// word is a plain word, everything else a separator.
    static let hostileSearches: [(text: String, finds: [UInt64])] = [
        ("AND", [1]), ("OR", []), ("NOT", []), ("NOT meet", []), ("NEAR(a b)", [4]), ("NEAR", [4]),
        (#""unbalanced"#, []), (#""hi"#, [3]), ("text:foo", [3]), ("text : foo", [3]), ("(a OR b)", []),
        ("*", []), ("**", []), ("meet*", [1]), ("m*", [1, 4]), ("^meet -at +8", [1]), ("{meet at}", [1]),
        ("'; DROP TABLE messages; --", [4]), ("\"; DELETE FROM messages_fts; --", []),
        ("messages_fts MATCH '*'", []), ("1 = 1 OR 1", []), ("8)", [1]), ("cafe", [2]), ("CAFÉ AU", [2]),
        // As many words as a line holds.
        ((0..<600).map { "w\($0)*" }.joined(separator: " ").prefix(4000).description, []),
        (String(repeating: "NEAR(", count: 800), [4]),
        (String(repeating: "\"", count: 4000), []),
    ]

    @Test func searchTextThatTriesFTS5OrSQLIsPlainTextAndTheHistoryStaysIntact() throws {
        try withTemporaryDirectory { folder in
            let server = try ServerProcess(arguments: ["--store", folder + "/history.sqlite"])
            let (alice, _) = try join(server.port)
            try alice.enableIDsAndTime()
            let texts = [
                "meet at 8 (AND bring snacks)", "Café au lait", #"say "hi" to text:foo"#,
                "nothing NEAR(a b) here; DROP TABLE messages",
            ]
            let sent = try broadcast(texts, from: alice, as: "user1")
            let (bob, _) = try join(server.port)
            let joined = try alice.readLine() ?? ""
            #expect(joined.hasPrefix("@time=") && joined.hasSuffix(" JOIN user2"), "\(joined)")
            for (text, ids) in Self.hostileSearches {
                let expected = sent.filter { ids.contains($0.id) }.map(\.foundLine)
                #expect(try bob.answer(to: "/search " + text) == expected, "\(text.prefix(80))")
            }
            #expect(try bob.sync() == [])
            // Nothing was dropped or changed, and the store still takes messages.
            #expect(try bob.wholeHistory() == sent)
            #expect(try broadcast(["after the searches"], from: alice, as: "user1").map(\.id) == [5])
            #expect(try bob.readLine() == "MSG user1 after the searches")
            let log = server.log
            #expect(!log.contains("failed"), "\(log)")
            for text in texts + ["DROP", "unbalanced"] { #expect(!log.contains(text), "the log holds \(text)") }
        }
    }

    // MARK: A store that will not open

    /// Stores that will not open, each made in a folder of its own.
    enum BadStore: String, CaseIterable, Sendable {
        case textFile, directory, missingFolder, newerSchema, anotherProgramsDatabase, damagedSchema, noPermission
        case readOnly

        /// Makes it in `folder`; returns its path and the reason the server must give.
        func make(in folder: String) throws -> (path: String, reason: String) {
            let path = folder + "/history.sqlite"
            switch self {
            case .textFile:
                try "These are my notes, not a database.\n".write(toFile: path, atomically: false, encoding: .utf8)
                return (path, "not an SQLite database")
            case .directory:
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
                return (path, "it is a directory")
            case .missingFolder:
                return (folder + "/no/such/history.sqlite", "no such directory")
            case .newerSchema:
                try Self.makeStore(path)
                try Self.execute("PRAGMA user_version = 99", on: path)
                return (path, "made by a newer release (schema version 99; this release knows versions up to 2)")
            case .anotherProgramsDatabase:
                try Self.execute("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)", on: path)
                return (path, "an SQLite database, but not a chatroom message store")
            case .damagedSchema:
                try Self.makeStore(path)
                // Page 1's b-tree header, right after the 100-byte file header: the schema table's root.
                let file = try FileHandle(forUpdating: URL(fileURLWithPath: path))
                try file.seek(toOffset: 100)
                try file.write(contentsOf: Data(repeating: 0xFF, count: 12))
                try file.close()
                return (path, "the database is corrupt (database disk image is malformed)")
            case .noPermission:
                try Self.makeStore(path)
                chmod(folder, 0o755)
                chmod(path, 0o000)
                return (path, "permission denied")
            case .readOnly:
                try Self.makeStore(path)
                chmod(folder, 0o755)
                chmod(path, 0o444)
                return (path, "read-only (cannot write the file or its folder)")
            }
        }

        /// A store with two messages, closed again (its write-ahead log folded into the file).
        private static func makeStore(_ path: String) throws {
            let store = try SQLiteMessageStore(path: path)
            try store.append([
                ChatStore.StoredMessage(id: 1, time: 1_767_225_600_000, from: "alice", text: "one"),
                ChatStore.StoredMessage(id: 2, time: 1_767_225_601_000, from: "alice", text: "two"),
            ])
        }

        /// Runs SQL on the file the way another program would (the C API; no sqlite3 tool needed).
        private static func execute(_ sql: String, on path: String) throws {
            var handle: OpaquePointer?
            defer { sqlite3_close(handle) }
            guard sqlite3_open(path, &handle) == SQLITE_OK, sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK
            else { throw TestFailure("\(sql) on \(path): \(String(cString: sqlite3_errmsg(handle)))") }
        }
    }

    @Test(arguments: BadStore.allCases)
    func aStoreThatWillNotOpenIsOneLineOnStderrAndExitStatusOne(_ bad: BadStore) throws {
        try withTemporaryDirectory { folder in
            let (path, reason) = try bad.make(in: folder)
            let before = try? Data(contentsOf: URL(fileURLWithPath: path))
            let port = try freePort()
            var command = [
                try BuiltProducts.path("chatroom-server"), "--host", "127.0.0.1", "--port", "\(port)", "--store", path,
            ]
            // Root is not stopped by file modes: run that one as nobody.
            if [.noPermission, .readOnly].contains(bad) && getuid() == 0 {
                command = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] + command
            }
            let server = try ChildProcess(command, separateErrors: true)
            let status = server.waitForExit(timeout: .seconds(10))
            #expect(status == 1, "stdout: \(server.output) stderr: \(server.errors)")
            #expect(server.errors == "chatroom-server: cannot open the message store \(path): \(reason)\n")
            #expect(server.output == "")
            #expect(throws: TestFailure.self) { try LineClient(port: port) }
            // Nothing was changed, and nothing was made beside it.
            #expect((try? Data(contentsOf: URL(fileURLWithPath: path))) == before)
            #expect(storeFiles(in: folder) == (bad == .missingFolder ? [] : ["history.sqlite"]))
            chmod(path, 0o644)
        }
    }
}

/// The first column of the first row `sql` gives on the store at `path`, read as another program would while
/// the server runs.
private func integer(_ sql: String, in path: String) throws -> Int64? {
    var handle: OpaquePointer?
    var statement: OpaquePointer?
    defer {
        sqlite3_finalize(statement)
        sqlite3_close(handle)
    }
    guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK,
        sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK
    else { throw TestFailure("\(sql) on \(path): \(String(cString: sqlite3_errmsg(handle)))") }
    switch sqlite3_step(statement) {
    case SQLITE_ROW: return sqlite3_column_int64(statement, 0)
    case SQLITE_DONE: return nil
    default: throw TestFailure("\(sql) on \(path): \(String(cString: sqlite3_errmsg(handle)))")
    }
}
