import ChatClient
import Testing

@testable import ChatTUI

@Suite struct MessageRendererTests {
    private let noon = LocalTime(hour: 12, minute: 1)

    private func rows(_ kind: ChatLine.Kind, width: Int) -> [String] {
        MessageRenderer.rows(for: ChatLine(time: noon, kind: kind), width: width).map(\.text)
    }

    @Test func aShortMessageIsOneRow() {
        let line = ChatLine(time: noon, kind: .message(from: "alice", text: "hello", isOwn: false, mentionsMe: false))
        #expect(
            MessageRenderer.rows(for: line, width: 40) == [
                [
                    Span("12:01", .time), Span(" "), Span("<alice>", .name(NameColor.index(of: "alice"))), Span(" "),
                    Span("hello", .plain),
                ]
            ])
    }

    @Test func longMessagesWrapAtWordsUnderTheText() {
        #expect(
            rows(
                .message(
                    from: "bob", text: "the quick brown fox jumps over the lazy dog", isOwn: false, mentionsMe: false),
                width: 30)
                == [
                    "12:01 <bob> the quick brown",
                    "            fox jumps over the",
                    "            lazy dog",
                ])
    }

    @Test func aLongMarkerIndentsJustPastTheTime() {
        let name = "abcdefghijklmnopqrstuvwx"
        #expect(
            rows(.message(from: name, text: "one two three four five", isOwn: false, mentionsMe: false), width: 40)
                == [
                    "12:01 <abcdefghijklmnopqrstuvwx> one two",
                    "      three four five",
                ])
    }

    @Test func wideCharactersWrapByDisplayWidth() {
        #expect(
            rows(.message(from: "li", text: "中文字符测试中文字符测试", isOwn: false, mentionsMe: false), width: 24)
                == [
                    "12:01 <li> 中文字符测试",
                    "           中文字符测试",
                ])
        // Narrower, the marker takes more than half the pane: the text goes on just past the time.
        #expect(
            rows(.message(from: "li", text: "中文字符测试中文字符测试", isOwn: false, mentionsMe: false), width: 20)
                == [
                    "12:01 <li> 中文字符",
                    "      测试中文字符测",
                    "      试",
                ])
    }

    @Test func controlCharactersNeverReachTheScreen() {
        #expect(
            rows(.help("red \u{1B}[31m bell \u{07} tab\tdel \u{7F}"), width: 60) == [
                "12:01 ? red ^[[31m bell ^G tab del ^?"
            ])
    }

    @Test func styleSetsDirectMessagesMentionsOwnLinesAndEventsApart() {
        func styles(_ kind: ChatLine.Kind) -> [Style] {
            MessageRenderer.rows(for: ChatLine(time: noon, kind: kind), width: 60)[0].map(\.style)
        }
        #expect(styles(.directSent(to: "bob", text: "hi")) == [.time, .plain, .directMarker, .directText])
        #expect(styles(.directReceived(from: "bob", text: "hi")) == [.time, .plain, .directMarker, .directText])
        #expect(
            styles(.message(from: "me", text: "hi", isOwn: true, mentionsMe: false)) == [
                .time, .plain, .ownName, .plain, .ownText,
            ])
        #expect(
            styles(.message(from: "bob", text: "hi me", isOwn: false, mentionsMe: true))
                == [.time, .plain, .name(NameColor.index(of: "bob")), .plain, .mention])
        #expect(styles(.joined("bob")) == [.time, .plain, .membership, .membership])
        #expect(styles(.left("bob", .quit)) == [.time, .plain, .membership, .membership])
        #expect(styles(.renamed(old: "a", new: "b", isMe: false)) == [.time, .plain, .membership, .membership])
        #expect(styles(.error(.badName, "no")) == [.time, .plain, .error, .error])
        #expect(styles(.notice("hosting")) == [.time, .plain, .notice, .notice])
    }

    @Test func directMessagesAreMarkedWithTheirDirection() {
        #expect(rows(.directSent(to: "bob", text: "hi"), width: 40) == ["12:01 -> bob: hi"])
        #expect(rows(.directReceived(from: "bob", text: "yo"), width: 40) == ["12:01 <- bob: yo"])
    }

    @Test func noRowIsWiderThanThePane() {
        let text = String(repeating: "word 中文 👨‍👩‍👧 🇫🇷 ", count: 20)
        for width in 1...50 {
            for row in MessageRenderer.rows(
                for: ChatLine(time: noon, kind: .message(from: "someone", text: text, isOwn: false, mentionsMe: false)),
                width: width)
            {
                #expect(row.columns <= width, "width \(width): \(row.text)")
            }
        }
    }

    @Test func fittedCutsSpansAtTheEdgeWithoutSplittingWideCharacters() {
        let row: Row = [Span("ab", .plain), Span("中文", .error), Span("cd", .plain)]
        #expect(MessageRenderer.fitted(row, to: 5) == [Span("ab", .plain), Span("中", .error)])
        #expect(MessageRenderer.fitted(row, to: 6) == [Span("ab", .plain), Span("中文", .error)])
        #expect(MessageRenderer.fitted(row, to: 0) == [])
    }

    @Test func aLineFromAnEarlierDayShowsItsDateAndWrapsUnderItsText() {
        let date = LocalDate(year: 2026, month: 11, day: 30, weekday: 1)
        let line = ChatLine(
            time: LocalTime(hour: 15, minute: 41, date: date),
            kind: .message(
                from: "bob", text: "the quick brown fox jumps over the lazy dog", isOwn: false, mentionsMe: false),
            showsDate: true)
        #expect(
            MessageRenderer.rows(for: line, width: 48).map(\.text) == [
                "2026-11-30 15:41 <bob> the quick brown fox jumps",
                "                       over the lazy dog",
            ])
        #expect(MessageRenderer.rows(for: line, width: 48)[0].first == Span("2026-11-30 15:41", .time))
        // Narrower, the prefix takes more than half the pane: the text goes on just past the stamp.
        #expect(
            MessageRenderer.rows(for: line, width: 40).map(\.text) == [
                "2026-11-30 15:41 <bob> the quick brown",
                "                 fox jumps over the lazy",
                "                 dog",
            ])
    }

    @Test func aDayChangeIsOneDimmedLineWithoutAStamp() {
        let tuesday = LocalDate(year: 2026, month: 12, day: 1, weekday: 2)
        let line = ChatLine(time: LocalTime(hour: 0, minute: 0, date: tuesday), kind: .dayChanged(tuesday))
        #expect(
            MessageRenderer.rows(for: line, width: 60) == [
                [Span("-- ", .membership), Span("Tuesday 1 December 2026", .membership)]
            ])
        #expect(MessageRenderer.rows(for: line, width: 16).map(\.text) == ["-- Tuesday 1", "   December 2026"])
    }
}
