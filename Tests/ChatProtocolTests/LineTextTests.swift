import ChatProtocol
import Testing

/// Decodes bytes as the server does, as one comparable value.
private func decoded(_ bytes: [UInt8]) -> Result<String, ProtocolError> {
    Result { () throws(ProtocolError) -> String in try LineText.decode(bytes) }
}

/// Bytes and a name to show for them in test output.
struct Bytes: Sendable, CustomTestStringConvertible {
    let bytes: [UInt8]
    let name: String

    init(_ name: String, _ bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    var testDescription: String { name }
}

@Suite struct LineTextTests {
    static let valid: [String] = [
        "",
        "hello",
        " ",
        "~",
        "a\tb",
        "\t",
        "é",
        "\u{A0}",
        "\u{BF}",
        "\u{FF}",
        "你好",
        "👋🏽",
        "Ünïcødé 你好 👋🏽",
        "\u{FFFD}",
        "\u{10FFFF}",
    ]

    @Test(arguments: valid)
    func validTextPasses(text: String) {
        #expect(decoded(Array(text.utf8)) == .success(text))
    }

    static let badEncodings: [Bytes] = [
        Bytes("0xFF", [0xFF]),
        Bytes("0xFE", [0xFE]),
        Bytes("lone continuation byte", [0x80]),
        Bytes("truncated two-byte sequence", [0xC3]),
        Bytes("lead byte then ASCII", [0xC3, 0x28]),
        Bytes("overlong NUL", [0xC0, 0x80]),
        Bytes("overlong slash", [0xE0, 0x80, 0xAF]),
        Bytes("surrogate U+D800", [0xED, 0xA0, 0x80]),
        Bytes("above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        Bytes("five-byte lead", [0xF8, 0x88, 0x80, 0x80, 0x80]),
        Bytes("valid text then 0xFF", Array("ok".utf8) + [0xFF]),
        Bytes("ESC then 0xFF (encoding is checked first)", [0x1B, 0xFF]),
        Bytes("Latin-1 é", [0x63, 0x61, 0x66, 0xE9]),
    ]

    @Test(arguments: badEncodings)
    func invalidUTF8IsBadEncoding(input: Bytes) {
        #expect(decoded(input.bytes) == .failure(.badEncoding))
    }

    /// Every C0 control but TAB, and DEL.
    static let asciiControls: [UInt8] = Array(0x00...0x1F).filter { $0 != 0x09 } + [0x7F]

    @Test(arguments: asciiControls)
    func asciiControlIsBadText(byte: UInt8) {
        #expect(decoded([0x61, byte, 0x62]) == .failure(.badText))
        #expect(decoded([byte]) == .failure(.badText))
    }

    /// Every C1 control, U+0080 to U+009F, as its two UTF-8 bytes.
    static let c1Controls: [UInt8] = Array(0x80...0x9F)

    @Test(arguments: c1Controls)
    func c1ControlIsBadText(secondByte: UInt8) {
        #expect(decoded([0x61, 0xC2, secondByte, 0x62]) == .failure(.badText))
        #expect(decoded([0xC2, secondByte]) == .failure(.badText))
    }

    static let badTexts: [Bytes] = [
        Bytes("ANSI colour sequence", Array("\u{1B}[31mred\u{1B}[0m".utf8)),
        Bytes("clear screen", Array("\u{1B}[2J".utf8)),
        Bytes("CSI as C1 U+009B", Array("\u{9B}31m".utf8)),
        Bytes("CR inside a line", Array("a\rb".utf8)),
        Bytes("BEL", Array("ding\u{07}".utf8)),
        Bytes("control after CJK", Array("你好\u{1B}".utf8)),
    ]

    @Test(arguments: badTexts)
    func controlSequenceIsBadText(input: Bytes) {
        #expect(decoded(input.bytes) == .failure(.badText))
    }

    @Test func decodesFromABufferPointerToo() {
        let bytes = Array("tab\tok".utf8)
        let text = bytes.withUnsafeBufferPointer { try? LineText.decode($0) }
        #expect(text == "tab\tok")
    }

    /// `isAllowed` agrees with `decode` on every scalar up to U+0100, and on a few beyond.
    @Test func isAllowedAgreesWithDecode() {
        let scalars = (UInt32(0)...0x100).compactMap(Unicode.Scalar.init) + ["你", "👋", "\u{FFFD}", "\u{2028}"]
        for scalar in scalars {
            let accepted = (try? LineText.decode(Array(String(scalar).utf8))) != nil
            #expect(LineText.isAllowed(scalar) == accepted, "U+\(String(scalar.value, radix: 16, uppercase: true))")
        }
    }

    static let allowed: [(scalar: Unicode.Scalar, allowed: Bool)] = [
        ("\t", true),
        (" ", true),
        ("~", true),
        ("\u{A0}", true),
        ("你", true),
        ("\u{0}", false),
        ("\n", false),
        ("\u{1B}", false),
        ("\u{1F}", false),
        ("\u{7F}", false),
        ("\u{80}", false),
        ("\u{9F}", false),
    ]

    @Test(arguments: allowed)
    func isAllowed(scalar: Unicode.Scalar, allowed: Bool) {
        #expect(LineText.isAllowed(scalar) == allowed)
    }
}
