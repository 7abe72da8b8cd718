import ChatProtocol

/// Stored messages (v1.1): where the answers to `/history` and `/search` go in the scrollback.
///
/// - The recent history asked for on connecting, and older messages asked for at the top of the pane,
///   are placed above everything held (``Scrollback/prepend(contentsOf:)``), so the lines on screen keep
///   their sequence numbers and the view does not move.
/// - After a reconnection, every line is held back from the `connected` note on, while the messages
///   that came meanwhile are fetched (`/history after LAST 1000`, again until an answer is short); then
///   a note saying how many, those messages and the held lines are added in that order. So the missed
///   messages sit where the connection was lost, and every line is in the order it happened.
/// - Search results (and a typed `/history`) are listed at the bottom under a note; they are not part
///   of the history: no id, no day-change lines.
///
/// Every message id in the history is kept in a set, and a stored message already held is skipped,
/// so no message is shown twice whatever the server sends.
extension ChatState {
    /// What the server can give of its stored messages.
    public enum History: Equatable, Sendable {
        /// Not known yet: `/caps` is not answered.
        case unknown
        /// Messages come with ids and older ones can be asked for.
        case available
        /// A v1 server (it refused `/caps`), or one that keeps nothing (`--store none`).
        case unavailable
    }

    /// Stored messages the client asks for on its own (``ChatConnection/requestHistory(_:count:state:at:)``).
    public enum HistoryRequest: Equatable, Sendable {
        /// The newest messages, on the first connection: shown above everything in the pane.
        case recent
        /// Messages older than the oldest one held (the top of the pane): shown above it.
        case older
        /// The messages after the newest one seen, after a reconnection: shown where the connection was lost.
        case missed
    }

    /// What the user typed that lists stored messages at the bottom of the pane.
    public enum Listing: Equatable, Sendable {
        /// `/search TEXT`.
        case search(String)
        /// `/history ...` typed by the user.
        case history
    }

    /// What the server can give of its stored messages.
    public var history: History { store.support }

    /// Whether an answer to a ``HistoryRequest`` is still to come.
    public var awaitsHistory: Bool {
        store.requests.contains { if case .history = $0 { true } else { false } }
    }

    /// The highest message id seen (live or stored): the client has every message up to it.
    public var lastMessageID: UInt64? { store.lastID }

    /// The command that asks for `request`, or `nil` when there is nothing to ask (no ids, no stored
    /// message held to go on from).
    ///
    /// - Parameters:
    ///   - request: What is wanted.
    ///   - count: How many messages, for ``HistoryRequest/recent`` and ``HistoryRequest/older`` (clamped to
    ///     1...1000); the missed messages are asked for 1000 at a time.
    public func historyQuery(for request: HistoryRequest, count: Int) -> HistoryQuery? {
        guard store.support == .available, link == .connected else { return nil }
        let count = min(max(count, HistoryQuery.counts.lowerBound), HistoryQuery.counts.upperBound)
        switch request {
        case .recent:
            return .latest(count: count)
        case .older:
            // No more than the scrollback has room for: a prepend keeps only what fits.
            let room = lines.capacity - lines.count
            guard let oldest = oldestHeldID, room > 0 else { return nil }
            return .before(id: oldest, count: min(count, room))
        case .missed:
            guard let after = store.missedAfter else { return nil }
            return .after(id: after, count: HistoryQuery.counts.upperBound)
        }
    }

    /// Records that `query` went to the server for `request`, so its answer is placed; for older
    /// messages, a note at the top says they are on their way.
    public mutating func sentHistoryRequest(_ request: HistoryRequest, query: HistoryQuery, at time: LocalTime) {
        store.requests.append(.history(request, count: query.count))
        if request == .older, prependNote("loading older messages…", at: time) {
            store.loadingNote = lines.firstSequence
        }
    }

    /// Records that the user asked for a listing, so its answer is shown under a note.
    public mutating func sentListing(_ listing: Listing) {
        store.requests.append(.listing(listing))
    }

    /// What the top of the pane calls for, when the view reaches it.
    enum TopOfHistory: Equatable {
        /// Nothing: a request is out, the history is not known yet, or the note the top calls for is
        /// already on top.
        case nothing
        /// A note went on top (the start of the history, no history on this server, or a full scrollback).
        case noted
        /// Older messages can be asked for.
        case askOlder
    }

    /// What the view reaching the top of the scrollback does: asks for older messages (a note on top says
    /// they are on their way), or, once, notes the start of the history or a server that keeps none.
    /// ``ChatConnection/reachedTopOfHistory(count:state:at:)`` sends the query.
    ///
    /// - Parameters:
    ///   - count: How many older messages to ask for.
    ///   - time: The time of the note.
    ///   - send: Sends the query to the server; returns whether it went out.
    /// - Returns: Whether a note went on top of the scrollback (for the caller to bring into view).
    mutating func reachedTopOfHistory(count: Int, at time: LocalTime, send: (HistoryQuery) -> Bool) -> Bool {
        switch topOfHistoryReached(at: time) {
        case .nothing: return false
        case .noted: return true
        case .askOlder:
            guard let query = historyQuery(for: .older, count: count), send(query) else { return false }
            sentHistoryRequest(.older, query: query, at: time)
            return true
        }
    }

    /// Decides what the top of the pane calls for, adding the note about the start of the history (or
    /// about a server without one) the first time.
    ///
    /// While an answer that goes on top is on its way (older messages, or the recent history), the top
    /// calls for nothing: a second request would ask for the same place, and the note saying they load
    /// would end up below the lines of the first answer.
    mutating func topOfHistoryReached(at time: LocalTime) -> TopOfHistory {
        guard link == .connected, store.loadingNote == nil,
            !store.requests.contains(where: { $0.isHistory(.older) || $0.isHistory(.recent) })
        else { return .nothing }
        switch store.support {
        case .unknown:
            return .nothing
        case .unavailable:
            guard !store.noHistoryNoted else { return .nothing }
            store.noHistoryNoted = true
            putNoteOnTop("this server keeps no history", at: time)
            return .noted
        case .available:
            if lines.isFull { return fullScrollbackNoted(at: time) }
            if store.reachedStart {
                guard !store.startNoted else { return .nothing }
                store.startNoted = true
                putNoteOnTop(Self.startNote, at: time)
                return .noted
            }
            guard oldestHeldID != nil else { return .nothing }
            return .askOlder
        }
    }

    // MARK: Following the connection

    /// A connection is up; after a reconnection the lines are held back until the missed messages are in.
    mutating func connectionStarted(reconnecting: Bool, at time: LocalTime) {
        store.support = .unknown
        store.dropAnswers()
        store.firstConnection = !reconnecting
        if reconnecting, let last = store.lastID {
            store.held = []
            store.missedAfter = last
            store.idsBeforeReconnecting = last
            store.missed = []
            store.missedRounds = 0
        }
    }

    /// The connection is gone: requests will not be answered, held lines are let go.
    mutating func connectionLost(at time: LocalTime) {
        removeLoadingNote()
        releaseHeld(at: time)
        store.dropAnswers()
    }

    /// The server refused `/caps`: no ids, no history; except a members-only room, which refuses it until
    /// the connection logs in (`login-required`): the connection asks again then.
    mutating func capabilitiesRefused(_ code: ErrorCode, at time: LocalTime) {
        if code != .loginRequired { store.support = .unavailable }
        releaseHeld(at: time)
    }

    /// A `CAPS` line: the answer to the connection's own `/caps` (the first after connecting), or to one
    /// the user typed (shown).
    ///
    /// - Returns: The stored messages to ask for now.
    mutating func capabilitiesOn(_ names: [String], at time: LocalTime) -> HistoryRequest? {
        guard store.support == .unknown else {
            add(.capabilities(names), at: time)
            return nil
        }
        guard names.contains(Capability.ids.rawValue) else {
            store.support = .unavailable
            releaseHeld(at: time)
            return nil
        }
        store.support = .available
        if store.missedAfter != nil { return .missed }
        return store.firstConnection ? .recent : nil
    }

    /// Whether a live `MSG` with an id is new: not already held (a stored copy of it came first).
    ///
    /// A server that started its ids afresh (a new store) is noticed at the first live id after a
    /// reconnection that is not above every id seen before: the old ids are forgotten, and no older
    /// message is asked for above lines from the old store.
    mutating func liveMessageIsNew(id: UInt64) -> Bool {
        if let before = store.idsBeforeReconnecting {
            store.idsBeforeReconnecting = nil
            if id <= before {
                store.ids.removeAll()
                store.lastID = nil
                store.reachedStart = true
                store.startNoted = true
            }
        }
        guard !store.ids.contains(id) else { return false }
        store.lastID = max(store.lastID ?? id, id)
        return true
    }

    /// An `ERROR unavailable`: the answer to the oldest request for stored messages, if one is out.
    ///
    /// - Returns: Whether the error is swallowed (it answers the client's own request: no history, and
    ///   no red line for it); a typed `/search` or `/history` shows its error.
    mutating func answeredUnavailable(at time: LocalTime) -> Bool {
        guard !store.requests.isEmpty else { return false }
        let request = store.requests.removeFirst()
        store.historyAnswer.removeAll()
        store.foundAnswer.removeAll()
        if request == .dropped { return true }
        guard case .history(let kind, _) = request else { return false }
        store.support = .unavailable
        switch kind {
        case .older: removeLoadingNote()
        case .missed: releaseHeld(at: time)
        case .recent: break
        }
        return true
    }

    /// A `HISTORY-END`: places the `HISTORY` lines gathered before it, as the request they answer asks.
    ///
    /// - Returns: The next request when the missed messages need another round.
    mutating func historyAnswered(count: Int, at time: LocalTime) -> HistoryRequest? {
        let messages = store.historyAnswer
        store.historyAnswer.removeAll()
        let index = store.requests.firstIndex { $0.isHistory(nil) || $0 == .listing(.history) || $0 == .dropped }
        let request = index.map { store.requests.remove(at: $0) }
        if request == .dropped { return nil }
        guard case .history(let kind, let asked) = request else {
            list(messages, under: Self.describeStored(messages.count), at: time)
            return nil
        }
        let fresh = newMessages(messages).map { storedLine($0, inHistory: true) }
        let newest = messages.map(\.id).max()
        let short = count < asked
        switch kind {
        case .recent:
            // An empty answer says there was nothing before: the missed messages are all those after 0.
            store.lastID = max(store.lastID ?? 0, newest ?? 0)
            if short { store.reachedStart = true }
            prependToFlow(fresh, startNote: false, at: time)
        case .older:
            removeLoadingNote()
            if short {
                store.reachedStart = true
                store.startNoted = true
            }
            prependToFlow(fresh, startNote: short, at: time)
        case .missed:
            if let newest {
                store.missedAfter = max(store.missedAfter ?? newest, newest)
                store.lastID = max(store.lastID ?? newest, newest)
            }
            store.missed += fresh
            store.missedRounds += 1
            if !short && !messages.isEmpty && store.held != nil { return .missed }
            releaseHeld(at: time)
        }
        return nil
    }

    /// A `FOUND-END`: lists the `FOUND` lines gathered before it under a note saying how many.
    mutating func searchAnswered(at time: LocalTime) {
        let messages = store.foundAnswer
        store.foundAnswer.removeAll()
        var text: String?
        if let index = store.requests.firstIndex(where: { if case .listing(.search) = $0 { true } else { false } }),
            case .listing(.search(let searched)) = store.requests.remove(at: index)
        {
            text = searched
        }
        let quoted = text.map { " \"\($0)\"" } ?? ""
        let note =
            switch messages.count {
            case 0: "no message matches" + quoted
            case 1: "1 message matches" + quoted
            default: "\(messages.count) messages match" + quoted
            }
        list(messages, under: note, at: time)
    }

    // MARK: Placing lines

    /// The oldest message id in the scrollback: older messages are asked for before it.
    private var oldestHeldID: UInt64? {
        guard let last = lines.lastSequence else { return nil }
        for sequence in lines.firstSequence...last {
            if let id = lines[sequence: sequence]?.id { return id }
        }
        return nil
    }

    /// The messages not held yet (each id once), recording their ids.
    private mutating func newMessages(_ messages: [StoredMessage]) -> [StoredMessage] {
        messages.filter { store.ids.insert($0.id).inserted }
    }

    /// A stored message as a line, at its time in the local time zone, dated when it is from an earlier
    /// day than today (always, for a listing).
    private func storedLine(_ message: StoredMessage, inHistory: Bool) -> ChatLine {
        let time = LocalTime(message.time)
        return ChatLine(
            time: time, kind: messageKind(from: message.from, text: message.text), id: inHistory ? message.id : nil,
            serverTime: message.time, showsDate: !inHistory || isBeforeToday(time))
    }

    /// Lists stored messages at the bottom under a note, outside the history.
    private mutating func list(_ messages: [StoredMessage], under note: String, at time: LocalTime) {
        add(.notice(note), at: time)
        for message in messages { appendAside(storedLine(message, inHistory: false)) }
    }

    /// `5 stored messages`, for a typed `/history`.
    private static func describeStored(_ count: Int) -> String {
        switch count {
        case 0: "no stored messages"
        case 1: "1 stored message"
        default: "\(count) stored messages"
        }
    }

    /// A note without a date, for the top of the pane: it does not take part in day changes.
    private func topNote(_ text: String, at time: LocalTime) -> ChatLine {
        ChatLine(time: LocalTime(hour: time.hour, minute: time.minute), kind: .notice(text))
    }

    /// The note above the oldest stored message.
    static let startNote = "the start of the history"

    /// The note at the top of a full scrollback.
    var fullScrollbackNote: String {
        "the pane holds its newest \(lines.capacity) lines; /search finds older messages"
    }

    /// At the top of a full scrollback, where older messages would find no room (a prepend keeps
    /// nothing): asks for nothing, and puts a note on top saying why and what finds them, unless it (or
    /// the start of the history) is on top already. It shows again once it has fallen off the top.
    private mutating func fullScrollbackNoted(at time: LocalTime) -> TopOfHistory {
        let top = lines.first?.kind
        guard top != .notice(fullScrollbackNote), top != .notice(Self.startNote) else { return .nothing }
        putNoteOnTop(fullScrollbackNote, at: time)
        return .noted
    }

    /// Puts a note on top of the scrollback; a full one gives up its oldest line for it, as it does for a
    /// line added at the bottom.
    private mutating func putNoteOnTop(_ text: String, at time: LocalTime) {
        if lines.isFull, let oldest = lines.removeFirst(), let id = oldest.id { store.ids.remove(id) }
        lines.prepend(contentsOf: [topNote(text, at: time)])
    }

    /// Puts a note on top of the scrollback, when there is room.
    ///
    /// - Returns: Whether there was room for it.
    private mutating func prependNote(_ text: String, at time: LocalTime) -> Bool {
        lines.prepend(contentsOf: [topNote(text, at: time)]) == 1
    }

    /// Takes away the note that older messages are on their way, when it is still on top.
    private mutating func removeLoadingNote() {
        guard let sequence = store.loadingNote else { return }
        store.loadingNote = nil
        if lines.firstSequence == sequence { lines.removeFirst() }
    }

    /// Puts older lines of the conversation on top, with day-change lines between days, and between
    /// them and the lines held.
    private mutating func prependToFlow(_ older: [ChatLine], startNote: Bool, at time: LocalTime) {
        var block: [ChatLine] = []
        if startNote { block.append(topNote(Self.startNote, at: time)) }
        var day: LocalDate?
        for line in older {
            if let date = line.time.date {
                if let day, day != date { block.append(ChatLine(time: line.time, kind: .dayChanged(date))) }
                day = date
            }
            block.append(line)
        }
        if let day {
            if let top = firstDatedLine {
                if let date = top.time.date, date != day, top.kind != .dayChanged(date) {
                    block.append(ChatLine(time: top.time, kind: .dayChanged(date)))
                }
            } else if lastDate == nil {
                lastDate = day
            }
        }
        let kept = lines.prepend(contentsOf: block)
        // A full scrollback keeps only the newest of them: forget the ids of the others.
        for line in block.prefix(block.count - kept) {
            if let id = line.id { store.ids.remove(id) }
        }
    }

    /// The first line from the top that has a date (looking no further than a screenful).
    private var firstDatedLine: ChatLine? {
        guard let last = lines.lastSequence else { return nil }
        for sequence in lines.firstSequence...min(last, lines.firstSequence + 200) {
            if let line = lines[sequence: sequence], line.time.date != nil { return line }
        }
        return nil
    }

    /// Adds the lines held back after a reconnection: the note about the missed messages and the missed
    /// messages first (when any round was answered), then the held lines, in order.
    private mutating func releaseHeld(at time: LocalTime) {
        guard let held = store.held else { return }
        let missed = store.missed
        let answered = store.missedRounds > 0
        store.held = nil
        store.missed = []
        store.missedAfter = nil
        store.missedRounds = 0
        // Without an answer (a refusal, a lost connection) nothing is known about them: no note.
        if answered {
            let note =
                switch missed.count {
                case 0: "no messages came while you were away"
                case 1: "1 message came while you were away"
                default: "\(missed.count) messages came while you were away"
                }
            appendToFlow(ChatLine(time: time, kind: .notice(note)))
        }
        for line in missed { appendToFlow(line) }
        for line in held {
            switch line {
            case .flow(let line): appendToFlow(line)
            case .aside(let line): appendLine(line)
            }
        }
    }
}

/// What ``ChatState`` keeps about stored messages.
struct StoreState: Sendable {
    /// A request for stored messages, in the order sent: the server answers in that order.
    enum Request: Equatable, Sendable {
        case history(ChatState.HistoryRequest, count: Int)
        case listing(ChatState.Listing)
        /// Older messages asked for before a `/clear`: the answer is dropped.
        case dropped

        /// Whether this is the client's own request of that kind (any kind for `nil`).
        func isHistory(_ kind: ChatState.HistoryRequest?) -> Bool {
            guard case .history(let own, _) = self else { return false }
            return kind.map { $0 == own } ?? true
        }
    }

    /// A line held back while the missed messages are fetched.
    enum Held: Sendable {
        /// A line of the conversation's flow.
        case flow(ChatLine)
        /// A search result.
        case aside(ChatLine)
    }

    var support: ChatState.History = .unknown
    var requests: [Request] = []
    /// The `HISTORY` lines of the answer coming in.
    var historyAnswer: [StoredMessage] = []
    /// The `FOUND` lines of the answer coming in.
    var foundAnswer: [StoredMessage] = []
    /// Every message id in the history (the scrollback and the held lines), for de-duplication.
    var ids: Set<UInt64> = []
    /// The highest message id seen.
    var lastID: UInt64?
    /// Whether the connection is the first (which asks for the recent history).
    var firstConnection = true
    /// While the missed messages are fetched: the id to ask for the messages after.
    var missedAfter: UInt64?
    /// The missed messages gathered so far, as lines.
    var missed: [ChatLine] = []
    /// The answers to `/history after` received so far.
    var missedRounds = 0
    /// The lines held back meanwhile; `nil` when nothing is held back.
    var held: [Held]?
    /// The highest id seen before the last reconnection, until the first live id after it.
    var idsBeforeReconnecting: UInt64?
    /// The oldest stored message is in the scrollback: nothing older is asked for.
    var reachedStart = false
    /// The note about the start of the history was shown.
    var startNoted = false
    /// The note about a server without history was shown.
    var noHistoryNoted = false
    /// The sequence number of the note on top while older messages are on their way.
    var loadingNote: Int?

    /// Forgets requests and half-received answers (the connection that would answer them is gone).
    mutating func dropAnswers() {
        requests.removeAll()
        historyAnswer.removeAll()
        foundAnswer.removeAll()
    }

    /// After `/clear`: nothing is held any more, and older messages on their way would come above nothing.
    mutating func cleared() {
        requests = requests.map { $0.isHistory(.older) ? .dropped : $0 }
        ids.removeAll()
        reachedStart = false
        startNoted = false
        noHistoryNoted = false
        loadingNote = nil
        if held != nil { held = [] }
    }
}
