/// A key press (or a paste, or a wheel step), as the client acts on it.
enum Key: Equatable, Sendable {
    /// Printable text: typed characters, or a piece of a paste.
    case text(String)
    case enter
    case tab
    case backspace
    case delete
    case left
    case right
    case up
    case down
    case home
    case end
    case pageUp
    case pageDown
    /// Ctrl-Left or Alt-Left.
    case wordLeft
    /// Ctrl-Right or Alt-Right.
    case wordRight
    /// Ctrl and a letter (`a`...`z`) that has no key of its own above.
    case control(Character)
    /// Alt (or Esc, then) a printable character.
    case alt(Character)
    /// A lone Esc.
    case escape
    case wheelUp
    case wheelDown
    /// The terminal changed size.
    case resize
}

/// What the terminal delivers: a character (with keypad sequences already decoded by curses into
/// keys), or a key.
enum RawKey: Equatable, Sendable {
    /// A character code, as `wget_wch` returns it.
    case character(UInt32)
    /// A key curses recognised.
    case key(Key)
}

/// Turns raw terminal input into ``Key``s: gathers typed characters into text, reads control
/// characters, Alt as an Esc prefix, the escape sequences curses passes through, and bracketed paste
/// (`ESC [ 200 ~` ... `ESC [ 201 ~`), inside which Enter sends a line and Tab is text.
///
/// Decoding is pure: the terminal feeds one read batch at a time and calls ``finish()`` at its end.
struct KeyDecoder: Equatable, Sendable {
    private enum State: Equatable, Sendable {
        case ground
        /// After an Esc.
        case escape
        /// After `ESC [`: the parameter and intermediate bytes so far.
        case csi(String)
        /// After `ESC O`.
        case ss3
    }

    private var state = State.ground
    private var text = ""
    private var output: [Key] = []
    /// Inside a bracketed paste.
    private(set) var inPaste = false

    /// Creates a decoder.
    init() {}

    /// Decodes a batch of input.
    ///
    /// - Parameter input: The raw keys of one read batch, in order.
    /// - Returns: The keys they make.
    mutating func decode(_ input: [RawKey]) -> [Key] {
        for raw in input { feed(raw) }
        return finish()
    }

    /// Feeds one raw key.
    mutating func feed(_ raw: RawKey) {
        switch raw {
        case .key(let key):
            state = .ground
            emit(key)
        case .character(let code):
            character(code)
        }
    }

    /// Ends a read batch: returns the keys decoded so far. An Esc with nothing after it in the batch
    /// is a lone Esc (curses already waited `ESCDELAY` for more).
    mutating func finish() -> [Key] {
        if state == .escape {
            state = .ground
            emit(.escape)
        }
        flushText()
        defer { output.removeAll() }
        return output
    }

    private mutating func character(_ code: UInt32) {
        switch state {
        case .ground:
            ground(code)
        case .escape:
            state = .ground
            switch code {
            case 0x5B: state = .csi("")
            case 0x4F: state = .ss3
            case 0x1B:
                emit(.escape)
                state = .escape
            default:
                if let scalar = printable(code) {
                    emit(.alt(Character(scalar)))
                } else {
                    emit(.escape)
                    ground(code)
                }
            }
        case .csi(let parameters):
            switch code {
            case 0x20...0x3F where parameters.utf8.count < 16:
                state = .csi(parameters + String(UnicodeScalar(UInt8(code))))
            case 0x40...0x7E:
                state = .ground
                controlSequence(parameters, final: UInt8(code))
            default:
                // Not a sequence after all: drop what was gathered and read this character afresh.
                state = .ground
                ground(code)
            }
        case .ss3:
            state = .ground
            switch code {
            case 0x41: emit(.up)
            case 0x42: emit(.down)
            case 0x43: emit(.right)
            case 0x44: emit(.left)
            case 0x48: emit(.home)
            case 0x46: emit(.end)
            default: break
            }
        }
    }

    private mutating func ground(_ code: UInt32) {
        switch code {
        case 0x1B:
            flushText()
            state = .escape
        case 0x0D, 0x0A:
            emit(.enter)
        case 0x09:
            if inPaste { text += "\t" } else { emit(.tab) }
        case 0x08, 0x7F:
            if !inPaste { emit(.backspace) }
        case 0x01...0x1A:
            if !inPaste { emit(.control(Character(UnicodeScalar(UInt8(code + 0x60))))) }
        default:
            if let scalar = printable(code) { text.unicodeScalars.append(scalar) }
        }
    }

    private mutating func controlSequence(_ parameters: String, final: UInt8) {
        let modified = parameters.hasPrefix("1;")
        switch (parameters, final) {
        case ("200", UInt8(ascii: "~")):
            flushText()
            inPaste = true
        case ("201", UInt8(ascii: "~")):
            flushText()
            inPaste = false
        case (_, UInt8(ascii: "A")): emit(.up)
        case (_, UInt8(ascii: "B")): emit(.down)
        case (_, UInt8(ascii: "C")): emit(modified ? .wordRight : .right)
        case (_, UInt8(ascii: "D")): emit(modified ? .wordLeft : .left)
        case (_, UInt8(ascii: "H")), ("1", UInt8(ascii: "~")), ("7", UInt8(ascii: "~")): emit(.home)
        case (_, UInt8(ascii: "F")), ("4", UInt8(ascii: "~")), ("8", UInt8(ascii: "~")): emit(.end)
        case ("3", UInt8(ascii: "~")): emit(.delete)
        case ("5", UInt8(ascii: "~")): emit(.pageUp)
        case ("6", UInt8(ascii: "~")): emit(.pageDown)
        default: break  // focus reports and other sequences the client has no use for
        }
    }

    private func printable(_ code: UInt32) -> Unicode.Scalar? {
        guard code >= 0x20 && code != 0x7F && !(0x80...0x9F).contains(code) else { return nil }
        return Unicode.Scalar(code)
    }

    private mutating func emit(_ key: Key) {
        flushText()
        output.append(key)
    }

    private mutating func flushText() {
        guard !text.isEmpty else { return }
        output.append(.text(text))
        text = ""
    }
}
