import Testing

@testable import ChatTUI

@Suite struct LayoutTests {
    @Test func wideScreenHasPaneSidebarStatusAndInput() {
        #expect(
            Layout.compute(rows: 30, columns: 100)
                == .chat(
                    Layout.Chat(
                        messages: Rect(row: 0, column: 0, height: 28, width: 79),
                        separator: Rect(row: 0, column: 79, height: 28, width: 1),
                        sidebar: Rect(row: 0, column: 80, height: 28, width: 20),
                        status: Rect(row: 28, column: 0, height: 1, width: 100),
                        input: Rect(row: 29, column: 0, height: 1, width: 100))))
    }

    @Test(arguments: [(10, 60, true), (10, 59, false), (12, 50, false), (24, 80, true), (10, 40, false)])
    func sidebarHidesBelowSixtyColumns(rows: Int, columns: Int, hasSidebar: Bool) {
        guard case .chat(let chat) = Layout.compute(rows: rows, columns: columns) else {
            Issue.record("no chat layout at \(columns)x\(rows)")
            return
        }
        #expect((chat.sidebar != nil) == hasSidebar)
        #expect((chat.separator != nil) == hasSidebar)
        #expect(chat.messages.width == (hasSidebar ? columns - 21 : columns))
        #expect(chat.messages.height == rows - 2)
        #expect(chat.status == Rect(row: rows - 2, column: 0, height: 1, width: columns))
        #expect(chat.input == Rect(row: rows - 1, column: 0, height: 1, width: columns))
    }

    @Test(arguments: [(9, 100), (30, 39), (8, 30), (0, 0), (1, 200), (200, 1)])
    func tooSmallBelowFortyByTen(rows: Int, columns: Int) {
        #expect(Layout.compute(rows: rows, columns: columns) == .tooSmall(rows: rows, columns: columns))
    }

    @Test func everyPartFitsTheScreenWithoutOverlapping() {
        for rows in 10...40 {
            for columns in 40...140 {
                guard case .chat(let chat) = Layout.compute(rows: rows, columns: columns) else {
                    Issue.record("no chat layout at \(columns)x\(rows)")
                    return
                }
                var cells = [Int](repeating: 0, count: rows * columns)
                for rect in [chat.messages, chat.separator, chat.sidebar, chat.status, chat.input].compactMap({ $0 }) {
                    for row in rect.row..<rect.row + rect.height {
                        for column in rect.column..<rect.column + rect.width where row < rows && column < columns {
                            cells[row * columns + column] += 1
                        }
                    }
                }
                #expect(cells.allSatisfy { $0 == 1 }, "\(columns)x\(rows)")
            }
        }
    }
}
