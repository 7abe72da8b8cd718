import ChatClient
import ChatServer
import ChatTestSupport
import Glibc
import Testing

@testable import chatroom

@Suite struct RendezvousTests {
    @Test func hostsAServerWhenNothingAnswersAndJoinsItOtherwise() throws {
        let address = ServerAddress(host: "127.0.0.1", port: try freePort())
        let first = try Rendezvous.meet(at: address, hostIfAbsent: true)
        defer { first.hostedServer?.shutdown(grace: .zero) }
        #expect(first.hostedServer != nil)
        let second = try Rendezvous.meet(at: address, hostIfAbsent: true)
        #expect(second.hostedServer == nil)
        #expect(eventually { first.hostedServer?.connectionCount == 2 })
        close(first.socket)
        close(second.socket)
    }

    @Test func withAHostGivenNothingIsHosted() throws {
        let address = ServerAddress(host: "127.0.0.1", port: try freePort())
        #expect(throws: ClientError.refused(address)) { try Rendezvous.meet(at: address, hostIfAbsent: false) }
    }

    @Test func theHostingNoteNamesTheCommandToJoin() {
        #expect(
            Rendezvous.hostingNote(ServerAddress(host: "127.0.0.1", port: 7777))
                == "nothing answered on 127.0.0.1:7777, so this chatroom hosts the server there: others on this "
                + "machine join with `chatroom`; it stops when you quit")
        #expect(Rendezvous.hostingNote(ServerAddress(host: "127.0.0.1", port: 4000)).contains("`chatroom --port 4000`"))
    }
}
