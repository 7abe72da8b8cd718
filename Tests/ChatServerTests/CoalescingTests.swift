import ChatTestSupport
import Testing

@testable import ChatServer

/// The cork: room events for a connection that receives lines steadily wait to share a write.
@Suite struct CoalescingTests {
    private static let ms: UInt64 = 1_000_000

    // MARK: The policy

    @Test(arguments: [
        // A connection never written to, or written once (its WELCOME): a lone line leaves at once.
        (100 * ms, 0, 0, nil),
        (100 * ms, 99 * ms, 0, nil),
        // Written within the interval, the two last writes close together: held until last write + interval.
        (100 * ms, 99 * ms, 98 * ms, 101 * ms),
        (100 * ms, 99 * ms, 95 * ms + 1, 101 * ms),
        // Quiet for the interval: at once.
        (100 * ms, 98 * ms, 97 * ms, nil),
        (100 * ms, 97 * ms, 96 * ms, nil),
        // The last two writes a window (4 ms) or more apart, as when lines come only now and then: at once.
        (100 * ms, 99 * ms, 95 * ms, nil),
        (100 * ms, 99 * ms, 60 * ms, nil),
        // Queued by a thread whose clock reading predates the last write: held as well.
        (98 * ms, 99 * ms, 98 * ms, 101 * ms),
    ] as [(UInt64, UInt64, UInt64, UInt64?)])
    func deadline(now: UInt64, lastWrite: UInt64, previousWrite: UInt64, expected: UInt64?) {
        let cork = WriteCoalescing(interval: 2 * Self.ms)
        #expect(cork.window == 4 * Self.ms)
        #expect(cork.deadline(now: now, lastWrite: lastWrite, previousWrite: previousWrite) == expected)
    }

    /// The store's writer shares a group's writes with the flusher's thread only when they would take one
    /// thread about a cork interval: never for the few lines of a group at mid.
    @Test(arguments: [
        (1, 1, false), (3, 100, false), (19, 100, false), (9, 200, false),
        (10, 200, true), (20, 100, true), (256, 10, true), (40, 200, true),
    ])
    func aStoreGroupSharesItsWritesOnlyFromTwoThousandDeliveries(lines: Int, recipients: Int, shared: Bool) {
        #expect(DeferredFlusher.sharesWrites(lines: lines, recipients: recipients) == shared)
    }

    // MARK: On the wire

    @Test func loneLineLeavesAtOnceAndSteadyLinesLeaveTogetherAtTheDeadline() async throws {
        try await withRunningServer(.init(coalescingInterval: 0.5)) { _, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            #expect(try alice.readLine() == "JOIN user2")
            // Bob was written to once (WELCOME): the first room event is not held.
            let sent = ContinuousClock.now
            try alice.send("/bc one")
            #expect(try bob.readLine() == "MSG user1 one")
            #expect(ContinuousClock.now - sent < .milliseconds(400), "a lone line waited for the cork")
            // Two more right after: they wait until 0.5 s after the write of "one", then leave together.
            let first = ContinuousClock.now
            try alice.send("/bc two")
            try alice.send("/bc three")
            #expect(try bob.readLines(2) == ["MSG user1 two", "MSG user1 three"])
            #expect(ContinuousClock.now - first >= .milliseconds(300), "steady lines were not held")
            #expect(try alice.readLines(3) == ["MSG user1 one", "MSG user1 two", "MSG user1 three"])
            #expect(try bob.sync() == [])
        }
    }

    /// Alice and Bob under a 60 s cork, far past every read deadline, with `MSG user1 two` held for Bob.
    private func withALineHeldForBob(_ body: (LineClient, LineClient) throws -> Void) async throws {
        try await withRunningServer(.init(coalescingInterval: 60)) { _, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            #expect(try alice.readLine() == "JOIN user2")
            try alice.send("/bc one")
            #expect(try bob.readLine() == "MSG user1 one")
            try alice.send("/bc two")
            // Alice's PONG comes after her broadcast was queued for everyone (and brings her own held lines).
            #expect(try alice.sync() == ["MSG user1 one", "MSG user1 two"])
            try body(alice, bob)
        }
    }

    @Test func anAnswerTakesHeldLinesAlongAtOnce() async throws {
        try await withALineHeldForBob { _, bob throws in
            #expect(try bob.sync() == ["MSG user1 two"])
        }
    }

    @Test func quitSendsHeldLinesBeforeBye() async throws {
        try await withALineHeldForBob { _, bob throws in
            try bob.send("/quit")
            #expect(try bob.readUntilClosed() == ["MSG user1 two", "BYE goodbye"])
        }
    }

    @Test func noCorkSendsEveryLineAtOnce() async throws {
        try await withRunningServer(.init(coalescingInterval: 0)) { _, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            #expect(try alice.readLine() == "JOIN user2")
            for text in ["one", "two", "three"] {
                try alice.send("/bc \(text)")
                #expect(try bob.readLine() == "MSG user1 \(text)")
            }
        }
    }
}
