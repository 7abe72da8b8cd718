import ChatSystem
import ChatTLS
import Glibc

/// With `--tls`: each client's handshake, run by the loop like the rest of its I/O, and its records.
///
/// The engine works on memory: the loop moves ciphertext between it and the non-blocking socket, so the
/// handshake is one more phase of a client (connect, handshake, `WELCOME`) and never blocks the loop. Unsent
/// ciphertext waits in the client's outbound bytes as plaintext does in a plain run.
extension LoadLoop {
    /// Starts a connected client's TLS handshake: its engine, and the `ClientHello` on its way.
    mutating func startHandshake(_ slot: Int, context: TLSContext) {
        let engine: TLSEngine
        do throws(TLSError) {
            engine = try TLSEngine(client: context, host: configuration.host)
        } catch {
            failHandshake(slot, error.description)
            return
        }
        clients[slot].tls = engine
        clients[slot].phase = .handshaking
        advanceHandshake(slot, engine)
    }

    /// Takes a client's handshake as far as its input allows, sending what the engine has to say.
    ///
    /// Complete, the certificate is checked (unless `--tls-insecure`) and the client waits for its `WELCOME`.
    private mutating func advanceHandshake(_ slot: Int, _ engine: TLSEngine) {
        switch engine.handshake() {
        case .complete:
            if let reason = configuration.tls?.rejection(of: engine) {
                control.noteRejection(reason)
                failHandshake(slot, reason)
                return
            }
            totals.handshakes += 1
            if totals.handshakes == 1 { control.noteProtocolVersion(engine.protocolVersion) }
            clients[slot].phase = .welcoming
            sendOutput(slot, engine)
        case .needsInput:
            sendOutput(slot, engine)
        case .failed(let reason):
            failHandshake(slot, reason)
        }
    }

    private mutating func failHandshake(_ slot: Int, _ reason: String) {
        control.noteHandshakeFailure(reason)
        disconnect(slot, error: EPROTO)
    }

    /// Reads what one client has waiting (one `recv` a turn, as plain), decrypts it and handles each line.
    ///
    /// Each line's arrival time is read once its plaintext is out of the engine: the decryption is part of
    /// the latency, as it is for a real client.
    mutating func receiveSealed(_ slot: Int) {
        guard let count = receiveIntoReadBuffer(slot) else { return }
        guard let engine = clients[slot].tls else {
            disconnect(slot, error: 0)
            return
        }
        var offset = 0
        while offset < count {
            let slice = min(count - offset, Self.feedSlice)
            engine.feed(UnsafeRawBufferPointer(start: readBuffer + offset, count: slice))
            offset += slice
            if clients[slot].phase == .handshaking { advanceHandshake(slot, engine) }
            switch clients[slot].phase {
            case .welcoming, .ready:
                guard openRecords(slot, engine) else { return }
            case .handshaking:
                continue
            case .idle, .connecting, .closed:
                return
            }
        }
        // Records the engine answers by itself (a key update) go out now.
        if engine.pendingOutput > 0 { sendOutput(slot, engine) }
        // A burst grew the engine's input buffer: give the memory back.
        if count > Self.feedSlice { engine.releaseIdleBuffers() }
    }

    /// Decrypts everything the engine can and handles the lines.
    ///
    /// - Returns: `false` when the client was closed (the server ended the session, or its records were bad).
    private mutating func openRecords(_ slot: Int, _ engine: TLSEngine) -> Bool {
        let plaintext = UnsafeMutableRawBufferPointer(start: plainBuffer, count: Self.tlsBufferCapacity)
        while true {
            switch engine.read(into: plaintext) {
            case .bytes(let count):
                frame(slot, UnsafeRawBufferPointer(rebasing: plaintext[..<count]), now: monotonicNanoseconds())
                guard clients[slot].phase != .closed else { return false }
            case .needsInput:
                return true
            case .closed:
                disconnect(slot, error: 0)
                return false
            case .failed(let reason):
                // Before its WELCOME, the client failed to connect: keep the reason as a handshake's.
                if clients[slot].phase == .welcoming {
                    failHandshake(slot, reason)
                } else {
                    disconnect(slot, error: ECONNRESET)
                }
                return false
            }
        }
    }

    /// Seals one line into TLS records and sends them behind any ciphertext the client holds.
    ///
    /// - Returns: `false` when the client is closed.
    mutating func sendSealed(_ slot: Int, _ line: UnsafeRawBufferPointer) -> Bool {
        guard let engine = clients[slot].tls, engine.write(line) else {
            disconnect(slot, error: ECONNRESET)
            return false
        }
        return sendOutput(slot, engine)
    }

    /// Moves the engine's ciphertext to the socket, holding what the kernel does not take.
    ///
    /// - Returns: `false` when the socket failed and the client is closed.
    @discardableResult
    private mutating func sendOutput(_ slot: Int, _ engine: TLSEngine) -> Bool {
        let buffer = UnsafeMutableRawBufferPointer(start: sealedBuffer, count: Self.tlsBufferCapacity)
        while case let count = engine.takeOutput(into: buffer), count > 0 {
            guard sendOrQueue(slot, UnsafeRawBufferPointer(rebasing: buffer[..<count])) else { return false }
        }
        return true
    }
}
