import ChatClient
import Testing

@testable import ChatTUI

@Suite struct PaneScrollTests {
    private let noon = LocalTime(hour: 12, minute: 1)

    private func notes(_ range: Range<Int>, capacity: Int = 1000) -> Scrollback<ChatLine> {
        var lines = Scrollback<ChatLine>(capacity: capacity)
        for index in range { lines.append(ChatLine(time: noon, kind: .notice("n\(index)"))) }
        return lines
    }

    private func shown(_ scroll: PaneScroll, _ lines: Scrollback<ChatLine>, height: Int = 10, width: Int = 40)
        -> [String]
    {
        scroll.view(of: lines, height: height, width: width).rows.map(\.text)
    }

    private func notes(_ numbers: ClosedRange<Int>) -> [String] { numbers.map { "12:01 -- n\($0)" } }

    @Test func followsTheNewestLines() {
        let lines = notes(0..<50)
        let scroll = PaneScroll()
        #expect(scroll.isFollowing)
        #expect(shown(scroll, lines) == notes(40...49))
        #expect(scroll.view(of: lines, height: 10, width: 40).unread == 0)
    }

    @Test func aShortScrollbackStartsAtTheTop() {
        #expect(shown(PaneScroll(), notes(0..<3)) == notes(0...2))
        #expect(shown(PaneScroll(), notes(0..<0)) == [])
    }

    @Test func pageUpHoldsTheViewWhileNewLinesCountAsUnread() {
        var lines = notes(0..<50)
        var scroll = PaneScroll()
        scroll.scrollUp(by: 9, in: lines, height: 10, width: 40)
        #expect(!scroll.isFollowing)
        #expect(shown(scroll, lines) == notes(31...40))
        for index in 50..<53 { lines.append(ChatLine(time: noon, kind: .notice("n\(index)"))) }
        #expect(shown(scroll, lines) == notes(31...40))
        #expect(scroll.view(of: lines, height: 10, width: 40).unread == 3)
        scroll.scrollDown(by: 5, in: lines, width: 40)
        #expect(shown(scroll, lines) == notes(36...45))
        #expect(scroll.unread(in: lines) == 3)
        scroll.scrollDown(by: 20, in: lines, width: 40)
        #expect(scroll.isFollowing)
        #expect(shown(scroll, lines) == notes(43...52))
    }

    @Test func linesScrolledPastAreNoLongerUnread() {
        var lines = notes(0..<20)
        var scroll = PaneScroll()
        scroll.scrollUp(by: 5, in: lines, height: 10, width: 40)
        for index in 20..<30 { lines.append(ChatLine(time: noon, kind: .notice("n\(index)"))) }
        #expect(scroll.unread(in: lines) == 10)
        scroll.scrollDown(by: 9, in: lines, width: 40)  // bottom row is now n23: n20...n23 seen
        #expect(shown(scroll, lines) == notes(14...23))
        #expect(scroll.unread(in: lines) == 6)
        scroll.scrollUp(by: 9, in: lines, height: 10, width: 40)
        #expect(scroll.unread(in: lines) == 6)
    }

    @Test func scrollingStopsAtTheOldestRow() {
        let lines = notes(0..<50)
        var scroll = PaneScroll()
        scroll.scrollUp(by: 1000, in: lines, height: 10, width: 40)
        #expect(shown(scroll, lines) == notes(0...9))
        scroll.scrollUp(by: 9, in: lines, height: 10, width: 40)
        #expect(shown(scroll, lines) == notes(0...9))
        scroll.scrollDown(by: 1, in: lines, width: 40)
        #expect(shown(scroll, lines) == notes(1...10))
    }

    @Test func aScrollbackThatFitsCannotScroll() {
        let lines = notes(0..<10)
        var scroll = PaneScroll()
        scroll.scrollUp(by: 3, in: lines, height: 10, width: 40)
        #expect(scroll.isFollowing)
        #expect(shown(scroll, lines) == notes(0...9))
    }

    @Test func scrollsByScreenRowsThroughWrappedLines() {
        var lines = Scrollback<ChatLine>(capacity: 100)
        for index in 0..<4 {
            // 3 rows each at width 20: "12:01 -- " + 3 rows of text
            lines.append(ChatLine(time: noon, kind: .notice("l\(index) aaaa bbbb cccc dddd eeee")))
        }
        var scroll = PaneScroll()
        #expect(
            shown(scroll, lines, height: 4, width: 20) == [
                "         dddd eeee", "12:01 -- l3 aaaa", "         bbbb cccc", "         dddd eeee",
            ])
        scroll.scrollUp(by: 1, in: lines, height: 4, width: 20)
        #expect(
            shown(scroll, lines, height: 4, width: 20) == [
                "         bbbb cccc", "         dddd eeee", "12:01 -- l3 aaaa", "         bbbb cccc",
            ])
        #expect(scroll.anchor == PaneScroll.Position(sequence: 3, row: 1))
    }

    @Test func whenTheHeldLineFallsOffTheViewHoldsTheOldestRowAtTheTop() {
        var lines = notes(0..<20, capacity: 20)
        var scroll = PaneScroll()
        scroll.scrollUp(by: 100, in: lines, height: 5, width: 40)
        #expect(shown(scroll, lines, height: 5) == notes(0...4))
        for index in 20..<30 { lines.append(ChatLine(time: noon, kind: .notice("n\(index)"))) }
        #expect(shown(scroll, lines, height: 5) == notes(10...14))
    }

    @Test func aResizeKeepsTheHeldLine() {
        var lines = Scrollback<ChatLine>(capacity: 100)
        for index in 0..<30 {
            lines.append(ChatLine(time: noon, kind: .notice("line \(index) with some words that wrap")))
        }
        var scroll = PaneScroll()
        scroll.scrollUp(by: 12, in: lines, height: 6, width: 20)
        let held = scroll.anchor
        #expect(held != nil)
        let wide = shown(scroll, lines, height: 6, width: 80)
        #expect(wide.last == "12:01 -- line \(held?.sequence ?? -1) with some words that wrap")
    }

    @Test func theOldestRowIsInViewOnlyAtTheTop() {
        let lines = notes(0..<50)
        var scroll = PaneScroll()
        #expect(!scroll.showsOldestRow(of: lines, height: 10, width: 40))
        scroll.scrollUp(by: 39, in: lines, height: 10, width: 40)
        #expect(shown(scroll, lines) == notes(1...10))
        #expect(!scroll.showsOldestRow(of: lines, height: 10, width: 40))
        scroll.scrollUp(by: 1, in: lines, height: 10, width: 40)
        #expect(scroll.showsOldestRow(of: lines, height: 10, width: 40))
        // A scrollback that fits is always at its top; so is an empty one.
        #expect(PaneScroll().showsOldestRow(of: notes(0..<10), height: 10, width: 40))
        #expect(PaneScroll().showsOldestRow(of: notes(0..<0), height: 10, width: 40))
        // A first line cut at the top of the pane is not its first row.
        var wrapped = Scrollback<ChatLine>(capacity: 10)
        wrapped.append(ChatLine(time: noon, kind: .notice("l0 aaaa bbbb cccc dddd eeee")))
        wrapped.append(ChatLine(time: noon, kind: .notice("l1")))
        #expect(!PaneScroll().showsOldestRow(of: wrapped, height: 3, width: 20))
        #expect(PaneScroll().showsOldestRow(of: wrapped, height: 4, width: 20))
    }

    @Test func linesPrependedAboveTheViewDoNotMoveIt() {
        var lines = notes(10..<40)
        var scroll = PaneScroll()
        scroll.scrollUp(by: 100, in: lines, height: 10, width: 40)
        #expect(shown(scroll, lines) == notes(10...19))
        // The note on top while older lines load, brought into view: the rest moves down a row.
        lines.prepend(contentsOf: [ChatLine(time: noon, kind: .notice("loading"))])
        #expect(shown(scroll, lines) == notes(10...19))
        scroll.scrollUp(by: 1, in: lines, height: 10, width: 40)
        #expect(shown(scroll, lines) == ["12:01 -- loading"] + notes(10...18))
        // The answer takes the note's place; what was on screen stays where it was.
        lines.removeFirst()
        lines.prepend(contentsOf: (0..<10).map { ChatLine(time: noon, kind: .notice("n\($0)")) })
        #expect(shown(scroll, lines) == notes(9...18))
        #expect(!scroll.showsOldestRow(of: lines, height: 10, width: 40))
        scroll.scrollUp(by: 9, in: lines, height: 10, width: 40)
        #expect(shown(scroll, lines) == notes(0...9))
        #expect(scroll.showsOldestRow(of: lines, height: 10, width: 40))
        scroll.scrollDown(by: 100, in: lines, width: 40)
        #expect(scroll.isFollowing)
        #expect(shown(scroll, lines) == notes(30...39))
    }
}
