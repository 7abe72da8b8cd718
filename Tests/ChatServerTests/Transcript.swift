import Foundation
import Testing

/// A scripted protocol test, read from a `.chat` file (the format is described in `Tests/Transcripts/README.md`).
///
/// Parsing checks everything that can be checked without a server: every statement is well formed, every
/// client is connected before it is used and not used after its connection ends.
struct Transcript: Sendable {
    /// One statement of the script.
    struct Step: Sendable, Equatable {
        enum Action: Sendable, Equatable {
            /// `connect NAME` (or `connect NAME from ADDRESS`, a loopback address): open a connection.
            case connect(from: String?)
            /// `NAME > TEXT` or `NAME >> BYTES`: send bytes.
            case send([UInt8])
            /// `NAME < LINE` or `NAME << LINE`: the next line received is exactly this (a `{time}` in it
            /// standing for any time in the protocol's one spelling).
            case expect(ExpectedLine)
            /// `NAME closed`: the server closes the connection, with no line before.
            case expectClosed
            /// `NAME quiet`: nothing is waiting to be read.
            case expectQuiet
            /// `NAME drops`: the connection is reset at once.
            case drop
        }

        /// The line of the file (1-based).
        let line: Int
        /// The client label, as the script names it.
        let client: String
        let action: Action
    }

    /// The file name, such as `broadcast.chat`.
    let name: String
    /// The full path, for failure locations.
    let path: String
    /// The connection limit of the server, when the script sets one.
    private(set) var maxClients: Int?
    /// An account made before the server starts (`server account NAME PASSWORD`, `server operator ...`).
    struct Account: Sendable, Equatable {
        var name: String
        var password: String
        var isOperator: Bool
    }

    private(set) var accounts: [Account] = []
    /// `server members-only`.
    private(set) var membersOnly = false
    /// `server registration closed`.
    private(set) var registrationClosed = false
    /// `server login-timeout SECONDS`.
    private(set) var loginTimeout: Int?
    private(set) var steps: [Step] = []
    /// The number of lines in the file; the end-of-script check is reported at the last one.
    let lineCount: Int

    /// Reads a transcript file.
    ///
    /// - Throws: ``TranscriptError`` naming the file and line, or the error reading the file.
    static func load(path: String) throws -> Transcript {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try Transcript(name: (path as NSString).lastPathComponent, path: path, text: text)
    }

    /// Parses a transcript's text.
    ///
    /// - Throws: ``TranscriptError`` for the first line that is not a valid statement.
    init(name: String, path: String, text: String) throws(TranscriptError) {
        self.name = name
        self.path = path
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
            var line = String(String.UnicodeScalarView($0))
            if line.unicodeScalars.last == "\r" { line.unicodeScalars.removeLast() }
            return line
        }
        if lines.last == "" { lines.removeLast() }
        lineCount = max(lines.count, 1)

        var state: [String: ClientState] = [:]
        for (index, line) in lines.enumerated() {
            do throws(ParseProblem) {
                try parse(line, lineNumber: index + 1, &state)
            } catch {
                throw TranscriptError(file: name, path: path, line: index + 1, message: error.message)
            }
        }
        guard !steps.isEmpty else {
            throw TranscriptError(file: name, path: path, line: 1, message: "the transcript has no statements")
        }
    }

    /// The same script with other steps, for tests that check a changed script fails.
    func replacingSteps(_ steps: [Step]) -> Transcript {
        var copy = self
        copy.steps = steps
        return copy
    }

    // MARK: Parsing

    private enum ClientState {
        case open
        case ended(line: Int)
    }

    private static let actions = "'>', '>>', '<', '<<', 'closed', 'quiet' or 'drops'"

    private mutating func parse(_ raw: String, lineNumber: Int, _ clients: inout [String: ClientState])
        throws(ParseProblem)
    {
        let line = Substring(raw).drop(while: { $0 == " " || $0 == "\t" })
        if line.isEmpty || line.hasPrefix("#") { return }
        if let last = line.unicodeScalars.last, last == " " || last == "\t" {
            throw ParseProblem(
                "trailing whitespace (invisible, and editors strip it): write it as \\s in a '>>' or '<<' line")
        }
        let (word, rest) = Self.splitWord(line)
        switch word {
        case "connect":
            let (labelWord, fromPart) = Self.splitWord(rest)
            let label = String(labelWord)
            var source: String?
            if !fromPart.isEmpty {
                let (from, address) = Self.splitWord(fromPart)
                guard from == "from", address.hasPrefix("127."), !address.contains(" ") else {
                    throw ParseProblem("'connect NAME from ADDRESS' takes a loopback address (127.x.y.z)")
                }
                source = String(address)
            }
            guard Self.isLabel(label) else {
                throw ParseProblem("'connect' needs a client name (a letter, then letters, digits, _ or -)")
            }
            switch clients[label] {
            case nil: break
            case .open: throw ParseProblem("client \(label) is already connected")
            case .ended: throw ParseProblem("\(label) named an earlier connection: give each connection its own name")
            }
            clients[label] = .open
            steps.append(Step(line: lineNumber, client: label, action: .connect(from: source)))
        case "server":
            let (setting, value) = Self.splitWord(rest)
            guard steps.isEmpty else { throw ParseProblem("'server' settings come before the first 'connect'") }
            let settings =
                "the server settings are 'server max-clients N' (N > 0), 'server account NAME PASSWORD', "
                + "'server operator NAME PASSWORD', 'server members-only', 'server registration closed' and "
                + "'server login-timeout SECONDS'"
            switch setting {
            case "max-clients":
                guard let limit = Int(value), limit > 0 else { throw ParseProblem(settings) }
                maxClients = limit
            case "account", "operator":
                let (name, password) = Self.splitWord(value)
                guard !name.isEmpty, !password.isEmpty, !password.contains(" ") else { throw ParseProblem(settings) }
                accounts.append(Account(name: String(name), password: String(password), isOperator: setting == "operator"))
            case "members-only":
                guard value.isEmpty else { throw ParseProblem(settings) }
                membersOnly = true
            case "registration":
                guard value == "closed" else { throw ParseProblem(settings) }
                registrationClosed = true
            case "login-timeout":
                guard let seconds = Int(value), seconds > 0 else { throw ParseProblem(settings) }
                loginTimeout = seconds
            default:
                throw ParseProblem(settings)
            }
        default:
            let label = String(word)
            guard Self.isLabel(label) else {
                throw ParseProblem(
                    "expected 'connect NAME', 'server max-clients N' or 'NAME ACTION ...', got \(label.debugDescription)"
                )
            }
            switch clients[label] {
            case nil:
                throw ParseProblem("no client named \(label): write 'connect \(label)' first")
            case .ended(let endLine):
                throw ParseProblem("client \(label) is no longer connected (its connection ended at line \(endLine))")
            case .open:
                break
            }
            let (action, argument) = Self.splitWord(rest)
            let step: Step.Action
            switch action {
            case ">":
                step = .send(Array(argument.utf8) + [0x0A])
            case ">>":
                guard !argument.isEmpty else { throw ParseProblem("'>>' needs the bytes to send") }
                step = .send(try Self.unescape(argument))
            case "<":
                let parts = argument.split(separator: ExpectedLine.time, omittingEmptySubsequences: false)
                step = .expect(ExpectedLine(parts: parts.map(String.init)))
            case "<<":
                // The placeholder is found before the escapes are read, so `\x7btime}` is the text `{time}`.
                var parts: [String] = []
                for part in argument.split(separator: ExpectedLine.time, omittingEmptySubsequences: false) {
                    let bytes = try Self.unescape(part)
                    guard let text = String(validating: bytes, as: UTF8.self) else {
                        throw ParseProblem(
                            "a line to expect must be valid UTF-8 (the test client decodes what it reads)")
                    }
                    parts.append(text)
                }
                step = .expect(ExpectedLine(parts: parts))
            case "closed", "quiet", "drops":
                guard argument.isEmpty else { throw ParseProblem("'\(action)' takes nothing after it") }
                step = action == "closed" ? .expectClosed : action == "quiet" ? .expectQuiet : .drop
                if action != "quiet" { clients[label] = .ended(line: lineNumber) }
            case "":
                throw ParseProblem("\(label) needs an action: \(Self.actions)")
            default:
                throw ParseProblem(
                    "unknown action \(String(action).debugDescription) for \(label): use \(Self.actions)")
            }
            steps.append(Step(line: lineNumber, client: label, action: step))
        }
    }

    /// Splits off the first word; the rest starts after the single space that ends it.
    private static func splitWord(_ text: Substring) -> (Substring, Substring) {
        guard let space = text.firstIndex(of: " ") else { return (text, "") }
        return (text[..<space], text[text.index(after: space)...])
    }

    /// A client name: an ASCII letter, then ASCII letters, digits, `_` and `-`; not a keyword.
    private static func isLabel(_ text: String) -> Bool {
        func isLetter(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        guard let first = text.unicodeScalars.first, isLetter(first), text != "connect", text != "server" else {
            return false
        }
        return text.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// Reads the escapes of a `>>` or `<<` argument into bytes.
    ///
    /// `\\` `\n` `\r` `\t` `\e` (ESC) `\s` (space) `\xHH` (any byte), and `\{N*TEXT}`: TEXT (which may hold
    /// the other escapes; write `}` as `\x7d`) repeated N times.
    static func unescape(_ text: Substring, allowRepeat: Bool = true) throws(ParseProblem) -> [UInt8] {
        var bytes: [UInt8] = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            guard scalar == "\\" else {
                bytes.append(contentsOf: Array(String(scalar).utf8))
                continue
            }
            guard index < scalars.count else { throw ParseProblem("a lone '\\' at the end of the line: write '\\\\'") }
            let escape = scalars[index]
            index += 1
            switch escape {
            case "\\": bytes.append(0x5C)
            case "n": bytes.append(0x0A)
            case "r": bytes.append(0x0D)
            case "t": bytes.append(0x09)
            case "e": bytes.append(0x1B)
            case "s": bytes.append(0x20)
            case "x":
                guard index + 2 <= scalars.count,
                    scalars[index..<index + 2].allSatisfy(\.properties.isASCIIHexDigit),
                    let byte = UInt8(String(String.UnicodeScalarView(scalars[index..<index + 2])), radix: 16)
                else { throw ParseProblem("'\\x' needs two hex digits, as in \\x1b") }
                bytes.append(byte)
                index += 2
            case "{":
                guard allowRepeat else { throw ParseProblem("a repeat '\\{N*TEXT}' cannot hold another repeat") }
                guard let star = scalars[index...].firstIndex(of: "*"),
                    let count = Int(String(String.UnicodeScalarView(scalars[index..<star]))), count > 0,
                    count <= 1_000_000
                else { throw ParseProblem("a repeat is written \\{N*TEXT}, N from 1 to 1000000, as in \\{4097*x}") }
                var end = star + 1
                while end < scalars.count && scalars[end] != "}" { end += scalars[end] == "\\" ? 2 : 1 }
                guard end < scalars.count else { throw ParseProblem("a repeat '\\{N*TEXT' is missing its '}'") }
                let unit = try unescape(
                    Substring(String(String.UnicodeScalarView(scalars[(star + 1)..<end]))), allowRepeat: false)
                guard !unit.isEmpty else { throw ParseProblem("a repeat '\\{N*TEXT}' needs some TEXT") }
                for _ in 0..<count { bytes.append(contentsOf: unit) }
                index = end + 1
            default:
                throw ParseProblem(
                    "unknown escape '\\\(escape)': use \\\\ \\n \\r \\t \\e \\s \\xHH or \\{N*TEXT}")
            }
        }
        return bytes
    }

    /// Writes a received line the way a transcript would expect it: `< LINE`, or `<< LINE` with escapes
    /// when the line holds something a plain `<` line cannot show.
    static func display(_ line: String) -> String {
        let (escaped, needsEscapes) = escape(line, atEnd: true)
        return needsEscapes ? "<< " + escaped : "< " + line
    }

    /// `text` written with the escapes of a `<<` line, and whether a `<` line could not show it (a tab, a
    /// control character, or, `atEnd`, a trailing space).
    static func escape(_ text: String, atEnd: Bool) -> (escaped: String, needsEscapes: Bool) {
        var escaped = ""
        var needsEscapes = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\t":
                escaped += "\\t"
                needsEscapes = true
            case "\u{1B}":
                escaped += "\\e"
                needsEscapes = true
            case "\r":
                escaped += "\\r"
                needsEscapes = true
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                for byte in String(scalar).utf8 { escaped += "\\x" + String(byte, radix: 16).leftPadded(to: 2) }
                needsEscapes = true
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        if atEnd, let last = text.unicodeScalars.last, last == " " {
            escaped.removeLast()
            escaped += "\\s"
            needsEscapes = true
        }
        return (escaped, needsEscapes)
    }
}

/// The line a `<` or `<<` statement expects: exact text, where each `{time}` stands for a time in the
/// protocol's one spelling (`YYYY-MM-DDTHH:MM:SS.mmmZ`, 24 characters), since the server stamps lines with
/// its clock.
struct ExpectedLine: Sendable, Equatable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The placeholder for a time.
    static let time = "{time}"

    /// The exact texts, with a time between each two (a line without a placeholder is one part).
    let parts: [String]

    init(parts: [String]) {
        precondition(!parts.isEmpty, "a line has at least one part")
        self.parts = parts
    }

    /// The exact line `text`, placeholders and all taken literally.
    init(exactly text: String) {
        parts = [text]
    }

    init(stringLiteral text: String) {
        parts = text.split(separator: Self.time, omittingEmptySubsequences: false).map(String.init)
    }

    /// The same expectation with `text` added at its end.
    func appending(_ text: String) -> ExpectedLine {
        ExpectedLine(parts: parts.dropLast() + [(parts.last ?? "") + text])
    }

    /// Whether `line` is this line, byte for byte, each placeholder matched by a time
    /// (`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`).
    func matches(_ line: String) -> Bool {
        let bytes = Array(line.utf8)
        var offset = 0
        for (index, part) in parts.enumerated() {
            let expected = Array(part.utf8)
            guard bytes.count - offset >= expected.count,
                bytes[offset..<(offset + expected.count)].elementsEqual(expected)
            else { return false }
            offset += expected.count
            if index == parts.count - 1 { break }
            guard bytes.count - offset >= Self.timeShape.count,
                Self.isTime(bytes[offset..<(offset + Self.timeShape.count)])
            else { return false }
            offset += Self.timeShape.count
        }
        return offset == bytes.count
    }

    /// What a time looks like, `d` standing for a digit.
    private static let timeShape = Array("dddd-dd-ddTdd:dd:dd.dddZ".utf8)

    private static func isTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        zip(bytes, timeShape).allSatisfy { byte, expected in
            expected == UInt8(ascii: "d") ? (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) : byte == expected
        }
    }

    /// The `<` or `<<` statement that expects this line, for failure messages.
    var display: String {
        let escaped = parts.indices.map { Transcript.escape(parts[$0], atEnd: $0 == parts.count - 1) }
        // The placeholder's own text, if a part holds it, can only be written escaped.
        if !escaped.contains(where: \.needsEscapes) && !parts.contains(where: { $0.contains(Self.time) }) {
            return "< " + parts.joined(separator: Self.time)
        }
        return "<< " + escaped.map { $0.escaped.replacing(Self.time, with: "\\x7btime}") }.joined(separator: Self.time)
    }

    var description: String { display }
}

/// A problem on one line of a transcript, before the file and line are known.
struct ParseProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// A transcript that cannot be read, or a run of it that went wrong: the file and line at fault, and what
/// was expected and seen.
struct TranscriptError: Error, CustomStringConvertible {
    let file: String
    let path: String
    let line: Int
    let message: String

    var description: String { "\(file):\(line): \(message)" }

    var sourceLocation: SourceLocation {
        SourceLocation(fileID: "Transcripts/\(file)", filePath: path, line: line, column: 1)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
