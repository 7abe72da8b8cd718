import ChatClient
import ChatProtocol
import Testing

@testable import ChatTUI

/// The certificate prompt on screen: a box over the pane, centred, the answer typed on the input line.
@Suite struct DialogViewTests {
    private let address = ServerAddress(host: "127.0.0.1", port: 7778)
    private let fingerprint = "sha256:" + String(repeating: "0123456789abcdef", count: 4)

    private var prompt: CertificatePrompt {
        CertificatePrompt(
            CertificateQuestion(
                server: "127.0.0.1:7778",
                certificate: ServerCertificate(
                    subject: "CN=localhost", issuer: "CN=localhost", fingerprint: fingerprint, notBefore: "2026-01-01",
                    notAfter: "2027-01-01"),
                reason: "self-signed certificate", pinFile: "/tmp/c/chatroom/known_servers"))
    }

    private func dialog(_ prompt: CertificatePrompt, typed: String = "") -> Dialog {
        var editor = InputEditor()
        _ = editor.apply(.insert(typed))
        return Dialog(title: prompt.title, paragraphs: prompt.lines, label: prompt.label, editor: editor)
    }

    private func trimmed(_ rows: [String]) -> [String] {
        rows.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
    }

    @Test func theWholeScreenAtAHundredByThirtyWhileTheCertificateIsAsked() {
        var state = ChatState(address: address, tls: true)
        state.apply(.connecting(address), at: LocalTime(hour: 12, minute: 1))
        let frame = ScreenComposer.compose(
            state: state, editor: InputEditor(), scroll: PaneScroll(), hosting: false, rows: 30, columns: 100,
            dialog: dialog(prompt, typed: "ye"))
        // A row of the box: five columns of margin, the border, the text padded to the box's 86 columns.
        func boxed(_ text: String) -> String {
            "     │ " + text + String(repeating: " ", count: 86 - text.count) + " │"
        }
        #expect(
            trimmed(frame.text(width: 100)) == Array(repeating: "", count: 6) + [
                "     ┌─ Unknown certificate " + String(repeating: "─", count: 66) + "┐",
                boxed("The certificate of 127.0.0.1:7778 cannot be verified (self-signed certificate), and is"),
                boxed("not pinned."),
                boxed(""),
                boxed("  subject      CN=localhost"),
                boxed("  issuer       CN=localhost"),
                boxed("  valid        2026-01-01 to 2027-01-01"),
                boxed("  fingerprint  \(fingerprint)"),
                boxed(""),
                boxed("Trust it only if that fingerprint is the server's (ask its operator). Yes pins it in"),
                boxed("/tmp/c/chatroom/known_servers and connects; you are asked again only if the"),
                boxed("certificate changes. No quits."),
                boxed(""),
                boxed("Trust this certificate? Type yes or no, then Enter."),
                "     └" + String(repeating: "─", count: 88) + "┘",
            ] + Array(repeating: "", count: 7) + [
                " connecting | 127.0.0.1:7778 (tls)",
                "trust it? (yes/no) ye",
            ])
        #expect(frame.cursor?.row == 29 && frame.cursor?.column == 21)
        #expect(frame.rows[6][1] == Span("┌─", .dialogBorder))
        #expect(frame.rows[6][2] == Span(" Unknown certificate ", .dialogTitle))
    }

    @Test func aNarrowScreenWrapsTheBoxAndCutsWhatDoesNotFit() {
        var again = prompt
        _ = again.answer("maybe")
        let rows = DialogView.rows(dialog(again), height: 10, width: 40).map(\.text)
        #expect(rows.count == 10)
        #expect(
            trimmed(rows) == [
                "┌─ Unknown certificate ────────────────┐",
                "│ The certificate of 127.0.0.1:7778    │",
                "│ cannot be verified (self-signed      │",
                "│ certificate), and is not pinned.     │",
                "│                                      │",
                "│   subject      CN=localhost          │",
                "│   issuer       CN=localhost          │",
                "│   valid        2026-01-01 to         │",
                "│ 2027-01-01                           │",
                "└──────────────────────────────────────┘",
            ])
        // With room, the last row asks again.
        let tall = DialogView.rows(dialog(again), height: 40, width: 40).map(\.text)
        #expect(tall.contains { $0.hasPrefix("│ Please type yes or no, then Enter.") })
        #expect(tall.allSatisfy { DisplayWidth.columns(of: $0) <= 40 })
    }
}

@Suite struct StatusLineTLSTests {
    @Test func tlsStandsBesideTheAddressInEveryState() {
        let address = ServerAddress(host: "::1", port: 7778)
        var state = ChatState(address: address, tls: true)
        let noon = LocalTime(hour: 12, minute: 1)
        func line() -> String {
            StatusLineView.row(state: state, hosting: false, scrolledUp: false, unread: 0, width: 60).text
        }
        #expect(line().hasPrefix(" connecting | [::1]:7778 (tls)  "))
        state.apply(.connected(address), at: noon)
        state.apply(.received(.welcome(name: "alice", text: "")), at: noon)
        #expect(line().hasPrefix(" connected | [::1]:7778 (tls) | alice | 1 user  "))
        state.apply(.closed, at: noon)
        #expect(line().hasPrefix(" closed | [::1]:7778 (tls) | alice  "))
    }
}
