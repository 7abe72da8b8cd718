import ChatTLS
import Testing

@testable import ChatClient

/// Trust on first use as ssh's: verification first, then `--tls-fingerprint`, then the pins, then the user.
@Suite struct TrustDecisionTests {
    static let shown = "sha256:" + String(repeating: "ab", count: 32)
    static let other = "sha256:" + String(repeating: "cd", count: 32)
    static let certificate = ServerCertificate(
        subject: "CN=localhost", issuer: "CN=localhost", fingerprint: shown, notBefore: "2026-01-01",
        notAfter: "2027-01-01")
    static let server = "127.0.0.1:7778"
    static let file = "/tmp/config/chatroom/known_servers"

    /// The inputs of one decision, named for the table below.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var verification: TLSEngine.Verification
        var given: String? = nil
        var pins: [(line: Int, fingerprint: String)]? = []
        var unreadable = false
        var trustedThisRun: String? = nil
        var expected: TrustDecision

        var testDescription: String { name }
    }

    static let question = CertificateQuestion(
        server: server, certificate: certificate, reason: "self-signed certificate", pinFile: file)

    static let cases: [Case] = [
        Case(
            name: "invalid, however pinned", verification: .invalid("it expired on 2026-01-02"), given: shown,
            pins: [(1, shown)],
            expected: .refuse(.invalid(server: server, certificate: certificate, reason: "it expired on 2026-01-02"))),
        Case(
            name: "verified, whatever the pins", verification: .verified, pins: [(1, other)],
            expected: .accept(.verified)),
        Case(
            name: "verified, whatever the fingerprint given", verification: .verified, given: other,
            expected: .accept(.verified)),
        Case(
            name: "verified, the pins unreadable", verification: .verified, unreadable: true,
            expected: .accept(.verified)),
        Case(
            name: "unverified, the fingerprint given", verification: .unverified("self-signed certificate"),
            given: shown, pins: [(1, other)], expected: .accept(.fingerprintGiven)),
        Case(
            name: "unverified, another fingerprint given", verification: .unverified("self-signed certificate"),
            given: other, pins: [(1, shown)],
            expected: .refuse(.notTheGivenFingerprint(server: server, certificate: certificate, given: other))),
        Case(
            name: "unverified, pinned", verification: .unverified("self-signed certificate"),
            pins: [(4, other), (7, shown)], expected: .accept(.pinned(line: 7, file: file))),
        Case(
            name: "unverified, pinned to others", verification: .unverified("self-signed certificate"),
            pins: [(4, other), (9, other)],
            expected: .refuse(
                .changed(
                    server: server, certificate: certificate,
                    pins: [.init(line: 4, fingerprint: other), .init(line: 9, fingerprint: other)],
                    file: file))),
        Case(
            name: "unverified, not pinned", verification: .unverified("self-signed certificate"),
            expected: .ask(question)),
        Case(
            name: "unverified, no pin file", verification: .unverified("unable to get local issuer certificate"),
            pins: nil,
            expected: .ask(
                CertificateQuestion(
                    server: server, certificate: certificate, reason: "unable to get local issuer certificate",
                    pinFile: nil))),
        Case(
            name: "unverified, the pins unreadable", verification: .unverified("self-signed certificate"),
            unreadable: true,
            expected: .refuse(
                .pinsUnreadable(server: server, certificate: certificate, reason: "cannot read \(file): Is a directory")
            )),
        Case(
            name: "unverified, trusted earlier and not pinned", verification: .unverified("self-signed certificate"),
            unreadable: true, trustedThisRun: shown, expected: .accept(.trustedForThisRun(notPinned: "why not"))),
        Case(
            name: "unverified, another trusted earlier", verification: .unverified("self-signed certificate"),
            trustedThisRun: other, expected: .ask(question)),
        Case(
            name: "unverified, trusted earlier, then pinned to another",
            verification: .unverified("self-signed certificate"),
            pins: [(2, other)], trustedThisRun: shown,
            expected: .refuse(
                .changed(
                    server: server, certificate: certificate, pins: [.init(line: 2, fingerprint: other)], file: file))),
    ]

    @Test(arguments: cases)
    func decides(_ test: Case) throws {
        let pins: Result<[KnownServers.Pin], KnownServers.Failure>?
        if test.unreadable {
            pins = .failure(KnownServers.Failure(description: "cannot read \(Self.file): Is a directory"))
        } else {
            pins = try test.pins.map { found in
                .success(
                    try found.map { pin in
                        KnownServers.Pin(
                            line: pin.line, server: Self.server, fingerprint: try #require(Fingerprint(pin.fingerprint))
                        )
                    })
            }
        }
        let decision = TrustDecision.decide(
            verification: test.verification, certificate: Self.certificate,
            fingerprint: try #require(Fingerprint(Self.shown)), server: Self.server,
            given: test.given.flatMap(Fingerprint.init), pins: pins, pinFile: test.pins == nil ? nil : Self.file,
            trustedThisRun: try test.trustedThisRun.map { (try #require(Fingerprint($0)), "why not") })
        #expect(decision == test.expected)
    }
}

/// The words of the prompt, the warnings and the notes, exactly.
@Suite struct CertificateTextTests {
    private let certificate = TrustDecisionTests.certificate
    private let shown = TrustDecisionTests.shown
    private let other = TrustDecisionTests.other

    @Test func aChangedCertificateNamesBothFingerprintsAndTheLineToDelete() {
        let refusal = CertificateRefusal.changed(
            server: "[::1]:7778", certificate: certificate, pins: [.init(line: 3, fingerprint: other)],
            file: "/home/a/.config/chatroom/known_servers")
        #expect(
            refusal.lines == [
                "WARNING: the certificate of [::1]:7778 has changed!",
                "it is not the one pinned for this server: someone may be intercepting the connection, or the server"
                    + " has a new certificate",
                "  pinned       \(other)",
                "  shown        \(shown)",
                "  subject      CN=localhost",
                "if the new certificate is expected (ask the server's operator), delete line 3 of"
                    + " /home/a/.config/chatroom/known_servers and connect again; not connecting",
            ])
        let three = CertificateRefusal.changed(
            server: "[::1]:7778", certificate: certificate,
            pins: [
                .init(line: 1, fingerprint: other), .init(line: 4, fingerprint: other),
                .init(line: 6, fingerprint: other),
            ],
            file: "/k")
        #expect(three.lines.filter { $0.hasPrefix("  pinned ") }.count == 3)
        #expect(
            three.lines.last?.hasPrefix(
                "if the new certificate is expected (ask the server's operator), delete lines 1, 4 and 6 of /k") == true
        )
        let two = CertificateRefusal.changed(
            server: "[::1]:7778", certificate: certificate,
            pins: [.init(line: 2, fingerprint: other), .init(line: 5, fingerprint: other)], file: "/k")
        #expect(two.lines.last?.contains("delete lines 2 and 5 of /k and connect again") == true)
    }

    @Test func theOtherRefusals() {
        #expect(
            CertificateRefusal.invalid(
                server: "127.0.0.2:7778", certificate: certificate, reason: "it is for CN=localhost, not 127.0.0.2"
            ).lines == [
                "the certificate of 127.0.0.2:7778 is refused: it is for CN=localhost, not 127.0.0.2",
                "  subject      CN=localhost",
                "  fingerprint  \(shown)",
                "a certificate that is wrong whoever signed it is never accepted, pinned or not; not connecting",
            ])
        #expect(
            CertificateRefusal.notTheGivenFingerprint(server: "h:1", certificate: certificate, given: other).lines == [
                "the certificate of h:1 is refused: it is not the one given with --tls-fingerprint",
                "  given        \(other)",
                "  shown        \(shown)",
                "  subject      CN=localhost",
                "not connecting",
            ])
        #expect(
            CertificateRefusal.pinsUnreadable(server: "h:1", certificate: certificate, reason: "cannot read /k: EIO")
                .lines
                == [
                    "the certificate of h:1 cannot be verified, and the pins cannot be read: cannot read /k: EIO",
                    "  subject      CN=localhost",
                    "  fingerprint  \(shown)",
                    "not connecting",
                ])
    }

    @Test func lineModeSaysHowToTrustWhatItWillNotAsk() {
        #expect(
            TrustDecisionTests.question.lineModeLines == [
                "the certificate of 127.0.0.1:7778 cannot be verified (self-signed certificate), and is not pinned",
                "  subject      CN=localhost",
                "  issuer       CN=localhost",
                "  valid        2026-01-01 to 2027-01-01",
                "  fingerprint  \(shown)",
                "line mode never asks: if that is the server's fingerprint (ask its operator), run again with"
                    + " --tls-fingerprint \(shown), or answer yes once in the full-screen client, which pins it",
            ])
    }

    @Test func theSessionSaysWhyItWasTrusted() {
        func summary(_ trust: TLSSession.Trust) -> String {
            TLSSession(protocolVersion: "TLSv1.3", certificate: certificate, trust: trust).summary
        }
        #expect(summary(.verified) == "over TLSv1.3 (certificate verified)")
        #expect(summary(.pinned(line: 2, file: "/k")) == "over TLSv1.3 (certificate pinned)")
        #expect(summary(.fingerprintGiven) == "over TLSv1.3 (certificate as given with --tls-fingerprint)")
        #expect(
            summary(.trustedAndPinned(line: 4, file: "/k"))
                == "over TLSv1.3 (certificate trusted, pinned on line 4 of /k)")
        #expect(
            summary(.trustedForThisRun(notPinned: "there is no home folder to pin it in"))
                == "over TLSv1.3 (certificate trusted for this run only: there is no home folder to pin it in)")
    }
}

/// The certificate prompt's answers and text.
@Suite struct CertificatePromptTests {
    @Test(arguments: [
        ("yes", CertificatePrompt.Answer.trust), ("YES", .trust), (" y ", .trust), (TrustDecisionTests.shown, .trust),
        (TrustDecisionTests.shown.uppercased(), .trust), ("no", .decline), ("N", .decline), ("", .again),
        ("yes please", .again), ("maybe", .again), (TrustDecisionTests.other, .again),
    ])
    func readsTheAnswer(typed: String, expected: CertificatePrompt.Answer) {
        var prompt = CertificatePrompt(TrustDecisionTests.question)
        #expect(prompt.answer(typed) == expected)
        #expect(prompt.repeated == (expected == .again))
    }

    @Test func showsTheCertificateAndWhatEachAnswerDoes() {
        var prompt = CertificatePrompt(TrustDecisionTests.question)
        let expected = [
            "The certificate of 127.0.0.1:7778 cannot be verified (self-signed certificate), and is not pinned.",
            "",
            "  subject      CN=localhost",
            "  issuer       CN=localhost",
            "  valid        2026-01-01 to 2027-01-01",
            "  fingerprint  \(TrustDecisionTests.shown)",
            "",
            "Trust it only if that fingerprint is the server's (ask its operator). Yes pins it in"
                + " /tmp/config/chatroom/known_servers and connects; you are asked again only if the certificate changes."
                + " No quits.",
            "",
            "Trust this certificate? Type yes or no, then Enter.",
        ]
        #expect(prompt.title == "Unknown certificate")
        #expect(prompt.label == "trust it? (yes/no) ")
        #expect(prompt.lines == expected)
        _ = prompt.answer("what")
        #expect(prompt.lines == expected.dropLast() + ["Please type yes or no, then Enter."])
        var homeless = TrustDecisionTests.question
        homeless.pinFile = nil
        #expect(
            CertificatePrompt(homeless).lines[7]
                == "Trust it only if that fingerprint is the server's (ask its operator). Yes trusts it for this run"
                + " (there is no home folder to pin it in) and connects. No quits.")
    }
}
