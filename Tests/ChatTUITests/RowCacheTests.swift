import ChatClient
import Testing

@testable import ChatTUI

@Suite struct RowCacheTests {
    private let noon = LocalTime(hour: 12, minute: 1)

    private func lines(_ count: Int) -> Scrollback<ChatLine> {
        var lines = Scrollback<ChatLine>(capacity: 1000)
        for index in 0..<count {
            lines.append(
                ChatLine(
                    time: noon, kind: .message(from: "bob", text: "message \(index)", isOwn: false, mentionsMe: false)))
        }
        return lines
    }

    @Test func eachLineIsRenderedOnceWhileOnScreen() {
        var scrollback = lines(100)
        let cache = RowCache()
        let scroll = PaneScroll()
        let first = scroll.view(of: scrollback, height: 10, width: 40, cache: cache)
        cache.sweep()
        #expect(cache.renders == 10)
        // A new line: only it is rendered; the line that scrolled off is forgotten.
        scrollback.append(ChatLine(time: noon, kind: .notice("new")))
        let second = scroll.view(of: scrollback, height: 10, width: 40, cache: cache)
        cache.sweep()
        #expect(cache.renders == 11)
        #expect(cache.count == 10)
        #expect(Array(second.rows.prefix(9)) == Array(first.rows.suffix(9)))
        #expect(second.rows.last?.text == "12:01 -- new")
    }

    @Test func cachedRowsAreTheRenderedRows() {
        let scrollback = lines(30)
        let cache = RowCache()
        var scroll = PaneScroll()
        for width in [40, 12, 40] {
            scroll.scrollUp(by: 7, in: scrollback, height: 6, width: width, cache: cache)
            let cached = scroll.view(of: scrollback, height: 6, width: width, cache: cache)
            cache.sweep()
            #expect(cached == scroll.view(of: scrollback, height: 6, width: width))
        }
    }

    @Test func aNewWidthRendersAgain() {
        let scrollback = lines(5)
        let cache = RowCache()
        _ = PaneScroll().view(of: scrollback, height: 10, width: 40, cache: cache)
        cache.sweep()
        let narrow = PaneScroll().view(of: scrollback, height: 30, width: 14, cache: cache)
        #expect(cache.renders == 10)
        #expect(narrow == PaneScroll().view(of: scrollback, height: 30, width: 14))
    }

    @Test func aNumberThatPassesToAnotherLineRendersThatLine() {
        var scrollback = lines(3)
        scrollback.prepend(contentsOf: [ChatLine(time: noon, kind: .notice("loading"))])
        let cache = RowCache()
        let top = scrollback.firstSequence
        #expect(
            PaneScroll().view(of: scrollback, height: 10, width: 40, cache: cache).rows.first?.text
                == "12:01 -- loading")
        cache.sweep()
        scrollback.removeFirst()
        scrollback.prepend(contentsOf: [ChatLine(time: noon, kind: .notice("older"))])
        #expect(scrollback.firstSequence == top)
        #expect(
            PaneScroll().view(of: scrollback, height: 10, width: 40, cache: cache).rows.first?.text == "12:01 -- older")
        #expect(cache.renders == 5)
    }
}
