import ChatProtocol
import ChatSystem

/// Where a chat server listens: a host name or numeric address, and a TCP port.
public struct ServerAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address used when none is given.
    public static let defaultHost = "127.0.0.1"
    /// The port used when none is given: the protocol's.
    public static let defaultPort = Wire.defaultPort
    /// The port used with `--tls` when none is given (beside the plain one, as IRC's 6697 beside 6667).
    public static let defaultTLSPort = Wire.defaultTLSPort

    /// A host name or a numeric IPv4 or IPv6 address.
    public var host: String
    /// The TCP port.
    public var port: Int

    /// Creates an address.
    ///
    /// - Parameters:
    ///   - host: A host name or numeric address.
    ///   - port: The TCP port.
    public init(host: String = ServerAddress.defaultHost, port: Int = ServerAddress.defaultPort) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with an IPv6 address in brackets.
    public var description: String {
        SocketAddress.text(host: host, port: port)
    }
}
