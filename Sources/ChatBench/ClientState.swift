import ChatProtocol
import ChatTLS

/// One simulated client, owned by the event loop that drives it.
struct ClientState {
    /// Where a client is in its life.
    enum Phase: UInt8 {
        /// Not started yet.
        case idle
        /// The TCP connect is under way.
        case connecting
        /// Connected, in the TLS handshake (with `--tls`).
        case handshaking
        /// Connected (and through the handshake), waiting for `WELCOME`.
        case welcoming
        /// Welcomed: in the room.
        case ready
        /// Closed, by either side.
        case closed
    }

    /// The client's index in the run (`--clients` of them, from 0); the sender number in its tokens.
    let id: Int
    /// Its socket, or -1.
    var fd: Int32 = -1
    var phase = Phase.idle
    /// Splits what the server sends into lines, holding the start of a line whose LF has not arrived yet.
    var framer = LineFramer(maxLineBytes: LoadLoop.maxLineBytes)
    /// Bytes the kernel did not take yet, from ``outboundStart`` on.
    var outbound: [UInt8] = []
    var outboundStart = 0
    /// The next message's sequence number.
    var sequence: UInt64 = 0
    /// Whether epoll watches the socket for writability (while connecting, or while bytes wait).
    var watchingWritable = false
    /// The TLS session, from the TCP connect on (with `--tls`); then ``outbound`` holds ciphertext.
    var tls: TLSEngine?

    init(id: Int) {
        self.id = id
    }

    /// Unsent bytes held.
    var pendingBytes: Int { outbound.count - outboundStart }
}
