import ChatClient
import ChatProtocol
import ChatServer
import ChatTLS
import ChatTestSupport
import Foundation
import Glibc
import Testing

/// ``ChatConnection`` over TLS, against the real server's TLS listener in this process and a test server
/// that plays the server's end: handshake, trust on first use, pins, refusals, and the lines on the wire.
@Suite struct ChatConnectionTLSTests {
    private let welcome = Event.welcome(name: "user1", text: "Welcome to chatroom! Type /help for the commands.")

    private func options(
        _ port: Int, tls: TLSSettings, reconnect: Bool = false, host: String = "127.0.0.1"
    ) -> ChatConnection.Options {
        ChatConnection.Options(
            address: ServerAddress(host: host, port: port), reconnect: reconnect,
            backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(100)), connectTimeout: .seconds(2),
            capabilities: false, tls: tls)
    }

    /// Runs an in-process server with a TLS listener on a free port, its certificate and key those given.
    private func withTLSServer<T>(
        _ certificate: TestCertificate, _ body: (_ plainPort: Int, _ tlsPort: Int) async throws -> T
    ) async throws -> T {
        var configuration = ChatServer.Configuration()
        configuration.tls = .init(certificateFile: certificate.certificatePath, keyFile: certificate.keyPath, port: 0)
        return try await withRunningServer(configuration) { server, port in try await body(port, server.tlsPort) }
    }

    /// Runs `body` with a new folder under `/tmp`, removed afterwards (``withTemporaryDirectory(_:)``, for async bodies).
    private func withFolder<T>(_ body: (String) async throws -> T) async throws -> T {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        return try await body(folder)
    }

    private func contents(of path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 64 * 1024)
        let count = read(fd, &bytes, bytes.count)
        return String(decoding: bytes[..<max(0, count)], as: UTF8.self)
    }

    private func write(_ text: String, to path: String) throws {
        var folder = ""
        for part in path.split(separator: "/").dropLast() {
            folder += "/" + part
            mkdir(folder, 0o700)
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw TestFailure("cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    private func description(of certificate: TestCertificate) throws -> ServerCertificate {
        let read = try Certificate(pemFile: certificate.certificatePath)
        return ServerCertificate(
            subject: read.subject, issuer: read.issuer, fingerprint: read.fingerprint.description,
            notBefore: read.notBefore, notAfter: read.notAfter)
    }

    @Test func anUnknownCertificateWaitsForTheAnswerIsPinnedByTrustAndNotAskedAgain() async throws {
        try await withFolder { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let pins = folder + "/config/chatroom/known_servers"
            try await withTLSServer(certificate) { plainPort, tlsPort in
                let address = ServerAddress(host: "127.0.0.1", port: tlsPort)
                let recorder = EventRecorder()
                let connection = try ChatConnection(
                    options: options(tlsPort, tls: TLSSettings(knownServersPath: pins)), sink: recorder.sink)
                try connection.start()
                defer { connection.stop() }
                try recorder.waitFor("the question") { $0.count >= 2 }
                let shown = try description(of: certificate)
                let question = CertificateQuestion(
                    server: "127.0.0.1:\(tlsPort)", certificate: shown, reason: "self-signed certificate", pinFile: pins
                )
                #expect(recorder.all == [.connecting(address), .certificateUnknown(question)])
                // Nothing goes out while the question is open.
                #expect(!connection.isConnected)
                #expect(!connection.send("/users"))
                #expect(contents(of: pins) == nil)

                connection.trustCertificate()
                try recorder.waitForLine(welcome.wireLine)
                let session = TLSSession(
                    protocolVersion: "TLSv1.3", certificate: shown, trust: .trustedAndPinned(line: 1, file: pins))
                #expect(
                    recorder.all == [
                        .connecting(address), .certificateUnknown(question), .secured(session), .connected(address),
                        .received(welcome),
                    ])
                #expect(contents(of: pins) == "127.0.0.1:\(tlsPort) \(try certificate.fingerprint)\n")

                // The same room as a plain client, which hears what crossed the wire encrypted.
                let (bob, bobName) = try join(plainPort)
                try recorder.waitForLine("JOIN \(bobName)")
                #expect(connection.send(Command.broadcast("over tls").wireLine))
                #expect(try bob.readLine() == "MSG user1 over tls")
                try bob.send("/bc in the clear")
                try recorder.waitForLine("MSG \(bobName) in the clear")

                // Another run finds the pin and asks nothing.
                let again = EventRecorder()
                let second = try ChatConnection(
                    options: options(tlsPort, tls: TLSSettings(knownServersPath: pins)), sink: again.sink)
                try second.start()
                defer { second.stop() }
                try again.waitFor("the WELCOME") { $0.count >= 4 }
                let pinned = TLSSession(
                    protocolVersion: "TLSv1.3", certificate: shown, trust: .pinned(line: 1, file: pins))
                #expect(
                    again.all.prefix(4) == [
                        .connecting(address), .secured(pinned), .connected(address),
                        .received(.welcome(name: "user3", text: welcome.welcomeText)),
                    ])
                #expect(contents(of: pins) == "127.0.0.1:\(tlsPort) \(try certificate.fingerprint)\n")
            }
        }
    }

    @Test func declineEndsTheConnectionForGoodAndPinsNothing() async throws {
        try await withFolder { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let pins = folder + "/known_servers"
            try await withTLSServer(certificate) { _, tlsPort in
                let recorder = EventRecorder()
                let connection = try ChatConnection(
                    options: options(tlsPort, tls: TLSSettings(knownServersPath: pins), reconnect: true),
                    sink: recorder.sink)
                try connection.start()
                defer { connection.stop() }
                try recorder.waitFor("the question") { $0.count >= 2 }
                connection.declineCertificate()
                try recorder.waitFor("the end") { $0.last == .closed }
                #expect(
                    recorder.all.dropFirst(2) == [
                        .disconnected(reason: "the certificate of 127.0.0.1:\(tlsPort) was not trusted", retryIn: nil),
                        .closed,
                    ])
                #expect(contents(of: pins) == nil)
            }
        }
    }

    @Test func aPinnedServerShowingAnotherCertificateIsRefusedWithBothFingerprintsAndTheLine() async throws {
        try await withFolder { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let old = try TestCertificate(in: folder, name: "old")
            let pins = folder + "/known_servers"
            try await withTLSServer(certificate) { _, tlsPort in
                let before = "# pins\n\n127.0.0.1:\(tlsPort) \(try old.fingerprint)\n"
                try write(before, to: pins)
                let recorder = EventRecorder()
                let connection = try ChatConnection(
                    options: options(tlsPort, tls: TLSSettings(knownServersPath: pins), reconnect: true),
                    sink: recorder.sink)
                try connection.start()
                defer { connection.stop() }
                try recorder.waitFor("the end") { $0.last == .closed }
                let refusal = CertificateRefusal.changed(
                    server: "127.0.0.1:\(tlsPort)", certificate: try description(of: certificate),
                    pins: [.init(line: 3, fingerprint: try old.fingerprint)], file: pins)
                // Final: no retry, though the connection reconnects after a loss.
                #expect(
                    recorder.all == [
                        .connecting(ServerAddress(host: "127.0.0.1", port: tlsPort)), .certificateRefused(refusal),
                        .closed,
                    ])
                #expect(refusal.lines[2] == "  pinned       \(try old.fingerprint)")
                #expect(refusal.lines[3] == "  shown        \(try certificate.fingerprint)")
                #expect(refusal.lines[5].contains("delete line 3 of \(pins) and connect again"))
                #expect(contents(of: pins) == before)
            }
        }
    }

    @Test func theFingerprintGivenDecidesForTheRunAndWritesNothing() async throws {
        try await withFolder { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let other = try TestCertificate(in: folder, name: "other")
            let pins = folder + "/known_servers"
            try await withTLSServer(certificate) { _, tlsPort in
                // A pin of another certificate is not even read.
                let before = "127.0.0.1:\(tlsPort) \(try other.fingerprint)\n"
                try write(before, to: pins)
                let shown = try description(of: certificate)
                let address = ServerAddress(host: "127.0.0.1", port: tlsPort)
                let accepted = EventRecorder()
                let connection = try ChatConnection(
                    options: options(
                        tlsPort, tls: TLSSettings(fingerprint: try certificate.fingerprint, knownServersPath: pins)),
                    sink: accepted.sink)
                try connection.start()
                defer { connection.stop() }
                try accepted.waitForLine(welcome.wireLine)
                let session = TLSSession(protocolVersion: "TLSv1.3", certificate: shown, trust: .fingerprintGiven)
                #expect(accepted.all.prefix(3) == [.connecting(address), .secured(session), .connected(address)])

                let refused = EventRecorder()
                let wrong = try ChatConnection(
                    options: options(
                        tlsPort, tls: TLSSettings(fingerprint: try other.fingerprint, knownServersPath: pins)),
                    sink: refused.sink)
                try wrong.start()
                defer { wrong.stop() }
                try refused.waitFor("the end") { $0.last == .closed }
                #expect(
                    refused.all == [
                        .connecting(address),
                        .certificateRefused(
                            .notTheGivenFingerprint(
                                server: "127.0.0.1:\(tlsPort)", certificate: shown, given: try other.fingerprint)),
                        .closed,
                    ])
                #expect(contents(of: pins) == before)
            }
        }
    }

    @Test func aVerifiedCertificateNeedsNoPinWhileAnotherHostsOrAnExpiredOneIsRefused() async throws {
        try await withFolder { folder throws in
            let authority = try TestCertificate(
                in: folder, name: "ca", commonName: "Test CA", names: [], isAuthority: true)
            let signed = try TestCertificate(in: folder, name: "signed", signedBy: authority)
            let nameOnly = try TestCertificate(in: folder, name: "name-only", names: ["localhost"], signedBy: authority)
            let expired = try TestCertificate(in: folder, name: "expired", days: (-30, -1))
            let pins = folder + "/known_servers"
            func run(_ certificate: TestCertificate, authority: String?, host: String = "127.0.0.1") async throws
                -> (events: [ConnectionEvent], port: Int)
            {
                try await withTLSServer(certificate) { _, tlsPort in
                    // A pin matters only for a certificate that does not verify: the verified ones get a wrong one,
                    // the expired one its own.
                    let pinned = authority == nil ? try certificate.fingerprint : try expired.fingerprint
                    try write("\(host):\(tlsPort) \(pinned)\n", to: pins)
                    let recorder = EventRecorder()
                    let connection = try ChatConnection(
                        options: options(
                            tlsPort, tls: TLSSettings(authorityFile: authority, knownServersPath: pins), host: host),
                        sink: recorder.sink)
                    try connection.start()
                    defer { connection.stop() }
                    try recorder.waitFor("the WELCOME or the end") { events in
                        events.last == .closed || events.contains { if case .received = $0 { true } else { false } }
                    }
                    return (recorder.all, tlsPort)
                }
            }

            let verified = try await run(signed, authority: authority.certificatePath)
            let session = TLSSession(
                protocolVersion: "TLSv1.3", certificate: try description(of: signed), trust: .verified)
            #expect(
                verified.events.dropFirst().prefix(2) == [
                    .secured(session), .connected(ServerAddress(host: "127.0.0.1", port: verified.port)),
                ])

            let wrongHost = try await run(nameOnly, authority: authority.certificatePath)
            #expect(
                wrongHost.events.dropFirst() == [
                    .certificateRefused(
                        .invalid(
                            server: "127.0.0.1:\(wrongHost.port)", certificate: try description(of: nameOnly),
                            reason: "it is for CN=localhost, not 127.0.0.1")),
                    .closed,
                ])

            let late = try await run(expired, authority: nil)
            let notAfter = try Certificate(pemFile: expired.certificatePath).notAfter
            #expect(
                late.events.dropFirst() == [
                    .certificateRefused(
                        .invalid(
                            server: "127.0.0.1:\(late.port)", certificate: try description(of: expired),
                            reason: "it expired on \(notAfter)")),
                    .closed,
                ])
        }
    }

    @Test func aHandshakeThatStallsGivesUpAtItsDeadlineAndRetries() throws {
        // A listening socket that never accepts: the kernel completes the TCP connection, nothing answers.
        let silent = try ScriptedServer()
        let recorder = EventRecorder()
        let connection = try ChatConnection(
            options: options(
                silent.port, tls: TLSSettings(knownServersPath: nil, handshakeTimeout: .milliseconds(200)),
                reconnect: true),
            sink: recorder.sink)
        let started = ContinuousClock.now
        try connection.start()
        defer { connection.stop() }
        try recorder.waitFor("a retry") { $0.count >= 3 }
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        let address = ServerAddress(host: "127.0.0.1", port: silent.port)
        #expect(
            Array(recorder.all.prefix(3)) == [
                .connecting(address),
                .disconnected(reason: "the TLS handshake did not finish within 200ms", retryIn: .milliseconds(20)),
                .connecting(address),
            ])
    }

    @Test func aPlainServerOnTheTLSPortIsNamedAsSuch() async throws {
        try await withRunningServer { _, port in
            let recorder = EventRecorder()
            let connection = try ChatConnection(
                options: options(port, tls: TLSSettings(knownServersPath: nil)), sink: recorder.sink)
            try connection.start()
            defer { connection.stop() }
            try recorder.waitFor("the end") { $0.last == .closed }
            #expect(
                recorder.all.dropFirst() == [
                    .disconnected(
                        reason: "the server answered in plain text, not TLS (is this its plain port?)", retryIn: nil),
                    .closed,
                ])
        }
    }

    @Test func quitSendsTheQuitLineThenCloseNotifyAndABurstArrivesWholeAndInOrder() throws {
        try withTemporaryDirectory { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let context = try TLSContext.server(
                certificateFile: certificate.certificatePath, keyFile: certificate.keyPath)
            let server = try ScriptedServer()
            let recorder = EventRecorder()
            let connection = try ChatConnection(
                options: options(
                    server.port, tls: TLSSettings(fingerprint: try certificate.fingerprint, knownServersPath: nil)),
                sink: recorder.sink)
            try connection.start()
            defer { connection.stop() }
            let peer = try TLSPeer(accepting: server, context: context)
            // More than the connection reads at once (64 KiB), in one go.
            let burst = (1...4000).map { "MSG bob line \($0) of the burst" }
            try peer.send([welcome.wireLine] + burst)
            try recorder.waitForLine(burst[burst.count - 1])
            #expect(recorder.received == [welcome.wireLine] + burst)

            #expect(connection.send("/users"))
            #expect(try peer.readLine() == "/users")
            connection.quit()
            #expect(try peer.readLine() == "/quit")
            #expect(try peer.readLine() == nil)
            #expect(peer.closeNotified)
            try peer.send(["BYE bye"])
            try recorder.waitForLine("BYE bye")
        }
    }

    @Test func anUnreadableAuthorityFileOrABadFingerprintFailsAtOnce() throws {
        func failure(_ tls: TLSSettings) -> ClientError? {
            do throws(ClientError) {
                _ = try ChatConnection(options: options(1, tls: tls)) { _ in }
                return nil
            } catch {
                return error
            }
        }
        #expect(
            failure(TLSSettings(authorityFile: "/nonexistent/ca.pem"))
                == .tls("cannot read /nonexistent/ca.pem: No such file or directory"))
        #expect(
            failure(TLSSettings(fingerprint: "sha256:12"))
                == .tls("sha256:12 is not a fingerprint (sha256: and 64 hex digits)"))
        #expect(failure(TLSSettings()) == nil)
    }

    @Test func aStopWhileTheQuestionIsOpenEndsTheWait() async throws {
        try await withFolder { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            try await withTLSServer(certificate) { _, tlsPort in
                let recorder = EventRecorder()
                let connection = try ChatConnection(
                    options: options(tlsPort, tls: TLSSettings(knownServersPath: folder + "/known_servers")),
                    sink: recorder.sink)
                try connection.start()
                try recorder.waitFor("the question") { $0.count >= 2 }
                connection.stop()
                try recorder.waitFor("the end") { $0.last == .closed }
                #expect(recorder.all.count == 3)
                // An answer after the end changes nothing.
                connection.trustCertificate()
                #expect(contents(of: folder + "/known_servers") == nil)
            }
        }
    }
}

extension Event {
    /// A `WELCOME`'s text.
    fileprivate var welcomeText: String {
        if case .welcome(_, let text) = self { text } else { "" }
    }
}
