import ChatProtocol

extension ChatConnection {
    /// What became of a typed line (see ``submit(_:state:clientHelp:)``).
    public enum Submission: Equatable, Sendable {
        /// A blank line: nothing was sent.
        case nothing
        /// The client's own `/clear`: nothing was sent; the caller empties its pane.
        case clear
        /// `/quit`: nothing was sent yet; the caller leaves (with ``ChatConnection/quit()``).
        case quit
        /// The line went to the server.
        case sent(OutgoingLine)
        /// Not connected: nothing was sent.
        case notConnected(OutgoingLine)
    }

    /// Carries out a typed line (as ``OutgoingLine/interpret(_:)`` reads it): sends what it asks of the
    /// server, and records in `state` the requests whose answers are routed (a typed `/users` shows its
    /// list; `/help` shows `clientHelp` after the server's lines).
    ///
    /// - Parameters:
    ///   - typed: The line as typed, without its line ending.
    ///   - state: The chat state that will receive the answers.
    ///   - clientHelp: The client's own help, shown after the server's `HELP` lines (none when empty).
    /// - Returns: What became of the line; the caller does what only it can (empty its pane, leave, put an
    ///   unsent line back).
    public func submit(_ typed: String, state: inout ChatState, clientHelp: [ChatLine.Kind] = []) -> Submission {
        let line = OutgoingLine.interpret(typed)
        let sent: Bool
        switch line {
        case .nothing: return .nothing
        case .clear: return .clear
        case .quit: return .quit
        case .send(let wire): sent = send(wire)
        case .users: sent = requestUsers(.typed, state: &state)
        case .help:
            sent = send(Command.help.wireLine)
            // The PONG comes after every HELP line, so the client's own help follows the server's.
            if sent && !clientHelp.isEmpty { ping(state.nextHelpToken(), showingOnReply: clientHelp, state: &state) }
        }
        return sent ? .sent(line) : .notConnected(line)
    }

    /// Sends `/users`, and records it so the reply is routed as `request`.
    ///
    /// - Returns: `false`, and nothing is sent, when the connection is not up.
    @discardableResult
    public func requestUsers(_ request: ChatState.UsersRequest, state: inout ChatState) -> Bool {
        guard send(Command.users.wireLine) else { return false }
        state.sentUsersRequest(request)
        return true
    }

    /// Sends `/ping TOKEN`, and records it so its `PONG` shows `lines` instead of itself.
    ///
    /// The server answers a client's commands in order, so the `PONG` proves everything sent before it
    /// was answered.
    ///
    /// - Returns: `false`, and nothing is sent, when the connection is not up.
    @discardableResult
    public func ping(_ token: String, showingOnReply lines: [ChatLine.Kind], state: inout ChatState) -> Bool {
        guard send(Command.ping(token).wireLine) else { return false }
        state.sentPing(token: token, showingOnReply: lines)
        return true
    }
}
