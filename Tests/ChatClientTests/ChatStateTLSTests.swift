import ChatClient
import Testing

/// What the chat state makes of the TLS events: the `connected to` note says how the certificate was trusted,
/// a refusal's warning is shown line by line, and a question is handed to the caller.
@Suite struct ChatStateTLSTests {
    private let address = ServerAddress(host: "127.0.0.1", port: 7778)
    private let noon = LocalTime(hour: 12, minute: 1)
    private let certificate = ServerCertificate(
        subject: "CN=localhost", issuer: "CN=localhost", fingerprint: "sha256:" + String(repeating: "ab", count: 32),
        notBefore: "2026-01-01", notAfter: "2027-01-01")

    private func text(_ state: ChatState) -> [String] {
        state.lines.elements.map(PlainFormatter.format)
    }

    @Test func theConnectedNoteSaysHowTheCertificateWasTrustedOnEachConnection() {
        var state = ChatState(address: address, tls: true)
        #expect(state.usesTLS)
        let session = TLSSession(
            protocolVersion: "TLSv1.3", certificate: certificate, trust: .pinned(line: 2, file: "/k"))
        state.apply(.connecting(address), at: noon)
        state.apply(.secured(session), at: noon)
        #expect(state.tlsSession == session)
        state.apply(.connected(address), at: noon)
        state.apply(.disconnected(reason: "gone", retryIn: .seconds(1)), at: noon)
        #expect(state.tlsSession == nil)
        state.apply(.connecting(address), at: noon)
        state.apply(
            .secured(TLSSession(protocolVersion: "TLSv1.2", certificate: certificate, trust: .verified)), at: noon)
        state.apply(.connected(address), at: noon)
        #expect(
            text(state) == [
                "12:01 -- connected to 127.0.0.1:7778 over TLSv1.3 (certificate pinned)",
                "12:01 -- disconnected: gone; reconnecting in 1s",
                "12:01 -- connected to 127.0.0.1:7778 over TLSv1.2 (certificate verified)",
            ])
        #expect(!ChatState(address: address).usesTLS)
    }

    @Test func aQuestionIsHandedOverAndARefusalShownLineByLine() {
        var state = ChatState(address: address, tls: true)
        let question = CertificateQuestion(
            server: "127.0.0.1:7778", certificate: certificate, reason: "self-signed certificate", pinFile: "/k")
        state.apply(.connecting(address), at: noon)
        let asked = state.apply(.certificateUnknown(question), at: noon)
        #expect(asked.certificateQuestion == question)
        #expect(asked.linesAdded == 0)
        #expect(state.link == .connecting)
        let refusal = CertificateRefusal.notTheGivenFingerprint(
            server: "127.0.0.1:7778", certificate: certificate, given: "sha256:" + String(repeating: "cd", count: 32))
        let refused = state.apply(.certificateRefused(refusal), at: noon)
        #expect(refused.certificateQuestion == nil)
        #expect(text(state) == refusal.lines.map { "12:01 ! " + $0 })
        state.apply(.closed, at: noon)
        #expect(state.link == .closed)
    }
}
