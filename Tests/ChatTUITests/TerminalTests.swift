import Glibc
import Testing

@testable import ChatTUI

@Suite struct TerminalTests {
    /// Which clusters curses can book at their layout width, and which must be written around it.
    @Test(arguments: [
        ("a", true), ("中", true), ("e\u{301}", true), ("😀", true),
        ("👨‍👩‍👧", false), ("🇫🇷", false), ("❤️", false), ("👍🏽", false), ("a\u{301}\u{302}\u{303}\u{304}\u{305}", false),
    ])
    func cursesBooksOnlyWhatItMeasuresAsTheLayoutDoes(text: String, booked: Bool) throws {
        // wcwidth measures by the locale; the client sets it from the environment, the test needs UTF-8.
        try #require(setlocale(LC_CTYPE, "C.UTF-8") != nil)
        let character = try #require(text.first)
        #expect(Terminal.cursesBooks(character, as: DisplayWidth.columns(of: character)) == booked)
    }
}
