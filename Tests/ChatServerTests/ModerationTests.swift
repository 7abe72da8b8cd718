import ChatProtocol
@testable import ChatServer
import ChatStore
import ChatTestSupport
import Testing

/// Operators over real sockets: kicks, bans by account and by address, mutes; members-only rooms.
@Suite struct ModerationTests {
    /// A room with an operator `olga` logged in, and what she has read so far.
    private static func roomWithOperator(_ adjust: (inout ChatServer.Configuration) -> Void = { _ in }) throws -> (
        AccountsRoom, LineClient
    ) {
        let room = try AccountsRoom(adjust)
        try room.makeAccount("olga", operator: true)
        return (room, try room.logIn("olga"))
    }

    @Test func anOperatorKicksWithAndWithoutAReason() throws {
        let (room, olga) = try Self.roomWithOperator()
        let (bob, bobName) = try room.connect()
        let (carol, carolName) = try room.connect()
        _ = try olga.readLines(until: "JOIN \(carolName)")
        _ = try bob.readLines(until: "JOIN \(carolName)")
        try olga.send("/kick \(bobName)   flooding the room ")
        #expect(try bob.readUntilClosed() == ["BYE kicked by olga: flooding the room"])
        #expect(try olga.readLine() == "LEAVE \(bobName) kicked")
        #expect(try carol.readLine() == "LEAVE \(bobName) kicked")
        try olga.send("/KICK \(carolName)")
        #expect(try carol.readUntilClosed() == ["BYE kicked by olga"])
        #expect(try olga.readLine() == "LEAVE \(carolName) kicked")
    }

    @Test func permissionComesBeforeTheLookupAndNoOperatorIsATarget() throws {
        let (room, olga) = try Self.roomWithOperator()
        try room.makeAccount("oscar", operator: true)
        let oscar = try room.logIn("oscar")
        _ = try olga.readLines(until: "NICK user2 oscar")
        let (guest, _) = try room.connect()
        for command in ["/kick nobody", "/ban nobody", "/mute nobody", "/unmute nobody", "/unban 127.0.0.9", "/bans"] {
            try guest.send(command)
            let word = command.dropFirst().split(separator: " ")[0]
            #expect(try guest.readLine() == "ERROR not-operator only operators may use /\(word)")
        }
        try olga.send("/kick nobody")
        _ = try olga.readLines(until: "ERROR no-such-user no user named nobody")
        try olga.send("/kick OSCAR")
        #expect(try olga.readLine() == "ERROR not-operator oscar is an operator")
        try olga.send("/ban oscar 5")
        #expect(try olga.readLine() == "ERROR not-operator oscar is an operator")
        #expect(try oscar.sync().allSatisfy { $0.hasPrefix("JOIN ") })
    }

    @Test func aBanOfAnAccountRefusesItsLoginAcrossARestartUntilUnbanned() throws {
        let (room, olga) = try Self.roomWithOperator()
        try room.makeAccount("bob")
        let bob = try room.logIn("bob")
        _ = try olga.readLines(until: "NICK user2 bob")
        try olga.send("/ban bob 10 spamming links")
        #expect(try bob.readUntilClosed() == ["BYE banned by olga: spamming links"])
        #expect(try olga.readLine() == "LEAVE bob banned")
        try olga.send("/bans")
        let listed = try olga.readLines(until: "BANS-END 1")
        #expect(listed.count == 1)
        let until = try #require(Self.banUntil(listed[0], prefix: "BAN account bob ", suffix: " olga spamming links"))
        let minutes = (until.millisecondsSinceEpoch - Timestamp.now().millisecondsSinceEpoch) / 60_000
        #expect((9...10).contains(minutes))
        try room.restart()
        let (again, _) = try room.connect()
        // A wrong password says nothing of the ban.
        try again.send("/login bob wrong-password")
        #expect(try again.readLine() == "ERROR login-failed wrong name or password")
        try again.send("/login bob \(AccountsRoom.password(of: "bob"))")
        #expect(try again.readLine() == "ERROR banned the account bob is banned until \(until.rfc3339)")
        let olgaAgain = try room.logIn("olga")
        try olgaAgain.send("/unban BOB")
        _ = try olgaAgain.readLines(until: "UNBANNED BOB")
        try olgaAgain.send("/unban bob")
        #expect(try olgaAgain.readLine() == "ERROR no-such-user not banned")
        try again.send("/login bob \(AccountsRoom.password(of: "bob"))")
        _ = try again.readLines(until: "LOGGED-IN bob")
    }

    @Test func aBanOfAGuestRefusesItsAddressQuietlyAcrossARestart() throws {
        let (room, olga) = try Self.roomWithOperator()
        let (guest, guestName) = try room.connect(from: "127.0.0.2")
        _ = try olga.readLines(until: "JOIN \(guestName)")
        try olga.send("/ban \(guestName)")
        #expect(try guest.readUntilClosed() == ["BYE banned by olga"])
        #expect(try olga.readLine() == "LEAVE \(guestName) banned")
        let returning = try LineClient(port: room.port, source: "127.0.0.2")
        #expect(try returning.readUntilClosed() == ["ERROR banned your address is banned until unbanned", "BYE banned"])
        // Nobody saw it come or go.
        #expect(try olga.sync() == [])
        let (other, otherName) = try room.connect(from: "127.0.0.3")
        #expect(try olga.readLine() == "JOIN \(otherName)")
        try olga.send("/bans")
        #expect(try olga.readLines(2) == ["BAN address 127.0.0.2 never olga", "BANS-END 1"])
        other.close()
        try room.restart()
        let afterRestart = try LineClient(port: room.port, source: "127.0.0.2")
        #expect(try afterRestart.readUntilClosed() == ["ERROR banned your address is banned until unbanned", "BYE banned"])
        let olgaAgain = try room.logIn("olga")
        try olgaAgain.send("/bans")
        #expect(try olgaAgain.readLines(2) == ["BAN address 127.0.0.2 never olga", "BANS-END 1"])
        try olgaAgain.send("/unban 127.0.0.2")
        #expect(try olgaAgain.readLine() == "UNBANNED 127.0.0.2")
        let (welcome, _) = try room.connect(from: "127.0.0.2")
        #expect(welcome.received.first?.hasPrefix("WELCOME ") == true)
    }

    @Test func aBanEndsByItselfWhenItsTimeIsUp() throws {
        let (room, olga) = try Self.roomWithOperator()
        try room.makeAccount("zed")
        let soon = Timestamp.now().millisecondsSinceEpoch + 1_500
        try room.accounts.addBan(BanRecord(kind: .account, target: "zed", until: soon, by: "olga", reason: "", created: 0))
        try room.accounts.addBan(BanRecord(kind: .address, target: "127.0.0.5", until: soon, by: "olga", reason: "", created: 0))
        try room.restart()
        let (client, _) = try room.connect()
        try client.send("/login zed \(AccountsRoom.password(of: "zed"))")
        #expect(try client.readLine()?.hasPrefix("ERROR banned the account zed is banned until ") == true)
        let refused = try LineClient(port: room.port, source: "127.0.0.5")
        #expect(try refused.readUntilClosed().first?.hasPrefix("ERROR banned your address is banned until ") == true)
        #expect(eventually(timeout: .seconds(5)) { Timestamp.now().millisecondsSinceEpoch > soon })
        try client.send("/login zed \(AccountsRoom.password(of: "zed"))")
        _ = try client.readLines(until: "LOGGED-IN zed")
        let (back, _) = try room.connect(from: "127.0.0.5")
        #expect(back.received.first?.hasPrefix("WELCOME ") == true)
        _ = olga
    }

    @Test func aMuteEndsByItselfWhenItsTimeIsUp() throws {
        let (room, olga) = try Self.roomWithOperator()
        try room.makeAccount("uma")
        let soon = Timestamp.now().millisecondsSinceEpoch + 1_500
        try room.accounts.setMute(MuteRecord(account: "uma", until: soon, by: "olga", created: 0))
        let uma = try room.logIn("uma")
        #expect(try uma.answer("quiet?") == "ERROR muted you are muted for 1 more min")
        #expect(eventually(timeout: .seconds(5)) { Timestamp.now().millisecondsSinceEpoch > soon })
        try uma.send("free again")
        #expect(try uma.readLine() == "MSG uma free again")
        _ = olga
    }

    @Test func aMutedGuestCannotSpeakUntilUnmuted() throws {
        let (room, olga) = try Self.roomWithOperator()
        let (bob, bobName) = try room.connect()
        _ = try olga.readLines(until: "JOIN \(bobName)")
        try olga.send("/mute \(bobName) 10")
        #expect(try olga.readLine() == "MUTED \(bobName)")
        try bob.send("hello?")
        #expect(try bob.readLine() == "ERROR muted you are muted for 10 more min")
        try bob.send("/dm olga psst")
        #expect(try bob.readLine() == "ERROR muted you are muted for 10 more min")
        #expect(try olga.sync() == [])
        try olga.send("/mute \(bobName)")
        #expect(try olga.readLine() == "MUTED \(bobName)")
        try bob.send("still?")
        #expect(try bob.readLine() == "ERROR muted you are muted until unmuted")
        try olga.send("/unmute \(bobName)")
        #expect(try olga.readLine() == "UNMUTED \(bobName)")
        try olga.send("/unmute \(bobName)")
        #expect(try olga.readLine() == "ERROR no-such-user not muted")
        try bob.send("free")
        #expect(try bob.readLine() == "MSG \(bobName) free")
        #expect(try olga.readLine() == "MSG \(bobName) free")
    }

    @Test func anAccountsMuteSurvivesARestartAndCanBeLiftedWhileAway() throws {
        let (room, olga) = try Self.roomWithOperator()
        try room.makeAccount("quinn")
        let quinn = try room.logIn("quinn")
        _ = try olga.readLines(until: "NICK user2 quinn")
        try olga.send("/mute quinn")
        #expect(try olga.readLine() == "MUTED quinn")
        _ = quinn
        try room.restart()
        let again = try room.logIn("quinn")
        try again.send("hi")
        #expect(try again.readLine() == "ERROR muted you are muted until unmuted")
        again.close()
        let olgaAgain = try room.logIn("olga")
        #expect(eventually { room.server.connectionCount == 1 })
        try olgaAgain.send("/unmute Quinn")
        _ = try olgaAgain.readLines(until: "UNMUTED quinn")
        let back = try room.logIn("quinn")
        try back.send("hi again")
        #expect(try back.readLine() == "MSG quinn hi again")
    }

    @Test func aMembersOnlyRoomShowsNothingUntilLogin() throws {
        let room = try AccountsRoom { $0.membersOnly = true }
        try room.makeAccount("rita")
        try room.makeAccount("sam")
        let rita = try room.logIn("rita")
        let (door, doorName) = try room.connect()
        #expect(doorName.hasPrefix("user"))
        #expect(try rita.sync() == [])
        for line in ["hello", "/users", "/dm rita hi", "/nick x", "/register long-enough", "/caps", "/history", "/bans"] {
            try door.send(line)
            #expect(try door.readLine() == "ERROR login-required this room is for its members: /login NAME PASSWORD")
        }
        try door.send("/help")
        #expect(try door.readLines(3) == Session.helpLinesWaiting.map { "HELP \($0)" })
        try rita.send("in here")
        #expect(try rita.readLine() == "MSG rita in here")
        #expect(try door.sync() == [])
        try door.send("/login sam \(AccountsRoom.password(of: "sam"))")
        #expect(try door.readLine() == "LOGGED-IN sam")
        #expect(try rita.readLine() == "JOIN sam")
        try door.send("/users")
        #expect(try door.readLine() == "USERS rita sam")
        try door.send("now in")
        #expect(try rita.readLine() == "MSG sam now in")
    }

    @Test func aMembersOnlyRoomClosesAConnectionThatDoesNotLogIn() throws {
        let room = try AccountsRoom {
            $0.membersOnly = true
            $0.loginTimeout = 1
            $0.maxClients = 2
        }
        try room.makeAccount("tess")
        let tess = try room.logIn("tess")
        let (door, _) = try room.connect()
        // Waiting counts toward the limit.
        let third = try LineClient(port: room.port)
        #expect(try third.readUntilClosed() == ["ERROR server-full the server is full", "BYE try again later"])
        #expect(try door.readUntilClosed(timeout: .seconds(5)) == ["BYE login required"])
        #expect(try tess.sync() == [])
        #expect(eventually { room.server.sessionThreadCount == 1 })
    }
}

extension ModerationTests {
    /// The UNTIL of a `BAN` line between `prefix` and `suffix`.
    static func banUntil(_ line: String, prefix: String, suffix: String) -> Timestamp? {
        guard line.hasPrefix(prefix), line.hasSuffix(suffix) else { return nil }
        return Timestamp(rfc3339: line.dropFirst(prefix.count).dropLast(suffix.count))
    }
}
