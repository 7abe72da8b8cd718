import ChatTLS
import ChatTestSupport
import Foundation
import Glibc
import Testing

/// TLS end to end: `chatroom --tls` in a tmux pane against `chatroom-server` with a TLS listener beside its
/// plain one, the pins under a `XDG_CONFIG_HOME` of the test's own.
extension EndToEndTests {
    /// A server with a TLS listener on a free port (or `tlsPort`) beside the plain one.
    private func tlsServer(_ certificate: TestCertificate, tlsPort: Int = 0) throws -> ServerProcess {
        try ServerProcess(arguments: [
            "--tls-cert", certificate.certificatePath, "--tls-key", certificate.keyPath, "--tls-port", "\(tlsPort)",
        ])
    }

    /// The client's command in a pane, over TLS, with its pins under `config`.
    private func tlsClient(_ options: String, config: String) throws -> String {
        try clientCommand("--tls " + options, environment: "XDG_CONFIG_HOME=\(config)")
    }

    /// The message pane's lines as one text, without their times: each row's pane part, trimmed, joined by
    /// spaces (a long note wraps, at spaces, into rows of its own).
    private func paneText(_ screen: [String]) -> String {
        screen.prefix(28).map { row in
            let text = String(row.prefix(Self.separator))
            let stamped = text.count > 6 && text.prefix(5).allSatisfy { $0.isNumber || $0 == ":" }
            return (stamped ? String(text.dropFirst(6)) : text).trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// A row of the certificate box at 100 columns: the margin, the border, the text padded to 86 columns.
    private func boxed(_ text: String) -> String {
        "     │ " + text + String(repeating: " ", count: max(0, 86 - text.count)) + " │"
    }

    private func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func aTLSAndAPlainClientChatInOneRoomAfterTheFirstUsePromptAndASecondRunIsNotAsked() throws {
        try withTemporaryDirectory { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let fingerprint = try certificate.fingerprint
            let dates = try Certificate(pemFile: certificate.certificatePath)
            let server = try tlsServer(certificate)
            let tlsPort = try #require(server.tlsPort)
            let config = folder + "/config"
            let pins = config + "/chatroom/known_servers"
            try withTmux { tmux in
                try tmux.start(
                    "alice", try tlsClient("--host 127.0.0.1 --port \(tlsPort) --name alice", config: config))
                var screen = try tmux.waitFor("alice", "the certificate prompt") { $0[29] == "trust it? (yes/no)" }
                #expect(screen[6] == "     ┌─ Unknown certificate " + String(repeating: "─", count: 66) + "┐")
                #expect(
                    Array(screen[7...14]) == [
                        boxed(
                            "The certificate of 127.0.0.1:\(tlsPort) cannot be verified (self-signed certificate), and"),
                        boxed("is not pinned."),
                        boxed(""),
                        boxed("  subject      CN=localhost"),
                        boxed("  issuer       CN=localhost"),
                        boxed("  valid        \(dates.notBefore) to \(dates.notAfter)"),
                        boxed("  fingerprint  \(fingerprint)"),
                        boxed(""),
                    ])
                #expect(screen.contains(boxed("Trust this certificate? Type yes or no, then Enter.")))
                #expect(screen[28] == " connecting | 127.0.0.1:\(tlsPort) (tls)")
                #expect(contents(pins) == nil)

                // An answer that is neither asks again; yes pins the certificate and connects.
                try tmux.say("alice", "maybe")
                try tmux.waitFor("alice", showing: "Please type yes or no, then Enter.")
                try tmux.say("alice", "yes")
                let aliceStatus = " connected | 127.0.0.1:\(tlsPort) (tls) | alice | 1 user"
                screen = try tmux.waitFor("alice", "connected over TLS") { $0[28] == aliceStatus }
                #expect(!screen.joined().contains("Unknown certificate"))
                #expect(
                    paneText(screen).contains(
                        "-- connected to 127.0.0.1:\(tlsPort) over TLSv1.3 (certificate trusted, pinned on line 1 of \(pins))"
                    ))
                #expect(contents(pins) == "127.0.0.1:\(tlsPort) \(fingerprint)\n")

                // A plain client in the same room.
                try tmux.join("bob", port: server.port)
                try tmux.waitFor("alice", "two users") {
                    $0[28] == " connected | 127.0.0.1:\(tlsPort) (tls) | alice | 2 users"
                }
                try tmux.waitFor("bob", "two users") {
                    $0[28] == " connected | 127.0.0.1:\(server.port) | bob | 2 users"
                }
                try tmux.say("alice", "hello over tls")
                try tmux.waitFor("bob", "alice's message") {
                    $0.contains { self.message($0) == "<alice> hello over tls" }
                }
                try tmux.say("bob", "hello in the clear")
                try tmux.waitFor("alice", "bob's message") {
                    $0.contains { self.message($0) == "<bob> hello in the clear" }
                }
                try tmux.say("alice", "/quit")
                #expect(
                    try tmux.waitFor("alice", showing: "EXITED").filter { !$0.isEmpty } == ["EXITED 0 tty restored"])
                try tmux.waitFor("bob", showing: "alice left (quit)")

                // Another run finds the pin: no question, straight in.
                try tmux.start(
                    "again", try tlsClient("--host 127.0.0.1 --port \(tlsPort) --name alice", config: config))
                let againStatus = " connected | 127.0.0.1:\(tlsPort) (tls) | alice | 2 users"
                screen = try tmux.waitFor("again", "connected over TLS") { $0[28] == againStatus }
                #expect(
                    paneText(screen).hasPrefix("-- connected to 127.0.0.1:\(tlsPort) over TLSv1.3 (certificate pinned)")
                )
                #expect(contents(pins) == "127.0.0.1:\(tlsPort) \(fingerprint)\n")
            }
        }
    }

    @Test func decliningTheCertificateEndsTheClientAndRestoresTheShell() throws {
        try withTemporaryDirectory { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let server = try tlsServer(certificate)
            let tlsPort = try #require(server.tlsPort)
            let config = folder + "/config"
            try withTmux { tmux in
                for (session, answer) in [("no", ["n", "o", "Enter"]), ("escape", ["Escape"])] {
                    try tmux.start(session, try tlsClient("--host 127.0.0.1 --port \(tlsPort)", config: config))
                    try tmux.waitFor(session, "the certificate prompt") { $0[29] == "trust it? (yes/no)" }
                    try tmux.run(["send-keys", "-t", session] + answer)
                    let screen = try tmux.waitFor(session, showing: "EXITED")
                    #expect(
                        screen.filter { !$0.isEmpty } == [
                            "chatroom: the certificate of 127.0.0.1:\(tlsPort) was not trusted; not connecting",
                            "EXITED 1 tty restored",
                        ], "\(session)")
                }
                #expect(contents(config + "/chatroom/known_servers") == nil)
            }
        }
    }

    @Test func aPinnedServerShowingANewCertificateIsRefusedWithBothFingerprintsAndTheLineToDelete() throws {
        try withTemporaryDirectory { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let old = try TestCertificate(in: folder, name: "old").fingerprint
            let shown = try certificate.fingerprint
            let server = try tlsServer(certificate)
            let tlsPort = try #require(server.tlsPort)
            let config = folder + "/config"
            let pins = config + "/chatroom/known_servers"
            try FileManager.default.createDirectory(atPath: config + "/chatroom", withIntermediateDirectories: true)
            let before = "# pinned on first use\n127.0.0.1:\(tlsPort) \(old)\n"
            #expect(FileManager.default.createFile(atPath: pins, contents: Data(before.utf8)))
            try withTmux { tmux in
                try tmux.start("alice", try tlsClient("--host 127.0.0.1 --port \(tlsPort)", config: config))
                let screen = try tmux.waitFor("alice", "the refusal") {
                    $0[28] == " closed | 127.0.0.1:\(tlsPort) (tls)"
                }
                let first = try #require(screen.firstIndex { self.message($0).hasPrefix("! WARNING:") })
                // Each fingerprint is too long to follow its label: it takes the row below, whole.
                #expect(
                    screen[first...(first + 7)].map(message) == [
                        "! WARNING: the certificate of 127.0.0.1:\(tlsPort) has changed!",
                        "! it is not the one pinned for this server: someone may be intercepting",
                        "  the connection, or the server has a new certificate",
                        "!   pinned",
                        "  " + old,
                        "!   shown",
                        "  " + shown,
                        "!   subject      CN=localhost",
                    ])
                #expect(
                    paneText(screen).hasSuffix(
                        "! if the new certificate is expected (ask the server's operator), delete line 2 of \(pins) and"
                            + " connect again; not connecting"))
                // No retry: nothing else happens until the user leaves; then the warning is on the shell too.
                try tmux.press("alice", "C-c")
                let after = try tmux.waitFor("alice", showing: "EXITED").filter { !$0.isEmpty }
                #expect(after.first == "chatroom: WARNING: the certificate of 127.0.0.1:\(tlsPort) has changed!")
                #expect(after.contains("chatroom:   pinned       \(old)"))
                #expect(after.contains("chatroom:   shown        \(shown)"))
                #expect(after.last == "EXITED 1 tty restored")
                #expect(contents(pins) == before)
            }
        }
    }

    @Test func withTLSNothingIsHostedAndTheClientRetriesUntilTheServerAnswers() throws {
        try withTemporaryDirectory { folder throws in
            let certificate = try TestCertificate(in: folder, name: "server")
            let port = try freePort()
            try withTmux { tmux in
                // No --host: a plain client would host a server on 127.0.0.1; over TLS it only joins.
                try tmux.start(
                    "alice",
                    try tlsClient("--port \(port) --tls-fingerprint \(try certificate.fingerprint)", config: folder))
                var screen = try tmux.waitFor("alice", "the retries") {
                    $0[28] == " disconnected, reconnecting | 127.0.0.1:\(port) (tls)"
                }
                #expect(
                    paneText(screen)
                        == "-- disconnected: nothing answers on 127.0.0.1:\(port) (connection refused); reconnecting in 500ms"
                )
                #expect(!paneText(screen).contains("hosts the server"))
                let server = try tlsServer(certificate, tlsPort: port)
                screen = try tmux.waitFor("alice", "the server, once it answers") {
                    $0[28] == " connected | 127.0.0.1:\(port) (tls) | user1 | 1 user"
                }
                #expect(
                    paneText(screen).contains(
                        "-- connected to 127.0.0.1:\(port) over TLSv1.3 (certificate as given with --tls-fingerprint)"))
                _ = server
            }
        }
    }
}
