import Testing

@testable import ChatBench

@Suite struct BenchTokenTests {
    @Test func encodesChatloadsLinePaddedToTheSize() {
        let token = BenchToken(sender: 3, sequence: 17, sendTime: 123_456_789)
        #expect(token.description == "~B3.17.123456789~")
        #expect(String(decoding: token.line(size: 24), as: UTF8.self) == "/bc ~B3.17.123456789~xxxxxxx\n")
        #expect(token.line(size: 64).count == 4 + 64 + 1)
    }

    @Test func aTokenLongerThanTheSizeIsSentWhole() {
        let token = BenchToken(sender: 12, sequence: 0, sendTime: 18_446_744_073_709_551_615)
        #expect(
            String(decoding: token.line(size: 8), as: UTF8.self) == "/bc ~B12.0.18446744073709551615~\n")
    }

    @Test(arguments: [
        BenchToken(sender: 0, sequence: 0, sendTime: 0),
        BenchToken(sender: 9_999, sequence: 1_234_567, sendTime: 987_654_321_012_345),
        BenchToken(sender: 1, sequence: UInt64(Int64.max), sendTime: 9_999_999_999_999_999_999),
    ])
    func parsesWhatItEncodesAsTheServerRelaysIt(token: BenchToken) {
        let sent = String(decoding: token.line(size: 64), as: UTF8.self)
        // The server relays `/bc TEXT` as `MSG name TEXT`.
        let relayed = "MSG user42 " + sent.dropFirst(4).dropLast()
        #expect(BenchToken.find(in: relayed) == token)
    }

    @Test(arguments: [
        ("MSG user1 ~B3.17.123~xxx", BenchToken(sender: 3, sequence: 17, sendTime: 123)),
        ("MSG user1 a~b ~B ~B1.2 ~B4.5.6~", BenchToken(sender: 4, sequence: 5, sendTime: 6)),
        ("~B7.8.9~", BenchToken(sender: 7, sequence: 8, sendTime: 9)),
    ])
    func findsTheFirstWellFormedToken(line: String, token: BenchToken) {
        #expect(BenchToken.find(in: line) == token)
    }

    @Test(arguments: [
        "",
        "MSG user1 hello",
        "MSG user1 ~B3.17~",
        "MSG user1 ~B3.17.123",
        "MSG user1 ~B.17.123~",
        "MSG user1 ~B3..123~",
        "MSG user1 ~Bx.17.123~",
        "MSG user1 ~b3.17.123~",
        "MSG user1 ~B3.17.-123~",
        "MSG user1 ~B3.17.12345678901234567890~",
        "MSG user1 ~B99999999999.1.2~",
        "~",
        "~B",
    ])
    func rejectsMalformedTokens(line: String) {
        #expect(BenchToken.find(in: line) == nil)
    }
}
