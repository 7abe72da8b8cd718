/// Constants of wire protocol v1 and v1.1.
public enum Wire {
    /// The most bytes a line may hold before its line feed (a carriage return before the LF is not counted).
    public static let maxLineBytes = 4096
    /// The default TCP port.
    public static let defaultPort = 7777
    /// The port of the TLS listener (`chatroom-server --tls-cert`, `chatroom --tls`).
    public static let defaultTLSPort = 7778
    /// The byte that ends every line.
    public static let lineFeed: UInt8 = 0x0A
    /// The byte dropped when it comes just before the line feed.
    public static let carriageReturn: UInt8 = 0x0D
    /// The most `FOUND` lines one `/search` answer holds (v1.1): the newest matches.
    public static let maxSearchResults = 50
    /// The lengths a password may have, in bytes of UTF-8 (accounts).
    public static let passwordBytes = 8...256
    /// The values MINUTES may take in `/ban` and `/mute`: a minute to a year.
    public static let moderationMinutes = 1...525_600
}
