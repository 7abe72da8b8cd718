import Testing

@testable import ChatProtocol

/// Seeded random and mutated lines through the framer, the text rules and the command parser, and
/// mutated server lines through the event decoders and the time parser.
///
/// Each line must come out as exactly one frame, and each frame either parses or yields exactly one of
/// the documented errors a parse can give; a command that parses must read back the same from its
/// canonical wire line.
@Suite struct FuzzTests {
    /// The errors that framing, decoding and parsing may give (the rest need the server's state).
    static let parseErrors: Set<ErrorCode> = [
        .unknownCommand, .badSyntax, .badName, .emptyMessage, .lineTooLong, .badEncoding, .badText,
    ]

    static let seeds: [UInt64] = [1, 2, 3, 4]
    static let linesPerSeed = 50_000
    static let serverLinesPerSeed = 25_000

    @Test(arguments: seeds)
    func randomLinesParseOrFailWithADocumentedError(seed: UInt64) {
        var random = Xorshift(seed: seed)
        var framer = LineFramer()
        var stream: [UInt8] = []
        var fed: [[UInt8]] = []
        for _ in 0..<Self.linesPerSeed {
            let line = Self.line(&random)
            fed.append(line)
            stream += line
            stream.append(Wire.lineFeed)
        }
        var frames = 0
        var counts: [String: Int] = [:]
        var problems: [String] = []
        var offset = 0
        // Feed the stream in random chunks, as TCP would.
        while offset < stream.count {
            let size = min(stream.count - offset, 1 + Int(random.next() % 9000))
            stream[offset..<(offset + size)].withUnsafeBytes { chunk in
                framer.push(chunk) { (frame: LineFramer.Frame) -> Void in
                    let index = frames
                    frames += 1
                    let (outcome, problem) = Self.outcome(of: frame, expected: fed[index])
                    counts[outcome, default: 0] += 1
                    if let problem { problems.append(problem) }
                }
            }
            offset += size
        }
        #expect(frames == fed.count, "\(fed.count) lines gave \(frames) frames")
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5))")
        #expect(framer.bufferedByteCount == 0)
        // The generator reaches every outcome, so the run exercises every path.
        for outcome in ["command", "ignored"] + Self.parseErrors.map(\.rawValue) {
            #expect(counts[outcome, default: 0] > 0, "no line gave \(outcome): \(counts)")
        }
    }

    /// Classifies one frame, checking it against the line that was fed.
    ///
    /// - Returns: The outcome, and what was wrong if anything was (collected, not `#expect`ed, to keep
    ///   200,000 lines fast).
    static func outcome(of frame: LineFramer.Frame, expected: [UInt8]) -> (String, problem: String?) {
        var content = expected
        if content.last == Wire.carriageReturn { content.removeLast() }
        switch frame {
        case .tooLong:
            let problem = content.count > Wire.maxLineBytes ? nil : "a line of \(content.count) bytes was too long"
            return (ErrorCode.lineTooLong.rawValue, problem)
        case .line(let bytes):
            guard Array(bytes) == content else { return ("changed", "the framer changed \(content.prefix(40))") }
            do throws(ProtocolError) {
                let text = try LineText.decode(bytes)
                guard let command = try Command.parse(text) else { return ("ignored", nil) }
                let back = try? Command.parse(command.wireLine)
                return ("command", back == command ? nil : "\(command) read back as \(String(describing: back))")
            } catch {
                return (error.code.rawValue, parseErrors.contains(error.code) ? nil : "undocumented error \(error)")
            }
        }
    }

    // MARK: Server lines

    /// Seeded mutations of server lines, tagged and not, through both decoders and the time parser.
    ///
    /// Neither may crash; whatever decodes must encode back to a line that decodes to the same value, and a
    /// time that parses must format to exactly the text it was read from (there is one spelling).
    @Test(arguments: seeds)
    func mutatedServerLinesDecodeToNothingOrRoundTrip(seed: UInt64) {
        var random = Xorshift(seed: seed)
        var counts: [String: Int] = [:]
        var problems: [String] = []
        for _ in 0..<Self.serverLinesPerSeed {
            let bytes = Self.mutated(Self.serverCorpus, &random)
            guard let text = try? LineText.decode(bytes) else {
                counts["undecodable", default: 0] += 1
                continue
            }
            let event = Event(wireLine: text)
            let tagged = TaggedEvent(wireLine: text)
            if let event {
                counts["event", default: 0] += 1
                if Event(wireLine: event.wireLine) != event { problems.append("\(event) reads back differently") }
                if tagged != TaggedEvent(event) { problems.append("\(text) as tagged: \(String(describing: tagged))") }
            } else if let tagged {
                counts["tagged", default: 0] += 1
                let expected = TaggedEvent(tagged.event, tags: tagged.tags.applicable(to: tagged.event))
                if TaggedEvent(wireLine: tagged.wireLine) != expected {
                    problems.append("\(tagged) reads back differently")
                }
            } else {
                counts["nil", default: 0] += 1
            }
            let field = Self.mutated(["2026-12-01T19:56:01.123Z", "2024-02-29T23:59:59.999Z"], &random, digits: true)
            let time = String(decoding: field, as: UTF8.self)
            if let parsed = Timestamp(rfc3339: time) {
                counts["time", default: 0] += 1
                if parsed.rfc3339 != time { problems.append("\(time) formats as \(parsed.rfc3339)") }
            } else {
                counts["no time", default: 0] += 1
            }
        }
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(5))")
        for outcome in ["undecodable", "event", "tagged", "nil", "time", "no time"] {
            #expect(counts[outcome, default: 0] > 0, "no line gave \(outcome): \(counts)")
        }
    }

    static let serverCorpus = [
        "HISTORY 42 2026-12-01T19:56:01.123Z alice hi", "HISTORY 0 1970-01-01T00:00:00.000Z Bob-2 a  b ",
        "HISTORY-END 3", "FOUND 18446744073709551615 9999-12-31T23:59:59.999Z x \"q\" AND b", "FOUND-END 0", "CAPS",
        "CAPS ids time", "CAPS time", "@id=42;time=2026-12-01T19:56:01.123Z MSG alice hi", "@id=42 MSG alice hi",
        "@time=2026-12-01T19:56:01.123Z JOIN bob", "@time=2024-02-29T23:59:59.999Z LEAVE bob slow",
        "@+vendor/x=a\\sb;msgid=1;id=7 DM alice bob psst", "@id=1;id=2 NICK a b", "MSG alice hi", "WELCOME user1 hi",
        "USERS alice bob", "PONG t-1", "ERROR unavailable this server keeps no messages", "BYE goodbye", "",
        "BAN account alice 2026-12-01T19:56:01.123Z olga flood the room", "BAN address 127.0.0.2 never olga",
        "BAN address ::1 never olga a  b ", "BANS-END 2", "REGISTERED alice", "LOGGED-IN alice", "PASSWORD-CHANGED",
        "UNBANNED 127.0.0.2", "MUTED bob", "UNMUTED bob", "LEAVE bob kicked",
        "@time=2026-12-01T19:56:01.123Z LEAVE bob banned",
        "ERROR login-failed wrong name or password",
    ]

    // MARK: Generation

    static let corpus = [
        "/help", "/users", "/dm bob hi", #"/dm bob "quoted \"text\"""#, #"/bc "hello""#, "/bc plain", "hello there",
        "/nick alice", "/ping", "/ping token", "/quit", "/QUIT now", "/Dm Bob x", "", "   ", "/", "/frob",
        "/nick bad name", "/nick 9lives", "/nick server", #"/dm bob "unclosed"#, #"/bc "a" b"#, "/bc", #"/bc """#,
        "日本語のテキスト", "emoji 👨‍👩‍👧 🇫🇷 ❤️", "e\u{301}", #"/dm x \\"#, "/users extra", "/help me",
        // v1.1.
        "/caps", "/caps ids time", "/CAPS Time", "/caps bogus", "/history", "/history 5", "/history 0", "/history 1001",
        "/history before 42 10", "/HISTORY AFTER 5 2", "/history after 18446744073709551616", "/history sideways 3",
        "/history before", "/search hello", "/search", #"/search "a" AND b"#, "/search   padded  ",
        // Accounts and moderation.
        "/register hunter22", "/register  two  spaces ", "/register", "/login alice pass word", "/login alice",
        "/password oldpass1 newpass2", #"/password "old \"pw\"" "new\\pw""#, #"/password "unclosed x"#,
        "/password a b c", "/kick bob", "/kick bob being rude", "/ban bob", "/ban bob 10 flood", "/ban bob 0",
        "/ban bob spam", "/unban 127.0.0.2", "/unban ::1", "/unban", "/bans", "/bans x", "/mute bob 5",
        "/mute bob abc", "/unmute bob",
    ]
    static let fragments: [[UInt8]] = [
        [0x1B, 0x5B, 0x33, 0x31, 0x6D], [0x07], [0x00], [0x7F], [0xC2, 0x9B], [0xFF], [0xC0, 0xAF], [0xE2, 0x82],
        [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x22], [0x5C], [0x5C, 0x22], [0x20], [0x09], [0x0D],
        Array("/".utf8), Array("dm".utf8), Array("é".utf8), Array("👍".utf8), Array("@".utf8), Array(";".utf8),
        Array("=".utf8), Array("id=".utf8), Array("9".utf8),
    ]

    /// A line of `corpus` with up to three insertions, deletions or flips (with `digits`, also digit swaps).
    static func mutated(_ corpus: [String], _ random: inout Xorshift, digits: Bool = false) -> [UInt8] {
        var bytes = Array(corpus[Int(random.next() % UInt64(corpus.count))].utf8)
        for _ in 0..<Int(random.next() % 4) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count + 1))
            switch random.next() % (digits ? 4 : 3) {
            case 0: bytes.insert(contentsOf: fragments[Int(random.next() % UInt64(fragments.count))], at: position)
            case 1: if position < bytes.count { bytes.remove(at: position) }
            case 2: if position < bytes.count { bytes[position] = bytes[position] ^ UInt8(1 << (random.next() % 7)) }
            default: if position < bytes.count { bytes[position] = UInt8(ascii: "0") + UInt8(random.next() % 10) }
            }
        }
        return bytes
    }

    static func line(_ random: inout Xorshift) -> [UInt8] {
        var bytes = Array(corpus[Int(random.next() % UInt64(corpus.count))].utf8)
        switch random.next() % 10 {
        case 0:
            // Pure noise, LF excluded (it ends lines).
            bytes = (0..<Int(random.next() % 64)).map { _ in UInt8(random.next() % 256) }.map { $0 == 0x0A ? 0x20 : $0 }
        case 1:
            // Long lines around the limit, and far past it.
            let length = [4095, 4096, 4097, 5000, 20_000][Int(random.next() % 5)]
            bytes = Array("/bc ".utf8) + [UInt8](repeating: 0x61, count: length - 4)
            if random.next() % 3 == 0 { bytes.append(Wire.carriageReturn) }
        default:
            for _ in 0..<Int(random.next() % 4) {
                let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count + 1))
                switch random.next() % 3 {
                case 0: bytes.insert(contentsOf: fragments[Int(random.next() % UInt64(fragments.count))], at: position)
                case 1: if position < bytes.count { bytes.remove(at: position) }
                default:
                    if position < bytes.count {
                        bytes[position] = UInt8(random.next() % 256) == 0x0A ? 0x21 : bytes[position] ^ 0x20
                    }
                }
            }
        }
        return bytes
    }
}

/// A small seeded generator, so every run feeds the same lines.
struct Xorshift {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x2545_F491_4F6C_DD1D | 1 }

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
