import ChatSystem
import Glibc
import Testing

@Suite struct ReceiveTests {
    /// What one receive returned, and the bytes it put in the buffer.
    private struct Received: Equatable {
        var count: Int?
        var text: String
    }

    /// A connected pair of Unix stream sockets, in blocking mode: `receiveAvailable` must not block anyway.
    private final class SocketPair {
        let sender: Int32
        let receiver: Int32
        private var senderOpen = true

        init() throws {
            var fds: [Int32] = [-1, -1]
            try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
            sender = fds[0]
            receiver = fds[1]
        }

        deinit {
            closeSender()
            close(receiver)
        }

        func send(_ text: String) throws {
            let bytes = Array(text.utf8)
            let sent = bytes.withUnsafeBytes { Glibc.send(sender, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            try #require(sent == bytes.count)
        }

        func closeSender() {
            if senderOpen { close(sender) }
            senderOpen = false
        }

        /// One `receiveAvailable` into a buffer of `capacity` bytes.
        func receive(capacity: Int = 64) throws -> Received {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let count = try buffer.withUnsafeMutableBytes { try receiveAvailable(receiver, into: $0) }
            return Received(count: count, text: String(decoding: buffer.prefix(count ?? 0), as: UTF8.self))
        }
    }

    @Test func returnsWhatHasArrived() throws {
        let pair = try SocketPair()
        try pair.send("hello")
        let result = try pair.receive()
        #expect(result.count == 5)
        #expect(result.text == "hello")
    }

    @Test func returnsNilWhenNothingHasArrived() throws {
        let pair = try SocketPair()
        #expect(try pair.receive().count == nil)
        try pair.send("x")
        _ = try pair.receive()
        #expect(try pair.receive().count == nil)
    }

    @Test func fillsAtMostTheBufferAndLeavesTheRest() throws {
        let pair = try SocketPair()
        try pair.send("0123456789")
        #expect(try pair.receive(capacity: 4) == Received(count: 4, text: "0123"))
        #expect(try pair.receive(capacity: 4) == Received(count: 4, text: "4567"))
        #expect(try pair.receive(capacity: 4) == Received(count: 2, text: "89"))
        #expect(try pair.receive(capacity: 4).count == nil)
    }

    @Test func returnsZeroAtEndOfStreamAfterTheLastBytes() throws {
        let pair = try SocketPair()
        try pair.send("last")
        pair.closeSender()
        #expect(try pair.receive() == Received(count: 4, text: "last"))
        #expect(try pair.receive() == Received(count: 0, text: ""))
        #expect(try pair.receive() == Received(count: 0, text: ""))
    }

    @Test func aFailedReceiveIsASystemErrorNamingRecv() {
        var buffer = [UInt8](repeating: 0, count: 16)
        let error = #expect(throws: SystemError.self) {
            _ = try buffer.withUnsafeMutableBytes { try receiveAvailable(-1, into: $0) }
        }
        #expect(error?.call == "recv")
        #expect(error?.code == EBADF)
    }
}
