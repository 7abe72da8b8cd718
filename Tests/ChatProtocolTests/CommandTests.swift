import ChatProtocol
import Testing

/// Parses a line the way the server does, as one comparable value.
private func parsed(_ line: String) -> Result<Command?, ProtocolError> {
    Result { () throws(ProtocolError) -> Command? in try Command.parse(line) }
}

@Suite struct CommandParseTests {
    /// Every command form, with the command it parses to (`nil`: the line is ignored).
    static let accepted: [(line: String, command: Command?)] = [
        // /help and /users: any case, trailing blanks allowed.
        ("/help", .help),
        ("/HELP", .help),
        ("/hElP", .help),
        ("/help ", .help),
        ("/help  \t ", .help),
        ("/users", .users),
        ("/USERS", .users),
        ("/Users   ", .users),
        // /quit.
        ("/quit", .quit),
        ("/QUIT", .quit),
        ("/Quit ", .quit),
        // /dm, unquoted: TEXT runs to the end of the line, quotes and backslashes taken literally.
        ("/dm bob hi", .directMessage(to: "bob", text: "hi")),
        ("/dm bob hi there", .directMessage(to: "bob", text: "hi there")),
        ("/DM bob hi", .directMessage(to: "bob", text: "hi")),
        ("/Dm Bob hi", .directMessage(to: "Bob", text: "hi")),
        ("/dm   bob   hi", .directMessage(to: "bob", text: "hi")),
        ("/dm bob hi ", .directMessage(to: "bob", text: "hi ")),
        (#"/dm bob say "hi""#, .directMessage(to: "bob", text: #"say "hi""#)),
        (#"/dm bob a\b"#, .directMessage(to: "bob", text: #"a\b"#)),
        ("/dm bob tab\there", .directMessage(to: "bob", text: "tab\there")),
        ("/dm bob 你好 👋", .directMessage(to: "bob", text: "你好 👋")),
        // /dm, quoted.
        (#"/dm bob "hi there""#, .directMessage(to: "bob", text: "hi there")),
        (#"/dm bob "hi"   "#, .directMessage(to: "bob", text: "hi")),
        (#"/dm bob   "  padded  ""#, .directMessage(to: "bob", text: "  padded  ")),
        (#"/dm bob "say \"hi\"""#, .directMessage(to: "bob", text: #"say "hi""#)),
        (#"/dm bob "a\\b""#, .directMessage(to: "bob", text: #"a\b"#)),
        // A name /dm does not check: the registry answers no-such-user for it.
        ("/dm b@d hi", .directMessage(to: "b@d", text: "hi")),
        // /bc, unquoted.
        ("/bc hello", .broadcast("hello")),
        ("/BC hello", .broadcast("hello")),
        ("/bc hello world", .broadcast("hello world")),
        ("/bc   hello", .broadcast("hello")),
        ("/bc hello ", .broadcast("hello ")),
        (#"/bc say "hi""#, .broadcast(#"say "hi""#)),
        (#"/bc a\"b"#, .broadcast(#"a\"b"#)),
        ("/bc /help", .broadcast("/help")),
        // /bc, quoted, with every escape.
        (#"/bc "hello world""#, .broadcast("hello world")),
        (#"/bc "hello"  "#, .broadcast("hello")),
        (#"/bc "a \" b""#, .broadcast(#"a " b"#)),
        (#"/bc "a \\ b""#, .broadcast(#"a \ b"#)),
        (#"/bc "\"""#, .broadcast(#"""#)),
        (#"/bc "\\""#, .broadcast(#"\"#)),
        (#"/bc "\\\"""#, .broadcast(#"\""#)),
        (#"/bc "\"quoted\"""#, .broadcast(#""quoted""#)),
        // An unknown escape is kept as written, backslash included.
        (#"/bc "a\nb""#, .broadcast(#"a\nb"#)),
        (#"/bc "\x""#, .broadcast(#"\x"#)),
        (#"/bc "\ ""#, .broadcast(#"\ "#)),
        ("/bc \"tab\there\"", .broadcast("tab\there")),
        (#"/bc "x" "#, .broadcast("x")),
        // A line not starting with / is a broadcast of the whole line, exactly as typed.
        ("hello", .broadcast("hello")),
        ("hello world", .broadcast("hello world")),
        (" /help", .broadcast(" /help")),
        ("  padded  ", .broadcast("  padded  ")),
        ("\tindented", .broadcast("\tindented")),
        (#""quoted""#, .broadcast(#""quoted""#)),
        (#""unclosed"#, .broadcast(#""unclosed"#)),
        (#"back\slash"#, .broadcast(#"back\slash"#)),
        ("Ünïcødé 你好 👋🏽", .broadcast("Ünïcødé 你好 👋🏽")),
        // Empty and blank lines are ignored.
        ("", nil),
        (" ", nil),
        ("   ", nil),
        ("\t", nil),
        (" \t ", nil),
        // /nick.
        ("/nick alice", .nick("alice")),
        ("/NICK Alice", .nick("Alice")),
        ("/nick   alice  ", .nick("alice")),
        ("/nick a", .nick("a")),
        ("/nick A-b_9", .nick("A-b_9")),
        ("/nick abcdefghijklmnopqrstuvwx", .nick("abcdefghijklmnopqrstuvwx")),
        ("/nick servers", .nick("servers")),
        // /ping.
        ("/ping", .ping(nil)),
        ("/PING", .ping(nil)),
        ("/ping ", .ping(nil)),
        ("/ping   ", .ping(nil)),
        ("/ping abc", .ping("abc")),
        ("/Ping 42", .ping("42")),
        ("/ping   abc  ", .ping("abc")),
        ("/ping a b", .ping("a b")),
    ]

    @Test(arguments: accepted)
    func parses(line: String, command: Command?) {
        #expect(parsed(line) == .success(command))
    }

    /// Every refusal a parse can yield, with the exact `ERROR` line the server sends for it.
    static let refused: [(line: String, error: ProtocolError, wire: String)] = [
        // Arguments where none are taken.
        ("/help me", .badSyntax("usage: /help"), "ERROR bad-syntax usage: /help"),
        ("/users all", .badSyntax("usage: /users"), "ERROR bad-syntax usage: /users"),
        // /dm without a name.
        ("/dm", .badSyntax(#"usage: /dm NAME "TEXT""#), #"ERROR bad-syntax usage: /dm NAME "TEXT""#),
        ("/dm ", .badSyntax(#"usage: /dm NAME "TEXT""#), #"ERROR bad-syntax usage: /dm NAME "TEXT""#),
        ("/DM    ", .badSyntax(#"usage: /dm NAME "TEXT""#), #"ERROR bad-syntax usage: /dm NAME "TEXT""#),
        // Missing or empty text.
        ("/dm bob", .emptyMessage, "ERROR empty-message the message is empty"),
        ("/dm bob ", .emptyMessage, "ERROR empty-message the message is empty"),
        ("/dm bob \t", .emptyMessage, "ERROR empty-message the message is empty"),
        (#"/dm bob """#, .emptyMessage, "ERROR empty-message the message is empty"),
        (#"/dm bob "   ""#, .emptyMessage, "ERROR empty-message the message is empty"),
        ("/bc", .emptyMessage, "ERROR empty-message the message is empty"),
        ("/bc ", .emptyMessage, "ERROR empty-message the message is empty"),
        ("/BC    ", .emptyMessage, "ERROR empty-message the message is empty"),
        ("/bc \t", .emptyMessage, "ERROR empty-message the message is empty"),
        (#"/bc """#, .emptyMessage, "ERROR empty-message the message is empty"),
        (#"/bc "" "#, .emptyMessage, "ERROR empty-message the message is empty"),
        (#"/bc " ""#, .emptyMessage, "ERROR empty-message the message is empty"),
        ("/bc \"\t\"", .emptyMessage, "ERROR empty-message the message is empty"),
        // Unclosed quotes.
        (#"/bc ""#, .badSyntax("unclosed quote"), "ERROR bad-syntax unclosed quote"),
        (#"/bc "hello"#, .badSyntax("unclosed quote"), "ERROR bad-syntax unclosed quote"),
        (#"/bc "hello\""#, .badSyntax("unclosed quote"), "ERROR bad-syntax unclosed quote"),
        (#"/bc "hello\"#, .badSyntax("unclosed quote"), "ERROR bad-syntax unclosed quote"),
        (#"/bc "a\\\"#, .badSyntax("unclosed quote"), "ERROR bad-syntax unclosed quote"),
        (#"/dm bob "hi"#, .badSyntax("unclosed quote"), "ERROR bad-syntax unclosed quote"),
        // Text after the closing quote.
        (
            #"/bc "hello" world"#, .badSyntax("text after the closing quote"),
            "ERROR bad-syntax text after the closing quote"
        ),
        (#"/bc "a"b"#, .badSyntax("text after the closing quote"), "ERROR bad-syntax text after the closing quote"),
        (#"/bc "a""b""#, .badSyntax("text after the closing quote"), "ERROR bad-syntax text after the closing quote"),
        (#"/bc "" x"#, .badSyntax("text after the closing quote"), "ERROR bad-syntax text after the closing quote"),
        (
            #"/dm bob "hi" there"#, .badSyntax("text after the closing quote"),
            "ERROR bad-syntax text after the closing quote"
        ),
        // /nick.
        ("/nick", .badSyntax("usage: /nick NAME"), "ERROR bad-syntax usage: /nick NAME"),
        ("/nick   ", .badSyntax("usage: /nick NAME"), "ERROR bad-syntax usage: /nick NAME"),
        ("/nick two words", .badName("a name holds no spaces"), "ERROR bad-name a name holds no spaces"),
        ("/nick 9lives", .badName("a name starts with a letter"), "ERROR bad-name a name starts with a letter"),
        ("/nick _x", .badName("a name starts with a letter"), "ERROR bad-name a name starts with a letter"),
        (
            "/nick bad!", .badName("a name holds only ASCII letters, digits, _ and -"),
            "ERROR bad-name a name holds only ASCII letters, digits, _ and -"
        ),
        (
            "/nick abcdefghijklmnopqrstuvwxy", .badName("a name is 1 to 24 characters"),
            "ERROR bad-name a name is 1 to 24 characters"
        ),
        ("/nick server", .badName("the name server is reserved"), "ERROR bad-name the name server is reserved"),
        ("/nick SERVER", .badName("the name server is reserved"), "ERROR bad-name the name server is reserved"),
        ("/nick Server", .badName("the name server is reserved"), "ERROR bad-name the name server is reserved"),
        // Unknown command words, quoted back as typed.
        (
            "/frobnicate", .unknownCommand("/frobnicate"),
            "ERROR unknown-command unknown command /frobnicate (try /help)"
        ),
        ("/FROB x y", .unknownCommand("/FROB"), "ERROR unknown-command unknown command /FROB (try /help)"),
        ("/helpme", .unknownCommand("/helpme"), "ERROR unknown-command unknown command /helpme (try /help)"),
        ("/", .unknownCommand("/"), "ERROR unknown-command unknown command / (try /help)"),
        ("/ help", .unknownCommand("/"), "ERROR unknown-command unknown command / (try /help)"),
        ("//bc hi", .unknownCommand("//bc"), "ERROR unknown-command unknown command //bc (try /help)"),
    ]

    @Test(arguments: refused)
    func refuses(line: String, error: ProtocolError, wire: String) {
        #expect(parsed(line) == .failure(error))
        #expect(error.event.wireLine == wire)
    }

    @Test func commandWordsAreTheKnownCommandsInHelpOrder() {
        #expect(
            Command.words == [
                "help", "users", "dm", "bc", "nick", "ping", "quit", "caps", "history", "search",
                "register", "login", "password", "kick", "ban", "unban", "bans", "mute", "unmute",
            ])
    }

    @Test(arguments: Command.words)
    func everyCommandWordIsKnownInAnyCase(word: String) {
        for spelling in ["/" + word, "/" + word.uppercased(), "/" + word.prefix(1).uppercased() + word.dropFirst()] {
            if case .failure(.unknownCommand) = parsed(spelling) {
                Issue.record("\(spelling) is refused as an unknown command")
            }
        }
    }
}

@Suite struct CommandWireLineTests {
    /// Commands with the exact line a client sends for them.
    static let lines: [(command: Command, wire: String)] = [
        (.help, "/help"),
        (.users, "/users"),
        (.quit, "/quit"),
        (.ping(nil), "/ping"),
        (.ping("t-1"), "/ping t-1"),
        (.nick("alice"), "/nick alice"),
        (.broadcast("hello"), #"/bc "hello""#),
        (.broadcast("hello world"), #"/bc "hello world""#),
        (.broadcast("  padded  "), #"/bc "  padded  ""#),
        (.broadcast(#"say "hi""#), #"/bc "say \"hi\"""#),
        (.broadcast(#"back\slash"#), #"/bc "back\\slash""#),
        (.broadcast(#"\"#), #"/bc "\\""#),
        (.broadcast(#"""#), #"/bc "\"""#),
        (.broadcast(#"\""#), #"/bc "\\\"""#),
        (.broadcast(#"a\nb"#), #"/bc "a\\nb""#),
        (.broadcast("/help"), #"/bc "/help""#),
        (.broadcast("tab\tin"), "/bc \"tab\tin\""),
        (.broadcast("你好 👋"), #"/bc "你好 👋""#),
        (.directMessage(to: "bob", text: "hi there"), #"/dm bob "hi there""#),
        (.directMessage(to: "Bob", text: #""q" \ end\"#), #"/dm Bob "\"q\" \\ end\\""#),
    ]

    @Test(arguments: lines)
    func encodesAndParsesBack(command: Command, wire: String) {
        #expect(command.wireLine == wire)
        #expect(parsed(command.wireLine) == .success(command))
    }

    static let quoted: [(text: String, quoted: String)] = [
        ("", #""""#),
        ("hi", #""hi""#),
        (#"a"b"#, #""a\"b""#),
        (#"a\b"#, #""a\\b""#),
        (#"\""#, #""\\\"""#),
        ("tab\there 你好", "\"tab\there 你好\""),
    ]

    @Test(arguments: quoted)
    func quotesEscapingQuoteAndBackslash(text: String, quoted: String) {
        #expect(Command.quote(text) == quoted)
    }
}
