import Foundation

/// The time zone the end-to-end tests run the client in, three hours east of UTC, so that a time shown
/// as the server sent it (UTC) is told apart from one converted to local time.
public let testZone = "TZ=XYZ-3"

/// A server's TIME (`2026-12-01T19:56:01.123Z`) as a client in ``testZone`` stamps it.
///
/// - Parameters:
///   - wire: The TIME field.
///   - dated: Whether the stamp shows the date (`2026-12-01 22:56`) or only the time (`22:56`).
/// - Returns: The stamp, or `nil` for a malformed TIME.
public func stampInTestZone(_ wire: some StringProtocol, dated: Bool = false) -> String? {
    let parser = ISO8601DateFormatter()
    parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    guard let date = parser.date(from: String(wire)) else { return nil }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(secondsFromGMT: 3 * 3600)
    formatter.dateFormat = dated ? "yyyy-MM-dd HH:mm" : "HH:mm"
    return formatter.string(from: date)
}

extension LineClient {
    /// The newest stored messages, oldest first, as `/history COUNT` gives them: each text with its TIME.
    ///
    /// The server's answer stops below the first message this connection got live, so ask on a
    /// connection that has not said or heard anything.
    ///
    /// - Throws: ``TestFailure`` when the answer is not `HISTORY` lines and a `HISTORY-END`.
    public func storedTimes(count: Int) throws -> [(text: String, time: String)] {
        try send("/history \(count)")
        var stored: [(text: String, time: String)] = []
        while let line = try readLine() {
            if line.hasPrefix("HISTORY-END ") { return stored }
            // HISTORY ID TIME FROM TEXT
            let fields = line.split(separator: " ", maxSplits: 4)
            guard fields.count == 5, fields[0] == "HISTORY" else { continue }
            stored.append((String(fields[4]), String(fields[2])))
        }
        throw TestFailure("no HISTORY-END; received: \(received.suffix(10))")
    }
}
