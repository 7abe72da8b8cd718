import Glibc

/// A wall-clock time of day, to the minute, as shown in front of each line (`12:01`).
public struct LocalTime: Hashable, Sendable, CustomStringConvertible {
    /// 0 to 23.
    public var hour: Int
    /// 0 to 59.
    public var minute: Int

    /// Creates a time of day.
    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// The time now, in the local time zone.
    public static func now() -> LocalTime {
        var seconds = time(nil)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return LocalTime(hour: 0, minute: 0) }
        return LocalTime(hour: Int(parts.tm_hour), minute: Int(parts.tm_min))
    }

    /// `HH:MM`.
    public var description: String {
        (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }
}
