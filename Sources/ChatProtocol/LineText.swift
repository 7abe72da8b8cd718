/// The text rules every line must pass before it is read as a command or an event.
public enum LineText {
    /// Decodes one framed line (without its line ending) into text.
    ///
    /// Invalid UTF-8 is refused first; then any control character: C0 other than TAB, DEL (U+007F),
    /// and C1 (U+0080-U+009F). That is what keeps terminal escape sequences off other users' screens.
    ///
    /// - Parameter bytes: The line's bytes, without LF or a trailing CR.
    /// - Returns: The line as a `String`.
    /// - Throws: ``ProtocolError/badEncoding`` or ``ProtocolError/badText``.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(ProtocolError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .badEncoding
        }
        // The bytes are valid UTF-8 now, so 0xC2 is always a lead byte: C1 controls are C2 80...C2 9F.
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte < 0x20 {
                if byte != 0x09 { throw .badText }
            } else if byte == 0x7F {
                throw .badText
            } else if byte == 0xC2, index + 1 < count, bytes[index + 1] < 0xA0 {
                throw .badText
            }
            index += 1
        }
        return text
    }

    /// Decodes the bytes of a line held in an array; see ``decode(_:)-(UnsafeBufferPointer<UInt8>)``.
    public static func decode(_ bytes: some Collection<UInt8>) throws(ProtocolError) -> String {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { (buffer) throws(ProtocolError) -> String in
            try decode(buffer)
        }
    }

    /// Whether a scalar may appear in text on the wire.
    public static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value == 0x09 { return true }
        return !(value < 0x20 || (value >= 0x7F && value <= 0x9F))
    }
}
