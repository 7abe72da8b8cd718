import Glibc

/// Runs `body` with a TCP port bound on 127.0.0.1 that never answers, releasing it afterwards.
///
/// - Parameters:
///   - listening: Whether the port listens: then connections complete into the backlog and wait there,
///     never accepted; otherwise they are refused.
///   - body: Given the port.
/// - Returns: What `body` returns.
/// - Throws: ``TestFailure`` when no port can be bound; what `body` throws.
@discardableResult
public func withSilentPort<T>(listening: Bool, _ body: (Int) throws -> T) throws -> T {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw TestFailure("bind to 127.0.0.1 port 0 failed: errno \(errno)") }
    if listening {
        guard listen(fd, 16) == 0 else { throw TestFailure("listen failed: errno \(errno)") }
    }
    return try body(Int(UInt16(bigEndian: address.sin_port)))
}

/// A port on 127.0.0.1 that nothing listens on right now: bound, read back and released.
///
/// - Throws: ``TestFailure`` when no port can be bound.
public func freePort() throws -> Int {
    try withSilentPort(listening: false) { $0 }
}
