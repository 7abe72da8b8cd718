import ChatProtocol

/// A password the client asks the user for, masked, before it sends a command that carries one.
///
/// The TUI asks on its input line; plain mode never asks.
public enum PasswordRequest: Equatable, Sendable {
    /// The password of the account NAME, for `/login NAME PASSWORD`.
    case login(name: String)
    /// A new password, twice, for `/register PASSWORD`.
    case register
    /// The old password, then the new one twice, for `/password OLD NEW`.
    case change
}

/// The questions of one ``PasswordRequest``, one at a time, and the command their answers make.
///
/// ``ChatConnection/answer(_:with:state:at:)`` takes each answer and sends the command once the last is
/// in; the TUI shows ``label`` before the masked input.
///
/// ```swift
/// var prompt = PasswordPrompt(.register)     // prompt.label == "new password: "
/// connection.answer(&prompt, with: "hunter22", state: &state)   // .next; prompt.label == "again: "
/// connection.answer(&prompt, with: "hunter22", state: &state)   // .sent: `/register hunter22`
/// ```
public struct PasswordPrompt: Equatable, Sendable {
    /// What is asked for.
    public let request: PasswordRequest
    /// The answers so far.
    private var answers: [String] = []

    /// What one answer led to (``answer(_:)``).
    enum Step: Equatable, Sendable {
        /// Another question follows (``label`` asks it).
        case next
        /// The last answer is in: the command to send.
        case command(Command)
        /// The new password and its repetition differ: nothing is sent.
        case mismatch
    }

    /// Starts asking.
    public init(_ request: PasswordRequest) {
        self.request = request
    }

    /// The question to show before the masked input now: `password for alice: `, `new password: `,
    /// `again: `, `old password: `.
    public var label: String {
        switch (request, answers.count) {
        case (.login(let name), _): "password for \(name): "
        case (.register, 0), (.change, 1): "new password: "
        case (.change, 0): "old password: "
        case (.register, _), (.change, _): "again: "
        }
    }

    /// Takes the answer to the question asked now.
    mutating func answer(_ secret: String) -> Step {
        answers.append(secret)
        switch request {
        case .login(let name):
            return .command(.login(name: name, password: secret))
        case .register:
            guard answers.count == 2 else { return .next }
            return answers[0] == answers[1] ? .command(.register(password: answers[0])) : .mismatch
        case .change:
            guard answers.count == 3 else { return .next }
            return answers[1] == answers[2] ? .command(.changePassword(old: answers[0], new: answers[1])) : .mismatch
        }
    }

    /// What the client notes when the user cancels (Esc).
    ///
    /// - Parameter ownName: The user's name now, if welcomed.
    public func cancelledNote(ownName: String?) -> String {
        switch request {
        case .login: ownName.map { "not logged in; you stay \($0)" } ?? "not logged in"
        case .register: "nothing registered"
        case .change: "the password is unchanged"
        }
    }
}
