import ChatTLS
import ChatTestSupport
import Glibc
import Testing

/// `chatroom-server` with TLS as it is deployed: its options, its log, SIGHUP, and what a bad peer costs it.
@Suite struct TLSServerProcessTests {
    private func tlsArguments(_ certificate: TestCertificate, _ more: [String] = []) -> [String] {
        ["--tls-cert", certificate.certificatePath, "--tls-key", certificate.keyPath, "--tls-port", "0"] + more
    }

    private func count(_ text: String, in log: String) -> Int {
        log.split(separator: "\n").filter { $0.contains(text) }.count
    }

    @Test func garbageAStalledHandshakeAndAResetEachCostOneLogLineAndNothingElse() throws {
        try withTemporaryDirectory { folder in
            let certificate = try TestCertificate(in: folder, name: "server")
            let server = try ServerProcess(arguments: tlsArguments(certificate, ["--rate", "0"]))
            let tlsPort = try #require(server.tlsPort)
            let (observer, _) = try join(server.port)
            let (talker, _) = try join(server.port)
            _ = try observer.readLines(1)
            let baseThreads = try #require(server.proc.threadCount)
            let baseDescriptors = try #require(server.proc.descriptorCount)
            func expectBaseline(_ step: String, failures: Int) throws {
                var seen: (threads: Int?, descriptors: Int?, failures: Int) = (nil, nil, 0)
                let back = eventually(timeout: .seconds(15)) {
                    seen = (server.proc.threadCount, server.proc.descriptorCount, count("tls handshake failed", in: server.log))
                    return seen.threads == baseThreads && seen.descriptors == baseDescriptors && seen.failures == failures
                }
                #expect(
                    back,
                    "after \(step): \(seen.threads ?? -1) threads (baseline \(baseThreads)), \(seen.descriptors ?? -1) descriptors (baseline \(baseDescriptors)), \(seen.failures) failures logged; log: \(server.log.suffix(800))"
                )
                // The room never noticed.
                try talker.send("after \(step)")
                #expect(try observer.readLine() == "MSG user2 after \(step)")
                #expect(try observer.sync() == [])
            }

            // Garbage instead of a handshake: an HTTP request on the TLS port.
            let garbage = try LineClient(port: tlsPort)
            try garbage.sendRaw(Array("GET / HTTP/1.1\r\nHost: chat\r\n\r\n".utf8))
            _ = try garbage.readUntilClosed()
            try expectBaseline("garbage", failures: 1)

            // A reset in the middle of the handshake: half a ClientHello, then RST.
            let resetting = try LineClient(port: tlsPort)
            let hello = try TLSEngine(client: .client(), host: "localhost")
            _ = hello.handshake()
            let firstFlight = hello.takeOutput()
            try resetting.sendRaw(Array(firstFlight.prefix(firstFlight.count / 2)))
            #expect(eventually { server.proc.threadCount == baseThreads + 1 })
            resetting.close(reset: true)
            try expectBaseline("a reset", failures: 2)

            // A handshake that stalls: the connection is closed at the 10 s limit.
            let started = ContinuousClock.now
            let stalled = try LineClient(port: tlsPort)
            try stalled.sendRaw(Array(firstFlight.prefix(10)))
            #expect(try stalled.readUntilClosed(timeout: .seconds(15)) == [])
            #expect(ContinuousClock.now - started >= .seconds(9))
            try expectBaseline("a stall", failures: 3)
            #expect(count("reason=no handshake within 10 s", in: server.log) == 1, "\(server.log)")
            server.signal(SIGTERM)
            #expect(server.waitForExit(timeout: .seconds(5)) == 0)
        }
    }

    @Test func sighupReloadsTheCertificateForNewConnectionsWhileAnOldOneChatsOn() throws {
        try withTemporaryDirectory { folder in
            let first = try TestCertificate(in: folder, name: "first")
            let second = try TestCertificate(in: folder, name: "second")
            let live = (certificate: "\(folder)/live.pem", key: "\(folder)/live.key")
            func install(_ certificate: TestCertificate) throws {
                // As certbot does: the new files are renamed into place.
                for (from, to) in [(certificate.certificatePath, live.certificate), (certificate.keyPath, live.key)] {
                    let copy = to + ".new"
                    _ = try runProcess(["/bin/cp", from, copy])
                    guard rename(copy, to) == 0 else { throw TestFailure("rename failed: errno \(errno)") }
                }
            }
            try install(first)
            let server = try ServerProcess(arguments: [
                "--tls-cert", live.certificate, "--tls-key", live.key, "--tls-port", "0",
            ])
            let tlsPort = try #require(server.tlsPort)
            #expect(server.log.contains("fingerprint=\(try first.fingerprint)"))
            let old = try LineClient(port: tlsPort, tls: .client())
            #expect(old.tls?.peerCertificate?.fingerprint.description == (try first.fingerprint))
            _ = try old.readLine()

            try install(second)
            server.signal(SIGHUP)
            #expect(eventually { server.log.contains("tls certificate reloaded") }, "\(server.log)")
            #expect(count("fingerprint=\(try second.fingerprint)", in: server.log) == 1)
            let new = try LineClient(port: tlsPort, tls: .client())
            #expect(new.tls?.peerCertificate?.fingerprint.description == (try second.fingerprint))
            #expect(try new.readLine()?.hasPrefix("WELCOME user2 ") == true)
            #expect(try old.readLine() == "JOIN user2")
            try old.send("still here")
            #expect(try old.readLine() == "MSG user1 still here")
            #expect(try new.readLine() == "MSG user1 still here")

            // A broken file: logged, and the pair in use stays.
            _ = try runProcess(["/bin/sh", "-c", "echo broken > \"$0\"", live.certificate])
            server.signal(SIGHUP)
            #expect(eventually { server.log.contains("tls certificate reload failed; keeping the one in use") })
            let after = try LineClient(port: tlsPort, tls: .client())
            #expect(after.tls?.peerCertificate?.fingerprint.description == (try second.fingerprint))
            #expect(try after.readLine()?.hasPrefix("WELCOME user3 ") == true)
        }
    }

    @Test func tlsOnlyListensForTLSAlone() throws {
        try withTemporaryDirectory { folder in
            let certificate = try TestCertificate(in: folder, name: "server")
            let server = try ServerProcess(arguments: tlsArguments(certificate, ["--tls-only"]))
            let listening = server.log.split(separator: "\n").filter { $0.contains("listening on") }
            #expect(listening.count == 1)
            #expect(listening.first?.hasSuffix("listening on 127.0.0.1:\(server.port) (tls)") == true, "\(listening)")
            let client = try LineClient(port: server.port, tls: .client())
            #expect(try client.readLine()?.hasPrefix("WELCOME user1 ") == true)
            #expect(try client.sync() == [])
        }
    }

    @Test func aBadCertificateOrKeyIsOneLineAndStatus1() throws {
        try withTemporaryDirectory { folder in
            let first = try TestCertificate(in: folder, name: "first")
            let second = try TestCertificate(in: folder, name: "second")
            let server = try BuiltProducts.path("chatroom-server")
            let cases: [([String], String)] = [
                (["--tls-cert", "\(folder)/none.pem", "--tls-key", first.keyPath],
                 "chatroom-server: cannot read \(folder)/none.pem: No such file or directory\n"),
                (["--tls-cert", first.certificatePath, "--tls-key", second.keyPath],
                 "chatroom-server: the key \(second.keyPath) does not match the certificate \(first.certificatePath)\n"),
                (["--tls-cert", first.keyPath, "--tls-key", first.keyPath],
                 "chatroom-server: no certificate in \(first.keyPath): no start line\n"),
            ]
            for (arguments, message) in cases {
                let result = try runProcess(
                    [server, "--host", "127.0.0.1", "--port", "0", "--store", "none", "--tls-port", "0"] + arguments)
                #expect(result.status == 1, "\(result)")
                #expect(result.errors == message)
            }
        }
    }

    @Test(arguments: [
        (["--tls-only"], "--tls-only needs a certificate: --tls-cert FILE --tls-key FILE"),
        (["--tls-cert", "cert.pem"], "--tls-cert needs --tls-key"),
        (["--tls-key", "key.pem"], "--tls-key needs --tls-cert"),
        (["--tls-port", "70000"], "--tls-port must be between 0 and 65535"),
    ])
    func aTLSUsageErrorIsStatus64(arguments: [String], message: String) throws {
        let server = try BuiltProducts.path("chatroom-server")
        let result = try runProcess([server, "--store", "none"] + arguments)
        #expect(result.status == 64, "\(result)")
        #expect(result.errors.contains(message), "\(result.errors)")
    }
}
