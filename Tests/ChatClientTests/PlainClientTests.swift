import ChatClient
import ChatServer
import ChatSystem
import ChatTestSupport
import Glibc
import Synchronization
import Testing

/// Runs a plain-mode client on a thread of its own, feeding it input through a pipe.
final class PlainRun: Sendable {
    private struct Shared {
        var output: [String] = []
        var notes: [String] = []
        var status: Int32?
        var failure: String?
    }

    private let shared = Mutex(Shared())
    /// The local time when the run started: the server stamps live lines with its own clock.
    private let started = LocalTime.now()
    let inputFD: Int32
    private let writeFD: Int32
    /// The client's thread until ``wait(timeout:)`` has joined it.
    private let thread = Mutex<pthread_t?>(nil)

    init(port: Int, name: String? = nil, historyCount: Int? = nil) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw TestFailure("pipe failed: errno \(errno)") }
        inputFD = fds[0]
        writeFD = fds[1]
        let options = ChatConnection.Options(address: ServerAddress(host: "127.0.0.1", port: port), name: name)
        let started = try ThreadSpawner.spawnJoinable { [self] in run(options, historyCount: historyCount) }
        thread.withLock { $0 = started }
    }

    private func run(_ options: ChatConnection.Options, historyCount: Int?) {
        let client = PlainClient(
            options: options, input: inputFD,
            output: { line in self.shared.withLock { $0.output.append(line) } },
            note: { line in self.shared.withLock { $0.notes.append(line) } },
            now: { LocalTime(hour: 12, minute: 1) }, historyCount: historyCount)
        do {
            let status = try client.run()
            shared.withLock { $0.status = status }
        } catch {
            shared.withLock {
                $0.failure = "\(error)"
                $0.status = -1
            }
        }
        close(inputFD)
    }

    func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(writeFD, $0.baseAddress, $0.count) }
    }

    func endInput() { close(writeFD) }

    var output: [String] { shared.withLock { $0.output } }

    /// The output read against `expected`, where a line that starts `{now} ` is one the server stamped
    /// (v1.1, the `time` tag): such a line of the output whose stamp is the local time of the run (its
    /// minute when it started, or now) reads `{now} ` there too. Every other line is as printed.
    func output(against expected: [String]) -> [String] {
        let minutes = [started.description, LocalTime.now().description]
        return output.enumerated().map { index, line in
            guard index < expected.count, expected[index].hasPrefix("{now} "), minutes.contains(String(line.prefix(5)))
            else { return line }
            return "{now}" + line.dropFirst(5)
        }
    }

    var notes: [String] { shared.withLock { $0.notes } }

    /// Waits for the client to exit, joins its thread and returns its status.
    func wait(timeout: Duration = .seconds(10)) throws -> Int32 {
        guard eventually(timeout: timeout, { shared.withLock { $0.status != nil } }) else {
            throw TestFailure("plain client still running; output: \(output), notes: \(notes)")
        }
        // The thread has nothing left to do but close its end of the pipe.
        if let ended = thread.withLock({ $0.take() }) { ThreadSpawner.join(ended) }
        return shared.withLock { $0.status ?? -1 }
    }
}

@Suite struct PlainClientTests {
    @Test func sendsEachLineAndPrintsEachEventThenExitsOnceAnswered() async throws {
        try await withRunningServer { _, port in
            let (bob, _) = try join(port)
            try bob.send("/nick bob")
            _ = try bob.readLine()
            let run = try PlainRun(port: port, name: "alice")
            run.write("hello everyone\n/dm bob psst\n\n/dm nobody hi\n/users\n/nick bob\n/clear\nlast line without LF")
            run.endInput()
            #expect(try run.wait() == 0)
            let expected = [
                "12:01 * Welcome to chatroom! Type /help for the commands. (you are user2)",
                "12:01 * you are now alice",
                "{now} <alice> hello everyone",
                "{now} -> bob: psst",
                "12:01 ! no user named nobody (no-such-user)",
                "12:01 * 2 users: alice, bob",
                "12:01 ! the name bob is taken (name-taken)",
                "{now} <alice> last line without LF",
            ]
            #expect(run.output(against: expected) == expected)
            #expect(run.notes == ["connected to 127.0.0.1:\(port)"])
            #expect(
                try bob.readLines(5) == [
                    "JOIN user2", "NICK user2 alice", "MSG alice hello everyone", "DM alice bob psst",
                    "MSG alice last line without LF",
                ])
            #expect(try bob.readLine() == "LEAVE alice quit")
        }
    }

    @Test func printsWhatOthersSayWhileItsInputIsOpen() async throws {
        try await withRunningServer { _, port in
            let run = try PlainRun(port: port)
            #expect(eventually { run.output.count == 1 })
            let (bob, _) = try join(port)
            try bob.send("hi there")
            #expect(eventually { run.output.count >= 3 })
            try bob.send("/dm user1 \"just you\"")
            #expect(eventually { run.output.count >= 4 })
            run.endInput()
            #expect(try run.wait() == 0)
            let expected = [
                "12:01 * Welcome to chatroom! Type /help for the commands. (you are user1)",
                "{now} * user2 joined",
                "{now} <user2> hi there",
                "{now} <- user2: just you",
            ]
            var output = run.output(against: expected)
            // Bob may join before the server has the client's `/caps ids time`: then the JOIN has no time tag,
            // and the client stamps it with its arrival (the test's clock, 12:01). Either is right. On a loaded
            // machine his first message may beat the `/caps` too (never the other way round: the server takes
            // a connection's lines in order, and the JOIN came first).
            if output.count > 1 && output[1] == "12:01 * user2 joined" {
                output[1] = expected[1]
                if output.count > 2 && output[2] == "12:01 <user2> hi there" { output[2] = expected[2] }
            }
            #expect(output == expected)
        }
    }

    @Test func quitEndsWithStatusZeroAndIgnoresTheRest() async throws {
        try await withRunningServer { _, port in
            let run = try PlainRun(port: port)
            run.write("before\n/quit\nafter\n")
            #expect(try run.wait() == 0)
            let expected = [
                "12:01 * Welcome to chatroom! Type /help for the commands. (you are user1)",
                "{now} <user1> before",
                "12:01 * the server says goodbye: goodbye",
            ]
            #expect(run.output(against: expected) == expected)
            run.endInput()
        }
    }

    @Test func losingTheServerExitsOne() async throws {
        // The server picks its own port: a port read back and released could be taken meanwhile.
        let server = try startServer(port: 0)
        let run = try PlainRun(port: server.port)
        #expect(eventually { run.output.count == 1 }, "output: \(run.output), notes: \(run.notes)")
        server.shutdown(grace: .milliseconds(300))
        #expect(try run.wait() == 1, "output: \(run.output), notes: \(run.notes)")
        #expect(run.output.last == "12:01 * the server says goodbye: server shutting down", "output: \(run.output)")
        #expect(
            run.notes.last == "disconnected: the server closed the connection: server shutting down",
            "notes: \(run.notes)")
        run.endInput()
    }

    @Test func nothingToConnectToExitsOne() throws {
        let port = try freePort()
        let run = try PlainRun(port: port)
        #expect(try run.wait() == 1)
        #expect(run.output.isEmpty)
        #expect(run.notes == ["disconnected: nothing answers on 127.0.0.1:\(port) (connection refused)"])
        run.endInput()
    }

    @Test func historyFromAServerThatKeepsNothingIsANoteAndTheInputStillRuns() async throws {
        try await withRunningServer { _, port in
            let run = try PlainRun(port: port, historyCount: 5)
            run.write("hello\n")
            run.endInput()
            #expect(try run.wait() == 0)
            let expected = [
                "12:01 * Welcome to chatroom! Type /help for the commands. (you are user1)",
                "{now} <user1> hello",
            ]
            #expect(run.output(against: expected) == expected)
            #expect(run.notes == ["connected to 127.0.0.1:\(port)", "the server keeps no history"])
        }
    }
}
