import Glibc

/// The mark every bench message carries: `~B<sender>.<sequence>.<send time>~`.
///
/// The format is chatload's (`shared/bench/chatload.c`), so both tools send and measure the same bytes:
/// a message is `/bc ` and the token, padded with `x` to the message size, then LF. The server relays
/// it as `MSG <name> ~B3.17.123456789~xxx...`, and the receiver's latency is its clock minus the send time.
public struct BenchToken: Hashable, Sendable, CustomStringConvertible {
    /// The index of the sending client in the run.
    public var sender: Int
    /// The sender's message counter, from 0.
    public var sequence: UInt64
    /// When it was sent: `CLOCK_MONOTONIC` in nanoseconds.
    public var sendTime: UInt64

    /// Creates a token.
    ///
    /// - Parameters:
    ///   - sender: The index of the sending client.
    ///   - sequence: The sender's message counter.
    ///   - sendTime: The monotonic send time in nanoseconds.
    public init(sender: Int, sequence: UInt64, sendTime: UInt64) {
        self.sender = sender
        self.sequence = sequence
        self.sendTime = sendTime
    }

    /// The token as text: `~B<sender>.<sequence>.<sendTime>~`.
    public var description: String { "~B\(sender).\(sequence).\(sendTime)~" }

    /// The largest message body (`--size`): a line holds 4096 bytes, and `/bc ` takes four.
    public static let maximumSize = 4092

    /// The most bytes ``write(lineWithSize:into:)`` writes: the largest body, `/bc ` and LF.
    public static let maximumLineBytes = maximumSize + 5

    /// The whole command line that sends this token: `/bc `, the token padded with `x` to `size` bytes, LF.
    ///
    /// - Parameter size: The body's length; a token longer than that is sent unpadded.
    /// - Returns: The line's bytes.
    public func line(size: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.maximumLineBytes) { buffer, count in
            count = write(lineWithSize: size, into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// Writes the command line of ``line(size:)`` into `buffer`, which holds ``maximumLineBytes``.
    ///
    /// - Parameters:
    ///   - size: The body's length, at most ``maximumSize``.
    ///   - buffer: Where to write.
    /// - Returns: The number of bytes written.
    @inline(__always)
    func write(lineWithSize size: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let size = min(size, Self.maximumSize)
        var at = 0
        @inline(__always) func put(_ byte: UInt8) {
            buffer[at] = byte
            at += 1
        }
        @inline(__always) func put(decimal value: UInt64) {
            var length = 1
            var rest = value / 10
            while rest > 0 {
                length += 1
                rest /= 10
            }
            // Digits from the last one back.
            var value = value
            var index = at + length - 1
            repeat {
                buffer[index] = 48 + UInt8(truncatingIfNeeded: value % 10)
                value /= 10
                index -= 1
            } while value > 0
            at += length
        }
        for byte in "/bc ~B".utf8 { put(byte) }
        put(decimal: UInt64(max(sender, 0)))
        put(UInt8(ascii: "."))
        put(decimal: sequence)
        put(UInt8(ascii: "."))
        put(decimal: sendTime)
        put(UInt8(ascii: "~"))
        let bodyEnd = 4 + size
        while at < bodyEnd { put(UInt8(ascii: "x")) }
        put(UInt8(ascii: "\n"))
        return at
    }

    /// Finds the first well-formed token in a received line.
    ///
    /// - Parameter line: A line as received, without its LF (say `MSG user3 ~B2.17.123456789~xxx`).
    /// - Returns: The token, or `nil` if the line holds none.
    public static func find(in line: String) -> BenchToken? {
        var line = line
        return line.withUTF8 { find(in: UnsafeRawBufferPointer($0)) }
    }

    /// Finds the first well-formed token in a received line.
    ///
    /// - Parameter line: A line as received, without its LF.
    /// - Returns: The token, or `nil` if the line holds none.
    @inline(__always)
    public static func find(in line: UnsafeRawBufferPointer) -> BenchToken? {
        guard let base = line.baseAddress else { return nil }
        var start = 0
        while start < line.count {
            guard let tilde = memchr(base + start, Int32(UInt8(ascii: "~")), line.count - start) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(tilde))
            if let token = parse(line, at: at) { return token }
            start = at + 1
        }
        return nil
    }

    /// Parses `~B<digits>.<digits>.<digits>~` starting at `offset`.
    @inline(__always)
    private static func parse(_ line: UnsafeRawBufferPointer, at offset: Int) -> BenchToken? {
        var at = offset
        @inline(__always) func expect(_ byte: UInt8) -> Bool {
            guard at < line.count, line[at] == byte else { return false }
            at += 1
            return true
        }
        @inline(__always) func number() -> UInt64? {
            var value: UInt64 = 0
            let start = at
            while at < line.count, line[at] &- 48 < 10 {
                // 19 digits always fit in a UInt64; a longer run is not a token of ours.
                guard at - start < 19 else { return nil }
                value = value &* 10 &+ UInt64(line[at] &- 48)
                at += 1
            }
            return at > start ? value : nil
        }
        guard expect(UInt8(ascii: "~")), expect(UInt8(ascii: "B")),
            let sender = number(), sender <= UInt64(Int32.max), expect(UInt8(ascii: ".")),
            let sequence = number(), expect(UInt8(ascii: ".")),
            let sendTime = number(), expect(UInt8(ascii: "~"))
        else { return nil }
        return BenchToken(sender: Int(sender), sequence: sequence, sendTime: sendTime)
    }
}
