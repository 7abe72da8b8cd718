import ChatProtocol
import Testing

/// A frame copied out of the framer's callback (the line's buffer is valid only during it).
enum Framed: Equatable, CustomStringConvertible {
    case line([UInt8])
    case tooLong

    static func text(_ text: String) -> Framed { .line(Array(text.utf8)) }

    var description: String {
        switch self {
        case .tooLong: "tooLong"
        case .line(let bytes) where bytes.count > 40: "line(\(bytes.count) bytes)"
        case .line(let bytes): "line(\(String(decoding: bytes, as: UTF8.self).debugDescription))"
        }
    }
}

/// Pushes each chunk into `framer` and collects the frames.
///
/// - Returns: The frames, and the largest ``LineFramer/bufferedByteCount`` seen after any push.
private func push(_ chunks: [[UInt8]], into framer: inout LineFramer) -> (frames: [Framed], maxBuffered: Int) {
    var frames: [Framed] = []
    var maxBuffered = 0
    for chunk in chunks {
        framer.push(chunk) { frame in
            switch frame {
            case .line(let bytes): frames.append(.line(Array(bytes)))
            case .tooLong: frames.append(.tooLong)
            }
        }
        maxBuffered = max(maxBuffered, framer.bufferedByteCount)
    }
    return (frames, maxBuffered)
}

/// Cuts `bytes` into chunks ending just before each of `cuts`.
private func chunks(_ bytes: [UInt8], cuttingAt cuts: [Int]) -> [[UInt8]] {
    var result: [[UInt8]] = []
    var start = 0
    for cut in cuts.sorted() where cut > start && cut < bytes.count {
        result.append(Array(bytes[start..<cut]))
        start = cut
    }
    result.append(Array(bytes[start...]))
    return result
}

private func x(_ count: Int) -> String { String(repeating: "x", count: count) }

/// An input stream, the frames it must yield, and the bytes left buffered at its end.
struct FramerCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [UInt8]
    let expected: [Framed]
    let buffered: Int

    init(_ name: String, _ input: String, _ expected: [Framed], buffered: Int = 0) {
        self.name = name
        self.input = Array(input.utf8)
        self.expected = expected
        self.buffered = buffered
    }

    var testDescription: String { name }

    /// The ways the case is fed: whole, a byte at a time, and cut in two at the interesting places.
    var feeds: [(String, [[UInt8]])] {
        let count = input.count
        let limit = Wire.maxLineBytes
        var cutPoints = Set([1, 2, count / 2, count - 2, count - 1, limit - 1, limit, limit + 1, limit + 2, limit + 3])
        if count <= 64 { cutPoints.formUnion(0...count) }
        var feeds: [(String, [[UInt8]])] = [("one chunk", [input]), ("1-byte chunks", input.map { [$0] })]
        for cut in cutPoints.sorted() where cut > 0 && cut < count {
            feeds.append(("cut at \(cut)", chunks(input, cuttingAt: [cut])))
        }
        return feeds
    }
}

extension Framed: Sendable {}

@Suite struct LineFramerTests {
    static let cases: [FramerCase] = [
        FramerCase("LF", "a\n", [.text("a")]),
        FramerCase("CR LF", "a\r\n", [.text("a")]),
        FramerCase("mixed endings", "a\r\nb\nc\r\n", [.text("a"), .text("b"), .text("c")]),
        FramerCase(
            "several lines", "one\ntwo\nthree\nfour\n", [.text("one"), .text("two"), .text("three"), .text("four")]),
        FramerCase("empty line", "\n", [.text("")]),
        FramerCase("empty CR LF line", "\r\n", [.text("")]),
        FramerCase("empty lines", "\n\n\r\n", [.text(""), .text(""), .text("")]),
        FramerCase("CR not before LF is kept", "a\rb\n", [.text("a\rb")]),
        FramerCase("only the last CR is dropped", "a\r\r\n", [.text("a\r")]),
        FramerCase("lone CR line", "\r\r\n", [.text("\r")]),
        FramerCase("unfinished line is held", "abc", [], buffered: 3),
        FramerCase("unfinished line after a line", "a\nbc", [.text("a")], buffered: 2),
        FramerCase("held CR", "a\nbc\r", [.text("a")], buffered: 3),
        FramerCase("UTF-8 kept as bytes", "你好 👋\n", [.text("你好 👋")]),
        FramerCase("4096 bytes", x(4096) + "\n", [.text(x(4096))]),
        FramerCase("4096 bytes CR LF", x(4096) + "\r\n", [.text(x(4096))]),
        FramerCase("4096 bytes then more", x(4096) + "\n" + "ok\n", [.text(x(4096)), .text("ok")]),
        FramerCase("4096 bytes unfinished", x(4096), [], buffered: 4096),
        FramerCase("4096 bytes and CR unfinished", x(4096) + "\r", [], buffered: 4097),
        FramerCase("4097 bytes", x(4097) + "\n", [.tooLong]),
        FramerCase("4097 bytes CR LF", x(4097) + "\r\n", [.tooLong]),
        FramerCase("4097 bytes unfinished", x(4097), [.tooLong]),
        FramerCase("4096 bytes, CR, CR LF", x(4096) + "\r\r\n", [.tooLong]),
        FramerCase("4096 bytes, CR, byte", x(4096) + "\rx\n", [.tooLong]),
        FramerCase("4095 bytes, CR, CR LF", x(4095) + "\r\r\n", [.text(x(4095) + "\r")]),
        FramerCase("4097 bytes then a usable line", x(4097) + "\nok\n", [.tooLong, .text("ok")]),
        FramerCase("too long between lines", "a\n" + x(5000) + "\nb\n", [.text("a"), .tooLong, .text("b")]),
        FramerCase("rest of a too-long line discarded", x(10000) + "/nick evil\nnext\n", [.tooLong, .text("next")]),
        FramerCase("too long then 4096", x(4097) + "\n" + x(4096) + "\n", [.tooLong, .text(x(4096))]),
        FramerCase("too long then an empty line", x(5000) + "\r\n\r\n", [.tooLong, .text("")]),
        FramerCase("two too-long lines", x(4097) + "\n" + x(4097) + "\n", [.tooLong, .tooLong]),
    ]

    @Test(arguments: cases)
    func framesEveryWayTheBytesArrive(testCase: FramerCase) {
        for (feed, chunks) in testCase.feeds {
            var framer = LineFramer()
            let (frames, maxBuffered) = push(chunks, into: &framer)
            #expect(frames == testCase.expected, "\(feed)")
            #expect(framer.bufferedByteCount == testCase.buffered, "\(feed)")
            #expect(maxBuffered <= Wire.maxLineBytes + 1, "\(feed)")
        }
    }

    @Test func limitIsWireMaxLineBytes() {
        #expect(Wire.maxLineBytes == 4096)
        #expect(LineFramer().maxLineBytes == 4096)
        #expect(LineFramer(maxLineBytes: 3).maxLineBytes == 3)
    }

    @Test func lineSplitAcrossOneBytePushesArrivesWithItsLineFeed() {
        var framer = LineFramer()
        let line = Array("hello, world\r".utf8)
        for (index, byte) in line.enumerated() {
            #expect(push([[byte]], into: &framer).frames == [])
            #expect(framer.bufferedByteCount == index + 1)
        }
        #expect(push([[0x0A]], into: &framer).frames == [.text("hello, world")])
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func tooLongIsReportedAsSoonAsTheLimitIsPassed() {
        var framer = LineFramer()
        #expect(push(Array(repeating: [0x78], count: 4096), into: &framer).frames == [])
        #expect(framer.bufferedByteCount == 4096)
        #expect(push([[0x78]], into: &framer).frames == [.tooLong])
        #expect(framer.bufferedByteCount == 0)
        #expect(push([Array(repeating: 0x78, count: 1000)], into: &framer).frames == [])
        #expect(push([[0x0A]], into: &framer).frames == [])
        #expect(push([Array("ok\n".utf8)], into: &framer).frames == [.text("ok")])
    }

    @Test func carriageReturnAtTheLimitWaitsForTheNextByte() {
        var framer = LineFramer()
        #expect(push([Array(x(4096).utf8), [0x0D]], into: &framer).frames == [])
        #expect(framer.bufferedByteCount == 4097)
        #expect(push([[0x0A]], into: &framer).frames == [.text(x(4096))])
        #expect(framer.bufferedByteCount == 0)

        #expect(push([Array(x(4096).utf8), [0x0D]], into: &framer).frames == [])
        #expect(push([[0x0D]], into: &framer).frames == [.tooLong])
        #expect(framer.bufferedByteCount == 0)
        #expect(push([Array("\nok\n".utf8)], into: &framer).frames == [.text("ok")])

        #expect(push([Array(x(4096).utf8), [0x0D]], into: &framer).frames == [])
        #expect(push([[0x79]], into: &framer).frames == [.tooLong])
        #expect(push([Array("\nok\n".utf8)], into: &framer).frames == [.text("ok")])
    }

    static let endlessFeeds: [(chunkSize: Int, chunks: Int)] = [(1, 10_000), (1000, 100), (4097, 10), (65536, 4)]

    @Test(arguments: endlessFeeds)
    func neverEndingLineIsReportedOnceAndNotBuffered(chunkSize: Int, chunks: Int) {
        var framer = LineFramer()
        let chunk = [UInt8](repeating: 0x78, count: chunkSize)
        let (frames, maxBuffered) = push(Array(repeating: chunk, count: chunks), into: &framer)
        #expect(frames == [.tooLong])
        #expect(maxBuffered <= 4097)
        #expect(framer.bufferedByteCount == 0)
        #expect(push([Array("\nstill usable\n".utf8)], into: &framer).frames == [.text("still usable")])
    }

    /// Every stream over `x`, CR and LF up to 7 bytes, fed in every possible chunking to a framer with a
    /// 3-byte limit, yields exactly what a simple model of the rules says.
    @Test func smallLimitMatchesTheModelForEveryChunking() {
        let limit = 3
        let alphabet: [UInt8] = [0x78, 0x0D, 0x0A]
        var inputs: [[UInt8]] = [[]]
        var frontier: [[UInt8]] = [[]]
        for _ in 1...7 {
            frontier = frontier.flatMap { prefix in alphabet.map { prefix + [$0] } }
            inputs += frontier
        }
        var failures = 0
        for input in inputs {
            let (expected, expectedBuffered) = model(input, limit: limit)
            let cutCount = max(input.count - 1, 0)
            for mask in 0..<(1 << cutCount) {
                let cuts = (0..<cutCount).filter { mask & (1 << $0) != 0 }.map { $0 + 1 }
                var framer = LineFramer(maxLineBytes: limit)
                let (frames, maxBuffered) = push(chunks(input, cuttingAt: cuts), into: &framer)
                if frames != expected || framer.bufferedByteCount != expectedBuffered || maxBuffered > limit + 1 {
                    failures += 1
                    if failures <= 5 {
                        Issue.record(
                            """
                            input \(String(decoding: input, as: UTF8.self).debugDescription) cut at \(cuts): \
                            frames \(frames), buffered \(framer.bufferedByteCount) (max \(maxBuffered)); \
                            expected \(expected), buffered \(expectedBuffered)
                            """)
                    }
                }
            }
        }
        #expect(failures == 0)
    }

    /// The framing rules, stated plainly for a whole stream at once.
    private func model(_ input: [UInt8], limit: Int) -> (frames: [Framed], buffered: Int) {
        var frames: [Framed] = []
        var pieces = input.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let tail = pieces.removeLast()
        for var line in pieces {
            if line.last == 0x0D { line.removeLast() }
            frames.append(line.count > limit ? .tooLong : .line(line))
        }
        // An unfinished line is reported as soon as it cannot fit, even counting a final CR as the line end's.
        let canStillFit = tail.count <= limit || (tail.count == limit + 1 && tail.last == 0x0D)
        if !canStillFit { frames.append(.tooLong) }
        return (frames, canStillFit ? tail.count : 0)
    }
}
