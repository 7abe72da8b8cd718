import ChatTestSupport
import Foundation
import Testing

/// 200 clients doing random commands, with abrupt disconnects and reconnects, against a server process.
///
/// Runs for `CHATROOM_SOAK_SECONDS` (CI sets a few minutes; plain `swift test` runs 5 seconds). At the end,
/// every client that stayed until it quit received every broadcast sent while it was connected, in the one
/// global order the observer saw; clients cut off mid-way received a prefix of theirs; and the server's
/// threads and descriptors are back at their baseline.
@Suite struct SoakTests {
    @Test func randomTrafficWithDisconnectsKeepsOneOrderAndLeaksNothing() throws {
        let seconds = Double(ProcessInfo.processInfo.environment["CHATROOM_SOAK_SECONDS"] ?? "") ?? 5
        let seed = UInt64(ProcessInfo.processInfo.environment["CHATROOM_SOAK_SEED"] ?? "") ?? 20_261_125
        var random = SplitMix64(seed: seed)
        let server = try ServerProcess(arguments: ["--rate", "0", "--max-clients", "1000"])
        let baseThreads = try #require(server.proc.threadCount)
        let baseDescriptors = try #require(server.proc.descriptorCount)

        let observer = try SoakClient(port: server.port)
        var slots = try (0..<200).map { _ in try SoakClient(port: server.port) }
        var finished: [SoakClient] = []
        var nextNick = 0
        var sequence = 0
        let deadline = ContinuousClock.now + .seconds(seconds)
        var actions = 0
        while ContinuousClock.now < deadline {
            try SoakClient.pump([observer] + slots, timeoutMillis: 5)
            // About 200 actions a second across all clients.
            for _ in 0..<2 {
                actions += 1
                let index = Int(random.next() % UInt64(slots.count))
                let client = slots[index]
                guard client.name != nil else { continue }
                let dice = random.next() % 100
                switch dice {
                case 0..<55:
                    sequence += 1
                    try client.send(dice % 2 == 0 ? "soak \(sequence)" : "/bc \"soak \(sequence)\"")
                case 55..<65:
                    let other = slots[Int(random.next() % UInt64(slots.count))].name ?? "nobody"
                    try client.send("/dm \(other) psst \(actions)")
                case 65..<72: try client.send("/users")
                case 72..<77:
                    nextNick += 1
                    try client.send("/nick n\(nextNick)")
                case 77..<85: try client.send("/ping \(actions)")
                case 85..<90: try client.send("/frobnicate")
                case 90..<95:
                    client.close(reset: dice % 2 == 0)
                    finished.append(client)
                    slots[index] = try SoakClient(port: server.port)
                default:
                    try client.send("/quit")
                    client.quitting = true
                    finished.append(client)
                    slots[index] = try SoakClient(port: server.port)
                }
            }
        }
        // Everyone still here quits and reads to the end.
        for client in slots {
            try client.send("/quit")
            client.quitting = true
        }
        finished += slots
        let drained = ContinuousClock.now + .seconds(30)
        while finished.contains(where: { $0.quitting && $0.open }) && ContinuousClock.now < drained {
            try SoakClient.pump([observer] + finished.filter(\.open), timeoutMillis: 20)
        }
        #expect(!finished.contains { $0.quitting && $0.open }, "some clients never saw their connection end")

        // Check every client against the observer's one global order.
        try SoakClient.pump([observer], timeoutMillis: 50)
        #expect(!observer.sawSlowLeave, "a client was dropped as slow: the test could not keep up")
        let order = observer.broadcasts
        var checked = 0
        for client in finished {
            guard let generated = client.generatedName, let range = observer.presence(of: generated) else { continue }
            let expected = order[range]
            let received = client.broadcasts
            if client.quitting {
                #expect(
                    received.elementsEqual(expected),
                    "\(generated) received \(received.count) of \(expected.count) broadcasts")
                checked += 1
            } else {
                #expect(expected.prefix(received.count).elementsEqual(received), "\(generated) saw another order")
            }
        }
        print(
            "soak: \(seconds) s, seed \(seed), \(actions) actions, \(order.count) broadcasts, "
                + "\(finished.count) connections, \(checked) checked in full")
        #expect(checked >= 200)
        // Traffic in proportion to the work done, at any speed of the machine: about half the actions are
        // broadcasts (some fall on clients not yet welcomed), so at least a quarter of them, and some in any case.
        #expect(
            order.count >= max(actions / 4, 20), "\(order.count) broadcasts from \(actions) actions in \(seconds) s")
        observer.close(reset: false)
        var seen: (threads: Int?, descriptors: Int?)
        let back = eventually(timeout: .seconds(10)) {
            seen = (server.proc.threadCount, server.proc.descriptorCount)
            return seen.threads == baseThreads && seen.descriptors == baseDescriptors
        }
        #expect(
            back,
            "threads \(seen.threads ?? -1) (baseline \(baseThreads)), descriptors \(seen.descriptors ?? -1) (baseline \(baseDescriptors))"
        )
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: .seconds(2)) == 0)
    }
}

/// A non-blocking line client that many can share one `poll` loop.
final class SoakClient {
    let fd: Int32
    private var buffer: [UInt8] = []
    /// The sequence numbers of the `soak N` broadcasts received, in order.
    private(set) var broadcasts: [Int] = []
    /// For the observer: where each connection's stay falls in `broadcasts`, from its `JOIN` to its `LEAVE`
    /// (following renames), keyed by the name it was given.
    private var joinedAt: [String: Int] = [:]
    private var leftAt: [String: Int] = [:]
    private var givenName: [String: String] = [:]
    private(set) var sawSlowLeave = false
    private(set) var generatedName: String?
    private(set) var name: String?
    private(set) var open = true
    var quitting = false

    init(port: Int) throws {
        let client = try LineClient(port: port)
        fd = dup(client.fd)
        client.close()
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    func send(_ line: String) throws {
        guard open else { return }
        let bytes = Array(line.utf8) + [0x0A]
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
            } else if errno == EAGAIN {
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&pfd, 1, 100)
            } else if errno != EINTR {
                open = false
                return
            }
        }
    }

    func close(reset: Bool) {
        guard open else { return }
        if reset {
            var lingering = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingering, socklen_t(MemoryLayout<linger>.size))
        }
        Glibc.close(fd)
        open = false
    }

    /// Reads whatever the clients have, waiting up to `timeoutMillis` for the first of them.
    static func pump(_ clients: [SoakClient], timeoutMillis: Int32) throws {
        let live = clients.filter(\.open)
        var fds = live.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        guard poll(&fds, nfds_t(fds.count), timeoutMillis) > 0 else { return }
        for (client, pfd) in zip(live, fds) where pfd.revents != 0 {
            client.readAvailable()
        }
    }

    private static let chunkSize = 65536

    private func readAvailable() {
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        while open {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                Glibc.close(fd)
                open = false
            } else {
                break
            }
        }
        var start = 0
        while let lf = buffer[start...].firstIndex(of: 0x0A) {
            take(String(decoding: buffer[start..<lf], as: UTF8.self))
            start = lf + 1
        }
        buffer.removeFirst(start)
    }

    /// The broadcasts a connection was present for, as a range of the observer's `broadcasts`.
    func presence(of generated: String) -> Range<Int>? {
        guard let start = joinedAt[generated] else { return nil }
        return start..<(leftAt[generated] ?? broadcasts.count)
    }

    private func take(_ line: String) {
        let fields = line.split(separator: " ")
        guard let kind = fields.first else { return }
        switch kind {
        case "MSG":
            if let last = fields.last, let sequence = Int(last), fields.count == 4, fields[2] == "soak" {
                broadcasts.append(sequence)
            }
        case "WELCOME" where generatedName == nil && fields.count > 1:
            generatedName = String(fields[1])
            name = generatedName
        case "NICK" where fields.count == 3:
            if let name, fields[1] == name { self.name = String(fields[2]) }
            if let given = givenName.removeValue(forKey: String(fields[1])) { givenName[String(fields[2])] = given }
        case "JOIN" where fields.count == 2:
            joinedAt[String(fields[1])] = broadcasts.count
            givenName[String(fields[1])] = String(fields[1])
        case "LEAVE" where fields.count == 3:
            if let given = givenName.removeValue(forKey: String(fields[1])) { leftAt[given] = broadcasts.count }
            if fields[2] == "slow" { sawSlowLeave = true }
        default:
            break
        }
    }
}

/// A small seeded generator, so a failing run can be repeated with `CHATROOM_SOAK_SEED`.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
