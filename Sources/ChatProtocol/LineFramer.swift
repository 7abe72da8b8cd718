import Glibc

/// Splits a byte stream into lines of at most ``Wire/maxLineBytes`` bytes.
///
/// The framer never buffers more than the limit (plus one byte for a pending CR): a line that grows
/// past it is reported once as ``Frame/tooLong`` as soon as that is known, and the rest of it, up to the
/// next LF, is dropped. A CR just before the LF is dropped.
public struct LineFramer: Sendable {
    /// One unit the framer yields.
    public enum Frame {
        /// A complete line, without its line ending. The buffer is valid only during the callback.
        case line(UnsafeBufferPointer<UInt8>)
        /// A line passed the limit; its bytes up to the next LF are discarded.
        case tooLong
    }

    /// The longest line accepted, in bytes before the line ending.
    public let maxLineBytes: Int
    private var partial: [UInt8] = []
    private var discarding = false

    /// Creates a framer.
    ///
    /// - Parameter maxLineBytes: The longest line accepted.
    public init(maxLineBytes: Int = Wire.maxLineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// The bytes of an unfinished line held from earlier input.
    public var bufferedByteCount: Int { partial.count }

    /// Feeds bytes read from the stream, calling `body` for every frame they complete.
    ///
    /// - Parameters:
    ///   - bytes: The bytes just read.
    ///   - body: Called in stream order with each complete line or overflow.
    public mutating func push(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (Frame) throws -> Void
    ) rethrows {
        _ = try push(bytes, while: { frame in
            try body(frame)
            return true
        })
    }

    /// Feeds bytes read from the stream, calling `body` for each frame until it returns `false`.
    ///
    /// This lets a reader stop part-way through what it read (to hold a client to a rate, say) and
    /// feed the rest later.
    ///
    /// - Parameters:
    ///   - bytes: The bytes just read.
    ///   - body: Called in stream order with each complete line or overflow; returns whether to go on.
    /// - Returns: How many bytes of `bytes` were consumed; feed the rest again later.
    public mutating func push(
        _ bytes: UnsafeRawBufferPointer,
        while body: (Frame) throws -> Bool
    ) rethrows -> Int {
        let chunk = bytes.bindMemory(to: UInt8.self)
        var start = 0
        let end = chunk.count
        while start < end {
            guard let lf = Self.indexOfLineFeed(chunk, from: start) else {
                // No line end in the rest of this chunk: keep it, within the limit.
                if !discarding {
                    let pending = partial.count + (end - start)
                    let limit = maxLineBytes + 1
                    if pending > limit || (pending == limit && chunk[end - 1] != Wire.carriageReturn) {
                        partial.removeAll(keepingCapacity: true)
                        discarding = true
                        _ = try body(.tooLong)
                    } else {
                        partial.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<end]))
                    }
                }
                return end
            }
            let lineStart = start
            start = lf + 1
            if discarding {
                discarding = false
                continue
            }
            let goOn: Bool
            if partial.isEmpty {
                var lineEnd = lf
                if lineEnd > lineStart, chunk[lineEnd - 1] == Wire.carriageReturn { lineEnd -= 1 }
                if lineEnd - lineStart > maxLineBytes {
                    goOn = try body(.tooLong)
                } else {
                    goOn = try body(.line(UnsafeBufferPointer(rebasing: chunk[lineStart..<lineEnd])))
                }
            } else {
                partial.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[lineStart..<lf]))
                if partial.last == Wire.carriageReturn { partial.removeLast() }
                if partial.count > maxLineBytes {
                    partial.removeAll(keepingCapacity: true)
                    goOn = try body(.tooLong)
                } else {
                    defer { partial.removeAll(keepingCapacity: true) }
                    goOn = try partial.withUnsafeBufferPointer { try body(.line($0)) }
                }
            }
            if !goOn { return start }
        }
        return end
    }

    /// Ends the stream: an unfinished line held from earlier input (one the stream ended without a line
    /// feed) is passed to `body` as a line, and the framer is empty again.
    ///
    /// - Parameter body: Called with the last line, if there is one.
    public mutating func finish(_ body: (Frame) throws -> Void) rethrows {
        defer {
            partial.removeAll(keepingCapacity: true)
            discarding = false
        }
        guard !discarding, !partial.isEmpty else { return }
        if partial.last == Wire.carriageReturn { partial.removeLast() }
        try partial.withUnsafeBufferPointer { try body(.line($0)) }
    }

    /// Feeds bytes held in an array; see ``push(_:_:)-(UnsafeRawBufferPointer,_)``.
    public mutating func push(_ bytes: [UInt8], _ body: (Frame) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { try push($0, body) }
    }

    @inline(__always)
    private static func indexOfLineFeed(_ chunk: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < chunk.count, let base = chunk.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(Wire.lineFeed), chunk.count - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
}
