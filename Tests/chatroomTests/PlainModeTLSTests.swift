import ChatTLS
import ChatTestSupport
import Foundation
import Glibc
import Testing

/// `chatroom --tls` in line mode against `chatroom-server` with a TLS listener: it never asks, so a certificate
/// that does not verify needs its pin or `--tls-fingerprint`; every refusal is on the error stream, with status 1.
@Suite struct PlainModeTLSTests {
    /// A server with a TLS listener beside the plain one, on free ports, with the certificate given.
    private func server(_ certificate: TestCertificate) throws -> ServerProcess {
        try ServerProcess(arguments: [
            "--tls-cert", certificate.certificatePath, "--tls-key", certificate.keyPath, "--tls-port", "0",
        ])
    }

    /// Runs `chatroom --plain --host HOST --port PORT OPTIONS` with `hello` as its input and its pins under
    /// `config` (`XDG_CONFIG_HOME`).
    ///
    /// - Returns: The exit status, the output without the times, and the error stream's lines.
    private func run(
        _ port: Int, _ options: [String], config: String, host: String = "127.0.0.1"
    ) throws -> (status: Int32, output: [String], errors: [String]) {
        let chatroom = try BuiltProducts.path("chatroom")
        let result = try runProcess(
            [chatroom, "--plain", "--host", host, "--port", "\(port)", "--name", "script"] + options,
            environment: ["LANG": "C.UTF-8", "XDG_CONFIG_HOME": config, "HOME": config + "/home"], input: "hello\n")
        return (
            result.status, result.output.split(separator: "\n").map { String($0.dropFirst(6)) },
            result.errors.split(separator: "\n").map(String.init)
        )
    }

    /// What line mode prints of its session, the server having named it `user<number>` first.
    private func session(_ number: Int = 1) -> [String] {
        [
            "* Welcome to chatroom! Type /help for the commands. (you are user\(number))", "* you are now script",
            "<script> hello",
        ]
    }

    private func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    @Test func withTheFingerprintGivenItChatsOverTLSAndPinsNothing() throws {
        try withTemporaryDirectory { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let server = try server(certificate)
            let tlsPort = try #require(server.tlsPort)
            let run = try run(tlsPort, ["--tls", "--tls-fingerprint", try certificate.fingerprint], config: folder)
            #expect(run.status == 0)
            #expect(run.output == session())
            #expect(
                run.errors == [
                    "chatroom: connected to 127.0.0.1:\(tlsPort) over TLSv1.3 (certificate as given with --tls-fingerprint)"
                ])
            #expect(!exists(folder + "/chatroom"))
            // Upper-case digits are the same fingerprint.
            let upper = "sha256:" + (try certificate.fingerprint).dropFirst(7).uppercased()
            #expect(try self.run(tlsPort, ["--tls", "--tls-fingerprint", upper], config: folder).status == 0)
        }
    }

    @Test func withoutTheFingerprintOrAPinItExits1NamingTheCertificateAndHowToTrustIt() throws {
        try withTemporaryDirectory { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let server = try server(certificate)
            let tlsPort = try #require(server.tlsPort)
            let read = try Certificate(pemFile: certificate.certificatePath)
            let fingerprint = try certificate.fingerprint
            let run = try run(tlsPort, ["--tls"], config: folder)
            #expect(run.status == 1)
            #expect(run.output.isEmpty)
            #expect(
                run.errors == [
                    "chatroom: the certificate of 127.0.0.1:\(tlsPort) cannot be verified (self-signed certificate), and"
                        + " is not pinned",
                    "chatroom:   subject      CN=localhost",
                    "chatroom:   issuer       CN=localhost",
                    "chatroom:   valid        \(read.notBefore) to \(read.notAfter)",
                    "chatroom:   fingerprint  \(fingerprint)",
                    "chatroom: line mode never asks: if that is the server's fingerprint (ask its operator), run again"
                        + " with --tls-fingerprint \(fingerprint), or answer yes once in the full-screen client, which"
                        + " pins it",
                    "chatroom: disconnected: the certificate of 127.0.0.1:\(tlsPort) was not trusted",
                ])
            #expect(!exists(folder + "/chatroom/known_servers"))

            // Pinned (by the full-screen client, say), it connects; pinned to another, it is refused.
            let pins = folder + "/chatroom/known_servers"
            mkdir(folder + "/chatroom", 0o700)
            #expect(
                FileManager.default.createFile(
                    atPath: pins, contents: Data("127.0.0.1:\(tlsPort) \(fingerprint)\n".utf8)))
            let pinned = try self.run(tlsPort, ["--tls"], config: folder)
            #expect(pinned.status == 0)
            // (The server welcomed the connection refused before it as user1.)
            #expect(pinned.output == session(2))
            #expect(pinned.errors == ["chatroom: connected to 127.0.0.1:\(tlsPort) over TLSv1.3 (certificate pinned)"])

            let other = try TestCertificate(in: folder, name: "other").fingerprint
            let changed = "# the pins\n127.0.0.1:\(tlsPort) \(other)\n"
            #expect(FileManager.default.createFile(atPath: pins, contents: Data(changed.utf8)))
            let refused = try self.run(tlsPort, ["--tls"], config: folder)
            #expect(refused.status == 1)
            #expect(refused.output.isEmpty)
            #expect(
                refused.errors == [
                    "chatroom: WARNING: the certificate of 127.0.0.1:\(tlsPort) has changed!",
                    "chatroom: it is not the one pinned for this server: someone may be intercepting the connection,"
                        + " or the server has a new certificate",
                    "chatroom:   pinned       \(other)",
                    "chatroom:   shown        \(fingerprint)",
                    "chatroom:   subject      CN=localhost",
                    "chatroom: if the new certificate is expected (ask the server's operator), delete line 2 of \(pins)"
                        + " and connect again; not connecting",
                ])
            #expect(try String(contentsOfFile: pins, encoding: .utf8) == changed)
        }
    }

    @Test func anotherFingerprintThanTheOneGivenIsRefused() throws {
        try withTemporaryDirectory { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let server = try server(certificate)
            let tlsPort = try #require(server.tlsPort)
            let other = try TestCertificate(in: folder, name: "other").fingerprint
            let run = try run(tlsPort, ["--tls", "--tls-fingerprint", other], config: folder)
            #expect(run.status == 1)
            #expect(run.output.isEmpty)
            #expect(
                run.errors == [
                    "chatroom: the certificate of 127.0.0.1:\(tlsPort) is refused: it is not the one given with"
                        + " --tls-fingerprint",
                    "chatroom:   given        \(other)",
                    "chatroom:   shown        \(try certificate.fingerprint)",
                    "chatroom:   subject      CN=localhost",
                    "chatroom: not connecting",
                ])
        }
    }

    @Test func aCertificateSignedForTheHostVerifiesWithoutAPin() throws {
        try withTemporaryDirectory { folder throws in
            let authority = try TestCertificate(
                in: folder, name: "ca", commonName: "Test CA", names: [], isAuthority: true)
            let certificate = try TestCertificate(in: folder, name: "server", signedBy: authority)
            let server = try server(certificate)
            let tlsPort = try #require(server.tlsPort)
            for (index, host) in ["127.0.0.1", "localhost"].enumerated() {
                let run = try run(
                    tlsPort, ["--tls", "--tls-ca", authority.certificatePath], config: folder, host: host)
                #expect(run.status == 0, "\(host)")
                #expect(run.output == session(index + 1), "\(host)")
                #expect(run.errors == ["chatroom: connected to \(host):\(tlsPort) over TLSv1.3 (certificate verified)"])
            }
            #expect(!exists(folder + "/chatroom"))
        }
    }

    @Test func aWrongHostAndAnExpiredCertificateAreRefusedWithAClearMessage() throws {
        try withTemporaryDirectory { folder throws in
            let authority = try TestCertificate(
                in: folder, name: "ca", commonName: "Test CA", names: [], isAuthority: true)
            let elsewhere = try TestCertificate(
                in: folder, name: "elsewhere", commonName: "chat.example.org", names: ["chat.example.org"],
                signedBy: authority)
            let wrongHost = try server(elsewhere)
            let wrongPort = try #require(wrongHost.tlsPort)
            for host in ["127.0.0.1", "localhost"] {
                let run = try run(
                    wrongPort, ["--tls", "--tls-ca", authority.certificatePath], config: folder, host: host)
                #expect(run.status == 1)
                #expect(run.output.isEmpty)
                #expect(
                    run.errors == [
                        "chatroom: the certificate of \(host):\(wrongPort) is refused: it is for CN=chat.example.org, not"
                            + " \(host)",
                        "chatroom:   subject      CN=chat.example.org",
                        "chatroom:   fingerprint  \(try elsewhere.fingerprint)",
                        "chatroom: a certificate that is wrong whoever signed it is never accepted, pinned or not;"
                            + " not connecting",
                    ])
            }

            // Expired: refused even with its own fingerprint given.
            let expired = try TestCertificate(in: folder, name: "expired", days: (-30, -1))
            let late = try server(expired)
            let latePort = try #require(late.tlsPort)
            let notAfter = try Certificate(pemFile: expired.certificatePath).notAfter
            let run = try run(latePort, ["--tls", "--tls-fingerprint", try expired.fingerprint], config: folder)
            #expect(run.status == 1)
            #expect(
                run.errors == [
                    "chatroom: the certificate of 127.0.0.1:\(latePort) is refused: it expired on \(notAfter)",
                    "chatroom:   subject      CN=localhost",
                    "chatroom:   fingerprint  \(try expired.fingerprint)",
                    "chatroom: a certificate that is wrong whoever signed it is never accepted, pinned or not;"
                        + " not connecting",
                ])
        }
    }

    @Test func withTLSNothingIsHostedWhenNothingAnswers() throws {
        try withTemporaryDirectory { folder throws in
            try withSilentPort(listening: false) { port in
                let chatroom = try BuiltProducts.path("chatroom")
                // No --host: the plain client would host a server here.
                let result = try runProcess(
                    [chatroom, "--plain", "--tls", "--port", "\(port)"],
                    environment: ["LANG": "C.UTF-8", "XDG_CONFIG_HOME": folder, "XDG_STATE_HOME": folder],
                    input: "hello\n")
                #expect(result.status == 1)
                #expect(result.output.isEmpty)
                #expect(
                    result.errors
                        == "chatroom: disconnected: nothing answers on 127.0.0.1:\(port) (connection refused)\n")
            }
        }
    }
}
