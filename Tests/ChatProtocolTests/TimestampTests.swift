import ChatProtocol
import Glibc
import Testing

@Suite struct TimestampTests {
    /// Times with their exact wire form: the epoch, leap days, 2038 and 2106 (32-bit `time_t` ends),
    /// ends of months and years, and both ends of the span.
    static let times: [(milliseconds: Int64, wire: String)] = [
        (0, "1970-01-01T00:00:00.000Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (999, "1970-01-01T00:00:00.999Z"),
        (1000, "1970-01-01T00:00:01.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (-1000, "1969-12-31T23:59:59.000Z"),
        (-1001, "1969-12-31T23:59:58.999Z"),
        (-86_400_000, "1969-12-31T00:00:00.000Z"),
        (1_796_154_961_123, "2026-12-01T19:56:01.123Z"),
        (1_769_848_200_500, "2026-01-31T08:30:00.500Z"),
        (1_777_593_599_999, "2026-04-30T23:59:59.999Z"),
        (1_777_593_600_000, "2026-05-01T00:00:00.000Z"),
        (1_798_761_599_999, "2026-12-31T23:59:59.999Z"),
        (1_798_761_600_000, "2027-01-01T00:00:00.000Z"),
        (946_684_799_999, "1999-12-31T23:59:59.999Z"),
        (946_684_800_000, "2000-01-01T00:00:00.000Z"),
        (951_825_600_000, "2000-02-29T12:00:00.000Z"),
        (1_677_628_799_999, "2023-02-28T23:59:59.999Z"),
        (1_677_628_800_000, "2023-03-01T00:00:00.000Z"),
        (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
        (1_709_251_200_000, "2024-03-01T00:00:00.000Z"),
        (4_107_456_000_000, "2100-02-28T00:00:00.000Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        (-2_203_891_200_000, "1900-03-01T00:00:00.000Z"),
        (-11_670_998_399_999, "1600-02-29T00:00:00.001Z"),
        (2_147_483_647_999, "2038-01-19T03:14:07.999Z"),
        (2_147_483_648_000, "2038-01-19T03:14:08.000Z"),
        (4_294_967_296_000, "2106-02-07T06:28:16.000Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
        (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ]

    @Test(arguments: times)
    func formatsAndParsesBack(milliseconds: Int64, wire: String) {
        let time = Timestamp(millisecondsSinceEpoch: milliseconds)
        #expect(time.millisecondsSinceEpoch == milliseconds)
        #expect(time.rfc3339 == wire)
        #expect(time.description == wire)
        #expect(Timestamp(rfc3339: wire) == time)
        #expect(Timestamp(rfc3339: Substring("@\(wire)").dropFirst()) == time)
    }

    /// Text that is not the one wire form, or names no real moment.
    static let malformed: [String] = [
        "",
        "2026-12-01",
        "2026-12-01T19:56:01Z",
        "2026-12-01T19:56:01.1Z",
        "2026-12-01T19:56:01.12Z",
        "2026-12-01T19:56:01.1234Z",
        "2026-12-01T19:56:01.123",
        "2026-12-01T19:56:01.123+00:00",
        "2026-12-01T19:56:01.123z",
        "2026-12-01t19:56:01.123Z",
        "2026-12-01 19:56:01.123Z",
        "2026-12-01T19:56:01,123Z",
        "2026/12/01T19:56:01.123Z",
        " 2026-12-01T19:56:01.123Z",
        "2026-12-01T19:56:01.123Z ",
        "+2026-12-01T19:56:01.123Z",
        "12026-12-01T19:56:01.123Z",
        "2026-1-01T19:56:01.123Z",
        "2026-12-1T19:56:01.123Z",
        "2026-12-01T9:56:01.123Z",
        "2026-12-01T19:56:01.-12Z",
        "2026-12-01T19:5a:01.123Z",
        "２026-12-01T19:56:01.123Z",
        "2026-00-01T00:00:00.000Z",
        "2026-13-01T00:00:00.000Z",
        "2026-12-00T00:00:00.000Z",
        "2026-12-32T00:00:00.000Z",
        "2026-04-31T00:00:00.000Z",
        "2026-06-31T00:00:00.000Z",
        "2026-09-31T00:00:00.000Z",
        "2026-11-31T00:00:00.000Z",
        "2023-02-29T00:00:00.000Z",
        "2100-02-29T00:00:00.000Z",
        "1900-02-29T00:00:00.000Z",
        "2024-02-30T00:00:00.000Z",
        "2026-12-01T24:00:00.000Z",
        "2026-12-01T23:60:00.000Z",
        "2016-12-31T23:59:60.000Z",
    ]

    @Test(arguments: malformed)
    func malformedTextIsNoTime(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    /// Leap days exist in years divisible by 4, except centuries not divisible by 400.
    @Test(arguments: [
        (1600, true), (1700, false), (1900, false), (1996, true), (2000, true), (2023, false), (2024, true),
        (2100, false), (2400, true), (0, true),
    ])
    func leapDayExistsInLeapYearsOnly(year: Int, isLeap: Bool) {
        let digits = String(year)
        let text = String(repeating: "0", count: 4 - digits.count) + digits + "-02-29T00:00:00.000Z"
        #expect((Timestamp(rfc3339: text) != nil) == isLeap)
    }

    @Test func agreesWithGmtimeAcrossTheSpan() throws {
        var random = Xorshift(seed: 2026)
        let span = UInt64(Timestamp.max.millisecondsSinceEpoch - Timestamp.min.millisecondsSinceEpoch + 1)
        var mismatches: [String] = []
        for index in 0..<20_000 {
            // Every day around the epoch and around 2038, then anywhere in years 0000 to 9999.
            let milliseconds: Int64 =
                switch index % 3 {
                case 0: Int64(index / 3 - 3000) * 86_400_000 + Int64(index % 86_400) * 1001
                case 1: 2_147_483_648_000 + Int64(index - 10_000) * 86_399_999
                default: Timestamp.min.millisecondsSinceEpoch + Int64(random.next() % span)
                }
            let expected = Self.gmtime(milliseconds)
            let time = Timestamp(millisecondsSinceEpoch: milliseconds)
            if time.rfc3339 != expected || Timestamp(rfc3339: expected) != time {
                mismatches.append("\(milliseconds): \(time.rfc3339), gmtime_r \(expected)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
    }

    /// The wire form by Glibc's `gmtime_r`, a second opinion on the calendar arithmetic.
    static func gmtime(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        let fraction = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        _ = gmtime_r(&seconds, &parts)
        func padded(_ value: Int, _ digits: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        return
            "\(padded(Int(parts.tm_year) + 1900, 4))-\(padded(Int(parts.tm_mon) + 1, 2))-\(padded(Int(parts.tm_mday), 2))"
            + "T\(padded(Int(parts.tm_hour), 2)):\(padded(Int(parts.tm_min), 2)):\(padded(Int(parts.tm_sec), 2))"
            + ".\(padded(fraction, 3))Z"
    }

    @Test func outOfSpanMillisecondsClampToTheEnds() {
        #expect(Timestamp.min.rfc3339 == "0000-01-01T00:00:00.000Z")
        #expect(Timestamp.max.rfc3339 == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp(millisecondsSinceEpoch: Int64.min) == Timestamp.min)
        #expect(Timestamp(millisecondsSinceEpoch: Timestamp.min.millisecondsSinceEpoch - 1) == Timestamp.min)
        #expect(Timestamp(millisecondsSinceEpoch: Int64.max) == Timestamp.max)
        #expect(Timestamp(millisecondsSinceEpoch: Timestamp.max.millisecondsSinceEpoch + 1) == Timestamp.max)
        #expect(Timestamp.wireLength == 24)
    }

    @Test func ordersByMoment() {
        let times = [2_147_483_648_000, -1, 0, 1_796_154_961_123, -62_167_219_200_000].map {
            Timestamp(millisecondsSinceEpoch: $0)
        }
        #expect(
            times.sorted().map(\.millisecondsSinceEpoch) == [
                -62_167_219_200_000, -1, 0, 1_796_154_961_123, 2_147_483_648_000,
            ])
        // The wire form sorts the same way as the moment, from year 0000 on.
        #expect(times.sorted().map(\.rfc3339) == times.map(\.rfc3339).sorted())
    }

    @Test func nowIsTheWallClockToTheMillisecond() {
        let before = Int64(time(nil)) * 1000
        let now = Timestamp.now()
        let after = Int64(time(nil)) * 1000 + 1000
        #expect(now.millisecondsSinceEpoch >= before && now.millisecondsSinceEpoch < after, "\(now)")
        #expect(Timestamp(rfc3339: now.rfc3339) == now)
    }
}
