import Glibc

/// Reads what a socket has available without blocking, retrying `EINTR`.
///
/// - Returns: The bytes read, 0 at end of stream, or `nil` when nothing is available.
/// - Throws: ``SystemError`` (`recv`) when the connection failed.
public func receiveAvailable(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
    while true {
        let count = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
        if count >= 0 { return count }
        switch errno {
        case EINTR: continue
        case EAGAIN, EWOULDBLOCK: return nil
        default: throw SystemError("recv")
        }
    }
}
