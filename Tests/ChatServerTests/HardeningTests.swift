import ChatProtocol
import ChatTestSupport
import Dispatch
import Foundation
import Testing

@testable import ChatServer

/// Limits and faults from the hardening issue, each tried against a running server.
@Suite struct HardeningTests {
    /// AddressSanitizer keeps freed memory in quarantine, so resident-memory figures mean nothing under it;
    /// .ci/run sets ASAN_OPTIONS for that run.
    static let underAddressSanitizer = ProcessInfo.processInfo.environment["ASAN_OPTIONS"] != nil

    // MARK: Limits

    @Test func maxPerIPRefusesPastTheLimitAndAdmitsAgainAfterALeave() async throws {
        try await withRunningServer(.init(maxPerAddress: 2)) { server, port in
            let (alice, _) = try join(port)
            let (bob, _) = try join(port)
            #expect(try alice.readLine() == "JOIN user2")
            let third = try LineClient(port: port)
            #expect(
                try third.readUntilClosed() == [
                    "ERROR server-full too many connections from your address", "BYE try again later",
                ])
            // Existing users see nothing of it.
            #expect(try alice.sync() == [])
            #expect(try bob.sync() == [])
            // Once a connection from the address is gone, the address may connect again.
            bob.close()
            #expect(try alice.readLine() == "LEAVE user2 lost")
            #expect(eventually { server.sessionThreadCount == 1 })
            let (again, name) = try join(port)
            #expect(name == "user3")
            #expect(try again.sync() == [])
        }
    }

    @Test func maxClientsAdmitsAgainOnceSomeoneLeaves() async throws {
        try await withRunningServer(.init(maxClients: 1)) { _, port in
            let (alice, _) = try join(port)
            #expect(try LineClient(port: port).readUntilClosed().first == "ERROR server-full the server is full")
            try alice.send("/quit")
            _ = try alice.readUntilClosed()
            let (bob, name) = try join(port)
            #expect(name == "user2")
            #expect(try bob.sync() == [])
        }
    }

    @Test(arguments: [(100, 100, true), (100, 101, false), (4000, 7, true), (4000, 8, false)])
    func sendQueueLimitEdge(queued: Int, next: Int, fits: Bool) {
        let outbox = Outbox(id: 1, fd: -1, peer: "test", address: "test")
        let limit = queued + (fits ? next : next - 1)
        if case .overflow = outbox.enqueue(line(bytes: queued), limit: limit) {
            Issue.record("the first line alone overflowed")
        }
        let result = outbox.enqueue(line(bytes: next), limit: limit)
        switch result {
        case .queued: #expect(fits, "a line past the limit was queued")
        case .deferred: Issue.record("a line was held back without a cork")
        case .overflow: #expect(!fits, "a line within the limit overflowed")
        case .closed: Issue.record("the connection was closed")
        }
    }

    private func line(bytes: Int) -> OutboundLine {
        // "HELP " + text + LF
        OutboundLine(.help(String(repeating: "x", count: bytes - 6)))
    }

    @Test func rateDelaysLinesButNeverDropsThemAndSparesOthers() async throws {
        try await withRunningServer(.init(rate: 10, burst: 5)) { _, port in
            let (flooder, _) = try join(port)
            let (bystander, _) = try join(port)
            _ = try flooder.readLines(1)
            let start = ContinuousClock.now
            try flooder.sendRaw(Array((1...25).map { "/ping \($0)\n" }.joined().utf8))
            var arrivals: [Duration] = []
            for index in 1...25 {
                #expect(try flooder.readLine(timeout: .seconds(10)) == "PONG \(index)")
                arrivals.append(ContinuousClock.now - start)
                if index == 6 {
                    // While the flooder waits on its rate, another client is answered at once: well within the
                    // 1.9 s the flooder's other 19 lines take, which it would wait behind if it were not spared.
                    let asked = ContinuousClock.now
                    #expect(try bystander.sync() == [])
                    let waited = ContinuousClock.now - asked
                    #expect(waited < .seconds(1), "the bystander waited \(waited) behind the flooder")
                }
            }
            // The burst of 5 comes at once, not spaced by the rate (that would take 0.4 s from the first to
            // the fifth); the other 20 at 10 a second: about 2 seconds.
            let burst = arrivals[4] - arrivals[0]
            #expect(burst < .milliseconds(300), "the burst was spread over \(burst)")
            #expect(arrivals[4] < .seconds(1), "the burst was delayed: \(arrivals[4])")
            // Just past the burst, a line waits for the next token (1/10 s).
            #expect(arrivals[5] >= .milliseconds(50), "the line after the burst was not delayed: \(arrivals[5])")
            #expect(arrivals[24] >= .milliseconds(1800), "the rate was not applied: \(arrivals[24])")
            // A loose upper bound: the machine may be busy, but the lines must not stall.
            #expect(arrivals[24] < .seconds(8), "lines were delayed too long: \(arrivals[24])")
        }
    }

    @Test func idleTimeoutClosesASilentConnectionAsLost() async throws {
        try await withRunningServer(.init(idleTimeout: 3)) { _, port in
            let joined = ContinuousClock.now
            let (silent, _) = try join(port)
            let (talker, _) = try join(port)
            // The talker keeps talking (pinging between short waits for the LEAVE), so only `silent` is idle.
            var sawLeave = false
            var count = 0
            while !sawLeave && ContinuousClock.now - joined < .seconds(10) {
                count += 1
                try talker.send("/ping \(count)")
                sawLeave = try talker.readLines(until: "PONG \(count)").contains("LEAVE user1 lost")
                if !sawLeave, let line = try? talker.readLine(timeout: .milliseconds(250)) {
                    sawLeave = line == "LEAVE user1 lost"
                }
            }
            #expect(sawLeave)
            #expect(ContinuousClock.now - joined >= .milliseconds(2900))
            #expect(try silent.readUntilClosed() == ["JOIN user2"])
            #expect(try talker.sync() == [])
        }
    }

    @Test func aLineThatNeverEndsIsRefusedOnceAndTheConnectionRecovers() async throws {
        try await withRunningServer { _, port in
            let (alice, _) = try join(port)
            let chunk = [UInt8](repeating: 0x61, count: 4096)
            for _ in 0..<64 { try alice.sendRaw(chunk) }
            #expect(try alice.readLine() == "ERROR line-too-long line longer than 4096 bytes")
            try alice.sendRaw(chunk + Array("\n/ping ok\n".utf8))
            #expect(try alice.readLine() == "PONG ok")
            #expect(try alice.sync() == [])
        }
    }

    @Test func stuckClientsCostOthersNothingAndMemoryStaysBounded() throws {
        let server = try ServerProcess(arguments: ["--rate", "0", "--sendq", "256KiB"])
        let baseResident = try #require(server.proc.residentKiB)
        let (talker, _) = try join(server.port)
        let (listener, _) = try join(server.port)
        _ = try talker.readLines(1)
        // Three clients that never read, with small receive buffers.
        let stuck = try (0..<3).map { _ in try LineClient(port: server.port, receiveBufferBytes: 4096) }
        _ = try talker.readLines(3)
        _ = try listener.readLines(3)
        let text = String(repeating: "z", count: 1000)
        var slowest = Duration.zero
        var heard: [String] = []
        var leaves: Set<String> = []
        // 12 MB in all: more than the kernel's socket buffers and the three queues can hold.
        let total = 12_000
        for batch in stride(from: 0, to: total, by: 100) {
            try talker.sendRaw(Array((batch..<(batch + 100)).map { "\($0) \(text)\n" }.joined().utf8))
            _ = try talker.readLines(until: "MSG user1 \(batch + 99) \(text)")
            do {
                // The listener's own round trip while the stuck clients' queues fill and overflow.
                let asked = ContinuousClock.now
                for line in try listener.sync() {
                    if line.hasPrefix("LEAVE ") { leaves.insert(line) } else { heard.append(line) }
                }
                slowest = max(slowest, ContinuousClock.now - asked)
            }
        }
        for line in try listener.sync() {
            if line.hasPrefix("LEAVE ") { leaves.insert(line) } else { heard.append(line) }
        }
        #expect(leaves == ["LEAVE user3 slow", "LEAVE user4 slow", "LEAVE user5 slow"])
        #expect(heard == (0..<total).map { "MSG user1 \($0) \(text)" })
        // A reader held up by the stuck clients would wait its 10 s read timeout; on time, a few milliseconds.
        #expect(slowest < .seconds(2), "a round trip took \(slowest) while clients were stuck")
        // Each stuck client held at most --sendq in the server before it was dropped.
        let grown = try #require(server.proc.residentKiB) - baseResident
        if !Self.underAddressSanitizer {
            #expect(grown < 3 * 256 + 8 * 1024, "resident memory grew by \(grown) KiB")
        }
        _ = stuck
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: .seconds(2)) == 0)
    }

    @Test func keepaliveIsOnForEveryConnection() async throws {
        try await withRunningServer { _, port in
            let (alice, _) = try join(port)
            let output = try runProcess(["/usr/bin/ss", "-tnoH", "state", "established", "( sport = :\(port) )"]).output
            // The server's side of the connection runs a keepalive timer (60 s idle before the first probe).
            #expect(output.contains("timer:(keepalive,"), "ss shows: \(output)")
            #expect(try alice.sync() == [])
        }
    }

    // MARK: Faults

    @Test func faultsLeaveNoThreadOrDescriptorBehind() throws {
        let server = try ServerProcess(arguments: ["--rate", "0"])
        let baseThreads = try #require(server.proc.threadCount)
        let baseDescriptors = try #require(server.proc.descriptorCount)
        func expectBaseline(_ step: String) {
            var seen: (threads: Int?, descriptors: Int?)
            let back = eventually(timeout: .seconds(10)) {
                seen = (server.proc.threadCount, server.proc.descriptorCount)
                return seen.threads == baseThreads && seen.descriptors == baseDescriptors
            }
            #expect(
                back,
                "after \(step): \(seen.threads ?? -1) threads (baseline \(baseThreads)), \(seen.descriptors ?? -1) descriptors (baseline \(baseDescriptors))"
            )
        }
        let (observer, _) = try join(server.port)

        // A peer that resets while the server is writing to it.
        let victim = try LineClient(port: server.port, receiveBufferBytes: 4096)
        let (talker, _) = try join(server.port)
        let text = String(repeating: "y", count: 4000)
        for index in 0..<200 { try talker.send("\(index) \(text)") }
        _ = try talker.readLines(until: "MSG user3 199 \(text)")
        victim.close(reset: true)
        let seen = try observer.readLines(until: "MSG user3 199 \(text)")
        #expect(seen.count == 2 + 199)
        let leave = try observer.readLine()
        #expect(leave == "LEAVE user2 lost" || leave == "LEAVE user2 slow")
        talker.close()
        #expect(try observer.readLine() == "LEAVE user3 lost")

        // A peer that half-closes after a command.
        let halfClosed = try LineClient(port: server.port)
        _ = try halfClosed.readLine()
        try halfClosed.send("/ping half")
        halfClosed.shutdownWrite()
        #expect(try halfClosed.readUntilClosed() == ["PONG half"])
        #expect(try observer.readLines(2) == ["JOIN user4", "LEAVE user4 lost"])

        // A client that connects and sends nothing delays nobody.
        let (mute, _) = try join(server.port)
        _ = try observer.readLines(1)
        let asked = ContinuousClock.now
        #expect(try observer.sync() == [])
        // Held up behind the mute client, the observer would wait its 10 s read timeout.
        let waited = ContinuousClock.now - asked
        #expect(waited < .seconds(2), "the observer waited \(waited) while a client sent nothing")
        mute.close()
        _ = try observer.readLines(1)
        observer.close()
        expectBaseline("reset, half-close and a mute client")

        // Thousands of connects and disconnects in a burst.
        let residentBefore = try #require(server.proc.residentKiB)
        let port = server.port
        for round in 0..<2 {
            DispatchQueue.concurrentPerform(iterations: 4) { worker in
                for index in 0..<500 {
                    guard let client = try? LineClient(port: port) else { continue }
                    switch index % 3 {
                    case 0: client.close()
                    case 1: client.close(reset: true)
                    default:
                        _ = try? client.readLine()
                        client.close()
                    }
                }
                _ = worker
            }
            expectBaseline("burst \(round + 1) of 2000 connects")
        }
        // Connections the burst closed may still sit in the listen backlog: they join and leave at once.
        let (after, _) = try join(server.port)
        let stragglers = try after.sync()
        #expect(stragglers.allSatisfy { $0.hasPrefix("JOIN user") || ($0.hasPrefix("LEAVE user") && $0.hasSuffix(" lost")) })
        after.close()
        expectBaseline("the last client")
        // Memory settles: 4000 connects leave the server's resident memory close to where it was.
        let growth = try #require(server.proc.residentKiB) - residentBefore
        if !Self.underAddressSanitizer {
            #expect(growth < 16 * 1024, "resident memory grew by \(growth) KiB over 4000 connects")
        }
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: .seconds(2)) == 0)
        #expect(!server.log.contains("Sanitizer"), "\(server.log.suffix(2000))")
    }

    @Test func runningOutOfDescriptorsBacksOffWithoutSpinningAndRecovers() throws {
        let server = try ServerProcess(arguments: ["--rate", "0"], openFiles: (40, 40))
        var admitted: [LineClient] = []
        // Connect until one is not admitted: it waits in the listen backlog while accept fails.
        var turnedAway: (client: LineClient, line: String?)?
        while turnedAway == nil && admitted.count < 40 {
            let client = try LineClient(port: server.port)
            let line = try? client.readLine(timeout: .seconds(1))
            if let line, line.hasPrefix("WELCOME ") {
                admitted.append(client)
            } else {
                turnedAway = (client, line)
            }
        }
        // One descriptor a client, after the few the process holds.
        #expect(admitted.count >= 25 && admitted.count < 40, "admitted \(admitted.count) with 40 descriptors")
        let first = try #require(turnedAway)
        #expect(first.line == nil, "the client past the limit got \(String(describing: first.line))")
        #expect(eventually { server.log.contains("out of file descriptors, backing off") })
        // Backing off, not spinning: a second with clients knocking costs next to no CPU, and is logged once.
        let cpuBefore = try #require(server.proc.cpuSeconds)
        let knocking = try LineClient(port: server.port)
        _ = try? knocking.readLine(timeout: .seconds(1))
        #expect(try #require(server.proc.cpuSeconds) - cpuBefore < 0.2)
        #expect(server.log.components(separatedBy: "out of file descriptors, backing off").count - 1 == 1)
        // Free some descriptors: a client is admitted again.
        for client in admitted.prefix(3) { client.close() }
        let again = eventually(timeout: .seconds(10)) {
            guard let client = try? LineClient(port: server.port) else { return false }
            while let line = try? client.readLine(timeout: .milliseconds(500)) {
                if line.hasPrefix("WELCOME ") {
                    admitted.append(client)
                    return true
                }
            }
            return false
        }
        #expect(again, "no client was admitted after descriptors were freed; log: \(server.log)")
        #expect(eventually { server.log.contains("accepting again") })
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: .seconds(2)) == 0)
    }

    @Test func startupRaisesTheOpenFileLimitAndSaysWhatItWillHold() throws {
        let server = try ServerProcess(arguments: ["--max-clients", "10000"], openFiles: (1024, 4096))
        #expect(server.proc.openFileSoftLimit == 4096)
        #expect(eventually { server.log.contains("the open-file limit is too low for max-clients") })
        #expect(server.log.contains("limit=4096"))
        // One descriptor a client, after the few the process holds at start.
        let holds = server.log.components(separatedBy: "will-hold=").dropFirst().first.flatMap { Int($0.prefix(while: \.isNumber)) }
        #expect(holds.map { (4070...4093).contains($0) } == true, "will-hold=\(String(describing: holds))")
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: .seconds(2)) == 0)
    }
}
