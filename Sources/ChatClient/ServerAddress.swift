import ChatProtocol

/// Where a chat server listens: a host name or numeric address, and a TCP port.
public struct ServerAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address used when none is given.
    public static let defaultHost = "127.0.0.1"

    /// A host name or a numeric IPv4 or IPv6 address.
    public var host: String
    /// The TCP port.
    public var port: Int

    /// Creates an address.
    ///
    /// - Parameters:
    ///   - host: A host name or numeric address.
    ///   - port: The TCP port.
    public init(host: String = ServerAddress.defaultHost, port: Int = Wire.defaultPort) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with an IPv6 address in brackets.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
