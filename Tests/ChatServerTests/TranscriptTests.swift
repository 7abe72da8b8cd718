import ChatTestSupport
import Foundation
import Testing

/// `Tests/Transcripts`, found from this file's path so that no package setting is needed.
private let transcriptDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .appendingPathComponent("Transcripts")
    .path

private let welcome = "Welcome to chatroom! Type /help for the commands."

/// Reports a transcript problem at its line of the `.chat` file.
private func record(_ problem: some CustomStringConvertible, at location: SourceLocation) {
    Issue.record(Comment(rawValue: problem.description), sourceLocation: location)
}

@Suite struct TranscriptTests {
    /// Every `.chat` file, by name.
    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: transcriptDirectory)) ?? []
        return names.filter { $0.hasSuffix(".chat") }.sorted()
    }()

    private static func load(_ file: String) throws -> Transcript {
        try Transcript.load(path: transcriptDirectory + "/" + file)
    }

    @Test("Transcript", arguments: files)
    func transcript(file: String) async throws {
        let transcript: Transcript
        do {
            transcript = try Self.load(file)
        } catch let error as TranscriptError {
            record(error, at: error.sourceLocation)
            return
        }
        if let failure = try await transcript.run() {
            record(failure, at: failure.sourceLocation)
        }
    }

    /// The `.chat` files in the folder, listed with `readdir` apart from ``files``.
    private static func chatFilesInFolder() throws -> [String] {
        try directoryEntries(transcriptDirectory).filter { $0.hasSuffix(".chat") }
    }

    /// Every transcript in the folder is among the test's arguments, and each one runs through and passes:
    /// one that is missed, cannot be read or fails makes this fail, naming it.
    @Test func everyTranscriptInTheFolderIsFoundAndRuns() async throws {
        let inFolder = try Self.chatFilesInFolder()
        #expect(!inFolder.isEmpty, "no .chat files in \(transcriptDirectory)")
        #expect(Self.files == inFolder, "the test found \(Self.files), the folder holds \(inFolder)")
        var passed: [String] = []
        for file in inFolder {
            guard let transcript = try? Self.load(file) else { continue }
            if try await transcript.run() == nil { passed.append(file) }
        }
        let others = inFolder.filter { !passed.contains($0) }
        #expect(
            passed.count == inFolder.count,
            "\(passed.count) of the \(inFolder.count) transcripts ran and passed; not: \(others)")
    }

    /// Each transcript really checks what it reads: changing its last expected line makes it fail there,
    /// naming the line actually received.
    @Test("A changed expectation fails", arguments: files)
    func changedExpectationFails(file: String) async throws {
        let transcript = try Self.load(file)
        let index = try #require(transcript.steps.lastIndex { if case .expect = $0.action { true } else { false } })
        let step = transcript.steps[index]
        guard case .expect(let original) = step.action else { return }
        var steps = transcript.steps
        steps[index] = .init(line: step.line, client: step.client, action: .expect(original.appending(" (changed)")))
        let failure = try #require(await transcript.replacingSteps(steps).run())
        #expect(failure.line == step.line)
        // What it names as received is the line the original expected.
        let received =
            failure.message.components(separatedBy: "but received\n").dropFirst().first
            .map { shownLines(in: String($0)).prefix(1) } ?? []
        #expect(received.count == 1 && received.allSatisfy(original.matches), "\(failure)")
    }

    /// Each transcript notices a line nobody expects: without its last expectation (of a client whose
    /// connection the script does not drop afterwards), it fails naming that line.
    @Test("A forgotten line fails", arguments: files)
    func forgottenLineFails(file: String) async throws {
        let transcript = try Self.load(file)
        let steps = transcript.steps
        let index = try #require(
            steps.indices.last { index in
                guard case .expect = steps[index].action else { return false }
                return !steps[(index + 1)...].contains { $0.client == steps[index].client && $0.action == .drop }
            })
        guard case .expect(let original) = steps[index].action else { return }
        var fewer = steps
        fewer.remove(at: index)
        let failure = try #require(await transcript.replacingSteps(fewer).run())
        #expect(shownLines(in: failure.message).contains(where: original.matches), "\(failure)")
    }
}

/// The received lines a failure message shows, as `<` or `<<` lines, read back into the lines they show.
private func shownLines(in message: String) -> [String] {
    message.split(separator: "\n").compactMap { row in
        let shown = row.drop(while: { $0 == " " })
        if shown.hasPrefix("<< ") {
            return (try? Transcript.unescape(shown.dropFirst(3))).flatMap { String(validating: $0, as: UTF8.self) }
        }
        return shown.hasPrefix("< ") ? String(shown.dropFirst(2)) : nil
    }
}

@Suite struct TranscriptRunnerTests {
    private func run(_ text: String) async throws -> String? {
        try await Transcript(name: "inline.chat", path: "/inline.chat", text: text).run()?.description
    }

    @Test func passingScriptReportsNothing() async throws {
        let failure = try await run(
            """
            connect alice
            alice < WELCOME user1 \(welcome)
            alice > hello
            alice < MSG user1 hello
            """)
        #expect(failure == nil)
    }

    @Test func wrongLineNamesFileLineExpectedAndReceived() async throws {
        let failure = try await run(
            """
            connect alice
            alice < WELCOME user1 \(welcome)
            alice > hello
            alice < MSG user1 hullo
            """)
        #expect(
            failure == """
                inline.chat:4: alice expected
                    < MSG user1 hullo
                  but received
                    < MSG user1 hello
                  after
                    < WELCOME user1 \(welcome)
                """)
    }

    @Test func unexpectedLineIsFoundAtTheEnd() async throws {
        let failure = try await run(
            """
            connect alice
            alice < WELCOME user1 \(welcome)
            connect bob
            bob < WELCOME user2 \(welcome)
            # alice is not told to expect JOIN user2
            """)
        #expect(
            failure == """
                inline.chat:5: at the end of the transcript alice had lines the transcript does not expect:
                    < JOIN user2
                """)
    }

    @Test func unexpectedLineIsFoundByQuiet() async throws {
        let failure = try await run(
            """
            connect alice
            alice < WELCOME user1 \(welcome)
            alice > /ping one
            alice quiet
            """)
        #expect(
            failure == """
                inline.chat:4: alice expected nothing more to read
                  but received
                    < PONG one
                """)
    }

    @Test func unexpectedCloseIsReported() async throws {
        let failure = try await run(
            """
            connect alice
            alice < WELCOME user1 \(welcome)
            alice > /quit
            alice < BYE goodbye
            """)
        #expect(
            failure == """
                inline.chat:4: alice was still expected to be connected, but the server closed the connection
                  (a connection the server ends is written 'alice closed')
                """)
    }

    @Test func lineInsteadOfCloseIsReported() async throws {
        let failure = try await run(
            """
            connect alice
            alice < WELCOME user1 \(welcome)
            alice > /quit
            alice closed
            """)
        #expect(
            failure == """
                inline.chat:4: alice expected the server to close the connection
                  but received
                    < BYE goodbye
                  after
                    < WELCOME user1 \(welcome)
                """)
    }

    @Test func aTimePlaceholderMatchesTheServersTime() async throws {
        let failure = try await run(
            """
            connect alice
            alice < WELCOME user1 \(welcome)
            alice > /caps time
            alice < CAPS time
            connect bob
            bob < WELCOME user2 \(welcome)
            alice < @time={time} JOIN user2
            bob > hi
            alice < @time={time} MSG user2 hi
            bob < MSG user2 hi
            """)
        #expect(failure == nil)
    }

    @Test func aLineThatDiffersBesideThePlaceholderFailsShowingBoth() async throws {
        let failure = try #require(
            try await run(
                """
                connect alice
                alice < WELCOME user1 \(welcome)
                alice > /caps time
                alice < CAPS time
                connect bob
                alice < @time={time} JOIN user3
                """))
        let lines = failure.split(separator: "\n").map(String.init)
        #expect(lines.count == 7, "\(failure)")
        #expect(
            lines.prefix(3) == ["inline.chat:6: alice expected", "    < @time={time} JOIN user3", "  but received"])
        #expect(ExpectedLine(stringLiteral: "    < @time={time} JOIN user2").matches(lines[3]), "\(failure)")
        #expect(lines.suffix(3) == ["  after", "    < WELCOME user1 \(welcome)", "    < CAPS time"])
    }

    /// What `{time}` matches: the protocol's one spelling of a time, 24 characters, and nothing else.
    static let timeMatches: [(expected: String, line: String, matches: Bool)] = [
        ("@time={time} JOIN bob", "@time=2026-12-01T19:56:01.123Z JOIN bob", true),
        ("@id=4;time={time} MSG a hi", "@id=4;time=0000-00-00T00:00:00.000Z MSG a hi", true),
        ("HISTORY 1 {time} a {time}", "HISTORY 1 2026-12-01T19:56:01.123Z a 2026-12-01T19:56:01.124Z", true),
        ("{time}", "2026-12-01T19:56:01.123Z", true),
        ("@time={time} JOIN bob", "@time=2026-12-01T19:56:01.12Z JOIN bob", false),
        ("@time={time} JOIN bob", "@time=2026-12-01T19:56:01.1234Z JOIN bob", false),
        ("@time={time} JOIN bob", "@time=2026-12-01t19:56:01.123z JOIN bob", false),
        ("@time={time} JOIN bob", "@time=2026-12-01 19:56:01.123Z JOIN bob", false),
        ("@time={time} JOIN bob", "@time=2026-12-01T19:56:01.123+00:00 JOIN bob", false),
        ("@time={time} JOIN bob", "@time={time} JOIN bob", false),
        ("@time={time} JOIN bob", "@time=2026-12-01T19:56:01.123Z JOIN bobby", false),
        ("@time={time} JOIN bob", "@time=2026-12-01T19:56:01.123Z JOIN", false),
        ("MSG a hi", "MSG a hi", true),
        ("MSG a hi", "MSG a hi ", false),
        // Bytes, not characters: a combining accent after the expected text is more text.
        ("MSG a e", "MSG a e\u{301}", false),
    ]

    @Test(arguments: timeMatches)
    func theTimePlaceholderMatchesOnlyATime(expected: String, line: String, matches: Bool) {
        #expect(ExpectedLine(stringLiteral: expected).matches(line) == matches)
    }

    @Test func aPlaceholderWrittenWithAnEscapeIsPlainText() throws {
        let transcript = try Transcript(
            name: "inline.chat", path: "/inline.chat", text: "connect a\na << \\x7btime} at {time}\\s\na < {time}")
        #expect(
            transcript.steps.map(\.action) == [
                .connect(from: nil), .expect(ExpectedLine(parts: ["{time} at ", " "])), .expect(ExpectedLine(parts: ["", ""])),
            ])
        #expect(ExpectedLine(parts: ["{time} at ", " "]).matches("{time} at 2026-12-01T19:56:01.123Z "))
        #expect(
            !ExpectedLine(parts: ["{time} at ", " "]).matches("2026-12-01T19:56:01.123Z at 2026-12-01T19:56:01.123Z "))
    }

    /// How an expectation is shown in failures: as the statement that would expect it.
    static let expectationDisplays: [(expected: ExpectedLine, shown: String)] = [
        ("HISTORY 1 {time} user1 hi", "< HISTORY 1 {time} user1 hi"),
        (ExpectedLine(parts: ["MSG a b\\c\t", " d "]), #"<< MSG a b\\c\t{time} d\s"#),
        (ExpectedLine(exactly: "MSG a {time}"), #"<< MSG a \x7btime}"#),
    ]

    @Test(arguments: expectationDisplays)
    func expectationsAreShownAsStatements(expected: ExpectedLine, shown: String) {
        #expect(expected.display == shown)
    }

    /// Malformed scripts, with the exact error naming the line at fault.
    static let malformed: [(text: String, message: String)] = [
        ("# only a comment\n", "inline.chat:1: the transcript has no statements"),
        ("connect alice\nbob > hi", "inline.chat:2: no client named bob: write 'connect bob' first"),
        ("connect alice\nconnect alice", "inline.chat:2: client alice is already connected"),
        (
            "connect alice\nalice drops\nconnect alice",
            "inline.chat:3: alice named an earlier connection: give each connection its own name"
        ),
        ("connect 1x", "inline.chat:1: 'connect' needs a client name (a letter, then letters, digits, _ or -)"),
        ("connect", "inline.chat:1: 'connect' needs a client name (a letter, then letters, digits, _ or -)"),
        (
            "connect alice\n\nalice > hi ",
            "inline.chat:3: trailing whitespace (invisible, and editors strip it): write it as \\s in a '>>' or '<<' line"
        ),
        (
            "connect alice\nalice says hi",
            #"inline.chat:2: unknown action "says" for alice: use '>', '>>', '<', '<<', 'closed', 'quiet' or 'drops'"#
        ),
        (
            "connect alice\nalice",
            "inline.chat:2: alice needs an action: '>', '>>', '<', '<<', 'closed', 'quiet' or 'drops'"
        ),
        (
            "connect alice\nalice closed\nalice > hi",
            "inline.chat:3: client alice is no longer connected (its connection ended at line 2)"
        ),
        (
            "connect alice\nalice drops\nalice quiet",
            "inline.chat:3: client alice is no longer connected (its connection ended at line 2)"
        ),
        ("connect alice\nalice closed now", "inline.chat:2: 'closed' takes nothing after it"),
        ("connect alice\nalice >>", "inline.chat:2: '>>' needs the bytes to send"),
        (
            "connect alice\nalice >> \\q",
            #"inline.chat:2: unknown escape '\q': use \\ \n \r \t \e \s \xHH or \{N*TEXT}"#
        ),
        ("connect alice\nalice >> a\\", #"inline.chat:2: a lone '\' at the end of the line: write '\\'"#),
        ("connect alice\nalice >> \\x4", #"inline.chat:2: '\x' needs two hex digits, as in \x1b"#),
        ("connect alice\nalice >> \\xzz", #"inline.chat:2: '\x' needs two hex digits, as in \x1b"#),
        ("connect alice\nalice >> \\x+1", #"inline.chat:2: '\x' needs two hex digits, as in \x1b"#),
        (
            "connect alice\nalice >> \\{x*3}",
            #"inline.chat:2: a repeat is written \{N*TEXT}, N from 1 to 1000000, as in \{4097*x}"#
        ),
        (
            "connect alice\nalice >> \\{0*x}",
            #"inline.chat:2: a repeat is written \{N*TEXT}, N from 1 to 1000000, as in \{4097*x}"#
        ),
        ("connect alice\nalice >> \\{3*x", #"inline.chat:2: a repeat '\{N*TEXT' is missing its '}'"#),
        ("connect alice\nalice >> \\{3*}", #"inline.chat:2: a repeat '\{N*TEXT}' needs some TEXT"#),
        ("connect alice\nalice >> \\{3*\\{2*x}}", #"inline.chat:2: a repeat '\{N*TEXT}' cannot hold another repeat"#),
        (
            "connect alice\nalice << \\xff",
            "inline.chat:2: a line to expect must be valid UTF-8 (the test client decodes what it reads)"
        ),
        ("connect alice\nserver max-clients 2", "inline.chat:2: 'server' settings come before the first 'connect'"),
        (
            "server max-clients none",
            "inline.chat:1: the server settings are 'server max-clients N' (N > 0), 'server account NAME PASSWORD', "
                + "'server operator NAME PASSWORD', 'server members-only', 'server registration closed' and "
                + "'server login-timeout SECONDS'"
        ),
        ("server registration open", "inline.chat:1: the server settings are 'server max-clients N' (N > 0), 'server account NAME PASSWORD', "
                + "'server operator NAME PASSWORD', 'server members-only', 'server registration closed' and "
                + "'server login-timeout SECONDS'"),
        ("connect alice from 10.0.0.1", "inline.chat:1: 'connect NAME from ADDRESS' takes a loopback address (127.x.y.z)"),
        (
            "hello there",
            #"inline.chat:1: no client named hello: write 'connect hello' first"#
        ),
        ("> hi", #"inline.chat:1: expected 'connect NAME', 'server max-clients N' or 'NAME ACTION ...', got ">""#),
    ]

    @Test(arguments: malformed)
    func malformedScriptIsRefusedWithItsLine(text: String, message: String) {
        let result = Result { () throws(TranscriptError) in
            try Transcript(name: "inline.chat", path: "/inline.chat", text: text)
        }
        guard case .failure(let error) = result else {
            Issue.record("the script was accepted")
            return
        }
        #expect(error.description == message)
        #expect(error.sourceLocation.line == error.line)
    }

    /// `>>` and `<<` escapes, with the bytes they stand for.
    static let escapes: [(text: String, bytes: [UInt8])] = [
        ("plain", Array("plain".utf8)),
        (#"\\ \n \r \t \e \s"#, [0x5C, 0x20, 0x0A, 0x20, 0x0D, 0x20, 0x09, 0x20, 0x1B, 0x20, 0x20]),
        (#"\x00\xff\x7F"#, [0x00, 0xFF, 0x7F]),
        (#"\{3*ab}"#, Array("ababab".utf8)),
        (#"\{2*\e[}x"#, [0x1B, 0x5B, 0x1B, 0x5B, 0x78]),
        (#"\{2*\x7d}"#, [0x7D, 0x7D]),
        ("你好", Array("你好".utf8)),
        ("a*b}c{", Array("a*b}c{".utf8)),
    ]

    @Test(arguments: escapes)
    func escapesStandForBytes(text: String, bytes: [UInt8]) throws {
        #expect(try Transcript.unescape(Substring(text)) == bytes)
    }

    @Test func repeatBuildsLongLines() throws {
        #expect(try Transcript.unescape(#"\{4097*x}\n"#) == Array(repeating: 0x78, count: 4097) + [0x0A])
    }

    /// How received lines are shown in failures: as the `<` or `<<` line that would expect them.
    static let displays: [(line: String, shown: String)] = [
        ("MSG user1 hi", "< MSG user1 hi"),
        (#"MSG user1 a\b"#, #"< MSG user1 a\b"#),
        ("MSG user1 a\tb", #"<< MSG user1 a\tb"#),
        ("MSG user1 a\\b\tc", #"<< MSG user1 a\\b\tc"#),
        ("MSG user1 \u{1B}[31m", #"<< MSG user1 \e[31m"#),
        ("MSG user1 \u{85}", #"<< MSG user1 \xc2\x85"#),
        ("MSG user1 hi ", #"<< MSG user1 hi\s"#),
        ("MSG user1 你好", "< MSG user1 你好"),
    ]

    @Test(arguments: displays)
    func receivedLinesAreShownAsExpectations(line: String, shown: String) {
        #expect(Transcript.display(line) == shown)
    }
}
