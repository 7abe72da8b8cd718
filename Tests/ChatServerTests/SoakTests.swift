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
        let baseThreads = server.threadCount
        let baseDescriptors = server.descriptorCount

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
        let log = observer.lines
        #expect(!log.contains { $0.hasSuffix(" slow") }, "a client was dropped as slow: the test could not keep up")
        var checked = 0
        for client in finished {
            guard let generated = client.generatedName else { continue }
            let expected = Self.broadcasts(seenBy: generated, in: log)
            let received = client.lines.filter { $0.hasPrefix("MSG ") }
            if client.quitting {
                #expect(received == expected, "\(generated) received \(received.count) of \(expected.count) broadcasts")
                checked += 1
            } else {
                #expect(Array(expected.prefix(received.count)) == received, "\(generated) saw another order")
            }
        }
        print(
            "soak: \(seconds) s, seed \(seed), \(actions) actions, \(log.filter { $0.hasPrefix("MSG ") }.count) broadcasts, "
                + "\(finished.count) connections, \(checked) checked in full")
        #expect(checked >= 200)
        #expect(log.filter { $0.hasPrefix("MSG ") }.count >= Int(seconds * 50))
        observer.close(reset: false)
        let back = eventually(timeout: .seconds(10)) {
            server.threadCount == baseThreads && server.descriptorCount == baseDescriptors
        }
        #expect(back, "threads \(server.threadCount) (baseline \(baseThreads)), descriptors \(server.descriptorCount) (baseline \(baseDescriptors))")
        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: .seconds(2)) == 0)
    }

    /// The `MSG` lines between a connection's `JOIN` and its `LEAVE`, following its renames.
    static func broadcasts(seenBy generated: String, in log: [String]) -> [String] {
        guard let joined = log.firstIndex(of: "JOIN \(generated)") else { return [] }
        var name = generated
        var result: [String] = []
        for line in log[(joined + 1)...] {
            if line.hasPrefix("MSG ") {
                result.append(line)
            } else if line.hasPrefix("NICK \(name) ") {
                name = String(line.dropFirst("NICK \(name) ".count))
            } else if line.hasPrefix("LEAVE \(name) ") {
                break
            }
        }
        return result
    }
}

/// A non-blocking line client that many can share one `poll` loop.
final class SoakClient {
    let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var lines: [String] = []
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

    private func readAvailable() {
        var chunk = [UInt8](repeating: 0, count: 65536)
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

    private func take(_ line: String) {
        lines.append(line)
        if generatedName == nil, line.hasPrefix("WELCOME ") {
            let name = String(line.split(separator: " ")[1])
            generatedName = name
            self.name = name
        } else if let name, line.hasPrefix("NICK \(name) ") {
            self.name = String(line.dropFirst("NICK \(name) ".count))
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
