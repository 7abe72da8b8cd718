import ChatProtocol

/// What a ``ChatConnection`` reports, in order, from its network thread.
public enum ConnectionEvent: Equatable, Sendable {
    /// An attempt to connect started.
    case connecting(ServerAddress)
    /// TLS only (``ChatConnection/Options/tls``): the handshake is done and the server's certificate
    /// accepted; ``connected(_:)`` follows.
    case secured(TLSSession)
    /// TLS only: the server's certificate does not verify and is not pinned. The connection waits, the
    /// socket open, for ``ChatConnection/trustCertificate()`` (which pins it, then goes on) or
    /// ``ChatConnection/declineCertificate()`` (which ends it: ``disconnected(reason:retryIn:)`` without a
    /// retry, then ``closed``). Plain mode never asks: it declines.
    case certificateUnknown(CertificateQuestion)
    /// TLS only: the server's certificate was refused (wrong whoever signed it, not the pinned one, not the
    /// one given). Final: ``closed`` follows, with no retry, since the same certificate would be refused again.
    case certificateRefused(CertificateRefusal)
    /// The connection is up (for TLS, encrypted and its certificate accepted); the server's `WELCOME` follows.
    case connected(ServerAddress)
    /// A line from the server, with its tags (v1.1: the message's id and the server's time; none on a
    /// line without them).
    case received(Event, tags: Tags = .none)
    /// The server refused the `/caps` the connection sent after `WELCOME` (a v1 server does not know
    /// the command): the connection stays v1, without ids, times or stored messages. The error's code
    /// and text, which the user is not shown.
    case capabilitiesRefused(ErrorCode, String)
    /// The name the connection asked for after `WELCOME` belongs to an account, or the room lets in only
    /// those logged in (the server's `ERROR name-registered` or `login-required`, reported just before),
    /// and the connection has no password for it: the client may ask the user for one and log in
    /// (``ChatConnection/answer(_:with:state:at:)``). Plain mode never asks.
    case passwordWanted(name: String)
    /// A `/login` the client sent (after `WELCOME`, typed, or answering a prompt) was refused with
    /// `ERROR login-failed` (a wrong name or password, or too many attempts), reported just before.
    case loginFailed(name: String)
    /// A line from the server that is not a v1 event (shown, not acted on); the reason and the line.
    case unreadable(String)
    /// The connection was lost or could not be made.
    ///
    /// - Parameters:
    ///   - reason: What happened, for the user.
    ///   - retryIn: When the next attempt starts, or `nil` when there will be none.
    case disconnected(reason: String, retryIn: Duration?)
    /// The connection ended for good (after `/quit`, ``ChatConnection/stop()``, or a loss without
    /// reconnection); nothing follows.
    case closed
}
