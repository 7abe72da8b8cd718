import ChatProtocol

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

    /// Handles one framed line: decodes, parses and runs it, or answers with the `ERROR` that refuses it.
    mutating func handle(_ frame: LineFramer.Frame) {
        do throws(ProtocolError) {
            switch frame {
            case .tooLong:
                throw .lineTooLong
            case .line(let bytes):
                let text = try LineText.decode(bytes)
                guard let command = try Command.parse(text) else { return }
                try execute(command)
            }
        } catch {
            unsent.add(registry.reply(to: outbox.id, [error.event]))
        }
    }

    private mutating func execute(_ command: Command) throws(ProtocolError) {
        let id = outbox.id
        switch command {
        case .help:
            unsent.add(registry.reply(to: id, Self.helpLines.map { .help($0) }))
        case .users:
            unsent.add(registry.replyUsers(to: id))
        case .directMessage(let name, let text):
            unsent.add(try registry.directMessage(from: id, to: name, text: text))
        case .broadcast(let text):
            unsent.add(registry.broadcast(from: id, text: text))
        case .nick(let name):
            unsent.add(try registry.rename(id, to: name))
        case .ping(let token):
            unsent.add(registry.reply(to: id, [.pong(token)]))
        case .quit:
            _ = leave(.quit, finalLine: OutboundLine(.bye("goodbye")))
        case .caps, .history, .search:
            // Temporary, until the server's v1.1 lands on main.
            throw .unavailable("nothing is kept")
        }
    }
}
