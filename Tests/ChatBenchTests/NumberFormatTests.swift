import Testing

@testable import ChatBench

@Suite struct NumberFormatTests {
    @Test(arguments: [(0, "0"), (999, "999"), (1_000, "1,000"), (1_234_567, "1,234,567"), (-1_234, "-1,234")])
    func groupsThousands(value: Int, text: String) {
        #expect(NumberFormat.grouped(value) == text)
    }

    @Test(arguments: [
        (3.14159, 2, "3.14"), (2.5, 0, "3"), (-1.25, 1, "-1.3"), (-0.04, 1, "0.0"), (12.0, 3, "12.000"),
        (0.001, 3, "0.001"), (99_998.75, 0, "99999"),
    ])
    func roundsToFixedDecimals(value: Double, digits: Int, text: String) {
        #expect(NumberFormat.fixed(value, digits) == text)
    }

    @Test(arguments: [(1_234.56, 1, "1,234.6"), (1_000_000.0, 0, "1,000,000"), (12.0, 1, "12.0")])
    func groupsFixedDecimals(value: Double, digits: Int, text: String) {
        #expect(NumberFormat.groupedFixed(value, digits) == text)
    }

    @Test(arguments: [
        (0 as UInt64, "0 us"), (999, "999 us"), (1_000, "1.00 ms"), (1_234, "1.23 ms"), (12_345, "12.3 ms"),
        (123_456, "123 ms"), (1_520_000, "1.52 s"),
    ])
    func showsDurationsWithThreeFigures(microseconds: UInt64, text: String) {
        #expect(NumberFormat.duration(microseconds: microseconds) == text)
    }

    @Test(arguments: [(8.5, "8.50 KiB"), (22.5, "22.5 KiB"), (2_048.0, "2.0 MiB"), (16_777_216.0, "16.00 GiB")])
    func showsMemoryInBinaryUnits(kibibytes: Double, text: String) {
        #expect(NumberFormat.memory(kibibytes: kibibytes) == text)
    }

    @Test func showsSharesAsPercentages() {
        #expect(NumberFormat.percent(0.1234) == "12.3%")
        #expect(NumberFormat.percent(0.00001, digits: 3) == "0.001%")
    }
}
