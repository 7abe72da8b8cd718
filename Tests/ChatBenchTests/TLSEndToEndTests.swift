import ChatBench
import ChatServer
import ChatTestSupport
import Glibc
import Testing

/// An in-process server with a plain and a TLS listener on free ports, for the length of `body`.
///
/// - Parameters:
///   - names: What the server's certificate names (the first is its common name too).
///   - days: Its validity, in days from now.
///   - selfSigned: Whether the certificate signs itself (else the authority signs it).
///   - body: Given the server and the authority's PEM file.
@discardableResult
private func withTLSServer<T>(
    names: [String] = ["localhost", "127.0.0.1"], days: (notBefore: Int, notAfter: Int) = (-1, 365),
    selfSigned: Bool = false, _ body: (ChatServer, String) throws -> T
) throws -> T {
    try withTemporaryDirectory { folder in
        let authority = try TestCertificate(in: folder, name: "ca", commonName: "Test CA", names: [], isAuthority: true)
        let certificate = try TestCertificate(
            in: folder, name: "server", commonName: names.first ?? "localhost", names: names, days: days,
            signedBy: selfSigned ? nil : authority)
        var configuration = ChatServer.Configuration(host: "127.0.0.1", port: 0, rate: 0)
        configuration.tls = .init(certificateFile: certificate.certificatePath, keyFile: certificate.keyPath, port: 0)
        let server = try ChatServer(configuration: configuration, logger: quietLogger)
        try server.start()
        defer { server.shutdown(grace: .milliseconds(200)) }
        return try body(server, authority.certificatePath)
    }
}

/// Whole runs over TLS against an in-process server, one at a time.
@Suite(.serialized) struct TLSEndToEndTests {
    @Test(arguments: [1, 2])
    func aShortRunOverTLSDeliversEveryMessageAfterAHandshakePerClient(threads: Int) throws {
        try withTLSServer { server, authority in
            let report = try BenchRunner(
                configuration: .init(
                    port: server.tlsPort, clients: 20, senders: 4, rate: 200, duration: 1, warmup: 0, drain: 5,
                    threads: threads, tls: .verified(authorityFile: authority))
            ).run()
            #expect(report.connect.welcomed == 20)
            #expect(report.connect.failed == 0)
            #expect(report.connect.handshakes == 20)
            #expect(report.connect.tlsVersion == "TLSv1.3")
            #expect(report.connect.joins == 190)
            #expect(report.connect.handshakesPerSecond == 20 / report.connect.welcomeSeconds)
            let load = try #require(report.load)
            #expect(load.sent == 200)
            #expect(load.skipped == 0)
            #expect(load.expected == 4_000)
            #expect(load.delivered == 4_000)
            #expect(load.deliveredInWindow == 4_000)
            #expect(load.latency.count == 4_000)
            #expect(load.lostClients == 0)
            #expect(
                report.text.hasPrefix("run       127.0.0.1:\(server.tlsPort) over TLSv1.3 (certificate verified), "))
        }
    }

    @Test func theServersMemoryIsSharedOutPerTLSConnection() throws {
        try withTLSServer { server, authority in
            // The server runs in this process, so its /proc entry is this process's.
            let report = try BenchRunner(
                configuration: .init(
                    port: server.tlsPort, clients: 20, rate: 0, serverPID: getpid(),
                    tls: .verified(authorityFile: authority))
            ).run()
            let probe = try #require(report.probe)
            #expect(probe.latency.count == 20)
            let memory = try #require(report.server)
            #expect(memory.connections == 20)
            #expect(
                memory.residentKiBPerConnection
                    == Double(memory.connected.residentKiB - memory.before.residentKiB) / 20)
            #expect(report.text.contains("/TLS connection"))
        }
    }

    @Test func aSelfSignedCertificateFailsTheRunUnlessTheBenchIsTold() throws {
        try withTLSServer(selfSigned: true) { server, _ in
            #expect(
                throws: BenchError.certificateRejected(
                    host: "127.0.0.1", port: server.tlsPort, reason: "self-signed certificate")
            ) {
                try BenchRunner(
                    configuration: .init(port: server.tlsPort, clients: 5, rate: 0, tls: .verified(authorityFile: nil))
                ).run()
            }
            let report = try BenchRunner(
                configuration: .init(port: server.tlsPort, clients: 5, rate: 0, tls: .insecure)
            ).run()
            #expect(report.connect.handshakes == 5)
            #expect(report.probe?.latency.count == 5)
            #expect(report.text.contains(" over TLSv1.3 (certificate not checked), "))
        }
    }

    @Test func aCertificateForAnotherHostFailsTheRun() throws {
        try withTLSServer(names: ["chat.example.org"]) { server, authority in
            #expect(
                throws: BenchError.certificateRejected(
                    host: "127.0.0.1", port: server.tlsPort, reason: "it is for CN=chat.example.org, not 127.0.0.1")
            ) {
                try BenchRunner(
                    configuration: .init(
                        port: server.tlsPort, clients: 5, rate: 0, tls: .verified(authorityFile: authority))
                ).run()
            }
        }
    }

    @Test func anExpiredCertificateFailsTheRun() throws {
        try withTLSServer(days: (-30, -1)) { server, authority in
            let error = #expect(throws: BenchError.self) {
                try BenchRunner(
                    configuration: .init(
                        port: server.tlsPort, clients: 5, rate: 0, tls: .verified(authorityFile: authority))
                ).run()
            }
            guard case .certificateRejected(_, _, let reason) = error else {
                Issue.record("not refused for its certificate: \(String(describing: error))")
                return
            }
            #expect(reason.hasPrefix("it expired on "))
        }
    }

    @Test func tlsToThePlainListenerSaysItIsNotATLSOne() throws {
        try withTLSServer { server, _ in
            let error = #expect(throws: BenchError.self) {
                try BenchRunner(configuration: .init(port: server.port, clients: 3, rate: 0, tls: .insecure)).run()
            }
            guard case .handshakeFailed(let failed, let reason) = error else {
                Issue.record("not a handshake failure: \(String(describing: error))")
                return
            }
            #expect(failed == 3)
            #expect(reason.hasPrefix("the handshake failed: "))
            #expect(error?.description.hasSuffix("is that port the server's TLS listener?") == true)
        }
    }

    @Test func anUnreadableAuthorityFileIsSaidBeforeConnecting() throws {
        #expect(throws: BenchError.tls("cannot read /nonexistent/ca.pem: No such file or directory")) {
            try BenchRunner(
                configuration: .init(clients: 1, rate: 0, tls: .verified(authorityFile: "/nonexistent/ca.pem"))
            ).run()
        }
    }
}
