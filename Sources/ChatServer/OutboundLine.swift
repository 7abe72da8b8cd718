import ChatProtocol

/// One encoded event line, LF included, shared by every queue it is delivered to.
///
/// A broadcast is encoded once and the same bytes are queued for all recipients.
final class OutboundLine: @unchecked Sendable {
    // @unchecked: `bytes` is written only in `init` and freed in `deinit`; in between it is read-only.
    let bytes: UnsafeMutableRawBufferPointer

    init(_ event: Event) {
        var line = event.wireLine
        line.append("\n")
        bytes = line.withUTF8 { utf8 in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: utf8.count, alignment: 1)
            buffer.copyMemory(from: UnsafeRawBufferPointer(utf8))
            return buffer
        }
    }

    var count: Int { bytes.count }

    deinit { bytes.deallocate() }
}
