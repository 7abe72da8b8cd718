import ChatProtocol

/// The stable colour of a name: the same name gets the same colour in every client and every run.
///
/// It picks one of ``count`` colour slots; the terminal code decides what each slot looks like.
public enum NameColor {
    /// How many name colours there are.
    public static let count = 6

    /// The colour index of a name, from an FNV-1a hash of its case-insensitive form (names are
    /// unique case-insensitively, so `Alice` and `alice` are one person and one colour).
    ///
    /// - Parameter name: A user name.
    /// - Returns: A value in `0..<count`.
    public static func index(of name: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 {
            hash = (hash ^ UInt32(Name.lowercased(byte))) &* 16_777_619
        }
        return Int(hash % UInt32(count))
    }
}
