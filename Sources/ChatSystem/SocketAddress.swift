import Glibc

/// A resolved TCP address, held as the bytes of its `sockaddr` so it can be handed between threads.
public struct SocketAddress: Sendable {
    /// The address family (`AF_INET` or `AF_INET6`).
    public let family: Int32
    private let bytes: [UInt8]

    /// Resolves a host and port to its TCP addresses, in the resolver's order of preference.
    ///
    /// - Parameters:
    ///   - host: A numeric IPv4 or IPv6 address, or a host name.
    ///   - port: The TCP port (0 to bind any free one).
    ///   - passive: Resolve for `bind` (a listener) rather than for `connect`.
    /// - Returns: At least one address.
    /// - Throws: ``ResolveError`` when the name does not resolve.
    public static func resolve(host: String, port: Int, passive: Bool = false) throws(ResolveError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, list != nil else { throw ResolveError(host: host, message: String(cString: gai_strerror(rc))) }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let info = entry {
            entry = info.pointee.ai_next
            guard let address = info.pointee.ai_addr else { continue }
            let bytes = [UInt8](UnsafeRawBufferPointer(start: address, count: Int(info.pointee.ai_addrlen)))
            addresses.append(SocketAddress(family: info.pointee.ai_family, bytes: bytes))
        }
        guard !addresses.isEmpty else { throw ResolveError(host: host, message: "no address") }
        return addresses
    }

    /// Connects `fd` to the address; on a non-blocking socket this only starts the connection.
    ///
    /// - Returns: 0 when connected or under way (`EINPROGRESS`), otherwise the `errno`.
    public func connect(_ fd: Int32) -> Int32 {
        let rc = withSockaddr { Glibc.connect(fd, $0, $1) }
        return rc == 0 || errno == EINPROGRESS ? 0 : errno
    }

    /// Binds `fd` to the address.
    ///
    /// - Returns: 0 on success, otherwise the `errno`.
    public func bind(_ fd: Int32) -> Int32 {
        withSockaddr { Glibc.bind(fd, $0, $1) } == 0 ? 0 : errno
    }

    private func withSockaddr(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return -1 }
            return body(base.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }

    /// `host:port` as people write it: an IPv6 address in brackets (`[::1]:7777`).
    public static func text(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// A host name that did not resolve.
public struct ResolveError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The name as given.
    public var host: String
    /// The resolver's message.
    public var message: String

    public init(host: String, message: String) {
        self.host = host
        self.message = message
    }

    public var description: String { "cannot resolve \(host): \(message)" }
}
