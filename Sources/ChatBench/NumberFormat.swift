/// Number formatting for reports, free of locale: `1,234,567`, `3.21 ms`, `22.5 KiB`.
public enum NumberFormat {
    /// An integer with commas between thousands: `1,234,567`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// A number rounded to `digits` decimals: `fixed(3.14159, 2)` is `3.14`.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<max(digits, 0) { scale *= 10 }
        let scaled = (value.magnitude * scale).rounded()
        guard scaled < 9e18 else { return String(value) }
        let units = UInt64(scaled)
        let whole = units / UInt64(scale)
        let sign = value < 0 && units > 0 ? "-" : ""
        guard digits > 0 else { return sign + String(whole) }
        let fraction = String(units % UInt64(scale))
        return sign + String(whole) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    /// A grouped number rounded to `digits` decimals: `1,234.5`.
    public static func groupedFixed(_ value: Double, _ digits: Int) -> String {
        let text = fixed(value, digits)
        let parts = text.split(separator: ".", maxSplits: 1)
        guard let whole = parts.first, let integer = Int(whole) else { return text }
        let head = integer == 0 && text.hasPrefix("-") ? "-0" : grouped(integer)
        return parts.count == 2 ? head + "." + parts[1] : head
    }

    /// A duration given in microseconds, with three significant figures: `812 us`, `3.21 ms`, `31.2 ms`, `1.52 s`.
    public static func duration(microseconds: UInt64) -> String {
        switch microseconds {
        case ..<1_000: return "\(microseconds) us"
        case ..<10_000: return fixed(Double(microseconds) / 1e3, 2) + " ms"
        case ..<100_000: return fixed(Double(microseconds) / 1e3, 1) + " ms"
        case ..<1_000_000: return fixed(Double(microseconds) / 1e3, 0) + " ms"
        default: return fixed(Double(microseconds) / 1e6, 2) + " s"
        }
    }

    /// An amount of memory given in KiB: `812 KiB`, `22.5 KiB`, `3.4 MiB`, `1.20 GiB`.
    public static func memory(kibibytes: Double) -> String {
        switch kibibytes.magnitude {
        case ..<10: return fixed(kibibytes, 2) + " KiB"
        case ..<1_024: return fixed(kibibytes, 1) + " KiB"
        case ..<(1_024 * 1_024): return fixed(kibibytes / 1_024, 1) + " MiB"
        default: return fixed(kibibytes / 1_048_576, 2) + " GiB"
        }
    }

    /// A share as a percentage: `0.1234` is `12.3%`.
    public static func percent(_ share: Double, digits: Int = 1) -> String {
        fixed(share * 100, digits) + "%"
    }
}
