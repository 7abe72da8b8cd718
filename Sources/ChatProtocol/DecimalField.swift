/// The decimal numbers of the protocol: ids and counts.
enum DecimalField {
    /// Reads ASCII digits as a number, as a command gives it.
    ///
    /// - Parameter text: The field.
    /// - Returns: The number, or `nil` unless the field is one or more digits `0`-`9` (no sign, no
    ///   blanks) whose value fits a `UInt64`. Leading zeros are allowed: people type commands.
    static func parse(_ text: some StringProtocol) -> UInt64? {
        var value: UInt64 = 0
        var sawDigit = false
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowTimes, !overflowSum else { return nil }
            value = sum
            sawDigit = true
        }
        return sawDigit ? value : nil
    }

    /// Reads a number as the server writes it: like ``parse(_:)``, but without leading zeros (`0` itself
    /// is fine), so that every number has one spelling on the server's lines.
    static func parseCanonical(_ text: some StringProtocol) -> UInt64? {
        let utf8 = text.utf8
        if utf8.count > 1 && utf8.first == UInt8(ascii: "0") { return nil }
        return parse(text)
    }
}
