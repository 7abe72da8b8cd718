import Glibc

/// The server's resolved socket address, held as bytes so it can be handed to every loop thread.
struct ServerAddress: Sendable {
    /// The address family (`AF_INET` or `AF_INET6`).
    let family: Int32
    private let bytes: [UInt8]

    /// Resolves `host` and `port` to the first TCP address.
    ///
    /// - Throws: ``BenchError/unresolvableHost(_:)`` when the name does not resolve.
    init(host: String, port: Int) throws(BenchError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list,
            let address = first.pointee.ai_addr
        else {
            throw .unresolvableHost(host)
        }
        defer { freeaddrinfo(list) }
        family = first.pointee.ai_family
        bytes = [UInt8](UnsafeRawBufferPointer(start: address, count: Int(first.pointee.ai_addrlen)))
    }

    /// Starts a non-blocking connect of `fd` to the address.
    ///
    /// - Returns: 0 when connected or under way, otherwise the `errno`.
    func connect(_ fd: Int32) -> Int32 {
        let rc = bytes.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return -1 }
            return Glibc.connect(fd, base.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if rc == 0 || errno == EINPROGRESS { return 0 }
        return errno
    }
}
