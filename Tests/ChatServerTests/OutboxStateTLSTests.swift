import ChatProtocol
import ChatTLS
import ChatTestSupport
import Glibc
import Testing

@testable import ChatServer

/// The write path over TLS, as a value: lines wait as plaintext until the token holder seals them into one
/// chunk, which is then sent like a line; the peer's engine reads back exactly the lines, in order.
@Suite struct OutboxStateTLSTests {
    /// A server engine in an outbox state and the client engine it talks to, their handshake done.
    private struct Sealed {
        var state: OutboxState
        let client: TLSEngine
        let iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: OutboxState.maxIovecs)

        init(folder: String) throws {
            let certificate = try TestCertificate(in: folder, name: "server")
            let server = try TLSEngine(
                server: .server(certificateFile: certificate.certificatePath, keyFile: certificate.keyPath))
            let client = try TLSEngine(client: .client(), host: "localhost")
            for _ in 0..<6 {
                _ = client.handshake()
                client.takeOutput().withUnsafeBytes { server.feed($0) }
                _ = server.handshake()
                server.takeOutput().withUnsafeBytes { client.feed($0) }
            }
            self.client = client
            state = OutboxState(tls: server)
        }

        /// What the batch in the iovecs carries, opened by the client.
        func open(_ batch: OutboxState.Batch) -> String {
            for index in 0..<batch.count {
                client.feed(UnsafeRawBufferPointer(start: iovecs[index].iov_base, count: iovecs[index].iov_len))
            }
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            guard case .bytes(let count) = buffer.withUnsafeMutableBytes({ client.read(into: $0) }) else { return "" }
            return String(decoding: buffer[..<count], as: UTF8.self)
        }
    }

    private static func line(_ text: String) -> OutboundLine { OutboundLine(.message(from: "alice", text: text)) }

    @Test func linesQueuedMeanwhileAreSealedTogetherAndTheBytesCountedUntilSent() throws {
        try withTemporaryDirectory { folder in
            var sealed = try Sealed(folder: folder)
            defer { sealed.iovecs.deallocate() }
            let first = sealed.state.enqueue(Self.line("one"), limit: 1 << 20, coalescing: nil, now: 0)
            let second = sealed.state.enqueue(Self.line("two"), limit: 1 << 20, coalescing: nil, now: 0)
            #expect(first == .queued(kick: true))
            #expect(second == .queued(kick: false))
            // Plaintext: nothing is sealed before a writer gathers.
            #expect(sealed.state.unsentBytes == 2 * "MSG alice one\n".utf8.count)
            #expect(sealed.state.lines.isEmpty)
            let started = sealed.state.startWrite(owner: false, deferredUntil: nil, into: sealed.iovecs)
            let batch = try #require(started)
            // One chunk: one record for both lines (5 header bytes, 16 of tag, 1 of type).
            #expect(batch.count == 1)
            #expect(batch.bytes == 2 * "MSG alice one\n".utf8.count + 22)
            #expect(sealed.state.unsentBytes == batch.bytes)
            // A line that comes while the chunk is being sent rides along, sealed in the next gather.
            let third = sealed.state.enqueue(Self.line("three"), limit: 1 << 20, coalescing: nil, now: 0)
            #expect(third == .queued(kick: false))
            #expect(sealed.open(batch) == "MSG alice one\nMSG alice two\n")
            let next = sealed.state.finishWrite(sent: batch.bytes, of: batch, owner: false, startedAt: 1, into: sealed.iovecs)
            guard case .send(let more) = next else {
                Issue.record("the line queued meanwhile did not ride along: \(next)")
                return
            }
            #expect(sealed.open(more) == "MSG alice three\n")
            let last = sealed.state.finishWrite(sent: more.bytes, of: more, owner: false, startedAt: 2, into: sealed.iovecs)
            #expect(last == .stop(wake: nil))
            #expect(sealed.state.unsentBytes == 0)
            #expect(!sealed.state.hasUnsent)
        }
    }

    @Test func theLimitCountsPlaintextAndTheCloseNotifyComesOnceAfterTheLastLine() throws {
        try withTemporaryDirectory { folder in
            var sealed = try Sealed(folder: folder)
            defer { sealed.iovecs.deallocate() }
            let size = "MSG alice x\n".utf8.count
            let fits = sealed.state.enqueue(Self.line("x"), limit: size, coalescing: nil, now: 0)
            let over = sealed.state.enqueue(Self.line("y"), limit: size, coalescing: nil, now: 0)
            #expect(fits == .queued(kick: true))
            #expect(over == .overflow)
            _ = sealed.state.close(.afterFlush(deadline: .max, reason: "quit"), finalLine: OutboundLine(.bye("goodbye")))
            let started = sealed.state.startWrite(owner: true, deferredUntil: nil, into: sealed.iovecs)
            let batch = try #require(started)
            #expect(sealed.open(batch) == "MSG alice x\nBYE goodbye\n")
            _ = sealed.state.finishWrite(sent: batch.bytes, of: batch, owner: true, startedAt: 1, into: sealed.iovecs)
            // Drained: the owner queues the close_notify, once, and sends it like a line.
            #expect(!sealed.state.hasUnsent)
            let sealedOnce = sealed.state.sealClose()
            let sealedTwice = sealed.state.sealClose()
            #expect(sealedOnce && !sealedTwice)
            #expect(sealed.state.hasUnsent)
            let alertStarted = sealed.state.startWrite(owner: true, deferredUntil: nil, into: sealed.iovecs)
            let alert = try #require(alertStarted)
            #expect(sealed.open(alert) == "")
            var buffer = [UInt8](repeating: 0, count: 64)
            #expect(buffer.withUnsafeMutableBytes { sealed.client.read(into: $0) } == .closed)
        }
    }
}
