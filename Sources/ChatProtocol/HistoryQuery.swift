/// Which stored messages a `/history` command asks for (v1.1).
///
/// Every answer lists its messages oldest first; the query picks which ones.
public enum HistoryQuery: Equatable, Hashable, Sendable {
    /// `/history [N]`: the `count` newest stored messages.
    case latest(count: Int)
    /// `/history before ID [N]`: the `count` newest messages whose id is below `id`.
    case before(id: UInt64, count: Int)
    /// `/history after ID [N]`: the `count` oldest messages whose id is above `id`.
    case after(id: UInt64, count: Int)

    /// The count when the command gives none.
    public static let defaultCount = 50
    /// The counts a command may give.
    public static let counts = 1...1000

    /// The most messages the answer holds.
    public var count: Int {
        switch self {
        case .latest(let count), .before(_, let count), .after(_, let count): count
        }
    }

    /// The usage line of `/history`, the text of its `bad-syntax` error.
    static let usage = "usage: /history [N] | /history before ID [N] | /history after ID [N]"

    /// Reads the arguments of `/history`.
    ///
    /// - Parameter arguments: The rest of the line after the command word.
    /// - Throws: ``ProtocolError/badSyntax(_:)`` for any other form, a count outside ``counts``, or an
    ///   id that is not a decimal `UInt64`.
    static func parse(_ arguments: Substring) throws(ProtocolError) -> HistoryQuery {
        let fields = arguments.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = fields.first else { return .latest(count: defaultCount) }
        let direction = Name.key(first)
        guard direction == "before" || direction == "after" else {
            guard fields.count == 1 else { throw .badSyntax(usage) }
            return .latest(count: try count(first))
        }
        guard fields.count == 2 || fields.count == 3 else { throw .badSyntax(usage) }
        guard let id = DecimalField.parse(fields[1]) else {
            throw .badSyntax("ID is a decimal number from 0 to \(UInt64.max)")
        }
        let count = fields.count == 3 ? try count(fields[2]) : defaultCount
        return direction == "before" ? .before(id: id, count: count) : .after(id: id, count: count)
    }

    private static func count(_ field: Substring) throws(ProtocolError) -> Int {
        guard let value = DecimalField.parse(field), value <= UInt64(counts.upperBound), counts.contains(Int(value))
        else {
            throw .badSyntax("N is a number from \(counts.lowerBound) to \(counts.upperBound)")
        }
        return Int(value)
    }

    /// The arguments as ``Command/wireLine`` writes them, count always given.
    var wireArguments: String {
        switch self {
        case .latest(let count): "\(count)"
        case .before(let id, let count): "before \(id) \(count)"
        case .after(let id, let count): "after \(id) \(count)"
        }
    }
}
