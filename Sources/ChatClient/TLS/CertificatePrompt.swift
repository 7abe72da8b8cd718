/// The question the TUI asks about a certificate nothing vouches for: its text, and the reading of the
/// answer typed on the input line (`yes` or `no`, as ssh asks; the fingerprint itself also means yes).
///
/// ```swift
/// var prompt = CertificatePrompt(question)
/// prompt.answer("maybe")   // .again: prompt.lines now end with "Please type yes or no, then Enter."
/// prompt.answer("yes")     // .trust: the caller calls connection.trustCertificate()
/// ```
public struct CertificatePrompt: Equatable, Sendable {
    /// What is asked about.
    public let question: CertificateQuestion
    /// Whether an answer was neither yes nor no.
    public private(set) var repeated = false

    /// What one answer means.
    public enum Answer: Equatable, Sendable {
        /// Trust the certificate (and pin it).
        case trust
        /// Do not: the client ends.
        case decline
        /// Neither: ask again.
        case again
    }

    /// Starts asking.
    public init(_ question: CertificateQuestion) {
        self.question = question
    }

    /// The title of the box the question is shown in.
    public var title: String { "Unknown certificate" }

    /// The text of the box, a paragraph each; an empty one is a blank row.
    public var lines: [String] {
        let certificate = question.certificate
        let consequence =
            question.pinFile.map {
                "Yes pins it in \($0) and connects; you are asked again only if the certificate changes. No quits."
            } ?? "Yes trusts it for this run (there is no home folder to pin it in) and connects. No quits."
        return [
            "The certificate of \(question.server) cannot be verified (\(question.reason)), and is not pinned.", "",
        ] + certificate.details + [
            "", "Trust it only if that fingerprint is the server's (ask its operator). " + consequence, "",
            repeated ? "Please type yes or no, then Enter." : "Trust this certificate? Type yes or no, then Enter.",
        ]
    }

    /// What the input line shows before the answer.
    public var label: String { "trust it? (yes/no) " }

    /// Reads an answer: `yes`/`y` or the fingerprint trust, `no`/`n` declines (either case, spaces around
    /// ignored); anything else asks again.
    public mutating func answer(_ typed: String) -> Answer {
        let words = typed.split(separator: " ")
        let text = words.count == 1 ? words[0].lowercased() : ""
        switch text {
        case "yes", "y", question.certificate.fingerprint: return .trust
        case "no", "n": return .decline
        default:
            repeated = true
            return .again
        }
    }
}
