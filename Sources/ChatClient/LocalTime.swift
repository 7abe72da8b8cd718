import ChatProtocol
import Glibc

/// A wall-clock time of day, to the minute, as shown in front of each line (`12:01`), with the local
/// date when it is known.
///
/// Every scrollback line holds one, so it is kept small (8 bytes).
public struct LocalTime: Hashable, Sendable, CustomStringConvertible {
    private var storedHour: UInt8
    private var storedMinute: UInt8
    /// The day, in the local time zone; `nil` when not known (a time made from an hour and a minute).
    ///
    /// Day-change lines and dated stamps need it; a line without one never starts a new day.
    public var date: LocalDate?

    /// 0 to 23.
    public var hour: Int {
        get { Int(storedHour) }
        set { storedHour = UInt8(clamping: newValue) }
    }

    /// 0 to 59.
    public var minute: Int {
        get { Int(storedMinute) }
        set { storedMinute = UInt8(clamping: newValue) }
    }

    /// Creates a time of day.
    public init(hour: Int, minute: Int, date: LocalDate? = nil) {
        storedHour = UInt8(clamping: hour)
        storedMinute = UInt8(clamping: minute)
        self.date = date
    }

    /// A moment in the local time zone: the server's UTC times are shown this way.
    ///
    /// - Parameter timestamp: A time from the server (`HISTORY`, `FOUND`, the `time` tag).
    public init(_ timestamp: Timestamp) {
        let milliseconds = timestamp.millisecondsSinceEpoch
        // Rounded towards minus infinity, so a time before 1970 keeps its minute.
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        self.init(secondsSinceEpoch: time_t(seconds))
    }

    private init(secondsSinceEpoch: time_t) {
        var seconds = secondsSinceEpoch
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else {
            self.init(hour: 0, minute: 0)
            return
        }
        self.init(
            hour: Int(parts.tm_hour), minute: Int(parts.tm_min),
            date: LocalDate(
                year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
                weekday: Int(parts.tm_wday)))
    }

    /// The time now, in the local time zone.
    public static func now() -> LocalTime {
        LocalTime(secondsSinceEpoch: time(nil))
    }

    /// `HH:MM`.
    public var description: String {
        (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }

    /// `2026-11-30 15:41`: the date and the time, for a line from another day (`HH:MM` without a date).
    public var dated: String {
        guard let date else { return description }
        return date.numeric + " " + description
    }
}

/// A day in the local calendar.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    private let storedYear: Int16
    private let storedMonth: UInt8
    private let storedDay: UInt8
    private let storedWeekday: UInt8

    /// The year, `2026`.
    public var year: Int { Int(storedYear) }
    /// 1 to 12.
    public var month: Int { Int(storedMonth) }
    /// 1 to 31.
    public var day: Int { Int(storedDay) }
    /// 0 (Sunday) to 6 (Saturday).
    public var weekday: Int { Int(storedWeekday) }

    /// Creates a date; the weekday must be the one the date falls on.
    public init(year: Int, month: Int, day: Int, weekday: Int) {
        storedYear = Int16(clamping: year)
        storedMonth = UInt8(clamping: month)
        storedDay = UInt8(clamping: day)
        storedWeekday = UInt8(clamping: weekday)
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// `Tuesday 1 December 2026`, as a day-change line reads (English, like the rest of the client).
    public var description: String {
        let weekday = Self.weekdays[min(max(weekday, 0), 6)]
        let month = Self.months[min(max(month, 1), 12) - 1]
        return "\(weekday) \(day) \(month) \(year)"
    }

    /// `2026-12-01`.
    public var numeric: String {
        func padded(_ value: Int, _ digits: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }
}
