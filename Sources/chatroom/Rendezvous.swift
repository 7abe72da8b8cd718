import ChatClient
import ChatServer
import ChatStore
import Glibc
import Logging

/// Finds the server to talk to, hosting one in this process when nothing answers: the one-command start.
///
/// It lives in the `chatroom` executable, the one place that may embed ``ChatServer``: the client library
/// only ever talks to a server over a socket.
enum Rendezvous {
    /// The connection made, and the server hosted to make it, if any.
    struct Meeting: Sendable {
        /// A socket connected to the server; the caller owns it.
        var socket: Int32
        /// The server this process started because nothing answered, or `nil`.
        var hostedServer: ChatServer?
        /// Why the hosted server keeps no history, when its store would not open.
        var historyProblem: String?
    }

    /// Where a hosted server keeps its history: `$XDG_STATE_HOME/chatroom/hosted.sqlite`, with
    /// `~/.local/state` when `XDG_STATE_HOME` is not set (the XDG base directory rules); the folders are made
    /// (private to the user) when missing.
    ///
    /// - Returns: The path, or `nil` when there is no home to put it in.
    static func hostedStorePath() -> String? {
        let state: String
        if let set = getenv("XDG_STATE_HOME").map({ String(cString: $0) }), set.hasPrefix("/") {
            state = set
        } else if let home = getenv("HOME").map({ String(cString: $0) }), !home.isEmpty {
            state = home + "/.local/state"
        } else {
            return nil
        }
        var folder = ""
        for part in (state + "/chatroom").split(separator: "/") {
            folder += "/" + part
            _ = mkdir(folder, 0o700)
        }
        return folder + "/hosted.sqlite"
    }

    /// What to tell the user when this process hosts the server.
    ///
    /// - Parameter address: Where the hosted server listens.
    static func hostingNote(_ address: ServerAddress) -> String {
        let command = address.port == ServerAddress.defaultPort ? "chatroom" : "chatroom --port \(address.port)"
        return "nothing answered on \(address), so this chatroom hosts the server there: others on this machine "
            + "join with `\(command)`; it stops when you quit"
    }

    /// Connects to `address`; when nothing answers there and `hostIfAbsent` is set, starts a
    /// ``ChatServer`` on that address in this process and connects to it.
    ///
    /// Two people starting `chatroom` at the same moment both find nothing: one of them binds the
    /// port, the other fails to and simply connects to the first.
    ///
    /// - Parameters:
    ///   - address: Where to look for a server.
    ///   - hostIfAbsent: Whether to host a server when the connection is refused.
    ///   - storePath: Where a hosted server keeps its history (`nil`: it keeps none).
    ///   - timeout: How long a connection attempt may take.
    /// - Returns: The connected socket and the hosted server.
    /// - Throws: ``ClientError`` when no connection could be made.
    static func meet(
        at address: ServerAddress, hostIfAbsent: Bool, storePath: String? = nil, timeout: Duration = .seconds(10)
    ) throws(ClientError) -> Meeting {
        do throws(ClientError) {
            return Meeting(socket: try ClientSocket.connect(to: address, timeout: timeout), hostedServer: nil)
        } catch .refused where hostIfAbsent {
            var configuration = ChatServer.Configuration()
            configuration.host = address.host
            configuration.port = address.port
            var historyProblem: String?
            if let storePath {
                do throws(StoreError) {
                    configuration.store = try SQLiteMessageStore(path: storePath)
                    // Accounts, bans and mutes live beside the history, in the same file.
                    configuration.accounts = try SQLiteAccountStore(path: storePath)
                } catch {
                    historyProblem = "the hosted server keeps no history: \(error)"
                }
            }
            let logger = Logger(label: "chatroom-server", factory: { _ in SwiftLogNoOpLogHandler() })
            var hosted: ChatServer?
            do {
                let server = try ChatServer(configuration: configuration, logger: logger)
                try server.start()
                hosted = server
            } catch {
                // Someone else bound the port first: connect to theirs below.
            }
            do throws(ClientError) {
                return Meeting(
                    socket: try ClientSocket.connect(to: address, timeout: timeout), hostedServer: hosted,
                    historyProblem: hosted == nil ? nil : historyProblem)
            } catch {
                hosted?.shutdown(grace: .zero)
                throw error
            }
        }
    }
}
