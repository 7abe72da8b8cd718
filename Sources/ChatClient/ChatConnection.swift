import ChatProtocol
import ChatSystem
import ChatTLS
import Glibc

/// The client's connection to a chat server: one network thread that connects, reads and writes,
/// and reconnects with backoff when the server goes away.
///
/// Everything the server sends is reported, in order, through the `sink` given at creation; the sink
/// runs on the network thread and must not block (the TUI queues the event and wakes its own thread).
/// Lines are sent with ``send(_:)`` from any thread: they are queued and written by the network thread,
/// so a caller never waits on the socket.
///
/// ```swift
/// let connection = try ChatConnection(options: .init(address: ServerAddress(port: 7777), name: "alice")) { event in
///     inbox.post(event)
/// }
/// try connection.start()
/// connection.send("/users")
/// ```
///
/// After each `WELCOME` the connection asks for the name the user wants, with `/nick`: the `name`
/// option at first, then whatever name the last successful rename gave (so a reconnection keeps
/// the name the user chose). Once logged in to an account (accounts: `LOGGED-IN` or `REGISTERED`), or
/// when started with a password for the `name` option, it logs in instead, with `/login NAME PASSWORD`,
/// so a reconnection logs in again by itself and keeps the account's name. A name that belongs to an
/// account it has no password for is reported as ``ConnectionEvent/passwordWanted(name:)``, a refused
/// login as ``ConnectionEvent/loginFailed(name:)``. Then (the `capabilities` option) it turns on message
/// ids and times with `/caps ids time` (v1.1); a server that refuses it is reported once, as
/// ``ConnectionEvent/capabilitiesRefused(_:_:)``, instead of its `ERROR`, and the connection stays v1.
///
/// It reconnects after a lost connection, but not after the server's farewell says the user was kicked
/// or banned, or logged in from another connection: then it reports the loss without a retry, and ends.
///
/// With ``Options/tls`` each connection runs a TLS handshake first (within
/// ``TLSSettings/handshakeTimeout``), then decides on the server's certificate as ssh does on first use
/// (`TrustDecision`): it reports ``ConnectionEvent/secured(_:)`` and goes on, asks with
/// ``ConnectionEvent/certificateUnknown(_:)`` and waits for ``trustCertificate()`` or
/// ``declineCertificate()``, or reports ``ConnectionEvent/certificateRefused(_:)`` and ends without a retry.
/// The TLS engine is the network thread's alone (`TLSChannel`), between the socket and the line framer.
public final class ChatConnection: Sendable {
    /// What a connection is made with.
    public struct Options: Sendable {
        /// The server to connect to.
        public var address: ServerAddress
        /// The name to ask for after each `WELCOME` (until a rename replaces it).
        public var name: String?
        /// The password of the account `name` (`CHATROOM_PASSWORD`, `--password-file`): the connection logs
        /// in with `/login NAME PASSWORD` after `WELCOME` instead of asking for the name with `/nick`.
        public var password: String?
        /// Whether to reconnect after the connection is lost or cannot be made.
        public var reconnect: Bool
        /// The waits between reconnection attempts.
        public var backoff: Backoff
        /// How long a connection attempt may take.
        public var connectTimeout: Duration
        /// The longest line accepted from the server. A `USERS` line for a big room, or a `MSG` with
        /// 4096 bytes of text, is longer than the 4096 bytes a client may send.
        public var maxLineBytes: Int
        /// The shortest time between two reads of the socket. A line after a quiet spell is read at
        /// once; under a flood the lines gather in the socket meanwhile and one wake-up reads them
        /// all, instead of one wake-up per line. Zero reads every line as it comes.
        public var readInterval: Duration
        /// Whether to send `/caps ids time` after each `WELCOME` (and after the `/nick` sent there), so
        /// that messages come with their ids and times and stored messages can be asked for (v1.1).
        public var capabilities: Bool
        /// TLS (`--tls`): how to check the server's certificate and where its pin is kept; `nil` speaks plain.
        public var tls: TLSSettings?

        /// Creates the options.
        ///
        /// - Parameters:
        ///   - address: The server to connect to.
        ///   - name: The name to ask for after `WELCOME`.
        ///   - password: The password of the account `name`, to log in with after `WELCOME`.
        ///   - reconnect: Whether to reconnect after a loss.
        ///   - backoff: The waits between reconnection attempts.
        ///   - connectTimeout: How long one attempt may take.
        ///   - maxLineBytes: The longest line accepted from the server.
        ///   - readInterval: The shortest time between two reads of the socket.
        ///   - capabilities: Whether to turn on ids and times after `WELCOME`.
        ///   - tls: TLS settings, or `nil` for a plain connection.
        public init(
            address: ServerAddress,
            name: String? = nil,
            password: String? = nil,
            reconnect: Bool = true,
            backoff: Backoff = Backoff(),
            connectTimeout: Duration = .seconds(10),
            maxLineBytes: Int = 1 << 20,
            readInterval: Duration = .milliseconds(10),
            capabilities: Bool = true,
            tls: TLSSettings? = nil
        ) {
            self.address = address
            self.name = name
            self.password = password
            self.reconnect = reconnect
            self.backoff = backoff
            self.connectTimeout = connectTimeout
            self.maxLineBytes = maxLineBytes
            self.readInterval = readInterval
            self.capabilities = capabilities
            self.tls = tls
        }
    }

    /// State shared between the network thread and callers; held only for memory work.
    struct Shared {
        /// Bytes queued for the server; `outbound[sentOffset...]` are not sent yet.
        var outbound: [UInt8] = []
        var sentOffset = 0
        /// Between ``ConnectionEvent/connected(_:)`` and the loss of that connection.
        var connected = false
        /// `/quit` was queued: the close that follows is the end, not a loss.
        var quitting = false
        var stopped = false
        var started = false
        /// The account logged in as and the commands carrying a password that wait for their answer.
        var accounts: AccountKeeper
        /// A ``ConnectionEvent/certificateUnknown(_:)`` waits for its answer; and the answer, once given.
        var awaitingCertificate = false
        var certificateAnswer: CertificateAnswer?

        /// Queues one line for the server; the line feed is added.
        mutating func queue(_ line: String) {
            outbound.append(contentsOf: line.utf8)
            outbound.append(Wire.lineFeed)
        }
    }

    /// The options the connection was made with.
    public let options: Options
    // Internal, not private, for the aspects in other files (`ChatConnection+TLS.swift`).
    let shared: Locked<Shared>
    let wake: PollWaker
    let sink: @Sendable (ConnectionEvent) -> Void
    /// The client's TLS context and the fingerprint given for this run, when ``Options/tls`` is set.
    let tlsContext: TLSContext?
    let givenFingerprint: Fingerprint?

    /// Creates a connection; nothing happens until ``start(adopting:)``.
    ///
    /// - Parameters:
    ///   - options: The server, the name to ask for, and the reconnection policy.
    ///   - sink: Called on the network thread with every ``ConnectionEvent``, in order; must not block.
    /// - Throws: ``ClientError`` when its waker (an eventfd) cannot be made, or with TLS, when the trusted
    ///   authorities cannot be read (``TLSSettings/authorityFile``) or the fingerprint given is not one.
    public init(options: Options, sink: @escaping @Sendable (ConnectionEvent) -> Void) throws(ClientError) {
        self.options = options
        self.sink = sink
        self.shared = Locked(Shared(accounts: AccountKeeper(name: options.name, password: options.password)))
        do throws(SystemError) {
            self.wake = try PollWaker()
        } catch {
            throw .system(error)
        }
        (tlsContext, givenFingerprint) = try Self.prepareTLS(options.tls)
    }

    /// Starts the network thread.
    ///
    /// - Parameter socket: A socket already connected to the server (it is owned by the connection
    ///   from now on), or `nil` to connect first.
    /// - Throws: ``ClientError`` when the thread cannot be started.
    public func start(adopting socket: Int32? = nil) throws(ClientError) {
        let first = shared.withLock { shared -> Bool in
            defer { shared.started = true }
            return !shared.started
        }
        guard first else { return }
        do {
            try DetachedThread.spawn { [self] in run(adopting: socket) }
        } catch {
            if let socket { close(socket) }
            throw error
        }
    }

    /// Whether the connection is up now.
    public var isConnected: Bool { shared.withLock { $0.connected } }

    /// Queues one line for the server; the line feed is added.
    ///
    /// - Parameter line: The line as the server should read it.
    /// - Returns: `false`, and nothing is queued, when the connection is not up (or `/quit` was sent).
    @discardableResult
    public func send(_ line: String) -> Bool {
        let queued = shared.withLock { shared -> Bool in
            guard shared.connected && !shared.quitting && !shared.stopped else { return false }
            shared.outbound.append(contentsOf: line.utf8)
            shared.outbound.append(Wire.lineFeed)
            return true
        }
        if queued { wake.wake() }
        return queued
    }

    /// Queues a command that carries a password (`/register`, `/login`, `/password`), keeping the password
    /// until the command is answered: once it logs in (or registers, or changes the password), the
    /// connection logs in with it again after a reconnection.
    ///
    /// - Parameter command: The command.
    /// - Returns: `false`, and nothing is queued, when the connection is not up (or `/quit` was sent).
    @discardableResult
    func send(credentials command: Command) -> Bool {
        let queued = shared.withLock { shared -> Bool in
            guard shared.connected && !shared.quitting && !shared.stopped else { return false }
            shared.outbound.append(contentsOf: command.wireLine.utf8)
            shared.outbound.append(Wire.lineFeed)
            shared.accounts.sent(command)
            return true
        }
        if queued { wake.wake() }
        return queued
    }

    /// Leaves: sends `/quit` and ends after the server closes, or ends at once when not connected.
    ///
    /// Either way ``ConnectionEvent/closed`` is reported last.
    public func quit() {
        let sent = shared.withLock { shared -> Bool in
            guard shared.connected && !shared.quitting && !shared.stopped else { return false }
            shared.outbound.append(contentsOf: Command.quit.wireLine.utf8)
            shared.outbound.append(Wire.lineFeed)
            shared.quitting = true
            return true
        }
        if sent { wake.wake() } else { stop() }
    }

    /// Closes the connection at once and stops reconnecting; ``ConnectionEvent/closed`` is reported last.
    public func stop() {
        let started = shared.withLock { shared -> Bool in
            shared.stopped = true
            return shared.started
        }
        if started { wake.wake() } else { sink(.closed) }
    }

    // MARK: The network thread

    /// Whether ``stop()`` was called.
    var isStopped: Bool { shared.withLock { $0.stopped } }

    private func run(adopting adopted: Int32?) {
        var socket = adopted
        var attempt = 0
        var names = NameKeeper(wanted: options.name)
        var trustedThisRun: (fingerprint: Fingerprint, notPinned: String)?
        connecting: while !isStopped {
            if socket == nil {
                sink(.connecting(options.address))
                do throws(ClientError) {
                    socket = try ClientSocket.connect(
                        to: options.address, timeout: options.connectTimeout, cancelFD: wake.fd)
                } catch .cancelled {
                    break
                } catch {
                    guard waitBeforeRetry(reason: error.description, attempt: &attempt) else { break }
                    continue
                }
            }
            guard let fd = socket else { continue }
            var channel: TLSChannel?
            switch secure(fd, trustedThisRun: &trustedThisRun) {
            case .plain:
                break
            case .secured(let secured):
                channel = secured
            case .retry(let reason):
                close(fd)
                socket = nil
                guard waitBeforeRetry(reason: reason, attempt: &attempt) else { break connecting }
                continue connecting
            case .end(let reason):
                close(fd)
                socket = nil
                if let reason { sink(.disconnected(reason: reason, retryIn: nil)) }
                break connecting
            }
            shared.withLock {
                $0.connected = true
                $0.outbound.removeAll()
                $0.sentOffset = 0
                $0.accounts.connectionStarted()
            }
            sink(.connected(options.address))
            let (reason, final) = serve(fd, channel: channel, names: &names, attempt: &attempt)
            close(fd)
            socket = nil
            let ending = shared.withLock { shared -> Bool in
                shared.connected = false
                shared.outbound.removeAll()
                shared.sentOffset = 0
                return shared.quitting || shared.stopped
            }
            if ending { break }
            if let final {
                sink(.disconnected(reason: "\(reason); \(final)", retryIn: nil))
                break
            }
            guard waitBeforeRetry(reason: reason, attempt: &attempt) else { break }
        }
        if let socket { close(socket) }
        shared.withLock { $0.connected = false }
        sink(.closed)
    }

    /// Reports a loss and waits out the backoff.
    ///
    /// - Returns: Whether to try again (`false` without reconnection, or once stopped).
    private func waitBeforeRetry(reason: String, attempt: inout Int) -> Bool {
        guard options.reconnect else {
            sink(.disconnected(reason: reason, retryIn: nil))
            return false
        }
        let delay = options.backoff.delay(attempt: attempt)
        attempt += 1
        sink(.disconnected(reason: reason, retryIn: delay))
        let deadline = ContinuousClock.now + delay
        while !isStopped {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return true }
            var fds = [pollfd(fd: wake.fd, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 1, left.pollTimeout) > 0 { wake.drain() }
        }
        return false
    }

    /// Reads and writes one connection until it ends.
    ///
    /// - Returns: Why it ended, for the user, and why not to reconnect, when the server's farewell says so
    ///   (``endsForGood(farewell:bannedBeforeWelcome:)``).
    private func serve(
        _ fd: Int32, channel: TLSChannel?, names: inout NameKeeper, attempt: inout Int
    ) -> (String, final: String?) {
        var framer = LineFramer(maxLineBytes: options.maxLineBytes)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var farewell: String?
        var welcomed = false
        var bannedBeforeWelcome = false
        // A members-only room refuses `/caps` until the connection logs in: it is sent again then.
        var capabilitiesAfterLogin = false
        var followUp = WelcomeFollowUp()
        var nextRead = ContinuousClock.now
        while true {
            let (stopped, queued) = shared.withLock { ($0.stopped, $0.sentOffset < $0.outbound.count) }
            if stopped {
                if let channel { sayGoodbye(channel) }
                return ("stopped", nil)
            }
            let pending = queued || channel?.hasOutput == true
            // Until the next read is due, only the waker and writing wake the thread (a hang-up still does).
            let untilRead = ContinuousClock.now.duration(to: nextRead)
            let reading = untilRead <= .zero
            // Plaintext the TLS engine may still hold is read before waiting: the socket cannot show it.
            let held = reading && channel?.mayHoldMore == true
            var fds = [
                pollfd(
                    fd: fd, events: (reading ? Int16(POLLIN) : 0) | (pending ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: wake.fd, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, 2, held ? 0 : reading ? -1 : untilRead.pollTimeout) < 0 {
                if errno == EINTR { continue }
                return ("poll failed: \(SystemError("poll"))", nil)
            }
            if fds[1].revents != 0 { wake.drain() }
            do throws(ClientError) {
                if fds[0].revents & Int16(POLLOUT) != 0 {
                    if let channel { try flush(channel) } else { try flush(fd) }
                }
                if held || fds[0].revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 {
                    let received: Int?
                    if let channel {
                        received = try channel.receive(into: buffer)
                    } else {
                        received = try receive(fd, into: buffer)
                    }
                    guard let count = received else { continue }
                    nextRead = ContinuousClock.now + options.readInterval
                    if count == 0 {
                        let reason =
                            farewell.map { "the server closed the connection: \($0)" }
                            ?? "the server closed the connection"
                        return (reason, Self.endsForGood(farewell: farewell, bannedBeforeWelcome: bannedBeforeWelcome))
                    }
                    framer.push(UnsafeRawBufferPointer(rebasing: buffer[..<count])) { frame in
                        guard let line = decode(frame) else { return }
                        let event = line.event
                        switch event {
                        case .welcome(let name, _):
                            attempt = 0
                            welcomed = true
                            // Queued before the event is reported, so the login or rename and the capabilities
                            // go out ahead of anything the client sends in answer to the WELCOME.
                            followUp = WelcomeFollowUp()
                            capabilitiesAfterLogin = false
                            let wanted = names.welcomed(as: name)
                            let first = shared.withLock { shared -> WelcomeFollowUp.First? in
                                if let login = shared.accounts.loginAfterWelcome() {
                                    shared.queue(Command.login(name: login.name, password: login.password).wireLine)
                                    return .login
                                }
                                guard let wanted else { return nil }
                                shared.queue(Command.nick(wanted).wireLine)
                                return .rename(from: name, to: wanted)
                            }
                            followUp.sent(first)
                            if options.capabilities {
                                enqueue(Command.caps([.ids, .time]).wireLine)
                                followUp.sentCapabilities()
                            }
                        case .nick(let old, let new):
                            names.renamed(from: old, to: new)
                        case .bye(let text):
                            farewell = text
                        case .error(.banned, _) where !welcomed:
                            bannedBeforeWelcome = true
                        case .loggedIn, .registered:
                            if capabilitiesAfterLogin {
                                capabilitiesAfterLogin = false
                                enqueue(Command.caps([.ids, .time]).wireLine)
                                followUp.sentCapabilities()
                            }
                        default:
                            break
                        }
                        let answer = followUp.follow(event)
                        if case .capabilitiesRefused(.loginRequired, _) = answer { capabilitiesAfterLogin = true }
                        // (An ERROR that refuses the connection's own /nick or /caps answers no account command.)
                        var failedLogin: String?
                        switch event {
                        case .loggedIn, .registered, .passwordChanged:
                            failedLogin = shared.withLock { $0.accounts.received(event) }
                        case .error where answer == .none:
                            failedLogin = shared.withLock { $0.accounts.received(event) }
                        default:
                            break
                        }
                        if case .capabilitiesRefused(let code, let text) = answer {
                            sink(.capabilitiesRefused(code, text))
                        } else {
                            sink(.received(event, tags: line.tags))
                        }
                        if case .renameRefused(let wanted, .nameRegistered) = answer {
                            sink(.passwordWanted(name: wanted))
                        } else if case .renameRefused(let wanted, .loginRequired) = answer {
                            sink(.passwordWanted(name: wanted))
                        }
                        if let failedLogin { sink(.loginFailed(name: failedLogin)) }
                    }
                }
            } catch {
                return ("connection lost (\(error))", nil)
            }
        }
    }

    /// Decodes one framed line, tagged or not, reporting a line that is not an event.
    private func decode(_ frame: LineFramer.Frame) -> TaggedEvent? {
        switch frame {
        case .tooLong:
            sink(.unreadable("the server sent a line longer than \(options.maxLineBytes) bytes; skipped"))
            return nil
        case .line(let bytes):
            let text: String
            do throws(ProtocolError) {
                text = try LineText.decode(bytes)
            } catch {
                sink(.unreadable("the server sent a line that \(error.message); skipped"))
                return nil
            }
            guard let event = TaggedEvent(wireLine: text) else {
                sink(.unreadable("the server sent a line this client does not understand: \(text)"))
                return nil
            }
            return event
        }
    }

    /// Reads what is available without blocking (``receiveAvailable(_:into:)``), in the client's errors.
    private func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(ClientError) -> Int? {
        do throws(SystemError) {
            return try receiveAvailable(fd, into: buffer)
        } catch {
            throw .system(error)
        }
    }

    private func enqueue(_ line: String) {
        shared.withLock { $0.queue(line) }
    }

    /// Why not to reconnect after a connection the server closed, if its farewell says so: the user was
    /// kicked or banned (`BYE kicked by OP...`, `BYE banned by OP...`), logged in from another connection
    /// (`BYE logged in from another connection`), or the address is banned (an `ERROR banned` before any
    /// `WELCOME`). Coming back at once would only be refused again, or take the account from the other
    /// connection.
    ///
    /// - Parameters:
    ///   - farewell: The text of the server's `BYE`, if it sent one.
    ///   - bannedBeforeWelcome: Whether an `ERROR banned` came before the `WELCOME`.
    /// - Returns: The words to add to the reason (`not reconnecting after a kick`), or `nil` to reconnect.
    static func endsForGood(farewell: String?, bannedBeforeWelcome: Bool) -> String? {
        if bannedBeforeWelcome { return "not reconnecting while banned" }
        guard let farewell else { return nil }
        if farewell.hasPrefix("kicked by ") { return "not reconnecting after a kick" }
        if farewell.hasPrefix("banned by ") { return "not reconnecting after a ban" }
        if farewell == "logged in from another connection" {
            return "not reconnecting: you logged in on another connection"
        }
        return nil
    }

    /// Writes as much of the queue as the socket takes now.
    private func flush(_ fd: Int32) throws(ClientError) {
        let chunk = shared.withLock { shared -> [UInt8] in
            Array(shared.outbound[shared.sentOffset..<min(shared.outbound.count, shared.sentOffset + 64 * 1024)])
        }
        guard !chunk.isEmpty else { return }
        let result = chunk.withUnsafeBytes { bytes in
            Result { () throws(SystemError) in try StreamSocket.send(fd, bytes) }
        }
        let sent: Int
        do throws(SystemError) {
            sent = try result.get()
        } catch {
            throw .system(error)
        }
        shared.withLock { shared in
            shared.sentOffset += sent
            if shared.sentOffset >= shared.outbound.count {
                shared.outbound.removeAll(keepingCapacity: true)
                shared.sentOffset = 0
            }
        }
    }
}

/// Which name a connection should hold: the one asked for with `--name`, then the last one a rename gave.
struct NameKeeper: Equatable, Sendable {
    /// The name to ask for after a `WELCOME`, if any.
    private(set) var wanted: String?
    /// The name the server gave this connection.
    private(set) var current: String?

    init(wanted: String?) {
        self.wanted = wanted
    }

    /// Records the name a `WELCOME` gave.
    ///
    /// - Returns: The name to ask for with `/nick`, or `nil` when the given one is already it.
    mutating func welcomed(as name: String) -> String? {
        current = name
        guard let wanted, wanted != name else { return nil }
        return wanted
    }

    /// Records a `NICK` event; a rename of this connection becomes the name to keep.
    mutating func renamed(from old: String, to new: String) {
        guard let current, current == old else { return }
        self.current = new
        wanted = new
    }
}

/// Which answers belong to the commands the connection sends itself after a `WELCOME`: the `/nick` or
/// `/login`, then `/caps`.
///
/// The server answers a connection's commands in order, and nothing else is sent before them, so the
/// first `ERROR` before the rename's or login's answer refuses it, and the first `ERROR` after it is the
/// refusal of `/caps` (a v1 server: `unknown-command`).
struct WelcomeFollowUp: Equatable, Sendable {
    /// The command sent first.
    enum First: Equatable, Sendable {
        /// `/nick WANTED`, from the name the `WELCOME` gave; answered by a `NICK` from that name.
        case rename(from: String, to: String)
        /// `/login`; answered by `LOGGED-IN` (after the `NICK` that renames).
        case login
    }

    /// What one event answers.
    enum Answer: Equatable, Sendable {
        /// Nothing the connection sent itself (or its success).
        case none
        /// The `ERROR` refusing the `/nick`: the name wanted and the error's code.
        case renameRefused(String, ErrorCode)
        /// The `ERROR` refusing `/caps`.
        case capabilitiesRefused(ErrorCode, String)
    }

    /// The first command, until its answer.
    private var first: First?
    /// `/caps` went out and is not answered yet.
    private var awaitingCaps = false

    /// Records the first command sent after the `WELCOME`, if any.
    mutating func sent(_ first: First?) {
        self.first = first
    }

    /// Records that `/caps` was sent, after the first command.
    mutating func sentCapabilities() {
        awaitingCaps = true
    }

    /// Follows one event from the server.
    ///
    /// - Returns: What the event answers.
    mutating func follow(_ event: Event) -> Answer {
        switch event {
        case .nick(let old, _):
            if case .rename(old, _) = first { first = nil }
        case .loggedIn:
            if first == .login { first = nil }
        case .error(let code, let text):
            if let refused = first {
                first = nil
                if case .rename(_, let wanted) = refused { return .renameRefused(wanted, code) }
            } else if awaitingCaps {
                awaitingCaps = false
                return .capabilitiesRefused(code, text)
            }
        case .caps:
            first = nil
            awaitingCaps = false
        default:
            break
        }
        return .none
    }
}
