import ChatProtocol
import Testing

/// Parses a line the way the server does, as one comparable value.
private func parsed(_ line: String) -> Result<Command?, ProtocolError> {
    Result { () throws(ProtocolError) -> Command? in try Command.parse(line) }
}

private let registerUsage = "usage: /register PASSWORD"
private let loginUsage = "usage: /login NAME PASSWORD"
private let passwordUsage = "usage: /password OLD NEW (quote a password that holds spaces)"
private let kickUsage = "usage: /kick NAME [REASON]"
private let banUsage = "usage: /ban NAME [MINUTES] [REASON]"
private let unbanUsage = "usage: /unban NAME|ADDRESS"
private let bansUsage = "usage: /bans"
private let muteUsage = "usage: /mute NAME [MINUTES]"
private let unmuteUsage = "usage: /unmute NAME"
private let badMinutes = "MINUTES is 1 to 525600"

/// The accounts and moderation commands: `/register`, `/login`, `/password`, `/kick`, `/ban`, `/unban`,
/// `/bans`, `/mute`, `/unmute`.
@Suite struct CommandAccountsParseTests {
    /// Every accounts and moderation command form, with the command it parses to.
    static let accepted: [(line: String, command: Command)] = [
        // /register: PASSWORD is the rest of the line after the one space that ends the word, exactly (blanks,
        // quotes and backslashes included). Its length is the server's to check (bad-password), after
        // registration being closed and the name rules.
        ("/register hunter22", .register(password: "hunter22")),
        ("/REGISTER hunter22", .register(password: "hunter22")),
        ("/Register hunter22", .register(password: "hunter22")),
        ("/register correct horse battery staple", .register(password: "correct horse battery staple")),
        ("/register  two  spaces ", .register(password: " two  spaces ")),
        ("/register \tTab\tpw\t", .register(password: "\tTab\tpw\t")),
        ("/register   ", .register(password: "  ")),
        (#"/register "quoted pw""#, .register(password: #""quoted pw""#)),
        (#"/register a\"b\\c\n"#, .register(password: #"a\"b\\c\n"#)),
        ("/register /login alice x", .register(password: "/login alice x")),
        ("/register 短いパスワード 🔑", .register(password: "短いパスワード 🔑")),
        ("/register short", .register(password: "short")),
        ("/register " + String(repeating: "p", count: 300), .register(password: String(repeating: "p", count: 300))),
        // /login: NAME is the first word; PASSWORD is the rest of the line after the one space that ends it.
        ("/login alice hunter22", .login(name: "alice", password: "hunter22")),
        ("/LOGIN alice hunter22", .login(name: "alice", password: "hunter22")),
        ("/LogIn alice hunter22", .login(name: "alice", password: "hunter22")),
        ("/login alice PASSWORD WITH SPACES", .login(name: "alice", password: "PASSWORD WITH SPACES")),
        ("/login   alice hunter22", .login(name: "alice", password: "hunter22")),
        ("/login alice  two  spaces ", .login(name: "alice", password: " two  spaces ")),
        ("/login alice \t", .login(name: "alice", password: "\t")),
        ("/login alice  ", .login(name: "alice", password: " ")),
        (#"/login alice "quoted pw""#, .login(name: "alice", password: #""quoted pw""#)),
        (#"/login alice a\"b\\c"#, .login(name: "alice", password: #"a\"b\\c"#)),
        ("/login alice пароль 🔑", .login(name: "alice", password: "пароль 🔑")),
        // The name as typed: the server takes the account's stored spelling.
        ("/login ALICE hunter22", .login(name: "ALICE", password: "hunter22")),
        // A name /login does not check: a name with no account gets the same login-failed as a wrong password.
        ("/login b@d hunter22", .login(name: "b@d", password: "hunter22")),
        ("/login 9lives hunter22", .login(name: "9lives", password: "hunter22")),
        ("/login alice\tx hunter22", .login(name: "alice\tx", password: "hunter22")),
        // /password OLD NEW: each a word without blanks or a quoted string with /dm's escapes.
        ("/password oldpass1 newpass2", .changePassword(old: "oldpass1", new: "newpass2")),
        ("/PASSWORD oldpass1 newpass2", .changePassword(old: "oldpass1", new: "newpass2")),
        ("/Password oldpass1 newpass2", .changePassword(old: "oldpass1", new: "newpass2")),
        ("/password   oldpass1   newpass2  \t", .changePassword(old: "oldpass1", new: "newpass2")),
        ("/password oldpass1\tnewpass2", .changePassword(old: "oldpass1", new: "newpass2")),
        (#"/password "old pass" "new pass""#, .changePassword(old: "old pass", new: "new pass")),
        (#"/password "old pass" newpass2"#, .changePassword(old: "old pass", new: "newpass2")),
        (#"/password oldpass1 "  new  pass ""#, .changePassword(old: "oldpass1", new: "  new  pass ")),
        (#"/password "old"  "new"  "#, .changePassword(old: "old", new: "new")),
        ("/password \"old\"\t\"new\"", .changePassword(old: "old", new: "new")),
        (#"/password "say \"hi\"" "back\\slash""#, .changePassword(old: #"say "hi""#, new: #"back\slash"#)),
        (#"/password "\\" "\"""#, .changePassword(old: #"\"#, new: #"""#)),
        (#"/password "\\\"" x"#, .changePassword(old: #"\""#, new: "x")),
        (#"/password "a\nb" "tab\there""#, .changePassword(old: #"a\nb"#, new: #"tab\there"#)),
        ("/password \"tab\tin\" x", .changePassword(old: "tab\tin", new: "x")),
        (#"/password a"b c\d"#, .changePassword(old: #"a"b"#, new: #"c\d"#)),
        (#"/password a\"b c\\d"#, .changePassword(old: #"a\"b"#, new: #"c\\d"#)),
        (#"/password "" """#, .changePassword(old: "", new: "")),
        ("/password 🔑🔑 пароль-2", .changePassword(old: "🔑🔑", new: "пароль-2")),
        // /kick NAME [REASON]: REASON is the rest of the line, trimmed of blanks.
        ("/kick bob", .kick(name: "bob", reason: nil)),
        ("/KICK bob", .kick(name: "bob", reason: nil)),
        ("/Kick Bob", .kick(name: "Bob", reason: nil)),
        ("/kick   bob", .kick(name: "bob", reason: nil)),
        ("/kick bob   ", .kick(name: "bob", reason: nil)),
        ("/kick bob \t ", .kick(name: "bob", reason: nil)),
        ("/kick bob flooding", .kick(name: "bob", reason: "flooding")),
        ("/kick bob   being  rude \t ", .kick(name: "bob", reason: "being  rude")),
        ("/kick bob\tspam", .kick(name: "bob", reason: "spam")),
        (#"/kick bob "quoted" \ reason"#, .kick(name: "bob", reason: #""quoted" \ reason"#)),
        ("/kick bob 10 minutes", .kick(name: "bob", reason: "10 minutes")),
        ("/kick bob 你好 👋🏽", .kick(name: "bob", reason: "你好 👋🏽")),
        // A name /kick does not check: the registry answers no-such-user for it.
        ("/kick b@d", .kick(name: "b@d", reason: nil)),
        // /ban NAME [MINUTES] [REASON]: a second word of digits is always MINUTES, 1 to 525600.
        ("/ban bob", .ban(name: "bob", minutes: nil, reason: nil)),
        ("/BAN bob", .ban(name: "bob", minutes: nil, reason: nil)),
        ("/ban bob   ", .ban(name: "bob", minutes: nil, reason: nil)),
        ("/ban bob 10", .ban(name: "bob", minutes: 10, reason: nil)),
        ("/ban bob 10 some reason", .ban(name: "bob", minutes: 10, reason: "some reason")),
        ("/ban bob some reason", .ban(name: "bob", minutes: nil, reason: "some reason")),
        ("/ban bob 1", .ban(name: "bob", minutes: 1, reason: nil)),
        ("/ban bob 525600", .ban(name: "bob", minutes: 525_600, reason: nil)),
        ("/ban bob 525600 a year", .ban(name: "bob", minutes: 525_600, reason: "a year")),
        ("/ban bob 010", .ban(name: "bob", minutes: 10, reason: nil)),
        ("/ban bob 00000000000010", .ban(name: "bob", minutes: 10, reason: nil)),
        ("/ban   bob   10   flood  the room  ", .ban(name: "bob", minutes: 10, reason: "flood  the room")),
        ("/ban bob\t10\tx", .ban(name: "bob", minutes: 10, reason: "x")),
        ("/ban bob 10 20 x", .ban(name: "bob", minutes: 10, reason: "20 x")),
        ("/ban bob 10 20", .ban(name: "bob", minutes: 10, reason: "20")),
        ("/ban bob flood 10", .ban(name: "bob", minutes: nil, reason: "flood 10")),
        // Not a word of digits: the reason's first word.
        ("/ban bob 10x spam", .ban(name: "bob", minutes: nil, reason: "10x spam")),
        ("/ban bob -5 x", .ban(name: "bob", minutes: nil, reason: "-5 x")),
        ("/ban bob +5", .ban(name: "bob", minutes: nil, reason: "+5")),
        ("/ban bob 1.5", .ban(name: "bob", minutes: nil, reason: "1.5")),
        ("/ban bob ５", .ban(name: "bob", minutes: nil, reason: "５")),
        // The first word is always NAME.
        ("/ban 10", .ban(name: "10", minutes: nil, reason: nil)),
        ("/ban 10 10", .ban(name: "10", minutes: 10, reason: nil)),
        // /unban TARGET: an account name or an address, as /bans shows it.
        ("/unban alice", .unban("alice")),
        ("/UNBAN alice", .unban("alice")),
        ("/unban 127.0.0.2", .unban("127.0.0.2")),
        ("/unban ::1", .unban("::1")),
        ("/unban 2001:db8::7", .unban("2001:db8::7")),
        ("/unban   127.0.0.2  \t", .unban("127.0.0.2")),
        ("/unban \tbob", .unban("bob")),
        // /bans: nothing after the word but blanks.
        ("/bans", .bans),
        ("/BANS", .bans),
        ("/Bans   ", .bans),
        ("/bans \t ", .bans),
        // /mute NAME [MINUTES].
        ("/mute bob", .mute(name: "bob", minutes: nil)),
        ("/MUTE bob", .mute(name: "bob", minutes: nil)),
        ("/mute bob 5", .mute(name: "bob", minutes: 5)),
        ("/mute   bob   5  \t", .mute(name: "bob", minutes: 5)),
        ("/mute bob\t5", .mute(name: "bob", minutes: 5)),
        ("/mute bob 1", .mute(name: "bob", minutes: 1)),
        ("/mute bob 525600", .mute(name: "bob", minutes: 525_600)),
        ("/mute bob 05", .mute(name: "bob", minutes: 5)),
        // /unmute NAME.
        ("/unmute bob", .unmute("bob")),
        ("/UNMUTE bob", .unmute("bob")),
        ("/unmute   bob  \t", .unmute("bob")),
    ]

    @Test(arguments: accepted)
    func parses(line: String, command: Command) {
        #expect(parsed(line) == .success(command))
    }

    /// Every refusal of an accounts or moderation command, with the exact `ERROR` line the server sends for it.
    static let refused: [(line: String, error: ProtocolError, wire: String)] = [
        // /register without a password.
        ("/register", .badSyntax(registerUsage), "ERROR bad-syntax \(registerUsage)"),
        ("/REGISTER", .badSyntax(registerUsage), "ERROR bad-syntax \(registerUsage)"),
        ("/register ", .badSyntax(registerUsage), "ERROR bad-syntax \(registerUsage)"),
        // /login without a name or a password.
        ("/login", .badSyntax(loginUsage), "ERROR bad-syntax \(loginUsage)"),
        ("/login ", .badSyntax(loginUsage), "ERROR bad-syntax \(loginUsage)"),
        ("/login    ", .badSyntax(loginUsage), "ERROR bad-syntax \(loginUsage)"),
        ("/login alice", .badSyntax(loginUsage), "ERROR bad-syntax \(loginUsage)"),
        ("/LOGIN alice ", .badSyntax(loginUsage), "ERROR bad-syntax \(loginUsage)"),
        ("/login   alice ", .badSyntax(loginUsage), "ERROR bad-syntax \(loginUsage)"),
        // /password with fewer or more than two arguments.
        ("/password", .badSyntax(passwordUsage), "ERROR bad-syntax \(passwordUsage)"),
        ("/password   \t", .badSyntax(passwordUsage), "ERROR bad-syntax \(passwordUsage)"),
        ("/password onlyone", .badSyntax(passwordUsage), "ERROR bad-syntax \(passwordUsage)"),
        ("/password onlyone   ", .badSyntax(passwordUsage), "ERROR bad-syntax \(passwordUsage)"),
        (#"/password "only one""#, .badSyntax(passwordUsage), "ERROR bad-syntax \(passwordUsage)"),
        ("/password new pass word", .badSyntax(passwordUsage), "ERROR bad-syntax \(passwordUsage)"),
        (#"/password "a" "b" "c""#, .badSyntax(passwordUsage), "ERROR bad-syntax \(passwordUsage)"),
        (#"/password "a" "b" c"#, .badSyntax(passwordUsage), "ERROR bad-syntax \(passwordUsage)"),
        // /password with a quote left open, or text right after a closing quote.
        (#"/password "unclosed new"#, .badSyntax("unclosed quote"), "ERROR bad-syntax unclosed quote"),
        (#"/password old "unclosed"#, .badSyntax("unclosed quote"), "ERROR bad-syntax unclosed quote"),
        (#"/password old ""#, .badSyntax("unclosed quote"), "ERROR bad-syntax unclosed quote"),
        (#"/password old "ends in \"#, .badSyntax("unclosed quote"), "ERROR bad-syntax unclosed quote"),
        (#"/password old "escaped \""#, .badSyntax("unclosed quote"), "ERROR bad-syntax unclosed quote"),
        (
            #"/password "old"x new"#, .badSyntax("text after the closing quote"),
            "ERROR bad-syntax text after the closing quote"
        ),
        (
            #"/password old "new"x"#, .badSyntax("text after the closing quote"),
            "ERROR bad-syntax text after the closing quote"
        ),
        (
            #"/password "old""new""#, .badSyntax("text after the closing quote"),
            "ERROR bad-syntax text after the closing quote"
        ),
        // /kick without a name.
        ("/kick", .badSyntax(kickUsage), "ERROR bad-syntax \(kickUsage)"),
        ("/KICK   ", .badSyntax(kickUsage), "ERROR bad-syntax \(kickUsage)"),
        ("/kick \t", .badSyntax(kickUsage), "ERROR bad-syntax \(kickUsage)"),
        // /ban without a name, or with MINUTES outside 1...525600.
        ("/ban", .badSyntax(banUsage), "ERROR bad-syntax \(banUsage)"),
        ("/ban   ", .badSyntax(banUsage), "ERROR bad-syntax \(banUsage)"),
        ("/ban bob 0", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        ("/ban bob 000", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        ("/ban bob 0 a reason", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        ("/ban bob 525601", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        ("/ban bob 1000000", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        ("/ban bob 9223372036854775808", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        ("/ban bob 18446744073709551616", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        ("/ban bob 99999999999999999999", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        ("/ban bob 99999999999999999999 spam", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        // /unban without a target, or with more than one.
        ("/unban", .badSyntax(unbanUsage), "ERROR bad-syntax \(unbanUsage)"),
        ("/unban   ", .badSyntax(unbanUsage), "ERROR bad-syntax \(unbanUsage)"),
        ("/unban a b", .badSyntax(unbanUsage), "ERROR bad-syntax \(unbanUsage)"),
        ("/unban 127.0.0.2 ::1", .badSyntax(unbanUsage), "ERROR bad-syntax \(unbanUsage)"),
        ("/unban alice\tx", .badSyntax(unbanUsage), "ERROR bad-syntax \(unbanUsage)"),
        // /bans takes nothing.
        ("/bans x", .badSyntax(bansUsage), "ERROR bad-syntax \(bansUsage)"),
        ("/bans 10", .badSyntax(bansUsage), "ERROR bad-syntax \(bansUsage)"),
        ("/BANS  alice ", .badSyntax(bansUsage), "ERROR bad-syntax \(bansUsage)"),
        // /mute without a name, with anything but MINUTES after it, or MINUTES outside 1...525600.
        ("/mute", .badSyntax(muteUsage), "ERROR bad-syntax \(muteUsage)"),
        ("/mute  \t", .badSyntax(muteUsage), "ERROR bad-syntax \(muteUsage)"),
        ("/mute bob 5 extra", .badSyntax(muteUsage), "ERROR bad-syntax \(muteUsage)"),
        ("/mute bob abc", .badSyntax(muteUsage), "ERROR bad-syntax \(muteUsage)"),
        ("/mute bob 5x", .badSyntax(muteUsage), "ERROR bad-syntax \(muteUsage)"),
        ("/mute bob 5 6", .badSyntax(muteUsage), "ERROR bad-syntax \(muteUsage)"),
        ("/mute bob 0", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        ("/mute bob 525601", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        ("/mute bob 99999999999999999999", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        ("/mute bob 0 extra", .badSyntax(badMinutes), "ERROR bad-syntax \(badMinutes)"),
        // /unmute without a name, or with more.
        ("/unmute", .badSyntax(unmuteUsage), "ERROR bad-syntax \(unmuteUsage)"),
        ("/unmute   ", .badSyntax(unmuteUsage), "ERROR bad-syntax \(unmuteUsage)"),
        ("/unmute bob 5", .badSyntax(unmuteUsage), "ERROR bad-syntax \(unmuteUsage)"),
        // A command word runs to the first space: these are not the commands.
        ("/banish bob", .unknownCommand("/banish"), "ERROR unknown-command unknown command /banish (try /help)"),
        ("/kickbob", .unknownCommand("/kickbob"), "ERROR unknown-command unknown command /kickbob (try /help)"),
        ("/ban\tbob", .unknownCommand("/ban\tbob"), "ERROR unknown-command unknown command /ban\tbob (try /help)"),
        ("/logout", .unknownCommand("/logout"), "ERROR unknown-command unknown command /logout (try /help)"),
        ("/passwd a b", .unknownCommand("/passwd"), "ERROR unknown-command unknown command /passwd (try /help)"),
        // ...but a word that begins with a password command's word may hold the password (after a tab, or
        // with the space left out): it is refused with that command's usage, never echoed in the error.
        ("/register\tsecret-pw", .badSyntax(registerUsage), "ERROR bad-syntax \(registerUsage)"),
        ("/REGISTERsecret-pw", .badSyntax(registerUsage), "ERROR bad-syntax \(registerUsage)"),
        ("/register\tsecret pw", .badSyntax(registerUsage), "ERROR bad-syntax \(registerUsage)"),
        ("/login\talice\tsecret-pw", .badSyntax(loginUsage), "ERROR bad-syntax \(loginUsage)"),
        ("/loginalice secret-pw", .badSyntax(loginUsage), "ERROR bad-syntax \(loginUsage)"),
        ("/password\told-pw new-pw", .badSyntax(passwordUsage), "ERROR bad-syntax \(passwordUsage)"),
        ("/Passwordold-pw new-pw", .badSyntax(passwordUsage), "ERROR bad-syntax \(passwordUsage)"),
    ]

    @Test(arguments: refused)
    func refuses(line: String, error: ProtocolError, wire: String) {
        #expect(parsed(line) == .failure(error))
        #expect(error.event.wireLine == wire)
    }

    /// No refusal of a line that carries a password repeats it.
    @Test(arguments: refused)
    func refusalsNeverEchoAPassword(line: String, error: ProtocolError, wire: String) {
        for secret in ["secret", "old-pw", "new-pw"] {
            #expect(!wire.contains(secret), "\(wire) repeats the password")
        }
    }

    @Test func commandWordsEndWithAccountsThenModeration() {
        #expect(
            Command.words.suffix(9) == [
                "register", "login", "password", "kick", "ban", "unban", "bans", "mute", "unmute",
            ])
        #expect(Command.operatorWords == ["kick", "ban", "unban", "bans", "mute", "unmute"])
        #expect(Command.operatorWords.allSatisfy(Command.words.contains))
        #expect(Set(Command.words).count == Command.words.count)
    }

    /// An operator word alone is a known command: it parses (`/bans`) or is refused for its usage.
    @Test(arguments: Command.operatorWords)
    func everyOperatorWordIsKnownInAnyCase(word: String) {
        for spelling in ["/" + word, "/" + word.uppercased(), "/" + word.prefix(1).uppercased() + word.dropFirst()] {
            switch parsed(spelling) {
            case .success(.bans?) where word == "bans": break
            case .failure(.badSyntax(let usage)): #expect(usage.hasPrefix("usage: /\(word) "))
            case let other: Issue.record("\(spelling) gave \(other)")
            }
        }
    }

    @Test func passwordsAreEightTo256BytesAndMinutesAMinuteToAYear() {
        #expect(Wire.passwordBytes == 8...256)
        #expect(Wire.moderationMinutes == 1...525_600)
        #expect(525_600 == 365 * 24 * 60)
    }
}

@Suite struct CommandAccountsWireLineTests {
    /// Accounts and moderation commands with the exact line a client sends for them.
    static let lines: [(command: Command, wire: String)] = [
        (.register(password: "hunter22"), "/register hunter22"),
        (.register(password: " two  spaces "), "/register  two  spaces "),
        (.register(password: #""quoted" \ pw"#), #"/register "quoted" \ pw"#),
        (.register(password: "\tTab"), "/register \tTab"),
        (.login(name: "alice", password: "hunter22"), "/login alice hunter22"),
        (.login(name: "alice", password: "PASSWORD WITH SPACES"), "/login alice PASSWORD WITH SPACES"),
        (.login(name: "alice", password: " lead and trail "), "/login alice  lead and trail "),
        (.login(name: "alice", password: #"a"b\c"#), #"/login alice a"b\c"#),
        // /password quotes both, escaping " and \.
        (.changePassword(old: "oldpass1", new: "newpass2"), #"/password "oldpass1" "newpass2""#),
        (.changePassword(old: "old pass", new: " new  pass "), #"/password "old pass" " new  pass ""#),
        (.changePassword(old: #"say "hi""#, new: #"back\slash"#), #"/password "say \"hi\"" "back\\slash""#),
        (.changePassword(old: #"\"#, new: #"""#), #"/password "\\" "\"""#),
        (.changePassword(old: #"\""#, new: #"a\nb"#), #"/password "\\\"" "a\\nb""#),
        (.changePassword(old: "", new: ""), #"/password "" """#),
        (.changePassword(old: "tab\tin", new: "🔑 пароль"), "/password \"tab\tin\" \"🔑 пароль\""),
        (.kick(name: "bob", reason: nil), "/kick bob"),
        (.kick(name: "bob", reason: "being  rude"), "/kick bob being  rude"),
        (.kick(name: "bob", reason: "10 minutes"), "/kick bob 10 minutes"),
        (.ban(name: "bob", minutes: nil, reason: nil), "/ban bob"),
        (.ban(name: "bob", minutes: 10, reason: nil), "/ban bob 10"),
        (.ban(name: "bob", minutes: 10, reason: "flood the room"), "/ban bob 10 flood the room"),
        (.ban(name: "bob", minutes: nil, reason: "flood the room"), "/ban bob flood the room"),
        (.ban(name: "bob", minutes: 525_600, reason: "20 x"), "/ban bob 525600 20 x"),
        (.ban(name: "bob", minutes: 1, reason: nil), "/ban bob 1"),
        (.unban("alice"), "/unban alice"),
        (.unban("127.0.0.2"), "/unban 127.0.0.2"),
        (.unban("::1"), "/unban ::1"),
        (.bans, "/bans"),
        (.mute(name: "bob", minutes: nil), "/mute bob"),
        (.mute(name: "bob", minutes: 5), "/mute bob 5"),
        (.mute(name: "bob", minutes: 525_600), "/mute bob 525600"),
        (.unmute("bob"), "/unmute bob"),
    ]

    @Test(arguments: lines)
    func encodesAndParsesBack(command: Command, wire: String) {
        #expect(command.wireLine == wire)
        #expect(parsed(command.wireLine) == .success(command))
    }

    /// Whatever a line parses to reads back the same from its wire line.
    @Test(arguments: CommandAccountsParseTests.accepted)
    func everyParsedCommandReadsBack(line: String, command: Command) {
        #expect(parsed(command.wireLine) == .success(command))
    }

    /// A ban without MINUTES whose reason starts with a word of digits cannot be sent as it is: that word
    /// is always MINUTES. No line parses to such a ban.
    @Test func aReasonStartingWithDigitsIsReadAsMinutes() {
        #expect(
            parsed(Command.ban(name: "bob", minutes: nil, reason: "3 strikes").wireLine)
                == .success(.ban(name: "bob", minutes: 3, reason: "strikes")))
    }
}

@Suite struct CarriesPasswordTests {
    /// The commands whose line holds a password: kept out of input history and logs.
    static let withPassword: [Command] = [
        .register(password: "hunter22"),
        .register(password: "  "),
        .login(name: "alice", password: "hunter22"),
        .changePassword(old: "oldpass1", new: "newpass2"),
        .changePassword(old: "", new: ""),
    ]

    /// One of every other command.
    static let withoutPassword: [Command] = [
        .help, .users, .directMessage(to: "bob", text: "my password is hunter22"),
        .broadcast("/register hunter22"), .nick("alice"), .ping(nil), .ping("t-1"), .quit, .caps([]),
        .caps([.ids, .time]), .history(.latest(count: 50)), .history(.before(id: 1, count: 2)),
        .history(.after(id: 1, count: 2)), .search("password"), .kick(name: "bob", reason: nil),
        .kick(name: "bob", reason: "spam"), .ban(name: "bob", minutes: nil, reason: nil),
        .ban(name: "bob", minutes: 10, reason: "flood"), .unban("127.0.0.2"), .bans,
        .mute(name: "bob", minutes: nil), .mute(name: "bob", minutes: 5), .unmute("bob"),
    ]

    @Test(arguments: withPassword)
    func passwordCommandsCarryOne(command: Command) {
        #expect(command.carriesPassword)
    }

    @Test(arguments: withoutPassword)
    func otherCommandsCarryNone(command: Command) {
        #expect(!command.carriesPassword)
    }

    /// Every command word is covered: each table above holds a command for it.
    @Test func theTablesCoverEveryCommandWord() {
        let words = (Self.withPassword + Self.withoutPassword).map { command -> String in
            let line = command.wireLine
            let word = line.dropFirst().prefix(while: { $0 != " " })
            return String(word)
        }
        #expect(Set(words) == Set(Command.words))
    }

    /// Every accepted line of the accounts table carries a password exactly when it is one of the three.
    @Test(arguments: CommandAccountsParseTests.accepted)
    func parsedCommandsCarryAPasswordExactlyForTheThree(line: String, command: Command) {
        let word = line.dropFirst().prefix(while: { $0 != " " }).lowercased()
        #expect(command.carriesPassword == ["register", "login", "password"].contains(word))
    }
}
