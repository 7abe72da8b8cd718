import Glibc
import Testing

@testable import ChatServer

/// Who writes an outbox's lines, one transition a row, without sockets.
@Suite struct OutboxStateTests {
    private static let ms: UInt64 = 1_000_000
    /// The owning thread the state is given; no thread is ever signalled, the state only names it.
    static let owner = pthread_t(7)
    /// The queue limit of every `queue` step.
    static let limit = 400
    /// The cork of every `queue` step that goes through it: 2 ms, steady within 4 ms.
    static let cork = WriteCoalescing(interval: 2 * ms)

    /// One call into the state, as ``Outbox`` makes it.
    enum Step: Sendable {
        /// The owning thread starts (``OutboxState/adopt(owner:)``).
        case adopt
        /// A line of `bytes` bytes, through the cork at `at` if `corked` (a room event), else urgent.
        case queue(Int, corked: Bool = false, at: UInt64 = 0)
        /// A flush: by the owner or another thread, or by the flusher for `deferred`.
        case start(owner: Bool, deferred: UInt64? = nil)
        /// The write of the batch in hand took `sent` bytes (`nil`: it failed), begun at `at`.
        case wrote(Int?, at: UInt64 = 0)
        case close(OutboxState.Closing, finalLine: Int? = nil)
        case turn
        /// The owner prepares to sleep, having last seen `seen` and (`sawAwaitingStore`) its broadcast waiting,
        /// with input of its waiting for that broadcast (`wakeOnSettle`) or not.
        case prepareToSleep(seen: OutboxState.Closing?, sawAwaitingStore: Bool = false, wakeOnSettle: Bool = false)
        case retire
        /// The connection's broadcast `id` starts to wait for the store (``OutboxState/awaitStore(_:)``).
        case awaitStore(UInt64)
        /// The store took or refused message `id` (``OutboxState/settleStore(_:)``).
        case settleStore(UInt64)
    }

    /// What a step returned, in terms a row can spell.
    enum Effect: Equatable {
        case queued(kick: Bool)
        case deferred(until: UInt64)
        case overflow
        case closed
        /// A batch to send (from ``OutboxState/startWrite(owner:deferredUntil:into:)`` or a `.send`).
        case write(lines: Int, bytes: Int)
        /// The flush did not take the token.
        case notClaimed
        /// The writer gave the token back; `wake`: it signals the owner.
        case stop(wake: Bool)
        /// Closing; `wake`: the owner is signalled.
        case closing(wake: Bool)
        case turn(failed: Bool, drained: Bool, awaitingStore: Bool = false)
        /// `nil`: the owner has work and does not sleep; otherwise whether it waits for `POLLOUT`.
        case sleeps(pollOut: Bool?)
        case retired(Bool)
        case adopted
        /// The broadcast's id was recorded.
        case awaiting
        /// The store settled a message; `wake`: the owner is signalled.
        case settled(wake: Bool)
    }

    /// The parts of the state a row checks after its step.
    struct Snapshot: Equatable, CustomStringConvertible {
        var token = OutboxState.Token.free
        var unsent = 0
        var kick = false
        var corked: UInt64 = 0
        var wait = OutboxState.OwnerWait.none
        var closing: OutboxState.Closing?
        /// The id of the broadcast that waits for the store (0: none).
        var awaiting: UInt64 = 0

        init(
            _ token: OutboxState.Token = .free, unsent: Int = 0, kick: Bool = false, corked: UInt64 = 0,
            wait: OutboxState.OwnerWait = .none, closing: OutboxState.Closing? = nil, awaiting: UInt64 = 0
        ) {
            self.token = token
            self.unsent = unsent
            self.kick = kick
            self.corked = corked
            self.wait = wait
            self.closing = closing
            self.awaiting = awaiting
        }

        init(_ state: OutboxState) {
            self.init(
                state.token, unsent: state.unsentBytes, kick: state.kickPending, corked: state.corkedUntil,
                wait: state.ownerWait, closing: state.closing, awaiting: state.awaitingMessage)
        }

        var description: String {
            "\(token) unsent \(unsent) kick \(kick) corked \(corked) wait \(wait) closing \(String(describing: closing))"
                + " awaiting \(awaiting)"
        }
    }

    /// One transition: the steps that reach the state, the step taken, what it returns and the state after.
    struct Transition: Sendable, CustomTestStringConvertible {
        let name: String
        let given: [Step]
        let step: Step
        let effect: Effect
        let after: Snapshot

        init(_ name: String, given: [Step] = [], _ step: Step, _ effect: Effect, _ after: Snapshot) {
            self.name = name
            self.given = given
            self.step = step
            self.effect = effect
            self.after = after
        }

        var testDescription: String { name }
    }

    /// Runs steps on one state the way ``Outbox`` does, the iovecs on the heap, no socket.
    final class Driver {
        var state = OutboxState()
        let iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: OutboxState.maxIovecs)
        /// The batch in hand, and whether the owner took it.
        var batch: OutboxState.Batch?
        var writerIsOwner = false

        deinit { iovecs.deallocate() }

        /// A line of `bytes` bytes, 5 or more: "PONG" and a line feed, with a token from 6 on.
        static func line(bytes: Int) -> OutboundLine {
            precondition(bytes >= 5, "the shortest line is PONG")
            return OutboundLine(.pong(bytes == 5 ? nil : String(repeating: "x", count: bytes - 6)))
        }

        @discardableResult
        func run(_ step: Step) -> Effect {
            switch step {
            case .adopt:
                state.adopt(owner: OutboxStateTests.owner)
                return .adopted
            case .queue(let bytes, let corked, let now):
                let coalescing = corked ? OutboxStateTests.cork : nil
                switch state.enqueue(
                    Self.line(bytes: bytes), limit: OutboxStateTests.limit, coalescing: coalescing, now: now)
                {
                case .queued(let kick): return .queued(kick: kick)
                case .deferred(let deadline): return .deferred(until: deadline)
                case .overflow: return .overflow
                case .closed: return .closed
                }
            case .start(let owner, let deadline):
                guard let batch = state.startWrite(owner: owner, deferredUntil: deadline, into: iovecs) else {
                    return .notClaimed
                }
                self.batch = batch
                writerIsOwner = owner
                return .write(lines: batch.count, bytes: batch.bytes)
            case .wrote(let sent, let at):
                guard let batch else { preconditionFailure("a row writes without a batch in hand") }
                let next = state.finishWrite(sent: sent, of: batch, owner: writerIsOwner, startedAt: at, into: iovecs)
                switch next {
                case .send(let more):
                    self.batch = more
                    return .write(lines: more.count, bytes: more.bytes)
                case .stop(let thread):
                    self.batch = nil
                    return .stop(wake: thread == OutboxStateTests.owner)
                }
            case .close(let closing, let finalLine):
                let thread = state.close(closing, finalLine: finalLine.map { Self.line(bytes: $0) })
                return .closing(wake: thread == OutboxStateTests.owner)
            case .turn:
                let turn = state.beginTurn()
                return .turn(failed: turn.failed, drained: turn.drained, awaitingStore: turn.awaitingStore)
            case .prepareToSleep(let seen, let sawAwaitingStore, let wakeOnSettle):
                return .sleeps(
                    pollOut: state.prepareToSleep(
                        seen: seen, sawAwaitingStore: sawAwaitingStore, wakeOnSettle: wakeOnSettle))
            case .retire:
                return .retired(state.retire())
            case .awaitStore(let id):
                state.awaitStore(id)
                return .awaiting
            case .settleStore(let id):
                return .settled(wake: state.settleStore(id) == OutboxStateTests.owner)
            }
        }

        /// The bytes the iovecs of the batch in hand point at.
        var gathered: [UInt8] {
            guard let batch else { return [] }
            return (0..<batch.count).flatMap { index in
                let vector = iovecs[index]
                return Array(UnsafeRawBufferPointer(start: vector.iov_base, count: vector.iov_len))
            }
        }
    }

    // MARK: The table

    /// Two writes 1 ms apart (at 1 and 2 ms): the outbox receives steadily, the cork holds its next room event.
    static let steady: [Step] = [
        .queue(10), .start(owner: false), .wrote(10, at: 1 * ms), .queue(10), .start(owner: false),
        .wrote(10, at: 2 * ms),
    ]
    /// A room event held until 4 ms (2 ms after the last write).
    static let corked = steady + [.queue(10, corked: true, at: 2 * ms + ms / 2)]
    /// The owner asleep in `poll`, another thread writing 10 bytes.
    static let writingWhileOwnerSleeps: [Step] = [.adopt, .prepareToSleep(seen: nil), .queue(10), .start(owner: false)]
    /// A write that took 4 of 10 bytes: the socket is full and the sleeping owner was woken.
    static let socketFull = writingWhileOwnerSleeps + [.wrote(4)]
    static let afterFlush = OutboxState.Closing.afterFlush(deadline: 9 * ms, reason: "quit")
    static let now = OutboxState.Closing.now(reason: "slow")

    static let transitions: [Transition] = [
        // Queued
        .init(
            "a line for an idle outbox is queued with a promise to flush", .queue(10), .queued(kick: true),
            .init(unsent: 10, kick: true)),
        .init(
            "a second line rides on the first promise", given: [.queue(10)], .queue(5), .queued(kick: false),
            .init(unsent: 15, kick: true)),
        .init(
            "overflow: a line past the limit is not queued", given: [.queue(360)], .queue(41), .overflow,
            .init(unsent: 360, kick: true)),
        .init(
            "a line up to the limit is queued", given: [.queue(360)], .queue(40), .queued(kick: false),
            .init(unsent: 400, kick: true)),
        // Corked (deferred)
        .init(
            "a room event for a steadily written outbox is corked", given: steady,
            .queue(10, corked: true, at: 2 * ms + ms / 2), .deferred(until: 4 * ms), .init(unsent: 10, corked: 4 * ms)),
        .init(
            "a room event for an outbox written once leaves at once", given: Array(steady.prefix(3)),
            .queue(10, corked: true, at: 1 * ms + ms / 2), .queued(kick: true), .init(unsent: 10, kick: true)),
        .init(
            "a room event joins the corked lines", given: corked, .queue(10, corked: true, at: 3 * ms),
            .queued(kick: false), .init(unsent: 20, corked: 4 * ms)),
        .init(
            "an answer uncorks: it leaves at once with the held lines", given: corked, .queue(10),
            .queued(kick: true), .init(unsent: 20, kick: true)),
        .init(
            "a room event past the deadline uncorks", given: corked, .queue(10, corked: true, at: 5 * ms),
            .queued(kick: true), .init(unsent: 20, kick: true)),
        .init(
            "the flusher takes the token at the deadline", given: corked, .start(owner: false, deferred: 4 * ms),
            .write(lines: 1, bytes: 10), .init(.taken, unsent: 10)),
        .init(
            "the flusher finds its lines gone and does nothing", given: corked + [.queue(10)],
            .start(owner: false, deferred: 4 * ms), .notClaimed, .init(unsent: 20, kick: true)),
        .init(
            "the owner leaves corked lines to their deadline", given: corked, .start(owner: true), .notClaimed,
            .init(unsent: 10, corked: 4 * ms)),
        // Writing: the token taken
        .init(
            "a flush takes the token and gathers the queue", given: [.queue(10), .queue(5)], .start(owner: false),
            .write(lines: 2, bytes: 15), .init(.taken, unsent: 15)),
        .init(
            "no second thread takes a taken token", given: [.queue(10), .start(owner: false), .queue(5)],
            .start(owner: false), .notClaimed, .init(.taken, unsent: 15)),
        .init(
            "the owner does not take a taken token either", given: [.queue(10), .start(owner: false), .queue(5)],
            .start(owner: true),
            .notClaimed, .init(.taken, unsent: 15)),
        .init("a flush with nothing queued does not take the token", .start(owner: false), .notClaimed, .init()),
        .init(
            "one write carries at most 32 lines", given: Array(repeating: .queue(7), count: 33),
            .start(owner: false), .write(lines: 32, bytes: 224), .init(.taken, unsent: 231)),
        // Lines riding along
        .init(
            "a line queued while another thread writes makes no promise", given: [.queue(10), .start(owner: false)],
            .queue(5), .queued(kick: false), .init(.taken, unsent: 15)),
        .init(
            "the writer sends the lines that came meanwhile", given: [.queue(10), .start(owner: false), .queue(5)],
            .wrote(10), .write(lines: 1, bytes: 5), .init(.taken, unsent: 5)),
        .init(
            "a drained queue gives the token back", given: [.queue(10), .start(owner: false)], .wrote(10),
            .stop(wake: false), .init()),
        .init(
            "a drained queue leaves a sleeping owner asleep", given: writingWhileOwnerSleeps, .wrote(10),
            .stop(wake: false), .init(wait: .poll)),
        // Short write: the full socket handed to the owner
        .init(
            "a short write hands the full socket to the sleeping owner", given: writingWhileOwnerSleeps, .wrote(4),
            .stop(wake: true), .init(.socketFull, unsent: 6)),
        .init(
            "another thread leaves a full socket alone", given: socketFull, .start(owner: false), .notClaimed,
            .init(.socketFull, unsent: 6)),
        .init(
            "a line for a full socket makes no promise", given: socketFull, .queue(5), .queued(kick: false),
            .init(.socketFull, unsent: 11)),
        .init(
            "the owner of a full socket sleeps until POLLOUT", given: socketFull, .prepareToSleep(seen: nil),
            .sleeps(pollOut: true), .init(.socketFull, unsent: 6, wait: .poll)),
        .init(
            "the owner's own short write wakes nobody", given: socketFull + [.start(owner: true)], .wrote(2),
            .stop(wake: false), .init(.socketFull, unsent: 4)),
        // Owner POLLOUT takeover
        .init(
            "after POLLOUT the owner takes over from the sent offset", given: socketFull, .start(owner: true),
            .write(lines: 1, bytes: 6), .init(.taken, unsent: 6)),
        .init(
            "the owner's full write frees the socket", given: socketFull + [.start(owner: true)], .wrote(6),
            .stop(wake: false), .init()),
        // A flush promised before the cork (the kick of an earlier line) writes corked lines; its short write
        // leaves them corked, and the owner after POLLOUT sends them all the same.
        .init(
            "the owner writes a full socket even with corked lines",
            given: corked + [.start(owner: false), .wrote(3, at: 3 * ms), .queue(10, corked: true, at: 3 * ms)],
            .start(owner: true), .write(lines: 2, bytes: 17), .init(.taken, unsent: 17, corked: 4 * ms)),
        // A failed send
        .init(
            "a failed send marks the peer gone and wakes the owner", given: writingWhileOwnerSleeps, .wrote(nil),
            .stop(wake: true), .init(.failed, unsent: 10)),
        .init(
            "the owner's turn sees the failure", given: writingWhileOwnerSleeps + [.wrote(nil)], .turn,
            .turn(failed: true, drained: false), .init(.failed, unsent: 10)),
        .init(
            "nobody writes to a failed socket", given: writingWhileOwnerSleeps + [.wrote(nil)],
            .start(owner: true), .notClaimed, .init(.failed, unsent: 10)),
        .init(
            "a line for a failed socket makes no promise", given: writingWhileOwnerSleeps + [.wrote(nil)],
            .queue(5), .queued(kick: false), .init(.failed, unsent: 15)),
        // The owner's loop
        .init("a turn with nothing queued is drained", .turn, .turn(failed: false, drained: true), .init()),
        .init(
            "a turn while another thread writes is not drained", given: [.queue(10), .start(owner: false)], .turn,
            .turn(failed: false, drained: false), .init(.taken, unsent: 10)),
        .init(
            "the owner sleeps without POLLOUT when nothing is queued", .prepareToSleep(seen: nil), .sleeps(pollOut: false),
            .init(wait: .poll)),
        .init(
            "the owner does not sleep on lines nobody sends", given: [.queue(10)], .prepareToSleep(seen: nil),
            .sleeps(pollOut: nil), .init(unsent: 10, kick: true)),
        .init(
            "the owner sleeps on corked lines until their deadline", given: corked, .prepareToSleep(seen: nil),
            .sleeps(pollOut: false), .init(unsent: 10, corked: 4 * ms, wait: .poll)),
        .init(
            "the owner's turn ends its sleep", given: [.prepareToSleep(seen: nil)], .turn, .turn(failed: false, drained: true),
            .init()),
        // Closing after a flush
        .init(
            "closing after a flush queues the final line and wakes the sleeping owner",
            given: [.adopt, .prepareToSleep(seen: nil), .queue(400)], .close(afterFlush, finalLine: 10), .closing(wake: true),
            .init(unsent: 410, kick: true, closing: afterFlush)),
        .init(
            "closing an outbox whose owner runs wakes nobody", given: [.adopt], .close(afterFlush),
            .closing(wake: false), .init(closing: afterFlush)),
        .init(
            "the owner does not sleep on a closing it has not seen", given: [.close(afterFlush)],
            .prepareToSleep(seen: nil), .sleeps(pollOut: nil), .init(closing: afterFlush)),
        .init(
            "only the owner writes a closing outbox", given: [.queue(10), .close(afterFlush)],
            .start(owner: false), .notClaimed, .init(unsent: 10, closing: afterFlush)),
        .init(
            "the owner writes a closing outbox, corked lines too", given: corked + [.close(afterFlush)],
            .start(owner: true), .write(lines: 1, bytes: 10),
            .init(.taken, unsent: 10, corked: 4 * ms, closing: afterFlush)),
        .init(
            "draining a closing outbox wakes its sleeping owner",
            given: [.adopt, .queue(10), .start(owner: false), .close(afterFlush), .prepareToSleep(seen: afterFlush)],
            .wrote(10), .stop(wake: true), .init(closing: afterFlush)),
        // Closing now
        .init(
            "closing now overrides closing after a flush",
            given: [.adopt, .close(afterFlush), .prepareToSleep(seen: afterFlush)],
            .close(now), .closing(wake: true), .init(closing: now)),
        .init(
            "the first reason to close wins", given: [.close(afterFlush)],
            .close(.afterFlush(deadline: 1, reason: "shutdown")), .closing(wake: false), .init(closing: afterFlush)),
        .init(
            "closing after a flush does not override closing now", given: [.close(now)], .close(afterFlush),
            .closing(wake: false), .init(closing: now)),
        .init(
            "the owner's turn sees closing now", given: [.queue(10), .close(now)], .turn,
            .turn(failed: false, drained: false), .init(unsent: 10, kick: true, closing: now)),
        // Closed: no more lines
        .init("closed rejects lines", given: [.close(afterFlush)], .queue(10), .closed, .init(closing: afterFlush)),
        .init("closed now rejects lines", given: [.close(now)], .queue(10), .closed, .init(closing: now)),
        // Retiring
        .init(
            "retire with the token free takes it for good", given: [.close(now)], .retire, .retired(true),
            .init(.retired, closing: now)),
        .init(
            "retire while another thread writes waits for the token",
            given: [.adopt, .queue(10), .start(owner: false), .close(now)], .retire, .retired(false),
            .init(.taken, unsent: 10, wait: .token, closing: now)),
        .init(
            "the writer gives the token back to the retiring owner",
            given: [.adopt, .queue(10), .start(owner: false), .close(now), .retire], .wrote(10), .stop(wake: true),
            .init(closing: now)),
        .init(
            "a short write wakes the retiring owner too",
            given: [.adopt, .queue(10), .start(owner: false), .close(now), .retire], .wrote(4), .stop(wake: true),
            .init(.socketFull, unsent: 6, closing: now)),
        .init(
            "retire after a failure takes the token", given: writingWhileOwnerSleeps + [.wrote(nil)], .retire,
            .retired(true), .init(.retired, unsent: 10)),
        .init(
            "nobody writes a retired outbox", given: [.retire, .queue(10)], .start(owner: true), .notClaimed,
            .init(.retired, unsent: 10)),
        .init(
            "a retired outbox's owner is never woken", given: [.adopt, .prepareToSleep(seen: nil), .retire], .close(now),
            .closing(wake: false), .init(.retired, closing: now)),
        // Waiting for the store: the connection's input waits while its broadcast does
        .init(
            "a broadcast waiting for the store is recorded", .awaitStore(5), .awaiting, .init(awaiting: 5)),
        .init(
            "the owner's turn sees its broadcast waiting for the store", given: [.awaitStore(5)], .turn,
            .turn(failed: false, drained: true, awaitingStore: true), .init(awaiting: 5)),
        .init(
            "settling the awaited id ends the wait", given: [.awaitStore(5)], .settleStore(5),
            .settled(wake: false), .init()),
        .init(
            "the turn after the store settled sees no wait", given: [.awaitStore(5), .settleStore(5)], .turn,
            .turn(failed: false, drained: true, awaitingStore: false), .init()),
        .init(
            "settling another id leaves the wait", given: [.awaitStore(5)], .settleStore(4), .settled(wake: false),
            .init(awaiting: 5)),
        .init(
            "the owner sleeps while its broadcast waits", given: [.adopt, .awaitStore(5), .turn],
            .prepareToSleep(seen: nil, sawAwaitingStore: true), .sleeps(pollOut: false), .init(wait: .poll, awaiting: 5)),
        .init(
            "settling the awaited id wakes the polling owner whose input waits for it",
            given: [.adopt, .awaitStore(5), .prepareToSleep(seen: nil, sawAwaitingStore: true, wakeOnSettle: true)],
            .settleStore(5), .settled(wake: true), .init()),
        .init(
            "settling leaves a polling owner with no input waiting asleep (its client's next line wakes it)",
            given: [.adopt, .awaitStore(5), .prepareToSleep(seen: nil, sawAwaitingStore: true)], .settleStore(5),
            .settled(wake: false), .init(wait: .poll)),
        .init(
            "settling another id leaves the polling owner asleep",
            given: [.adopt, .awaitStore(5), .prepareToSleep(seen: nil, sawAwaitingStore: true)], .settleStore(4),
            .settled(wake: false), .init(wait: .poll, awaiting: 5)),
        .init(
            "settling does not wake an owner that is not polling", given: [.adopt, .awaitStore(5), .turn],
            .settleStore(5), .settled(wake: false), .init()),
        .init(
            "settling does not wake an owner that waits for the token",
            given: [.adopt, .queue(10), .start(owner: false), .awaitStore(5), .close(now), .retire], .settleStore(5),
            .settled(wake: false), .init(.taken, unsent: 10, wait: .token, closing: now)),
        .init(
            "the owner does not sleep when the store settled since it looked",
            given: [.adopt, .awaitStore(5), .turn, .settleStore(5)], .prepareToSleep(seen: nil, sawAwaitingStore: true),
            .sleeps(pollOut: nil), .init()),
        .init(
            "the owner does not sleep on a wait it has not seen", given: [.adopt, .turn, .awaitStore(5)],
            .prepareToSleep(seen: nil, sawAwaitingStore: false), .sleeps(pollOut: nil), .init(awaiting: 5)),
        .init(
            "settling a retired outbox's broadcast wakes nobody",
            given: [.adopt, .awaitStore(5), .prepareToSleep(seen: nil, sawAwaitingStore: true, wakeOnSettle: true), .retire],
            .settleStore(5), .settled(wake: false), .init(.retired)),
    ]

    @Test(arguments: transitions)
    func transition(_ row: Transition) {
        let driver = Driver()
        for step in row.given { driver.run(step) }
        #expect(driver.run(row.step) == row.effect)
        #expect(Snapshot(driver.state) == row.after)
    }

    // MARK: What the iovecs hold

    @Test func theBatchPointsAtTheUnsentBytesInQueueOrder() {
        let driver = Driver()
        let first = Driver.line(bytes: 10)
        let second = Driver.line(bytes: 8)
        _ = driver.state.enqueue(first, limit: Self.limit, coalescing: nil, now: 0)
        _ = driver.state.enqueue(second, limit: Self.limit, coalescing: nil, now: 0)
        driver.run(.start(owner: false))
        #expect(driver.gathered == Array(first.bytes) + Array(second.bytes))
        // 4 bytes taken: the next batch starts 4 bytes into the first line.
        #expect(driver.run(.wrote(4)) == .stop(wake: false))
        #expect(driver.run(.start(owner: true)) == .write(lines: 2, bytes: 14))
        #expect(driver.gathered == Array(first.bytes.dropFirst(4)) + Array(second.bytes))
        #expect(driver.state.unsentLines.map(ObjectIdentifier.init) == [first, second].map(ObjectIdentifier.init))
    }

    @Test func aLongSentPrefixIsDroppedAndADrainedQueueGivesItsStorageBack() {
        let driver = Driver()
        for _ in 0..<600 { _ = driver.state.enqueue(Driver.line(bytes: 7), limit: .max, coalescing: nil, now: 0) }
        driver.run(.start(owner: false))
        // Ten writes of 32 lines: past 256 sent lines and half the queue, the sent ones are dropped.
        for _ in 1..<10 { #expect(driver.run(.wrote(32 * 7)) == .write(lines: 32, bytes: 32 * 7)) }
        #expect(driver.state.head == 288)
        #expect(driver.run(.wrote(32 * 7)) == .write(lines: 32, bytes: 32 * 7))
        #expect(driver.state.head == 0)
        #expect(driver.state.unsentLines.count == 280)
        #expect(driver.state.unsentBytes == 280 * 7)
        while case .write(_, let bytes) = driver.run(.wrote(driver.batch?.bytes ?? 0)) { #expect(bytes > 0) }
        #expect(driver.state.lines.capacity == 0)
        #expect(driver.state.token == .free)
    }
}
