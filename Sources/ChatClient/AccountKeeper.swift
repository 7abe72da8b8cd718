import ChatProtocol

/// What a connection knows of the account it logs in as: the account it is logged in as (to log in
/// again after a reconnection), and the commands carrying a password that wait for their answer.
///
/// The server answers a connection's commands in order, so the answers are matched to the commands by
/// position: a `LOGGED-IN` answers the oldest `/login` waiting, a `REGISTERED` the oldest `/register`, a
/// `PASSWORD-CHANGED` the oldest `/password`, and an `ERROR` the oldest of them its code can answer
/// (`login-failed` answers a `/login` or a `/password`, never a `/register`). An `ERROR` with such a
/// code that answers a command sent just before (a `/nick` refused with `name-registered` right before a
/// `/register`) could be taken for the later command's answer; that costs only a kept password that is
/// not changed, or one more prompt.
struct AccountKeeper: Equatable, Sendable {
    /// An account's name and password.
    struct Credentials: Equatable, Sendable {
        var name: String
        var password: String
    }

    /// A command carrying a password that is not answered yet.
    enum Pending: Equatable, Sendable {
        /// `/login`; `automatic`: the connection sent it itself after a `WELCOME`.
        case login(Credentials, automatic: Bool)
        /// `/register PASSWORD`.
        case register(password: String)
        /// `/password OLD NEW`.
        case change(new: String)

        /// Whether an `ERROR` with this code can be the answer.
        func isAnswered(by code: ErrorCode) -> Bool {
            switch self {
            case .login:
                [.loginFailed, .banned, .badSyntax, .unavailable, .unknownCommand].contains(code)
            case .register:
                [.nameRegistered, .badName, .badPassword, .unavailable, .loginRequired, .badSyntax, .unknownCommand]
                    .contains(code)
            case .change:
                [.loginFailed, .loginRequired, .badPassword, .badSyntax, .unavailable, .unknownCommand].contains(code)
            }
        }
    }

    /// The account the connection is logged in as, or was when the connection was lost, with its password.
    private(set) var account: Credentials?
    /// The name and password the client was started with (`--name` with `CHATROOM_PASSWORD` or
    /// `--password-file`), until a login with them is answered.
    private(set) var initial: Credentials?
    /// The commands carrying a password that wait for their answer, oldest first.
    private(set) var pending: [Pending] = []

    /// Creates a keeper.
    ///
    /// - Parameters:
    ///   - name: The name the client was started with, if any.
    ///   - password: That name's password, if the client was given one.
    init(name: String?, password: String?) {
        if let name, let password { initial = Credentials(name: name, password: password) }
    }

    /// A new connection is up: nothing sent before is waiting for an answer any more.
    mutating func connectionStarted() {
        pending.removeAll()
    }

    /// The login to send after a `WELCOME`, instead of asking for a name: the account the connection was
    /// logged in as, or else the name and password it was started with.
    mutating func loginAfterWelcome() -> Credentials? {
        guard let login = account ?? initial else { return nil }
        pending.append(.login(login, automatic: true))
        return login
    }

    /// Records a command sent for the user; those carrying a password wait for their answer.
    mutating func sent(_ command: Command) {
        switch command {
        case .login(let name, let password):
            pending.append(.login(Credentials(name: name, password: password), automatic: false))
        case .register(let password):
            pending.append(.register(password: password))
        case .changePassword(_, let new):
            pending.append(.change(new: new))
        default:
            break
        }
    }

    /// Follows one event from the server.
    ///
    /// - Returns: The name of a `/login` the event refused with `login-failed` (a wrong name or password,
    ///   or too many attempts), for the client to ask again; `nil` otherwise.
    mutating func received(_ event: Event) -> String? {
        switch event {
        case .loggedIn(let name):
            guard let index = pending.firstIndex(where: { if case .login = $0 { true } else { false } }),
                case .login(let credentials, _) = pending.remove(at: index)
            else { return nil }
            // The server's spelling of the name: `/login ALICE` logs in as `alice`.
            account = Credentials(name: name, password: credentials.password)
            initial = nil
        case .registered(let name):
            guard let index = pending.firstIndex(where: { if case .register = $0 { true } else { false } }),
                case .register(let password) = pending.remove(at: index)
            else { return nil }
            account = Credentials(name: name, password: password)
            initial = nil
        case .passwordChanged:
            guard let index = pending.firstIndex(where: { if case .change = $0 { true } else { false } }),
                case .change(let new) = pending.remove(at: index)
            else { return nil }
            account?.password = new
        case .error(let code, _):
            guard let index = pending.firstIndex(where: { $0.isAnswered(by: code) }) else { return nil }
            guard case .login(let credentials, let automatic) = pending.remove(at: index) else { return nil }
            if automatic {
                // The kept password no longer works (changed elsewhere, or the account is gone): forget it.
                account = nil
                initial = nil
            }
            return code == .loginFailed ? credentials.name : nil
        default:
            break
        }
        return nil
    }
}
