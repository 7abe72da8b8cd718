import ChatProtocol
import ChatStore

extension AccountRecord {
    /// The account as `chatroom-server accounts list` prints it:
    /// `NAME operator|member created TIME last-login TIME|never`, each TIME in the protocol's form (RFC 3339,
    /// UTC, milliseconds: `2026-12-01T19:56:01.123Z`).
    public var listing: String {
        let role = isOperator ? "operator" : "member"
        let login = lastLogin.map { Timestamp(millisecondsSinceEpoch: $0).rfc3339 } ?? "never"
        return "\(name) \(role) created \(Timestamp(millisecondsSinceEpoch: created).rfc3339) last-login \(login)"
    }
}
