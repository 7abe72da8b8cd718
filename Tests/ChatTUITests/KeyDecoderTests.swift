import Testing

@testable import ChatTUI

@Suite struct KeyDecoderTests {
    private func decode(_ text: String) -> [Key] {
        var decoder = KeyDecoder()
        return decoder.decode(text.unicodeScalars.map { .character($0.value) })
    }

    @Test func typedCharactersBecomeOneText() {
        #expect(decode("hello 中文 👨‍👩‍👧") == [.text("hello 中文 👨‍👩‍👧")])
    }

    @Test(arguments: [
        ("\r", Key.enter), ("\n", .enter), ("\t", .tab), ("\u{7F}", .backspace), ("\u{08}", .backspace),
        ("\u{01}", .control("a")), ("\u{05}", .control("e")), ("\u{15}", .control("u")), ("\u{0B}", .control("k")),
        ("\u{17}", .control("w")), ("\u{0C}", .control("l")), ("\u{03}", .control("c")), ("\u{10}", .control("p")),
        ("\u{0E}", .control("n")), ("\u{04}", .control("d")),
    ])
    func controlCharacters(input: String, key: Key) {
        #expect(decode(input) == [key])
    }

    @Test func altIsAnEscapePrefix() {
        #expect(decode("\u{1B}b\u{1B}f") == [.alt("b"), .alt("f")])
        #expect(decode("ab\u{1B}bcd") == [.text("ab"), .alt("b"), .text("cd")])
    }

    @Test func aLoneEscapeAtTheEndOfABatch() {
        #expect(decode("x\u{1B}") == [.text("x"), .escape])
        #expect(decode("\u{1B}\u{1B}") == [.escape, .escape])
    }

    @Test(arguments: [
        ("\u{1B}[A", Key.up), ("\u{1B}[B", .down), ("\u{1B}[C", .right), ("\u{1B}[D", .left),
        ("\u{1B}[1;5D", .wordLeft), ("\u{1B}[1;5C", .wordRight), ("\u{1B}[1;3D", .wordLeft),
        ("\u{1B}[H", .home), ("\u{1B}[F", .end), ("\u{1B}[1~", .home), ("\u{1B}[4~", .end),
        ("\u{1B}[3~", .delete), ("\u{1B}[5~", .pageUp), ("\u{1B}[6~", .pageDown), ("\u{1B}OH", .home),
        ("\u{1B}OF", .end), ("\u{1B}OA", .up),
    ])
    func sequencesCursesLeftUndecoded(input: String, key: Key) {
        #expect(decode(input) == [key])
    }

    @Test func unknownSequencesAreDropped() {
        #expect(decode("a\u{1B}[I\u{1B}[Ob") == [.text("a"), .text("b")])
        #expect(decode("\u{1B}[?1;2c") == [])
    }

    @Test func bracketedPasteSendsLineByLineAndKeepsTabsAsText() {
        var decoder = KeyDecoder()
        let keys = decoder.decode(
            "\u{1B}[200~one\rtwo\tcols\r\nthree\u{1B}[201~\t".unicodeScalars.map { .character($0.value) })
        #expect(
            keys == [.text("one"), .enter, .text("two\tcols"), .enter, .enter, .text("three"), .tab])
        #expect(!decoder.inPaste)
    }

    @Test func aPasteMaySpanReads() {
        var decoder = KeyDecoder()
        #expect(decoder.decode("\u{1B}[200~a\tb".unicodeScalars.map { .character($0.value) }) == [.text("a\tb")])
        #expect(decoder.inPaste)
        #expect(decoder.decode("\u{15}c\u{1B}[201~".unicodeScalars.map { .character($0.value) }) == [.text("c")])
        #expect(!decoder.inPaste)
    }

    @Test func keysFromCursesEndTheTextBeforeThem() {
        var decoder = KeyDecoder()
        #expect(
            decoder.decode([.character(0x61), .key(.left), .character(0x62), .key(.resize)]) == [
                .text("a"), .left, .text("b"), .resize,
            ])
    }

    @Test func controlAndInvalidCodesNeverBecomeText() {
        #expect(decode("a\u{00}\u{1C}\u{85}b") == [.text("ab")])
        var decoder = KeyDecoder()
        #expect(decoder.decode([.character(0xD800), .character(0x110000), .character(0x41)]) == [.text("A")])
    }
}
