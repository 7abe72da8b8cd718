/// The naming rules of the protocol.
///
/// A name is 1 to 24 ASCII letters, digits, `_` and `-`, starting with a letter. Names are unique
/// case-insensitively, and `server` is reserved.
public enum Name {
    /// The longest name allowed.
    public static let maxLength = 24
    /// The name no connection may take.
    public static let reserved = "server"

    /// Checks a requested name against the rules.
    ///
    /// - Parameter name: The name as the user typed it.
    /// - Throws: ``ProtocolError/badName(_:)`` with the rule it breaks.
    public static func validate(_ name: some StringProtocol) throws(ProtocolError) {
        let bytes = Array(name.utf8)
        guard let first = bytes.first else {
            throw .badName("a name is 1 to \(maxLength) characters")
        }
        // Which characters first: a name with an accent is refused for the accent, not for its byte count.
        guard bytes.allSatisfy(isNameByte) else {
            throw .badName("a name holds only ASCII letters, digits, _ and -")
        }
        guard isLetter(first) else {
            throw .badName("a name starts with a letter")
        }
        guard bytes.count <= maxLength else {
            throw .badName("a name is 1 to \(maxLength) characters")
        }
        guard key(name) != reserved else {
            throw .badName("the name \(reserved) is reserved")
        }
    }

    /// Whether a name follows the rules.
    public static func isValid(_ name: some StringProtocol) -> Bool {
        do {
            try validate(name)
            return true
        } catch {
            return false
        }
    }

    /// The key under which a name is unique: its ASCII lowercase form.
    public static func key(_ name: some StringProtocol) -> String {
        String(decoding: name.utf8.map(lowercased), as: UTF8.self)
    }

    /// Whether a byte may be part of a name: an ASCII letter, digit, `_` or `-`.
    ///
    /// Text mentions a name where the name stands between bytes that are not name bytes.
    @inline(__always)
    public static func isNameByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// A byte folded as names are compared: ASCII upper case to lower case, every other byte as it is.
    @inline(__always)
    public static func lowercased(_ byte: UInt8) -> UInt8 {
        isUpper(byte) ? byte + 32 : byte
    }

    /// Orders names case-insensitively, the order of a `USERS` line (ties broken by exact spelling).
    public static func areInIncreasingOrder(_ lhs: String, _ rhs: String) -> Bool {
        let (l, r) = (key(lhs), key(rhs))
        return l != r ? l < r : lhs < rhs
    }

    private static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    private static func isLetter(_ byte: UInt8) -> Bool { isUpper(byte) || (byte >= 0x61 && byte <= 0x7A) }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
