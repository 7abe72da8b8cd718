import ChatProtocol
import ChatStore

extension Session {
    /// The `HELP` lines, one per command.
    static let helpLines = [
        "/help - show this help",
        "/users - list who is connected",
        #"/dm NAME "TEXT" - send TEXT to NAME alone"#,
        #"/bc "TEXT" - send TEXT to everyone (a line not starting with / does the same)"#,
        "/nick NAME - change your name",
        "/ping [TOKEN] - the server answers PONG [TOKEN]",
        "/quit - leave the chat",
    ]

    /// The `HELP` lines of v1.1, after the others for a connection that sent `/caps` (a v1 client sees v1).
    static let helpLinesV11 = [
        "/caps [ids] [time] - tag MSG lines with @id= and room events with @time=; answers CAPS",
        "/history [N] - the N newest stored messages (1 to 1000, 50 if not given) as HISTORY lines",
        "/history before ID [N] - the N messages before id ID; /history after ID [N] - the N after it",
        "/search TEXT - the 50 newest stored messages with every word of TEXT, as FOUND lines",
        "/register PASSWORD - make your name an account (8 to 256 bytes of password) and log in",
        "/login NAME PASSWORD - log in as the account NAME (it becomes your name)",
        "/password OLD NEW - change your password (quote one that holds spaces)",
    ]

    /// The `HELP` lines of the operator commands, for an operator.
    static let helpLinesOperator = [
        "/kick NAME [REASON] - remove NAME from the room",
        "/ban NAME [MINUTES] [REASON] - remove NAME and refuse its account (or address) for MINUTES, or until /unban",
        "/unban NAME|ADDRESS - lift a ban; /bans - list the bans",
        "/mute NAME [MINUTES] - refuse NAME's messages for MINUTES, or until /unmute NAME",
    ]

    /// What a connection outside a members-only room may do.
    static let helpLinesWaiting = [
        "/login NAME PASSWORD - log in; this room is for its members only",
        "/ping [TOKEN] - the server answers PONG [TOKEN]",
        "/quit - leave",
    ]

    /// The answer to `/history` and `/search` from a server that keeps nothing.
    static let nothingKept = "nothing is kept (the server runs with --store none)"

    /// Handles one framed line: decodes, parses and runs it, or answers with the `ERROR` that refuses it.
    ///
    /// While a broadcast of this connection waits for the store, another broadcast runs at once (it waits
    /// behind the first, in the store's order; up to ``maxBroadcastsInFlight``), and anything else is
    /// ``held`` until the store answered.
    mutating func handle(_ frame: LineFramer.Frame) {
        let parsed: Result<Command, ProtocolError>
        do throws(ProtocolError) {
            switch frame {
            case .tooLong:
                throw .lineTooLong
            case .line(let bytes):
                guard let command = try Command.parse(try LineText.decode(bytes)) else { return }
                parsed = .success(command)
            }
        } catch {
            parsed = .failure(error)
        }
        if awaitingStore, !parsed.isBroadcast || broadcastsInFlight >= Self.maxBroadcastsInFlight {
            held = parsed
        } else {
            run(parsed)
        }
    }

    /// Runs the line ``held`` back behind a broadcast, now that the store answered, and sends its answer.
    mutating func runHeld() {
        guard let line = held else { return }
        held = nil
        run(line)
        unsent.send(deferringTo: registry.flusher)
    }

    /// Runs a parsed line, or answers with the `ERROR` that refuses it.
    private mutating func run(_ line: Result<Command, ProtocolError>) {
        do throws(ProtocolError) {
            try execute(line.get())
        } catch {
            unsent.add(registry.reply(to: outbox.id, [error.event]))
        }
    }

    private mutating func execute(_ command: Command) throws(ProtocolError) {
        let id = outbox.id
        if settings.membersOnly && !loggedIn {
            switch command {
            case .login, .ping, .quit: break
            case .help: return unsent.add(registry.reply(to: id, Self.helpLinesWaiting.map { .help($0) }))
            default: throw .loginRequired("this room is for its members: /login NAME PASSWORD")
            }
        }
        switch command {
        case .help:
            let v11 = registry.historyView(for: id)?.speaksV11 == true
            let op = v11 && registry.standing(of: id)?.isOperator == true
            let lines = Self.helpLines + (v11 ? Self.helpLinesV11 : []) + (op ? Self.helpLinesOperator : [])
            unsent.add(registry.reply(to: id, lines.map { .help($0) }))
        case .users:
            unsent.add(registry.replyUsers(to: id))
        case .directMessage(let name, let text):
            unsent.add(try registry.directMessage(from: id, to: name, text: text))
        case .broadcast(let text):
            let (left, waits) = try registry.broadcast(from: id, text: text)
            unsent.add(left)
            if waits {
                awaitingStore = true
                broadcastsInFlight += 1
            }
        case .nick(let name):
            unsent.add(try registry.rename(id, to: name, registered: try nameIsRegistered(name)))
        case .ping(let token):
            unsent.add(registry.reply(to: id, [.pong(token)]))
        case .quit:
            _ = leave(.quit, finalLine: OutboundLine(.bye("goodbye")))
        case .caps(let capabilities):
            unsent.add(registry.enableCapabilities(capabilities, for: id))
        case .history(let query):
            try answerHistory(query)
        case .search(let text):
            try answerSearch(text)
        case .register(let password):
            try register(password: password)
        case .login(let name, let password):
            try logIn(name: name, password: password)
        case .changePassword(let old, let new):
            try changePassword(old: old, new: new)
        case .kick(let name, let reason):
            try kick(name, reason: reason)
        case .ban(let name, let minutes, let reason):
            try ban(name, minutes: minutes, reason: reason)
        case .unban(let target):
            try unban(target)
        case .bans:
            try listBans()
        case .mute(let name, let minutes):
            try mute(name, minutes: minutes)
        case .unmute(let name):
            try unmute(name)
        }
    }

    /// Answers `/history` from the store, read on this thread with no lock held.
    ///
    /// The answer stops below the first message this connection was sent live (``Registry/historyView(for:)``):
    /// so `/history after` the last id seen before a reconnect gives exactly the gap, and no answer repeats
    /// a line that came live.
    private mutating func answerHistory(_ query: HistoryQuery) throws(ProtocolError) {
        guard settings.store.keepsMessages else { throw .unavailable(Self.nothingKept) }
        guard let limit = registry.historyView(for: outbox.id)?.limit else { return }
        let found: [ChatProtocol.StoredMessage]
        do throws(StoreError) {
            let rows =
                switch query {
                case .latest(let count): try settings.store.before(limit, count)
                case .before(let before, let count): try settings.store.before(min(before, limit), count)
                case .after(let after, let count): try settings.store.after(after, count).filter { $0.id < limit }
                }
            found = rows.map(ChatProtocol.StoredMessage.init)
        } catch {
            logger.error("reading the message store failed", metadata: ["error": "\(error)"])
            throw .unavailable("the history cannot be read now")
        }
        unsent.add(registry.reply(to: outbox.id, found.map { .history($0) } + [.historyEnd(count: found.count)]))
    }

    /// Answers `/search` from the store: the newest matches among the messages delivered so far.
    private mutating func answerSearch(_ text: String) throws(ProtocolError) {
        guard settings.store.keepsMessages else { throw .unavailable(Self.nothingKept) }
        let delivered = registry.deliveredUpTo
        let found: [ChatProtocol.StoredMessage]
        do throws(StoreError) {
            found = try settings.store.search(text, limit: Wire.maxSearchResults).filter { $0.id <= delivered }
                .map(ChatProtocol.StoredMessage.init)
        } catch {
            logger.error("searching the message store failed", metadata: ["error": "\(error)"])
            throw .unavailable("the history cannot be searched now")
        }
        unsent.add(registry.reply(to: outbox.id, found.map { .found($0) } + [.foundEnd(count: found.count)]))
    }
}

extension Result<Command, ProtocolError> {
    /// Whether the line is a broadcast (which may follow another into the store without waiting for it).
    fileprivate var isBroadcast: Bool {
        if case .success(.broadcast) = self { return true }
        return false
    }
}
