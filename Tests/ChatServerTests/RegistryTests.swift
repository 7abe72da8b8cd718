import ChatProtocol
import ChatSystem
import Glibc
import Testing

@testable import ChatServer

/// The room without sockets: the registry only queues, and returns what is left to send, which these tests
/// never send. Each outbox's queue then holds every line it was given since it was admitted, unless a test
/// takes them as a socket that accepts every byte would (``Outbox/writeAll()``).
@Suite struct RegistryTests {
    /// A registry without a cork, greeting with `hi`.
    private func makeRegistry(maxClients: Int = 100, maxPerAddress: Int = 0, sendQueueLimit: Int = 1 << 20)
        -> Registry
    {
        Registry(
            maxClients: maxClients, maxPerAddress: maxPerAddress, sendQueueLimit: sendQueueLimit, greeting: "hi")
    }

    /// An outbox that is never written: no socket (descriptor -1), no owning thread.
    private func makeOutbox(_ id: UInt64, address: String = "192.0.2.1") -> Outbox {
        Outbox(id: id, fd: -1, peer: "\(address):\(40_000 + id)", address: address)
    }

    /// Admits outboxes 1, 2, ... in turn and returns them (`user1`, `user2`, ...).
    private func join(_ count: Int, to registry: Registry) -> [Outbox] {
        (1...count).map { id in
            let outbox = makeOutbox(UInt64(id))
            #expect(registry.admit(outbox).admission == .admitted(name: "user\(id)"))
            return outbox
        }
    }

    // MARK: Admission

    /// A row: the limits, the address of each connection in turn, and what each gets.
    struct AdmissionCase: Sendable, CustomTestStringConvertible {
        let maxClients: Int
        let maxPerAddress: Int
        let addresses: [String]
        let expected: [Registry.Admission]

        var testDescription: String { "max \(maxClients), per address \(maxPerAddress): \(addresses)" }
    }

    @Test(arguments: [
        AdmissionCase(
            maxClients: 2, maxPerAddress: 0, addresses: ["a", "b", "c"],
            expected: [.admitted(name: "user1"), .admitted(name: "user2"), .full]),
        AdmissionCase(
            maxClients: 10, maxPerAddress: 0, addresses: ["a", "a", "a"],
            expected: [.admitted(name: "user1"), .admitted(name: "user2"), .admitted(name: "user3")]),
        AdmissionCase(
            maxClients: 10, maxPerAddress: 2, addresses: ["a", "a", "a", "b"],
            expected: [
                .admitted(name: "user1"), .admitted(name: "user2"), .tooManyFromAddress,
                .admitted(name: "user3"),
            ]),
        // The per-address limit is checked after the room's: a full room says full to everyone.
        AdmissionCase(
            maxClients: 2, maxPerAddress: 1, addresses: ["a", "a", "b", "a", "c"],
            expected: [
                .admitted(name: "user1"), .tooManyFromAddress, .admitted(name: "user2"), .full,
                .full,
            ]),
    ])
    func admissionLimits(_ row: AdmissionCase) {
        let registry = makeRegistry(maxClients: row.maxClients, maxPerAddress: row.maxPerAddress)
        let outboxes = row.addresses.enumerated().map { makeOutbox(UInt64($0.offset + 1), address: $0.element) }
        #expect(outboxes.map { registry.admit($0).admission } == row.expected)
        let names = row.expected.compactMap { admission -> String? in
            if case .admitted(let name) = admission { name } else { nil }
        }
        #expect(registry.count == names.count)
        #expect(registry.liveSessions == names.count)
        // A refused connection queues nothing, and nobody hears of it.
        #expect(outboxes[0].queued == ["WELCOME user1 hi"] + names.dropFirst().map { "JOIN \($0)" })
        for (outbox, admission) in zip(outboxes, row.expected) where !admission.isAdmitted {
            #expect(outbox.queued == [])
        }
    }

    @Test func admittingGreetsTheNewcomerAndTellsTheOthers() {
        let registry = makeRegistry()
        let outboxes = join(3, to: registry)
        #expect(outboxes[0].queued == ["WELCOME user1 hi", "JOIN user2", "JOIN user3"])
        #expect(outboxes[1].queued == ["WELCOME user2 hi", "JOIN user3"])
        #expect(outboxes[2].queued == ["WELCOME user3 hi"])
    }

    @Test func admittingLeavesEveryoneItQueuedForToTheCaller() {
        let registry = makeRegistry()
        let outboxes = join(2, to: registry)
        for outbox in outboxes { _ = outbox.writeAll() }
        let (admission, unsent) = registry.admit(makeOutbox(3))
        #expect(admission == .admitted(name: "user3"))
        // The newcomer first (its WELCOME), then the others in the member table's order.
        #expect(unsent.outboxes.first?.id == 3)
        #expect(Set(unsent.outboxes.map(\.id)) == [1, 2, 3])
        #expect(unsent.outboxes.count == 3)
        #expect(unsent.corked.isEmpty)
    }

    @Test func anOutboxIsLeftToSendOnceUntilItIsFlushed() {
        let registry = makeRegistry()
        let alice = join(1, to: registry)[0]
        // Nothing sent Alice's WELCOME yet: the caller's promise to flush stands and covers later lines too.
        #expect(registry.reply(to: 1, [.pong("a"), .pong("b")]).outboxes.isEmpty)
        #expect(alice.writeAll() == ["WELCOME user1 hi", "PONG a", "PONG b"])
        // Two lines for one outbox in one call: handed back once.
        #expect(registry.reply(to: 1, [.pong("c"), .pong("d")]).outboxes.map(\.id) == [1])
    }

    @Test func anAddressIsFreedWhenTheSessionEndsNotWhenTheMemberLeaves() {
        let registry = makeRegistry(maxPerAddress: 1)
        let alice = makeOutbox(1)
        #expect(registry.admit(alice).admission == .admitted(name: "user1"))
        #expect(registry.remove(1, reason: .quit).name == "user1")
        // The connection still closes: its address still counts.
        #expect(registry.admit(makeOutbox(2)).admission == .tooManyFromAddress)
        registry.sessionEnded(alice)
        #expect(registry.liveSessions == 0)
        #expect(registry.admit(makeOutbox(3)).admission == .admitted(name: "user2"))
    }

    @Test func closeAllSaysByeAndAdmitsNoMore() throws {
        let registry = makeRegistry()
        let outboxes = join(2, to: registry)
        registry.closeAll(farewell: "server shutting down", deadline: 42)
        #expect(registry.count == 0)
        for outbox in outboxes {
            #expect(outbox.queued.last == "BYE server shutting down")
            #expect(outbox.closing == .afterFlush(deadline: 42, reason: "shutdown"))
        }
        #expect(registry.admit(makeOutbox(3)).admission == .closed)
        #expect(try registry.broadcast(from: 1, text: "anyone?").unsent.outboxes.isEmpty)
    }

    // MARK: Names

    @Test func theNameCounterSkipsNamesTakenByRenames() throws {
        let registry = makeRegistry()
        let alice = join(1, to: registry)[0]
        _ = try registry.rename(1, to: "User2")
        #expect(registry.admit(makeOutbox(2)).admission == .admitted(name: "user3"))
        #expect(alice.queued == ["WELCOME user1 hi", "NICK user1 User2", "JOIN user3"])
    }

    @Test func removingAMemberTellsTheOthersOnce() throws {
        let registry = makeRegistry()
        let outboxes = join(3, to: registry)
        for outbox in outboxes { _ = outbox.writeAll() }
        let (name, unsent) = registry.remove(2, reason: .lost)
        #expect(name == "user2")
        #expect(Set(unsent.outboxes.map(\.id)) == [1, 3])
        #expect(registry.remove(2, reason: .lost).name == nil)
        #expect(outboxes.map(\.queued) == [["LEAVE user2 lost"], [], ["LEAVE user2 lost"]])
        #expect(registry.count == 2)
    }

    // MARK: Broadcast order

    @Test func everyMemberSeesEveryEventInOneOrder() throws {
        let registry = makeRegistry()
        let outboxes = join(3, to: registry)
        _ = try registry.broadcast(from: 1, text: "one")
        _ = try registry.broadcast(from: 2, text: "two")
        _ = try registry.rename(3, to: "carol")
        _ = try registry.broadcast(from: 3, text: "three")
        _ = registry.remove(2, reason: .quit)
        _ = try registry.broadcast(from: 1, text: "four")
        let events = ["MSG user1 one", "MSG user2 two", "NICK user3 carol", "MSG carol three"]
        #expect(
            outboxes[0].queued == ["WELCOME user1 hi", "JOIN user2", "JOIN user3"] + events
                + ["LEAVE user2 quit", "MSG user1 four"])
        #expect(outboxes[1].queued == ["WELCOME user2 hi", "JOIN user3"] + events)
        #expect(outboxes[2].queued == ["WELCOME user3 hi"] + events + ["LEAVE user2 quit", "MSG user1 four"])
    }

    @Test func usersAreListedCaseInsensitively() throws {
        let registry = makeRegistry()
        let outboxes = join(3, to: registry)
        _ = try registry.rename(1, to: "bob")
        _ = try registry.rename(2, to: "Alice")
        _ = try registry.rename(3, to: "carol")
        _ = registry.replyUsers(to: 2)
        #expect(outboxes[1].queued.last == "USERS Alice bob carol")
        #expect(outboxes[0].queued.last == "NICK user3 carol")
    }

    // MARK: Rename

    @Test func renameTellsEveryoneAndFreesTheOldName() throws {
        let registry = makeRegistry()
        let outboxes = join(2, to: registry)
        _ = try registry.rename(1, to: "alice")
        for outbox in outboxes { #expect(outbox.queued.last == "NICK user1 alice") }
        _ = try registry.directMessage(from: 2, to: "ALICE", text: "hi")
        #expect(outboxes[0].queued.last == "DM user2 alice hi")
        #expect(throws: ProtocolError.noSuchUser("user1")) {
            try registry.directMessage(from: 2, to: "user1", text: "x")
        }
        // The old name is free again.
        _ = try registry.rename(2, to: "user1")
        #expect(outboxes[0].queued.last == "NICK user2 user1")
    }

    @Test(arguments: [
        // Taken by another member, whatever the case.
        ("user2", "user2"), ("USER2", "USER2"),
        // One's own name, the very same.
        ("user1", "user1"),
    ])
    func renameRefusesATakenName(to name: String, refused: String) {
        let registry = makeRegistry()
        let outboxes = join(2, to: registry)
        #expect(throws: ProtocolError.nameTaken(refused)) { try registry.rename(1, to: name) }
        // A refused command has no effect.
        #expect(outboxes[0].queued == ["WELCOME user1 hi", "JOIN user2"])
        #expect(outboxes[1].queued == ["WELCOME user2 hi"])
    }

    @Test func renameToADifferentCaseOfOnesOwnName() throws {
        let registry = makeRegistry()
        let outboxes = join(2, to: registry)
        _ = try registry.rename(1, to: "USER1")
        #expect(outboxes[1].queued.last == "NICK user1 USER1")
    }

    // MARK: Direct messages

    @Test func aDirectMessageGoesToTheRecipientAndBackToTheSenderOnly() throws {
        let registry = makeRegistry()
        let outboxes = join(3, to: registry)
        for outbox in outboxes { _ = outbox.writeAll() }
        let unsent = try registry.directMessage(from: 1, to: "User2", text: "psst")
        #expect(unsent.outboxes.map(\.id) == [2, 1])
        #expect(outboxes.map(\.queued) == [["DM user1 user2 psst"], ["DM user1 user2 psst"], []])
    }

    @Test func aDirectMessageToOneselfArrivesOnce() throws {
        let registry = makeRegistry()
        let alice = join(1, to: registry)[0]
        _ = try registry.directMessage(from: 1, to: "user1", text: "note")
        #expect(alice.queued == ["WELCOME user1 hi", "DM user1 user1 note"])
    }

    @Test func aDirectMessageToNobodyIsRefusedAndQueuesNothing() {
        let registry = makeRegistry()
        let outboxes = join(2, to: registry)
        #expect(throws: ProtocolError.noSuchUser("carol")) {
            try registry.directMessage(from: 1, to: "carol", text: "x")
        }
        #expect(outboxes[0].queued == ["WELCOME user1 hi", "JOIN user2"])
    }

    // MARK: Overflow

    /// A registry of `count` members, each queue limited to `limit` bytes, none of them ever read.
    private func crowdedRoom(_ count: Int, limit: Int) -> (Registry, [Outbox]) {
        let registry = makeRegistry(sendQueueLimit: limit)
        return (registry, join(count, to: registry))
    }

    /// Fills `outbox`'s queue with a `PONG` until `room` bytes are left.
    private func fill(_ registry: Registry, _ outbox: Outbox, leaving room: Int, limit: Int) {
        // "PONG " + token + LF
        let token = String(repeating: "x", count: limit - outbox.unsentBytes - room - 6)
        _ = registry.reply(to: outbox.id, [.pong(token)])
        #expect(outbox.unsentBytes == limit - room)
    }

    @Test func anOverflowingMemberLeavesAsSlowAndIsClosedAtOnce() throws {
        let limit = 200
        let (registry, outboxes) = crowdedRoom(2, limit: limit)
        let (alice, bob) = (outboxes[0], outboxes[1])
        // "MSG user1 hello" + LF is 16 bytes: one byte more than Bob has room for.
        fill(registry, bob, leaving: 15, limit: limit)
        let bobBefore = bob.queued
        _ = alice.writeAll()
        let unsent = try registry.broadcast(from: 1, text: "hello").unsent
        #expect(bob.closing == .now(reason: "slow"))
        #expect(bob.queued == bobBefore)
        #expect(alice.queued == ["MSG user1 hello", "LEAVE user2 slow"])
        #expect(unsent.outboxes.map(\.id) == [1])
        #expect(registry.count == 1)
        // Gone from the room: no more lines, no name.
        _ = try registry.broadcast(from: 1, text: "again")
        #expect(bob.queued == bobBefore)
        #expect(throws: ProtocolError.noSuchUser("user2")) {
            try registry.directMessage(from: 1, to: "user2", text: "x")
        }
    }

    @Test func aLineUpToTheLimitFits() throws {
        let limit = 200
        let (registry, outboxes) = crowdedRoom(2, limit: limit)
        fill(registry, outboxes[1], leaving: 16, limit: limit)
        _ = try registry.broadcast(from: 1, text: "hello")
        #expect(outboxes[1].closing == nil)
        #expect(outboxes[1].unsentBytes == limit)
        #expect(outboxes[1].queued.last == "MSG user1 hello")
    }

    @Test func aSlowLeaveThatOverflowsAnotherQueueDropsThatMemberToo() throws {
        let limit = 200
        let (registry, outboxes) = crowdedRoom(3, limit: limit)
        // Bob has no room for the MSG; Carol has room for the MSG but not for "LEAVE user2 slow" after it.
        fill(registry, outboxes[1], leaving: 15, limit: limit)
        fill(registry, outboxes[2], leaving: 16 + 16, limit: limit)
        _ = try registry.broadcast(from: 1, text: "hello")
        #expect(outboxes[1].closing == .now(reason: "slow"))
        #expect(outboxes[2].closing == .now(reason: "slow"))
        #expect(outboxes[2].queued.last == "MSG user1 hello")
        #expect(outboxes[0].queued.suffix(3) == ["MSG user1 hello", "LEAVE user2 slow", "LEAVE user3 slow"])
        #expect(registry.count == 1)
    }

    @Test func anAnswerThatOverflowsDropsTheMemberItself() throws {
        let limit = 200
        let (registry, outboxes) = crowdedRoom(2, limit: limit)
        _ = registry.reply(to: 2, Session.helpLines.map { .help($0) })
        #expect(outboxes[1].closing == .now(reason: "slow"))
        #expect(outboxes[0].queued.last == "LEAVE user2 slow")
    }
}

/// The room with a store that keeps messages: broadcasts wait in the registry until the store's writer takes
/// them (``Registry/takePending(maxCount:maxBytes:)``) and delivers (``Registry/deliverStored(_:)``) or refuses
/// them (``Registry/refuseStored(_:reason:)``). No store and no writer thread here: the tests play the writer.
@Suite struct StoringRegistryTests {
    static let refusal = "the message could not be stored, so it was not sent"

    /// A registry whose broadcasts wait for the store, and the waker it rings for the writer.
    private func makeRegistry(lastMessageID: UInt64 = 0, sendQueueLimit: Int = 1 << 20) throws -> (Registry, PollWaker) {
        let waker = try PollWaker()
        let registry = Registry(
            maxClients: 100, maxPerAddress: 0, sendQueueLimit: sendQueueLimit, greeting: "hi", storesMessages: true,
            pendingWaker: waker, lastMessageID: lastMessageID)
        return (registry, waker)
    }

    private func makeOutbox(_ id: UInt64) -> Outbox {
        Outbox(id: id, fd: -1, peer: "192.0.2.1:\(40_000 + id)", address: "192.0.2.1")
    }

    /// Admits outboxes `first`, `first + 1`, ... and takes what they were queued, so each starts empty.
    private func join(_ count: Int, to registry: Registry, from first: Int = 1) -> [Outbox] {
        let outboxes = (first..<(first + count)).map { id in
            let outbox = makeOutbox(UInt64(id))
            #expect(registry.admit(outbox).admission.isAdmitted)
            return outbox
        }
        for outbox in outboxes { _ = outbox.writeAll() }
        return outboxes
    }

    /// Whether the writer's waker was rung (and clears it).
    private func wasWoken(_ waker: PollWaker) -> Bool {
        var descriptor = pollfd(fd: waker.fd, events: Int16(POLLIN), revents: 0)
        let woken = poll(&descriptor, 1, 0) == 1
        waker.drain()
        return woken
    }

    @Test func aBroadcastWaitsForTheStoreAndItsSenderWithIt() throws {
        let (registry, waker) = try makeRegistry()
        let outboxes = join(2, to: registry)
        let (unsent, waits) = try registry.broadcast(from: 1, text: "hello")
        #expect(waits)
        #expect(unsent.outboxes.isEmpty && unsent.corked.isEmpty)
        // Nobody is sent anything yet; the sender waits for id 1, the other member for nothing.
        #expect(outboxes.map(\.queued) == [[], []])
        #expect(outboxes.map(\.awaitingMessage) == [1, 0])
        #expect(registry.hasPending)
        #expect(registry.deliveredUpTo == 0)
        // The first broadcast to wait wakes the writer; one more while it waits needs no second wake-up.
        #expect(wasWoken(waker))
        _ = try registry.broadcast(from: 2, text: "there")
        #expect(!wasWoken(waker))
        #expect(outboxes.map(\.awaitingMessage) == [1, 2])
        #expect(outboxes.map(\.queued) == [[], []])
    }

    @Test func takePendingKeepsIdOrderWithinItsCountAndByteBounds() throws {
        let (registry, _) = try makeRegistry()
        _ = join(5, to: registry)
        // Texts of 1, 2, 3, 4 and 5 bytes, ids 1 to 5.
        for id in 1...5 { _ = try registry.broadcast(from: UInt64(id), text: String(repeating: "x", count: id)) }
        #expect(registry.takePending(maxCount: 2, maxBytes: .max).map(\.message.id) == [1, 2])
        // 3 + 4 = 7 bytes fit; 5 more would pass 8.
        #expect(registry.takePending(maxCount: 10, maxBytes: 8).map(\.message.id) == [3, 4])
        // One message even when it alone passes the bytes.
        let alone = registry.takePending(maxCount: 10, maxBytes: 1)
        #expect(alone.map(\.message.id) == [5])
        #expect(alone.map(\.message.text) == ["xxxxx"])
        #expect(alone.map(\.message.from) == ["user5"])
        #expect(alone.map(\.sender.id) == [5])
        #expect(registry.takePending(maxCount: 10, maxBytes: .max).isEmpty)
        #expect(!registry.hasPending)
    }

    @Test func deliverStoredSendsEachMemberTheVariantItsCapabilitiesSelectInIdOrder() throws {
        let (registry, _) = try makeRegistry()
        let outboxes = join(4, to: registry)
        // user1 v1 (no /caps), user2 ids, user3 time, user4 both.
        _ = registry.enableCapabilities([.ids], for: 2)
        _ = registry.enableCapabilities([.time], for: 3)
        _ = registry.enableCapabilities([.time, .ids], for: 4)
        for outbox in outboxes { _ = outbox.writeAll() }
        _ = try registry.broadcast(from: 1, text: "one")
        _ = try registry.broadcast(from: 4, text: "two words")
        let group = registry.takePending(maxCount: 10, maxBytes: .max)
        #expect(group.map(\.message.id) == [1, 2])
        let times = group.map(\.message.time.rfc3339)
        let unsent = registry.deliverStored(group)
        #expect(Set(unsent.outboxes.map(\.id)) == [1, 2, 3, 4])
        #expect(outboxes[0].queued == ["MSG user1 one", "MSG user4 two words"])
        #expect(outboxes[1].queued == ["@id=1 MSG user1 one", "@id=2 MSG user4 two words"])
        #expect(outboxes[2].queued == ["@time=\(times[0]) MSG user1 one", "@time=\(times[1]) MSG user4 two words"])
        #expect(
            outboxes[3].queued == [
                "@id=1;time=\(times[0]) MSG user1 one", "@id=2;time=\(times[1]) MSG user4 two words",
            ])
        // The senders go on; the room has had both.
        #expect(outboxes.map(\.awaitingMessage) == [0, 0, 0, 0])
        #expect(registry.deliveredUpTo == 2)
    }

    @Test func aMemberAGroupWouldTakePastItsQueueLimitIsDroppedAndTheOthersGetAllOfIt() throws {
        // 60 bytes a queue: user3 already holds a 46-byte PONG, so the group's first line (15 bytes) is too many.
        let (registry, _) = try makeRegistry(sendQueueLimit: 60)
        let outboxes = join(3, to: registry)
        _ = registry.reply(to: 3, [.pong(String(repeating: "p", count: 40))])
        _ = try registry.broadcast(from: 1, text: "one1")
        _ = try registry.broadcast(from: 2, text: "two2")
        let unsent = registry.deliverStored(registry.takePending(maxCount: 10, maxBytes: .max))
        #expect(outboxes[0].queued == ["MSG user1 one1", "MSG user2 two2", "LEAVE user3 slow"])
        #expect(outboxes[1].queued == ["MSG user1 one1", "MSG user2 two2", "LEAVE user3 slow"])
        #expect(outboxes[2].queued == ["PONG " + String(repeating: "p", count: 40)])
        #expect(Set(unsent.outboxes.map(\.id)) == [1, 2])
        #expect(outboxes.map(\.awaitingMessage) == [0, 0, 0])
        #expect(registry.deliveredUpTo == 2)
    }

    @Test func aStoredMessageReachesTheMembersInTheRoomWhenItIsDelivered() throws {
        let (registry, _) = try makeRegistry()
        let outboxes = join(2, to: registry)
        _ = try registry.broadcast(from: 1, text: "hello")
        // Bob leaves and Carol comes while it waits: Carol is sent it, Bob is not.
        _ = registry.remove(2, reason: .quit)
        let carol = join(1, to: registry, from: 3)[0]
        _ = outboxes[0].writeAll()
        _ = registry.deliverStored(registry.takePending(maxCount: 10, maxBytes: .max))
        #expect(outboxes[0].queued == ["MSG user1 hello"])
        #expect(outboxes[1].queued == [])
        #expect(carol.queued == ["MSG user1 hello"])
    }

    @Test func refuseStoredAnswersTheSenderAloneAndLetsItGoOn() throws {
        let (registry, _) = try makeRegistry()
        let outboxes = join(3, to: registry)
        _ = try registry.broadcast(from: 2, text: "lost")
        let unsent = registry.refuseStored(registry.takePending(maxCount: 10, maxBytes: .max), reason: Self.refusal)
        #expect(unsent.outboxes.map(\.id) == [2])
        #expect(outboxes.map(\.queued) == [[], ["ERROR unavailable \(Self.refusal)"], []])
        #expect(outboxes[1].awaitingMessage == 0)
        // A refused id is never given again, and counts as settled for what comes after it.
        #expect(registry.deliveredUpTo == 1)
        _ = try registry.broadcast(from: 1, text: "kept")
        _ = registry.deliverStored(registry.takePending(maxCount: 10, maxBytes: .max))
        #expect(outboxes[2].queued == ["MSG user1 kept"])
        #expect(registry.deliveredUpTo == 2)
    }

    @Test func aRefusalForASenderThatLeftGoesToNobody() throws {
        let (registry, _) = try makeRegistry()
        let outboxes = join(2, to: registry)
        _ = try registry.broadcast(from: 1, text: "lost")
        _ = registry.remove(1, reason: .lost)
        _ = outboxes[1].writeAll()
        let unsent = registry.refuseStored(registry.takePending(maxCount: 10, maxBytes: .max), reason: Self.refusal)
        #expect(unsent.outboxes.isEmpty)
        #expect(outboxes.map(\.queued) == [[], []])
        #expect(outboxes[0].awaitingMessage == 0)
    }

    @Test func idsGoOnFromTheStoresLastID() throws {
        let (registry, _) = try makeRegistry(lastMessageID: 41)
        let outboxes = join(1, to: registry)
        _ = registry.enableCapabilities([.ids], for: 1)
        #expect(registry.deliveredUpTo == 41)
        #expect(registry.historyView(for: 1)?.limit == 42)
        _ = try registry.broadcast(from: 1, text: "a")
        let first = registry.takePending(maxCount: 10, maxBytes: .max)
        _ = registry.deliverStored(first)
        _ = try registry.broadcast(from: 1, text: "b")
        let second = registry.takePending(maxCount: 10, maxBytes: .max)
        _ = registry.deliverStored(second)
        #expect((first + second).map(\.message.id) == [42, 43])
        #expect(outboxes[0].queued == ["CAPS ids", "@id=42 MSG user1 a", "@id=43 MSG user1 b"])
    }

    @Test func withoutAStoreABroadcastGoesAtOnceWithTheNextID() throws {
        let registry = Registry(maxClients: 10, maxPerAddress: 0, sendQueueLimit: 1 << 20, greeting: "hi")
        let outboxes = join(2, to: registry)
        _ = registry.enableCapabilities([.ids], for: 2)
        _ = outboxes[1].writeAll()
        let (_, waits) = try registry.broadcast(from: 1, text: "now")
        #expect(!waits)
        #expect(!registry.hasPending)
        #expect(outboxes.map(\.awaitingMessage) == [0, 0])
        #expect(outboxes.map(\.queued) == [["MSG user1 now"], ["@id=1 MSG user1 now"]])
    }

    @Test func theHistoryLimitIsOnePastWhatWasDeliveredAtAdmission() throws {
        let (registry, _) = try makeRegistry()
        _ = join(1, to: registry)
        #expect(registry.historyView(for: 1)?.limit == 1)
        _ = try registry.broadcast(from: 1, text: "one")
        // Admitted while 1 waits: it will be sent 1 live, so its history stops below 1.
        let bob = join(1, to: registry, from: 2)[0]
        #expect(registry.historyView(for: 2)?.limit == 1)
        _ = registry.deliverStored(registry.takePending(maxCount: 10, maxBytes: .max))
        #expect(bob.queued == ["MSG user1 one"])
        _ = join(1, to: registry, from: 3)
        #expect(registry.historyView(for: 3)?.limit == 2)
        // A refused message counts as settled too.
        _ = try registry.broadcast(from: 1, text: "two")
        _ = registry.refuseStored(registry.takePending(maxCount: 10, maxBytes: .max), reason: Self.refusal)
        _ = join(1, to: registry, from: 4)
        #expect(registry.historyView(for: 4)?.limit == 3)
        // The limit stays what it was at admission.
        #expect(registry.historyView(for: 1)?.limit == 1)
        #expect(registry.historyView(for: 99) == nil)
    }

    @Test func enableCapabilitiesAnswersCapsSortedAndMarksTheMemberV11() throws {
        let (registry, _) = try makeRegistry()
        let outboxes = join(2, to: registry)
        #expect(registry.historyView(for: 1)?.speaksV11 == false)
        _ = registry.enableCapabilities([], for: 1)
        #expect(registry.historyView(for: 1)?.speaksV11 == true)
        _ = registry.enableCapabilities([.time], for: 1)
        _ = registry.enableCapabilities([.ids, .ids], for: 1)
        _ = registry.enableCapabilities([], for: 1)
        _ = registry.enableCapabilities([.time, .ids], for: 2)
        #expect(outboxes[0].queued == ["CAPS", "CAPS time", "CAPS ids time", "CAPS ids time"])
        #expect(outboxes[1].queued == ["CAPS ids time"])
        #expect(registry.historyView(for: 2)?.speaksV11 == true)
    }
}

extension Outbox {
    /// Takes the queue as a socket that accepts every byte would, without touching one.
    ///
    /// - Returns: The lines taken, without their line feeds.
    func writeAll() -> [String] {
        let lines = queued
        withUnsafeTemporaryAllocation(of: iovec.self, capacity: OutboxState.maxIovecs) { iovecs in
            guard let base = iovecs.baseAddress else { return }
            state.withLock { state in
                guard var batch = state.startWrite(owner: false, deferredUntil: nil, into: base) else { return }
                while case .send(let next) = state.finishWrite(
                    sent: batch.bytes, of: batch, owner: false, startedAt: 0, into: base)
                {
                    batch = next
                }
            }
        }
        return lines
    }

    /// The lines queued and not yet sent, without their line feeds.
    var queued: [String] {
        state.withLock { state in
            state.unsentLines.map { String(decoding: $0.bytes.dropLast(), as: UTF8.self) }
        }
    }

    var unsentBytes: Int { state.withLock { $0.unsentBytes } }

    var closing: OutboxState.Closing? { state.withLock { $0.closing } }

    /// The id of this connection's broadcast that waits for the store (0: none).
    var awaitingMessage: UInt64 { state.withLock { $0.awaitingMessage } }
}

extension Registry.Admission {
    fileprivate var isAdmitted: Bool { if case .admitted = self { true } else { false } }
}
