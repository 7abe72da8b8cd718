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
        /// A command that carries a password, typed without it: nothing was sent; the caller asks for it
        /// (a ``PasswordPrompt``), or, when it cannot ask, sends the line as typed.
        case passwordWanted(PasswordRequest)
    }

    /// What one answer to a ``PasswordPrompt`` led to (``answer(_:with:state:at:)``).
    public enum PromptStep: Equatable, Sendable {
        /// Another question follows: the prompt's ``PasswordPrompt/label`` asks it.
        case next
        /// The command went to the server; the prompt is done.
        case sent
        /// The new password and its repetition differ: nothing was sent, and a line says so; the prompt is done.
        case mismatch
        /// Not connected: nothing was sent, and a line says so; the prompt is done.
        case notConnected
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
        case .search(let text):
            sent = requestListing(.search(text), command: .search(text), typed: typed, state: &state)
        case .history(let query):
            sent = requestListing(.history, command: .history(query), typed: typed, state: &state)
        case .help:
            sent = send(Command.help.wireLine)
            // The PONG comes after every HELP line, so the client's own help follows the server's.
            if sent && !clientHelp.isEmpty { ping(state.nextHelpToken(), showingOnReply: clientHelp, state: &state) }
        case .credentials(let command):
            if case .login = command { state.loginStarted() }
            sent = send(credentials: command)
        case .askPassword(let request):
            if case .login = request { state.loginStarted() }
            return .passwordWanted(request)
        }
        return sent ? .sent(line) : .notConnected(line)
    }

    /// Takes the answer to a ``PasswordPrompt``'s question; once the last is in, sends the command they
    /// make (`/login NAME PASSWORD`, `/register PASSWORD`, `/password OLD NEW`), keeping the password until
    /// it is answered so that a reconnection logs in again.
    ///
    /// - Parameters:
    ///   - prompt: The prompt; it moves on to its next question.
    ///   - secret: What the user typed, exactly.
    ///   - state: The chat state: a mismatch or a lost connection is noted there.
    ///   - time: The time of those lines.
    /// - Returns: What became of the answer.
    @discardableResult
    public func answer(
        _ prompt: inout PasswordPrompt, with secret: String, state: inout ChatState, at time: LocalTime = .now()
    ) -> PromptStep {
        switch prompt.answer(secret) {
        case .next:
            return .next
        case .mismatch:
            state.add(.problem("the passwords do not match"), at: time)
            return .mismatch
        case .command(let command):
            guard send(credentials: command) else {
                state.add(.problem("not connected, nothing was sent"), at: time)
                return .notConnected
            }
            return .sent
        }
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

    /// Sends a typed `/search` or `/history`, recorded so that its answer is listed under a note, when
    /// the server gives stored messages; otherwise as typed, for the server's answer (an `ERROR`).
    private func requestListing(
        _ listing: ChatState.Listing, command: Command, typed: String, state: inout ChatState
    ) -> Bool {
        guard state.history == .available else { return send(typed) }
        guard send(command.wireLine) else { return false }
        state.sentListing(listing)
        return true
    }

    /// Asks for stored messages (v1.1), and records the request so the answer is placed: the recent
    /// history above everything, older messages above the oldest, the missed ones where the connection
    /// was lost. Call it with ``ChatState/Outcome/historyWanted`` when set.
    ///
    /// - Parameters:
    ///   - request: What is wanted.
    ///   - count: How many (1 to 1000) for the recent and the older history; the missed messages are asked
    ///     for 1000 at a time.
    ///   - state: The chat state that will receive the answer.
    ///   - time: The time of the note shown while older messages are on their way.
    /// - Returns: `false`, and nothing is sent, when there is nothing to ask (the server gives no history,
    ///   no stored message is held to go on from) or the connection is not up.
    @discardableResult
    public func requestHistory(
        _ request: ChatState.HistoryRequest, count: Int, state: inout ChatState, at time: LocalTime = .now()
    ) -> Bool {
        guard let query = state.historyQuery(for: request, count: count),
            send(Command.history(query).wireLine)
        else { return false }
        state.sentHistoryRequest(request, query: query, at: time)
        return true
    }

    /// What the view reaching the top of the scrollback does: asks for older messages (a note on top
    /// says they are on their way), or, once, notes the start of the history or a server that keeps none.
    ///
    /// - Parameters:
    ///   - count: How many older messages to ask for.
    ///   - state: The chat state.
    ///   - time: The time of the note.
    /// - Returns: Whether a note went on top of the scrollback (for the caller to bring into view).
    @discardableResult
    public func reachedTopOfHistory(count: Int, state: inout ChatState, at time: LocalTime = .now()) -> Bool {
        state.reachedTopOfHistory(count: count, at: time) { send(Command.history($0).wireLine) }
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
