import ChatTLS
import ChatTestSupport
import Testing

/// Two engines, a client and a server, joined by moving each one's output into the other.
private struct Pair {
    let client: TLSEngine
    let server: TLSEngine

    init(server context: TLSContext, client clientContext: TLSContext, host: String = "localhost") throws {
        server = try TLSEngine(server: context)
        client = try TLSEngine(client: clientContext, host: host)
    }

    /// A pair over a self-signed certificate made in `folder`, its handshake done.
    init(selfSignedIn folder: String) throws {
        let certificate = try TestCertificate(in: folder, name: "server")
        try self.init(
            server: .server(certificateFile: certificate.certificatePath, keyFile: certificate.keyPath), client: .client())
        let states = handshake()
        guard states == (.complete, .complete) else { throw TestFailure("the handshake did not complete: \(states)") }
    }

    /// Steps both handshakes, moving bytes across, until both are complete or one fails.
    func handshake() -> (client: TLSEngine.Handshake, server: TLSEngine.Handshake) {
        var states: (client: TLSEngine.Handshake, server: TLSEngine.Handshake) = (.needsInput, .needsInput)
        for _ in 0..<10 {
            states.client = client.handshake()
            move(from: client, to: server)
            states.server = server.handshake()
            move(from: server, to: client)
            if states == (.complete, .complete) { break }
            if case .failed = states.client { break }
            if case .failed = states.server { break }
        }
        return states
    }

    func move(from source: TLSEngine, to destination: TLSEngine) {
        let bytes = source.takeOutput()
        bytes.withUnsafeBytes { destination.feed($0) }
    }

    /// What `destination` reads after `source` wrote `text`.
    func send(_ text: String, from source: TLSEngine, to destination: TLSEngine) -> String? {
        Array(text.utf8).withUnsafeBytes { _ = source.write($0) }
        move(from: source, to: destination)
        return Self.readAll(destination)
    }

    static func readAll(_ engine: TLSEngine) -> String? {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let read = buffer.withUnsafeMutableBytes { engine.read(into: $0) }
        guard case .bytes(let count) = read else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

@Suite struct TLSEngineTests {
    @Test func aSelfSignedServerHandshakesCarriesBytesBothWaysAndIsUnverified() throws {
        try withTemporaryDirectory { folder in
            let certificate = try TestCertificate(in: folder, name: "server")
            let pair = try Pair(
                server: .server(certificateFile: certificate.certificatePath, keyFile: certificate.keyPath),
                client: .client())
            #expect(pair.handshake() == (.complete, .complete))
            #expect(pair.client.protocolVersion == "TLSv1.3")
            #expect(pair.send("MSG alice hello\n", from: pair.server, to: pair.client) == "MSG alice hello\n")
            #expect(pair.send("/users\n", from: pair.client, to: pair.server) == "/users\n")
            #expect(pair.client.verification == .unverified("self-signed certificate"))
            #expect(try pair.client.peerCertificate?.fingerprint.description == certificate.fingerprint)
            #expect(pair.client.peerCertificate?.subject == "CN=localhost")
        }
    }

    @Test func aCertificateFromATrustedAuthorityVerifiesByNameAndByAddress() throws {
        try withTemporaryDirectory { folder in
            let authority = try TestCertificate(in: folder, name: "ca", commonName: "Test CA", names: [], isAuthority: true)
            let certificate = try TestCertificate(in: folder, name: "server", signedBy: authority)
            let server = try TLSContext.server(certificateFile: certificate.certificatePath, keyFile: certificate.keyPath)
            let client = try TLSContext.client(authorityFile: authority.certificatePath)
            for host in ["localhost", "127.0.0.1"] {
                let pair = try Pair(server: server, client: client, host: host)
                #expect(pair.handshake() == (.complete, .complete))
                #expect(pair.client.verification == .verified, "\(host)")
            }
            let other = try Pair(server: server, client: client, host: "chat.example.org")
            #expect(other.handshake() == (.complete, .complete))
            #expect(other.client.verification == .invalid("it is for CN=localhost, not chat.example.org"))
        }
    }

    @Test func anExpiredOrNotYetValidCertificateIsInvalidEvenWhenSelfSigned() throws {
        try withTemporaryDirectory { folder in
            let expired = try TestCertificate(in: folder, name: "expired", days: (-30, -1))
            let future = try TestCertificate(in: folder, name: "future", days: (2, 30))
            for (certificate, text) in [
                (expired, "it expired on \(try Certificate(pemFile: expired.certificatePath).notAfter)"),
                (future, "it is not valid before \(try Certificate(pemFile: future.certificatePath).notBefore)"),
            ] {
                let pair = try Pair(
                    server: .server(certificateFile: certificate.certificatePath, keyFile: certificate.keyPath),
                    client: .client())
                #expect(pair.handshake() == (.complete, .complete))
                #expect(pair.client.verification == .invalid(text))
            }
        }
    }

    @Test func garbageInsteadOfAHandshakeFailsIt() throws {
        try withTemporaryDirectory { folder in
            let certificate = try TestCertificate(in: folder, name: "server")
            let server = try TLSEngine(
                server: .server(certificateFile: certificate.certificatePath, keyFile: certificate.keyPath))
            Array("GET / HTTP/1.0\r\n\r\n".utf8).withUnsafeBytes { server.feed($0) }
            guard case .failed(let reason) = server.handshake() else {
                Issue.record("the handshake did not fail")
                return
            }
            #expect(reason.hasPrefix("the handshake failed: "))
        }
    }

    @Test func closingSendsCloseNotifyWhichThePeerReadsAsClosed() throws {
        try withTemporaryDirectory { folder in
            let pair = try Pair(selfSignedIn: folder)
            Array("BYE bye\n".utf8).withUnsafeBytes { _ = pair.server.write($0) }
            pair.server.close()
            pair.move(from: pair.server, to: pair.client)
            #expect(Pair.readAll(pair.client) == "BYE bye\n")
            var buffer = [UInt8](repeating: 0, count: 64)
            #expect(buffer.withUnsafeMutableBytes { pair.client.read(into: $0) } == .closed)
        }
    }

    @Test func aLargeReadIsBufferedAcrossReadsAndIdleBuffersAreGivenBack() throws {
        try withTemporaryDirectory { folder in
            let pair = try Pair(selfSignedIn: folder)
            let line = String(repeating: "x", count: 99) + "\n"
            let text = String(repeating: line, count: 1000)
            Array(text.utf8).withUnsafeBytes { _ = pair.server.write($0) }
            pair.move(from: pair.server, to: pair.client)
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while pair.client.hasBufferedInput {
                guard case .bytes(let count) = buffer.withUnsafeMutableBytes({ pair.client.read(into: $0) }) else { break }
                received += buffer[..<count]
            }
            #expect(received.count == text.utf8.count)
            #expect(String(decoding: received, as: UTF8.self) == text)
            pair.client.releaseIdleBuffers()
            pair.server.releaseIdleBuffers()
            #expect(pair.send("still here\n", from: pair.server, to: pair.client) == "still here\n")
        }
    }
}

@Suite struct TLSContextTests {
    @Test func aMissingFileAnUnrelatedKeyAndAFileWithoutACertificateAreEachNamed() throws {
        try withTemporaryDirectory { folder in
            let first = try TestCertificate(in: folder, name: "first")
            let second = try TestCertificate(in: folder, name: "second")
            #expect(throws: TLSError("cannot read \(folder)/none.pem: No such file or directory")) {
                try TLSContext.server(certificateFile: "\(folder)/none.pem", keyFile: first.keyPath)
            }
            #expect(
                throws: TLSError(
                    "the key \(second.keyPath) does not match the certificate \(first.certificatePath)")
            ) {
                try TLSContext.server(certificateFile: first.certificatePath, keyFile: second.keyPath)
            }
            #expect(throws: TLSError("no certificate in \(first.keyPath): no start line")) {
                try TLSContext.server(certificateFile: first.keyPath, keyFile: first.keyPath)
            }
        }
    }
}

@Suite struct FingerprintTests {
    @Test func readsAndWritesTheOneForm() {
        let hex = String(repeating: "0a", count: 32)
        #expect(Fingerprint("sha256:\(hex)")?.description == "sha256:\(hex)")
        #expect(Fingerprint("sha256:\(hex.uppercased())")?.description == "sha256:\(hex)")
        #expect(Fingerprint(hex) == nil)
        #expect(Fingerprint("sha256:\(hex.dropLast())") == nil)
        #expect(Fingerprint("sha256:" + String(repeating: "zz", count: 32)) == nil)
        #expect(Fingerprint("sha1:\(hex)") == nil)
    }
}
