import ChatServer
import ChatTLS
import ChatTestSupport
import Glibc
import Testing

/// A server with a plain and a TLS listener on free ports, its certificate made for the test.
private struct TLSRoom {
    let server: ChatServer
    let log: CollectedLog
    let certificate: TestCertificate
    /// The client context that trusts the test's authority.
    let trusting: TLSContext

    var port: Int { server.port }
    var tlsPort: Int { server.tlsPort }

    /// Joins over TLS, reading the `WELCOME`.
    func joinTLS(source: String? = nil) throws -> (LineClient, String) {
        let client = try LineClient(port: tlsPort, source: source, tls: trusting)
        guard let line = try client.readLine(), line.hasPrefix("WELCOME ") else {
            throw TestFailure("no WELCOME over TLS; got \(client.received)")
        }
        return (client, String(line.split(separator: " ")[1]))
    }
}

private func withTLSRoom<T>(
    _ configure: (inout ChatServer.Configuration) -> Void = { _ in }, _ body: (TLSRoom) throws -> T
) throws -> T {
    try withTemporaryDirectory { folder in
        let authority = try TestCertificate(in: folder, name: "ca", commonName: "Test CA", names: [], isAuthority: true)
        let certificate = try TestCertificate(in: folder, name: "server", signedBy: authority)
        var configuration = ChatServer.Configuration(host: "127.0.0.1", port: 0)
        configuration.tls = .init(certificateFile: certificate.certificatePath, keyFile: certificate.keyPath, port: 0)
        configure(&configuration)
        let log = CollectedLog()
        let server = try ChatServer(configuration: configuration, logger: log.logger)
        try server.start()
        defer { server.shutdown(grace: .milliseconds(200)) }
        let room = TLSRoom(
            server: server, log: log, certificate: certificate,
            trusting: try .client(authorityFile: authority.certificatePath))
        return try body(room)
    }
}

@Suite struct TLSTests {
    @Test func aPlainClientAndATLSClientShareTheRoomAndNothingReadableCrossesTheWire() throws {
        try withTLSRoom { room in
            let (alice, _) = try join(room.port)
            try alice.send("/nick alice")
            #expect(try alice.readLine() == "NICK user1 alice")
            let (bob, _) = try room.joinTLS()
            #expect(bob.tls?.verification == .verified)
            #expect(try alice.readLine() == "JOIN user2")
            try bob.send("/nick bob")
            #expect(try bob.readLine() == "NICK user2 bob")
            #expect(try alice.readLine() == "NICK user2 bob")
            try alice.send("the secret plan is at noon")
            #expect(try alice.readLine() == "MSG alice the secret plan is at noon")
            #expect(try bob.readLine() == "MSG alice the secret plan is at noon")
            try bob.send("/dm alice \"a private word\"")
            #expect(try bob.readLine() == "DM bob alice a private word")
            #expect(try alice.readLine() == "DM bob alice a private word")
            try bob.send("/users")
            #expect(try bob.readLine() == "USERS alice bob")
            #expect(try bob.sync() == [])
            let wire = bob.ciphertextReceived
            #expect(wire.count > 0)
            for text in ["secret plan", "alice", "USERS", "PONG"] {
                #expect(!contains(wire, Array(text.utf8)), "\(text) crossed the wire readable")
            }
            bob.close()
            #expect(try alice.readLine() == "LEAVE bob lost")
        }
    }

    @Test func manySendersReachATLSReaderWholeAndInOrder() async throws {
        try withTLSRoom({ $0.rate = 0 }) { room in
            let (reader, _) = try room.joinTLS()
            let senders = try (0..<4).map { _ in try join(room.port).0 }
            _ = try reader.readLines(4)
            // Each sender's line is handled on its own connection's thread, so several threads queue lines for the
            // reader at once, and whichever holds its write token seals and sends them.
            let count = 300
            for line in 0..<count {
                for (index, sender) in senders.enumerated() { try sender.send("s\(index) \(line)") }
            }
            var next = [Int](repeating: 0, count: senders.count)
            for _ in 0..<(count * senders.count) {
                let line = try #require(try reader.readLine(timeout: .seconds(20)))
                let words = line.split(separator: " ")
                let sender = try #require(Int(words[2].dropFirst()))
                #expect(Int(words[3]) == next[sender], "\(line)")
                next[sender] += 1
            }
            #expect(next == [Int](repeating: count, count: senders.count))
        }
    }

    @Test func aHandshakeInProgressHoldsAPlaceAndAFullServerSaysSoOverTLS() throws {
        try withTLSRoom({ $0.maxClients = 1 }) { room in
            // A connection that never starts its handshake holds the one place.
            let silent = try LineClient(port: room.tlsPort)
            #expect(eventually { room.server.sessionThreadCount == 1 })
            let refused = try LineClient(port: room.port)
            #expect(try refused.readUntilClosed() == ["ERROR server-full the server is full", "BYE try again later"])
            silent.close()
            let (alice, _) = try eventuallyJoin(room.port)
            // Over TLS the refusal comes after the handshake, sealed.
            let late = try LineClient(port: room.tlsPort, tls: room.trusting)
            #expect(try late.readUntilClosed() == ["ERROR server-full the server is full", "BYE try again later"])
            #expect(try alice.sync() == [])
        }
    }

    @Test func theLimitPerAddressCountsTLSConnections() throws {
        try withTLSRoom({ $0.maxPerAddress = 1 }) { room in
            let (first, _) = try room.joinTLS(source: "127.0.0.2")
            let plain = try LineClient(port: room.port, source: "127.0.0.2")
            #expect(
                try plain.readUntilClosed() == [
                    "ERROR server-full too many connections from your address", "BYE try again later",
                ])
            let (other, _) = try room.joinTLS(source: "127.0.0.3")
            #expect(try first.readLine() == "JOIN user2")
            #expect(try other.sync() == [])
        }
    }

    @Test func anIdleTLSConnectionIsClosedAndASlowOneIsDropped() throws {
        try withTLSRoom({ $0.idleTimeout = 1 }) { room in
            // The observer keeps talking, so only the TLS connection is idle.
            let (observer, _) = try join(room.port)
            let (idle, _) = try room.joinTLS()
            #expect(try observer.readLine() == "JOIN user2")
            let started = ContinuousClock.now
            var seen: [String] = []
            while !seen.contains("LEAVE user2 lost") && ContinuousClock.now - started < .seconds(5) {
                seen += try observer.sync()
            }
            #expect(seen == ["LEAVE user2 lost"])
            #expect(ContinuousClock.now - started >= .milliseconds(900))
            #expect(try idle.readUntilClosed() == [])
        }
        try withTLSRoom({
            $0.sendQueueBytes = 64 * 1024
            $0.rate = 0
        }) { room in
            let (talker, _) = try join(room.port)
            let slow = try LineClient(port: room.tlsPort, receiveBufferBytes: 4096, tls: room.trusting)
            #expect(try talker.readLine() == "JOIN user2")
            // The talker reads each of its lines back; the TLS client reads nothing, so once the socket buffers are
            // full (megabytes on loopback) its queue grows past the limit.
            let text = String(repeating: "z", count: 4000)
            var index = 0
            var seen: [String] = []
            while !seen.contains("LEAVE user2 slow") && index < 3000 {
                try talker.send("\(index) \(text)")
                seen += try talker.readLines(until: "MSG user1 \(index) \(text)")
                index += 1
            }
            #expect(seen == ["LEAVE user2 slow"])
            withExtendedLifetime(slow) {}
        }
    }

    @Test func theServerEndsATLSSessionWithItsByeAndACloseNotify() throws {
        try withTemporaryDirectory { folder in
            let certificate = try TestCertificate(in: folder, name: "server")
            var configuration = ChatServer.Configuration(host: "127.0.0.1", port: 0)
            configuration.tls = .init(certificateFile: certificate.certificatePath, keyFile: certificate.keyPath, port: 0)
            let server = try ChatServer(configuration: configuration, logger: quietLogger)
            try server.start()
            let client = try LineClient(port: server.tlsPort, tls: .client())
            #expect(client.tls?.verification == .unverified("self-signed certificate"))
            #expect(try client.readLine()?.hasPrefix("WELCOME user1 ") == true)
            server.shutdown(grace: .seconds(2))
            #expect(try client.readUntilClosed() == ["BYE server shutting down"])
            let tls = try #require(client.tls)
            var buffer = [UInt8](repeating: 0, count: 16)
            #expect(buffer.withUnsafeMutableBytes { tls.read(into: $0) } == .closed)
        }
    }
}

/// Joins once the server has a place again (a closed connection's place is given back by its thread).
private func eventuallyJoin(_ port: Int) throws -> (LineClient, String) {
    var last: [String] = []
    for _ in 0..<100 {
        let client = try LineClient(port: port)
        guard let line = try client.readLine() else { continue }
        if line.hasPrefix("WELCOME ") { return (client, String(line.split(separator: " ")[1])) }
        last = client.received
        _ = poll(nil, 0, 20)
    }
    throw TestFailure("never admitted; last answer: \(last)")
}

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
}
