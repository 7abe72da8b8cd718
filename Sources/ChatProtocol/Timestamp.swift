import Glibc

/// A moment in UTC, to the millisecond: the TIME field of `HISTORY` and `FOUND` and the `time` tag.
///
/// On the wire it is RFC 3339 in one exact form, `YYYY-MM-DDTHH:MM:SS.mmmZ` (`2026-12-01T19:56:01.123Z`):
/// always three fraction digits, always `Z`, upper-case `T`. That form is the only one
/// ``init(rfc3339:)`` reads, so every time has one spelling and parsing then formatting gives back the
/// same text. The calendar is the proleptic Gregorian one, without leap seconds (`:60` is refused).
/// Four year digits make the span ``min`` (year 0000) to ``max`` (year 9999).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00.000Z; negative before it.
    public let millisecondsSinceEpoch: Int64

    /// 0000-01-01T00:00:00.000Z, the earliest time the wire form can spell.
    public static let min = Timestamp(checked: Self.days(year: 0, month: 1, day: 1) * millisecondsPerDay)
    /// 9999-12-31T23:59:59.999Z, the latest time the wire form can spell.
    public static let max = Timestamp(checked: Self.days(year: 10_000, month: 1, day: 1) * millisecondsPerDay - 1)

    /// The length of the wire form in bytes.
    public static let wireLength = 24

    /// Creates a time from milliseconds since the epoch.
    ///
    /// - Parameter millisecondsSinceEpoch: Milliseconds since 1970-01-01T00:00:00.000Z. A value outside
    ///   ``min`` ... ``max`` is clamped to the nearer end, so every `Timestamp` has a wire form.
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = Swift.min(
            Swift.max(millisecondsSinceEpoch, Self.min.millisecondsSinceEpoch), Self.max.millisecondsSinceEpoch)
    }

    private init(checked milliseconds: Int64) {
        millisecondsSinceEpoch = milliseconds
    }

    /// The wall-clock time now (`CLOCK_REALTIME`), truncated to the millisecond.
    public static func now() -> Timestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Timestamp(millisecondsSinceEpoch: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    // MARK: Formatting

    /// The wire form, `2026-12-01T19:56:01.123Z`.
    public var rfc3339: String {
        String(unsafeUninitializedCapacity: Self.wireLength) { buffer in
            write(into: UnsafeMutableRawBufferPointer(buffer))
            return Self.wireLength
        }
    }

    public var description: String { rfc3339 }

    /// Appends the wire form's bytes.
    func append(to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: Self.wireLength))
        bytes.withUnsafeMutableBytes { buffer in
            write(into: UnsafeMutableRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// Writes the 24 bytes of the wire form at the start of `buffer`.
    private func write(into buffer: UnsafeMutableRawBufferPointer) {
        let (days, millisecondOfDay) = millisecondsSinceEpoch.floorDivided(by: Self.millisecondsPerDay)
        let (year, month, day) = Self.civil(days: days)
        let seconds = Int(millisecondOfDay / 1000)
        // Digits and separators in place, with no intermediate strings: this runs for every tagged line.
        func put(_ value: Int, digits: Int, at offset: Int, then separator: Unicode.Scalar) {
            var value = value
            for position in stride(from: offset + digits - 1, through: offset, by: -1) {
                buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            buffer[offset + digits] = UInt8(ascii: separator)
        }
        put(year, digits: 4, at: 0, then: "-")
        put(month, digits: 2, at: 5, then: "-")
        put(day, digits: 2, at: 8, then: "T")
        put(seconds / 3600, digits: 2, at: 11, then: ":")
        put(seconds / 60 % 60, digits: 2, at: 14, then: ":")
        put(seconds % 60, digits: 2, at: 17, then: ".")
        put(Int(millisecondOfDay % 1000), digits: 3, at: 20, then: "Z")
    }

    // MARK: Parsing

    /// Reads the wire form, strictly: exactly `YYYY-MM-DDTHH:MM:SS.mmmZ` naming a real date and time.
    ///
    /// - Parameter text: The TIME field or tag value.
    /// - Returns: The time, or `nil` for anything else: another RFC 3339 spelling (an offset, a
    ///   lower-case `t` or `z`, more or fewer fraction digits), a day the month does not have, hour 24,
    ///   second 60.
    public init?(rfc3339 text: some StringProtocol) {
        var text = String(text)
        guard
            let milliseconds = text.withUTF8({ bytes in
                bytes.count == Self.wireLength ? Self.parse(UnsafeRawBufferPointer(bytes)) : nil
            })
        else { return nil }
        self.init(checked: milliseconds)
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        /// The number in `digits` ASCII digits at `offset`, followed by `separator`.
        func number(at offset: Int, digits: Int, then separator: Unicode.Scalar) -> Int? {
            guard bytes[offset + digits] == UInt8(ascii: separator) else { return nil }
            var value = 0
            for byte in bytes[offset..<(offset + digits)] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(at: 0, digits: 4, then: "-"), let month = number(at: 5, digits: 2, then: "-"),
            let day = number(at: 8, digits: 2, then: "T"), let hour = number(at: 11, digits: 2, then: ":"),
            let minute = number(at: 14, digits: 2, then: ":"), let second = number(at: 17, digits: 2, then: "."),
            let millisecond = number(at: 20, digits: 3, then: "Z"),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
            second < 60
        else { return nil }
        let seconds = Int64((hour * 60 + minute) * 60 + second)
        return days(year: year, month: month, day: day) * millisecondsPerDay + seconds * 1000 + Int64(millisecond)
    }

    // MARK: Civil calendar

    private static let millisecondsPerDay: Int64 = 86_400_000

    private static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a date (negative before it).
    ///
    /// Howard Hinnant's `days_from_civil`: counts in 400-year eras of 146,097 days, with years starting
    /// on 1 March so that the leap day falls at the end of a year.
    private static func days(year: Int, month: Int, day: Int) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return Int64(era) * 146_097 + Int64(dayOfEra) - 719_468
    }

    /// The date that lies `days` days after 1970-01-01 (Hinnant's `civil_from_days`, the inverse of
    /// ``days(year:month:day:)``).
    private static func civil(days: Int64) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = Int(shifted - era * 146_097)
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + Int(era) * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

extension Int64 {
    /// The quotient rounded toward minus infinity, and the remainder that goes with it (never negative).
    fileprivate func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
