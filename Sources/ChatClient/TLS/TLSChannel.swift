import ChatSystem
import ChatTLS
import Glibc

/// TLS between a connection's socket and its line framer: ciphertext from the socket is fed to the engine
/// and read out as plaintext; lines are sealed by the engine and its ciphertext sent, in the order it was
/// made.
///
/// Owned by the connection's network thread alone, which makes every call (the engine is not thread-safe,
/// and needs no lock that way). The socket is non-blocking: ciphertext the socket does not take now waits
/// here for `POLLOUT`.
final class TLSChannel {
    /// The engine (memory in, memory out).
    let engine: TLSEngine
    private let fd: Int32
    /// Ciphertext made and not sent yet: `ciphertext[sentOffset...]`.
    private var ciphertext: [UInt8] = []
    private var sentOffset = 0
    /// Ciphertext read from the socket, before it is fed to the engine.
    private let incoming: UnsafeMutableRawBufferPointer
    /// The `close_notify` is queued.
    private var closed = false
    /// The last read gave plaintext: the engine may hold more, which `poll` on the socket cannot show, so
    /// the owner reads again before it waits (``TLSEngine/hasBufferedInput``).
    private(set) var mayHoldMore = true

    /// How the handshake ended.
    enum HandshakeResult: Equatable, Sendable {
        case complete
        /// What went wrong, for the user.
        case failed(String)
        /// The connection was stopped meanwhile.
        case stopped
    }

    /// Starts a client connection over a connected socket.
    ///
    /// - Parameters:
    ///   - context: The client's context (its trusted authorities).
    ///   - host: The server's name or address, as given: the certificate must name it to verify.
    ///   - fd: The socket; it stays the caller's to close.
    /// - Throws: ``ClientError/tls(_:)`` when OpenSSL cannot start the connection.
    init(context: TLSContext, host: String, fd: Int32) throws(ClientError) {
        do throws(TLSError) {
            engine = try TLSEngine(client: context, host: host)
        } catch {
            throw .tls(error.description)
        }
        self.fd = fd
        incoming = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit { incoming.deallocate() }

    /// Whether ciphertext waits to be sent.
    var hasOutput: Bool {
        sentOffset < ciphertext.count || engine.pendingOutput > 0
    }

    /// Ciphertext queued here and in the engine, in bytes.
    var queuedOutput: Int {
        ciphertext.count - sentOffset + engine.pendingOutput
    }

    /// Runs the handshake to its end, sending and receiving as it needs, within `timeout`; only `wake` (a
    /// stop) interrupts it.
    ///
    /// - Parameters:
    ///   - timeout: How long it may take.
    ///   - wake: The connection's waker, polled beside the socket.
    ///   - isStopped: Whether the connection was stopped.
    func handshake(timeout: Duration, wake: PollWaker, isStopped: () -> Bool) -> HandshakeResult {
        let deadline = ContinuousClock.now + timeout
        var first: [UInt8] = []
        while true {
            let state = engine.handshake()
            do throws(ClientError) {
                try flush()
            } catch {
                return .failed("the TLS handshake failed: \(error)")
            }
            switch state {
            case .complete where !hasOutput:
                return .complete
            case .failed(let reason):
                // A plain chat server greets first: what came back is a line, not a TLS record.
                if first.starts(with: Array("WELCOME ".utf8)) {
                    return .failed("the server answered in plain text, not TLS (is this its plain port?)")
                }
                return .failed(reason)
            default:
                break
            }
            if isStopped() { return .stopped }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                return .failed("the TLS handshake did not finish within \(ChatState.describe(timeout))")
            }
            var fds = [
                pollfd(fd: fd, events: Int16(POLLIN) | (hasOutput ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: wake.fd, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, 2, left.pollTimeout) < 0 {
                if errno == EINTR { continue }
                return .failed("poll failed: \(SystemError("poll"))")
            }
            if fds[1].revents != 0 { wake.drain() }
            guard fds[0].revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 else { continue }
            do throws(ClientError) {
                guard let count = try receiveCiphertext() else { continue }
                if count == 0 { return .failed("the server closed the connection during the TLS handshake") }
                if first.count < 8 { first += UnsafeRawBufferPointer(rebasing: incoming[..<min(count, 8)]) }
            } catch {
                return .failed("connection lost during the TLS handshake (\(error))")
            }
        }
    }

    /// Encrypts plaintext into the output (``flush()`` sends it).
    ///
    /// - Returns: `false` when the connection has failed and nothing more can be sent.
    func seal(_ plaintext: UnsafeRawBufferPointer) -> Bool {
        engine.write(plaintext)
    }

    /// Queues the `close_notify` alert, the orderly end of the session, once; nothing is sealed after it.
    func closeSession() {
        guard !closed else { return }
        closed = true
        engine.close()
    }

    /// Sends as much of the output as the socket takes now.
    ///
    /// - Throws: ``ClientError/system(_:)`` when the connection failed.
    func flush() throws(ClientError) {
        if engine.pendingOutput > 0 {
            if sentOffset > 0 {
                ciphertext.removeFirst(sentOffset)
                sentOffset = 0
            }
            ciphertext += engine.takeOutput()
        }
        guard sentOffset < ciphertext.count else { return }
        let result = ciphertext[sentOffset...].withUnsafeBytes { bytes in
            Result { () throws(SystemError) in try StreamSocket.send(fd, bytes) }
        }
        do throws(SystemError) {
            sentOffset += try result.get()
        } catch {
            throw .system(error)
        }
        if sentOffset == ciphertext.count {
            ciphertext.removeAll(keepingCapacity: true)
            sentOffset = 0
        }
    }

    /// Reads plaintext: what the engine holds, or else what the socket has now, decrypted.
    ///
    /// - Returns: The bytes put in `buffer`, 0 when the server ended the session (`close_notify`) or the
    ///   connection, or `nil` when nothing is available yet.
    /// - Throws: ``ClientError`` when the connection failed or its data is corrupt.
    func receive(into buffer: UnsafeMutableRawBufferPointer) throws(ClientError) -> Int? {
        if mayHoldMore, let count = try decrypted(into: buffer) { return count }
        guard let count = try receiveCiphertext() else { return nil }
        if count == 0 { return 0 }
        return try decrypted(into: buffer)
    }

    /// What the engine can decrypt into `buffer` now.
    private func decrypted(into buffer: UnsafeMutableRawBufferPointer) throws(ClientError) -> Int? {
        let read = engine.read(into: buffer)
        // Reading may make records of its own (a key update's answer): they go out with the next flush.
        switch read {
        case .bytes(let count):
            mayHoldMore = true
            return count
        case .needsInput:
            mayHoldMore = false
            // Drained: an idle client holds little (the buffers a burst grew go back).
            engine.releaseIdleBuffers()
            return nil
        case .closed:
            return 0
        case .failed(let reason):
            throw .tls(reason)
        }
    }

    /// Moves what the socket has into the engine.
    ///
    /// - Returns: The bytes fed, 0 at the end of the stream, `nil` when nothing was there.
    private func receiveCiphertext() throws(ClientError) -> Int? {
        let count: Int?
        do throws(SystemError) {
            count = try receiveAvailable(fd, into: incoming)
        } catch {
            throw .system(error)
        }
        if let count, count > 0 { engine.feed(UnsafeRawBufferPointer(rebasing: incoming[..<count])) }
        return count
    }
}
