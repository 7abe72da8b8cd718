import ChatProtocol
import ChatServer
import ChatStore
import ChatTestSupport
import Foundation
import Testing

/// Accounts over real sockets: registering, logging in, the guessing limit, names protected.
@Suite struct AccountsTests {
    @Test func registeringMakesTheNameAnAccountAndLogsIn() throws {
        let room = try AccountsRoom()
        let (alice, _) = try room.connect()
        let (bob, bobName) = try room.connect()
        _ = try alice.readLines(until: "JOIN \(bobName)")
        try alice.send("/nick alice")
        #expect(try alice.readLine() == "NICK user1 alice")
        #expect(try bob.readLine() == "NICK user1 alice")
        try alice.send("/register correct horse battery")
        #expect(try alice.readLine() == "REGISTERED alice")
        // Nothing for the others, and the name is kept.
        #expect(try bob.sync() == [])
        try alice.send("/nick alicia")
        #expect(try alice.readLine() == "ERROR name-registered you are logged in as alice")
        try bob.send("/nick ALICE")
        #expect(try bob.readLine() == "ERROR name-registered the name ALICE is registered")
        let stored = try #require(try room.accounts.account(named: "alice"))
        #expect(stored.name == "alice" && !stored.isOperator && stored.passwordHash.hasPrefix("$argon2id$"))
    }

    @Test func registeringIsRefusedByItsRulesInOrder() throws {
        let room = try AccountsRoom()
        try room.makeAccount("taken")
        let (client, name) = try room.connect()
        try client.send("/register long-enough")
        #expect(try client.readLine() == "ERROR bad-name a generated name (user and digits) cannot be registered: /nick to another name first")
        try client.send("/nick Carol")
        #expect(try client.readLine() == "NICK \(name) Carol")
        try client.send("/register short")
        #expect(try client.readLine() == "ERROR bad-password a password is 8 to 256 bytes")
        try client.send("/register " + String(repeating: "x", count: 257))
        #expect(try client.readLine() == "ERROR bad-password a password is 8 to 256 bytes")
        try client.send("/register")
        #expect(try client.readLine() == "ERROR bad-syntax usage: /register PASSWORD")
        try client.send("/register " + String(repeating: "y", count: 256))
        #expect(try client.readLine() == "REGISTERED Carol")
        try client.send("/register again-and-again")
        #expect(try client.readLine() == "ERROR name-registered the name Carol is registered")
        #expect(try room.accounts.account(named: "carol")?.name == "Carol")
    }

    @Test func aGeneratedNameIsRefusedWhateverItsCase() throws {
        let room = try AccountsRoom()
        let (client, _) = try room.connect()
        try client.send("/nick USER77")
        _ = try client.readLine()
        try client.send("/register long-enough")
        #expect(try client.readLine() == "ERROR bad-name a generated name (user and digits) cannot be registered: /nick to another name first")
        try client.send("/nick user77x")
        _ = try client.readLine()
        try client.send("/register long-enough")
        #expect(try client.readLine() == "REGISTERED user77x")
    }

    @Test func closedRegistrationIsRefusedBeforeTheNameRules() throws {
        let room = try AccountsRoom { $0.registrationOpen = false }
        let (client, _) = try room.connect()
        try client.send("/register long-enough")
        #expect(try client.readLine() == "ERROR unavailable registration is closed")
    }

    @Test func withoutAStoreNothingCanBeRegisteredAndNoLoginSucceeds() async throws {
        try await withRunningServer(.init(store: NoStore(), accounts: NoAccounts())) { _, port in
            let (client, _) = try join(port)
            try client.send("/nick dave")
            _ = try client.readLine()
            try client.send("/register long-enough")
            #expect(try client.readLine() == "ERROR unavailable nothing is kept (the server runs with --store none)")
            try client.send("/login dave long-enough")
            #expect(try client.readLine() == "ERROR login-failed wrong name or password")
            try client.send("/kick dave")
            #expect(try client.readLine() == "ERROR not-operator only operators may use /kick")
        }
    }

    @Test func loggingInTakesTheAccountsSpellingAndTellsEveryone() throws {
        let room = try AccountsRoom()
        try room.makeAccount("Alice")
        let (client, name) = try room.connect()
        let (other, otherName) = try room.connect()
        _ = try client.readLines(until: "JOIN \(otherName)")
        try client.send("/login alice \(AccountsRoom.password(of: "Alice"))")
        #expect(try client.readLines(2) == ["NICK \(name) Alice", "LOGGED-IN Alice"])
        #expect(try other.readLine() == "NICK \(name) Alice")
        #expect(try other.sync() == [])
        // Logging in again as the same account changes nothing but says so.
        try client.send("/login Alice \(AccountsRoom.password(of: "Alice"))")
        #expect(try client.readLine() == "LOGGED-IN Alice")
        #expect(try room.accounts.account(named: "alice")?.lastLogin != nil)
    }

    @Test func aWrongPasswordAndAMissingAccountGetTheSameWords() throws {
        let room = try AccountsRoom()
        try room.makeAccount("erin")
        let (client, _) = try room.connect()
        try client.send("/login erin not-her-password")
        #expect(try client.readLine() == "ERROR login-failed wrong name or password")
        try client.send("/login nobody-here some-password")
        #expect(try client.readLine() == "ERROR login-failed wrong name or password")
        try client.send("/login 9-not-a-name some-password")
        #expect(try client.readLine() == "ERROR login-failed wrong name or password")
        try client.send("/login erin")
        #expect(try client.readLine() == "ERROR bad-syntax usage: /login NAME PASSWORD")
    }

    @Test func aPasswordIsTheRestOfTheLineSpacesIncluded() throws {
        let room = try AccountsRoom()
        let (client, _) = try room.connect()
        try client.send("/nick frank")
        _ = try client.readLine()
        try client.send("/register  two  spaces ")
        #expect(try client.readLine() == "REGISTERED frank")
        let (again, _) = try room.connect()
        try again.send("/login frank two  spaces ")
        #expect(try again.readLine() == "ERROR login-failed wrong name or password")
        try again.send("/login frank  two  spaces ")
        _ = try again.readLines(until: "LOGGED-IN frank")
    }

    @Test func theOwnersLoginRenamesAGuestHoldingTheName() throws {
        let room = try AccountsRoom()
        let (guest, guestName) = try room.connect()
        try guest.send("/nick grace")
        #expect(try guest.readLine() == "NICK \(guestName) grace")
        // The account is made while the guest holds the name (as `accounts add` may).
        try room.makeAccount("grace")
        let (owner, ownerName) = try room.connect()
        #expect(try guest.readLine() == "JOIN \(ownerName)")
        try owner.send("/login grace \(AccountsRoom.password(of: "grace"))")
        let fresh = "user3"
        #expect(try owner.readLines(3) == ["NICK grace \(fresh)", "NICK \(ownerName) grace", "LOGGED-IN grace"])
        #expect(try guest.readLines(2) == ["NICK grace \(fresh)", "NICK \(ownerName) grace"])
        try guest.send("/users")
        #expect(try guest.readLine() == "USERS grace \(fresh)")
    }

    @Test func aSecondLoginReplacesTheFirst() throws {
        let room = try AccountsRoom()
        try room.makeAccount("heidi")
        let first = try room.logIn("heidi")
        let (witness, witnessName) = try room.connect()
        #expect(try first.readLine() == "JOIN \(witnessName)")
        let (second, secondName) = try room.connect()
        #expect(try first.readLine() == "JOIN \(secondName)")
        _ = try witness.readLines(until: "JOIN \(secondName)")
        try second.send("/login heidi \(AccountsRoom.password(of: "heidi"))")
        #expect(try first.readUntilClosed() == ["BYE logged in from another connection"])
        #expect(try second.readLines(3) == ["LEAVE heidi quit", "NICK \(secondName) heidi", "LOGGED-IN heidi"])
        #expect(try witness.readLines(2) == ["LEAVE heidi quit", "NICK \(secondName) heidi"])
        try witness.send("/users")
        #expect(try witness.readLine() == "USERS heidi \(witnessName)")
    }

    @Test func switchingAccountsFreesTheFirstName() throws {
        let room = try AccountsRoom()
        try room.makeAccount("ivan")
        try room.makeAccount("judy")
        let client = try room.logIn("ivan")
        try client.send("/login judy \(AccountsRoom.password(of: "judy"))")
        #expect(try client.readLines(2) == ["NICK ivan judy", "LOGGED-IN judy"])
        let (other, otherName) = try room.connect()
        try other.send("/nick ivan")
        #expect(try other.readLine() == "ERROR name-registered the name ivan is registered")
        try other.send("/nick ivanhoe")
        #expect(try other.readLine() == "NICK \(otherName) ivanhoe")
    }

    @Test func changingThePasswordChecksTheOldOne() throws {
        let room = try AccountsRoom()
        try room.makeAccount("kim")
        let (guest, _) = try room.connect()
        try guest.send("/password a b")
        #expect(try guest.readLine() == "ERROR login-required log in first: /login NAME PASSWORD")
        let client = try room.logIn("kim")
        try client.send("/password wrong-old \"new pass phrase\"")
        #expect(try client.readLine() == "ERROR login-failed wrong password")
        try client.send("/password \(AccountsRoom.password(of: "kim")) short")
        #expect(try client.readLine() == "ERROR bad-password a password is 8 to 256 bytes")
        try client.send("/password \(AccountsRoom.password(of: "kim")) \"new pass \\\"phrase\\\"\"")
        #expect(try client.readLine() == "PASSWORD-CHANGED")
        let (later, _) = try room.connect()
        try later.send("/login kim \(AccountsRoom.password(of: "kim"))")
        #expect(try later.readLine() == "ERROR login-failed wrong name or password")
        try later.send("/login kim new pass \"phrase\"")
        _ = try later.readLines(until: "LOGGED-IN kim")
    }

    @Test func fiveFailuresFromOneAddressCloseItForAMinute() throws {
        let room = try AccountsRoom()
        try room.makeAccount("leo")
        let (guesser, _) = try room.connect(from: "127.0.0.2")
        for attempt in 1...5 {
            try guesser.send("/login nobody\(attempt) guess-\(attempt)")
            #expect(try guesser.readLine() == "ERROR login-failed wrong name or password")
        }
        // Refused without a check: even the right password.
        try guesser.send("/login leo \(AccountsRoom.password(of: "leo"))")
        let refused = try #require(try guesser.readLine())
        let seconds = try #require(Self.waitSeconds(refused))
        #expect((59...60).contains(seconds), "\(refused)")
        // Another connection from the same address is refused as well; another address is not.
        let (sameAddress, _) = try room.connect(from: "127.0.0.2")
        try sameAddress.send("/login leo \(AccountsRoom.password(of: "leo"))")
        #expect(try Self.waitSeconds(#require(try sameAddress.readLine())) != nil)
        let (elsewhere, _) = try room.connect(from: "127.0.0.3")
        try elsewhere.send("/login leo \(AccountsRoom.password(of: "leo"))")
        _ = try elsewhere.readLines(until: "LOGGED-IN leo")
    }

    @Test func fiveFailuresAgainstOneAccountCloseItFromEveryAddress() throws {
        let room = try AccountsRoom()
        try room.makeAccount("mia")
        for host in 2...6 {
            let (guesser, _) = try room.connect(from: "127.0.0.\(host)")
            #expect(try guesser.answer("/login mia guess-from-\(host)") == "ERROR login-failed wrong name or password")
        }
        let (owner, _) = try room.connect(from: "127.0.0.7")
        #expect(try Self.waitSeconds(#require(try owner.answer("/login mia \(AccountsRoom.password(of: "mia"))"))) != nil)
        // Another account from the same addresses is not held back.
        try room.makeAccount("ned")
        let (other, _) = try room.connect(from: "127.0.0.2")
        try other.send("/login ned \(AccountsRoom.password(of: "ned"))")
        _ = try other.readLines(until: "LOGGED-IN ned")
    }

    @Test func wrongOldPasswordsCountTowardTheLimit() throws {
        let room = try AccountsRoom()
        try room.makeAccount("opal")
        let client = try room.logIn("opal", from: "127.0.0.4")
        for _ in 1...5 {
            try client.send("/password wrong-wrong new-password")
            #expect(try client.readLine() == "ERROR login-failed wrong password")
        }
        try client.send("/password \(AccountsRoom.password(of: "opal")) new-password")
        #expect(try Self.waitSeconds(#require(try client.readLine())) != nil)
    }

    @Test func theStoreAndTheLogHoldNoPassword() throws {
        let log = CollectedLog()
        let room = try AccountsRoom(logger: log.logger)
        let (client, _) = try room.connect()
        try client.send("/nick pam")
        _ = try client.readLine()
        try client.send("/register plain-password-pam")
        #expect(try client.readLine() == "REGISTERED pam")
        try client.send("/password plain-password-pam another-secret-pam")
        #expect(try client.readLine() == "PASSWORD-CHANGED")
        let (other, _) = try room.connect()
        try other.send("/login pam wrong-guess-pam")
        _ = try other.readLine()
        try other.send("/login pam another-secret-pam")
        _ = try other.readLines(until: "LOGGED-IN pam")
        try room.restart()
        var bytes: [UInt8] = []
        for suffix in ["", "-wal"] {
            bytes += (FileManager.default.contents(atPath: room.path + suffix).map { [UInt8]($0) } ?? [])
        }
        #expect(!bytes.isEmpty)
        for secret in ["plain-password-pam", "another-secret-pam", "wrong-guess-pam"] {
            #expect(!Self.contains(bytes, Array(secret.utf8)), "\(secret) in the store")
            #expect(!log.lines.contains { $0.contains(secret) }, "\(secret) in the log")
        }
        #expect(log.lines.contains { $0.contains("logged in") })
    }

    /// N of `ERROR login-failed too many attempts; try again in N s`.
    static func waitSeconds(_ line: String) -> Int? {
        let prefix = "ERROR login-failed too many attempts; try again in "
        guard line.hasPrefix(prefix), line.hasSuffix(" s") else { return nil }
        return Int(line.dropFirst(prefix.count).dropLast(2))
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in
            haystack[start..<(start + needle.count)].elementsEqual(needle)
        }
    }
}
