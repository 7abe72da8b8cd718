import ChatProtocol
import Testing

@Suite struct NameTests {
    static let valid: [String] = [
        "a",
        "Z",
        "alice",
        "Alice_99",
        "a-b_c",
        "x1-_",
        "abcdefghijklmnopqrstuvwx",
        "servers",
        "server1",
        "xserver",
        "user1",
    ]

    @Test(arguments: valid)
    func acceptsValidName(name: String) {
        #expect(Name.isValid(name))
        #expect(throws: Never.self) { try Name.validate(name) }
    }

    /// Names the rules refuse, with the exact rule each breaks.
    static let invalid: [(name: String, error: ProtocolError)] = [
        ("", .badName("a name is 1 to 24 characters")),
        ("abcdefghijklmnopqrstuvwxy", .badName("a name is 1 to 24 characters")),
        ("a234567890123456789012345678", .badName("a name is 1 to 24 characters")),
        ("1abc", .badName("a name starts with a letter")),
        ("_abc", .badName("a name starts with a letter")),
        ("-abc", .badName("a name starts with a letter")),
        ("é", .badName("a name holds only ASCII letters, digits, _ and -")),
        (" a", .badName("a name holds only ASCII letters, digits, _ and -")),
        ("ééééééééééééé", .badName("a name holds only ASCII letters, digits, _ and -")),
        ("1-too-long-and-starting-with-a-digit", .badName("a name starts with a letter")),
        ("aé", .badName("a name holds only ASCII letters, digits, _ and -")),
        ("a b", .badName("a name holds only ASCII letters, digits, _ and -")),
        ("a.b", .badName("a name holds only ASCII letters, digits, _ and -")),
        ("a@b", .badName("a name holds only ASCII letters, digits, _ and -")),
        ("a\tb", .badName("a name holds only ASCII letters, digits, _ and -")),
        ("server", .badName("the name server is reserved")),
        ("SERVER", .badName("the name server is reserved")),
        ("SeRvEr", .badName("the name server is reserved")),
    ]

    @Test(arguments: invalid)
    func refusesInvalidName(name: String, error: ProtocolError) {
        #expect(!Name.isValid(name))
        #expect(throws: error) { try Name.validate(name) }
    }

    @Test func limitsAndReservedName() {
        #expect(Name.maxLength == 24)
        #expect(Name.reserved == "server")
    }

    static let keys: [(name: String, key: String)] = [
        ("alice", "alice"),
        ("Alice", "alice"),
        ("aLiCe", "alice"),
        ("ALICE-_9", "alice-_9"),
        ("SERVER", "server"),
    ]

    @Test(arguments: keys)
    func keyIsTheAsciiLowercaseForm(name: String, key: String) {
        #expect(Name.key(name) == key)
    }

    @Test func namesDifferingOnlyInCaseShareAKey() {
        #expect(Name.key("Bob") == Name.key("bOB"))
        #expect(Name.key("Bob") != Name.key("Bob2"))
    }

    /// `USERS` order: case-insensitive, ties broken by exact spelling.
    static let orders: [(names: [String], sorted: [String])] = [
        (["carol", "Bob", "alice"], ["alice", "Bob", "carol"]),
        (["b", "A"], ["A", "b"]),
        (["B", "a"], ["a", "B"]),
        (["alice", "ALICE", "Alice"], ["ALICE", "Alice", "alice"]),
        (["user10", "user2", "user1"], ["user1", "user10", "user2"]),
        (["aa", "a_", "a-", "a1", "A"], ["A", "a-", "a1", "a_", "aa"]),
    ]

    @Test(arguments: orders)
    func usersOrderIsCaseInsensitive(names: [String], sorted: [String]) {
        #expect(names.sorted(by: Name.areInIncreasingOrder) == sorted)
    }
}
