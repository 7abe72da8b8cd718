import Testing

@testable import ChatStore

@Suite struct SearchTests {
    /// Each text's id is its place in this list, from 1.
    static let texts = [
        "Café au lait",  // 1
        "cafe noir",  // 2
        "CAFÉ CRÈME",  // 3
        "the cafeteria is open",  // 4
        "AND OR NOT",  // 5
        "NEAR(alpha beta) text:foo",  // 6
        "東京 タワー",  // 7
        "東京タワー",  // 8
        "please drop table messages now",  // 9
        "she said \"quoted\" twice",  // 10
        "x marks the spot",  // 11
        "alpha beta",  // 12
        "an unbalanced quote",  // 13
        "Ünïcödé naïve résumé",  // 14
        "año 2026 über straße",  // 15
        "αβγ Ελληνικά",  // 16
        "cafe\u{301} decomposed",  // 17: "café" with a combining accent
    ]

    private func withSearchStore(_ body: (SQLiteMessageStore) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            try store.append(Self.texts.enumerated().map { message(UInt64($0.offset + 1), $0.element) })
            try body(store)
        }
    }

    @Test(arguments: [
        // Every word, as a word, without regard to case or accents.
        ("café", [1, 2, 3, 17] as [UInt64]),
        ("CAFE", [1, 2, 3, 17]),
        ("Cafe\u{301}", [1, 2, 3, 17]),
        ("cafe noir", [2]),
        ("noir cafe", [2]),
        ("noir CAFÉ", [2]),
        ("cafe lait", [1]),
        ("cafeteria", [4]),
        ("caf", []),
        ("resume", [14]),
        ("NAIVE unicode", [14]),
        ("ano uber", [15]),
        ("strasse", []),
        ("straße", [15]),
        ("2026", [15]),
        ("αβγ", [16]),
        ("ΕΛΛΗΝΙΚΆ", [16]),
        // unicode61 removes the accents of Latin letters only.
        ("ελληνικα", []),
        // A word ending in * matches any word it begins.
        ("cafe*", [1, 2, 3, 4, 17]),
        ("caf*", [1, 2, 3, 4, 17]),
        ("CAFET*", [4]),
        ("caf* noir", [2]),
        ("a**", [1, 5, 6, 12, 13, 15]),
        ("*", []),
        ("**", []),
        ("cafe *", [1, 2, 3, 17]),
        ("*cafe", [1, 2, 3, 17]),
        // Operators and syntax are plain words or separators.
        ("AND", [5]),
        ("or", [5]),
        ("NOT", [5]),
        ("and not", [5]),
        ("NEAR(alpha beta)", [6]),
        ("NEAR", [6]),
        ("alpha NEAR beta", [6]),
        ("alpha beta", [6, 12]),
        ("\"alpha beta\"", [6, 12]),
        ("beta alpha", [6, 12]),
        ("\"unbalanced", [13]),
        ("unbalanced\"", [13]),
        ("\"", []),
        ("\"\"\"", []),
        ("text:foo", [6]),
        ("foo:text", [6]),
        ("text:", [6]),
        (":", []),
        ("(alpha OR beta)", []),
        ("(alpha beta)", [6, 12]),
        ("{text}: foo", [6]),
        ("'; DROP TABLE messages; --", [9]),
        ("^x", [11]),
        ("-x", [11]),
        ("+x", [11]),
        ("x^", [11]),
        ("quoted", [10]),
        ("\"quoted\"", [10]),
        ("she \"said", [10]),
        // Nothing but separators matches nothing.
        ("", []),
        ("   ", []),
        ("!?.,;'\"()[]{}<>@#$%^&*-+=/\\|~`", []),
        ("🎉", []),
        // CJK: unicode61 does not split a run of ideographs and kana, so a run is one word.
        ("東京", [7]),
        ("タワー", [7]),
        ("東京*", [7, 8]),
        ("東京タワー", [8]),
        ("京", []),
    ])
    func matchesExactlyTheMessagesWithEveryWord(query: String, expected: [UInt64]) throws {
        try withSearchStore { store throws in
            #expect(try store.search(query, limit: 50).ids == expected)
        }
    }

    @Test func hostileInputLeavesTheStoreAsItWas() throws {
        try withSearchStore { store throws in
            for query in ["'; DROP TABLE messages; --", "\"); DELETE FROM messages; --", "NEAR(", "a OR", "x:*"] {
                _ = try store.search(query, limit: 50)
            }
            #expect(try store.latest(100).ids == Array(1...UInt64(Self.texts.count)))
        }
    }

    @Test func veryLongInputIsAnAndOfItsWords() throws {
        try withSearchStore { store throws in
            let many = (0..<1500).map { "w\($0)" }.joined(separator: " ")
            #expect(try store.search(many, limit: 50) == [])
            #expect(try store.search(String(repeating: "cafe ", count: 900), limit: 50).ids == [1, 2, 3, 17])
            #expect(try store.search(String(repeating: "(\"*:^", count: 1000), limit: 50) == [])
            #expect(try store.search(String(repeating: "a", count: 4000), limit: 50) == [])
            #expect(try store.search(String(repeating: "é", count: 2000) + "*", limit: 50) == [])
        }
    }

    @Test func returnsTheNewestMatchesOldestFirst() throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            try store.append((1...120).map { message($0, $0 % 2 == 0 ? "even number \($0)" : "odd number \($0)") })
            #expect(try store.search("even", limit: 50).ids == Array(stride(from: 22, through: 120, by: 2)))
            #expect(try store.search("number", limit: 50).ids == Array(71...120))
            #expect(try store.search("number", limit: 3).ids == [118, 119, 120])
            #expect(try store.search("odd 7*", limit: 50).ids == [7, 71, 73, 75, 77, 79])
            #expect(try store.search("number", limit: 0) == [])
        }
    }

    @Test func searchesTheTextNotTheSender() throws {
        try withTemporaryDirectory { directory in
            let store = try SQLiteMessageStore(path: "\(directory)/store.db")
            try store.append([message(1, "hello", from: "zebra"), message(2, "zebra crossing", from: "bob")])
            #expect(try store.search("zebra", limit: 50).ids == [2])
        }
    }

    @Test(arguments: [
        ("hello", "\"hello\""),
        ("Hello world", "\"Hello\" \"world\""),
        ("a* b", "\"a\" * \"b\""),
        ("a**", "\"a\" *"),
        ("NEAR(a b)", "\"NEAR\" \"a\" \"b\""),
        ("text:foo", "\"text\" \"foo\""),
        ("'; DROP TABLE x; --", "\"DROP\" \"TABLE\" \"x\""),
        ("x x X", "\"x\""),
        ("x* x", "\"x\" * \"x\""),
        ("café", "\"café\""),
        ("e\u{301}t\u{301}e", "\"e\u{301}t\u{301}e\""),
        ("\u{301}a", "\"a\""),
        ("東京タワー", "\"東京タワー\""),
        ("don't", "\"don\" \"t\""),
        ("snake_case", "\"snake\" \"case\""),
    ])
    func queriesAreQuotedWordsOnly(input: String, query: String) {
        #expect(SearchQuery.match(for: input) == query)
    }

    @Test(arguments: ["", " ", "*", "\"", "()", ":", "-+^", "🎉🎉", "\u{301}"])
    func textWithoutWordsHasNoQuery(input: String) {
        #expect(SearchQuery.match(for: input) == nil)
    }
}
