import ArgumentParser
import ChatPassword
import ChatServer
import ChatStore
import ChatSystem
import Glibc

/// `chatroom-server accounts ...`: makes, changes and lists the accounts in a store's file, also while a
/// server runs on it (a change takes effect at the account's next login).
struct Accounts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make, change and list accounts (also while a server runs on the store).",
        discussion: """
            The password is read without echo from a terminal, or from the first line of standard input when it \
            is not one. Exit status: 0 on success; 1 when the account does not exist, the name is taken or not \
            allowed, the password is refused, or the store cannot be used (one line on standard error); 64 for a \
            usage error.
            """,
        subcommands: [Add.self, Remove.self, Passwd.self, Op.self, Deop.self, List.self]
    )

    /// The server's command, whose options ArgumentParser fills wherever they stand on the line.
    @ParentCommand var server: ChatroomServer

    func validate() throws {
        // Options before `accounts` are the server's (`--store` there would be taken, and the subcommand
        // would still run): refuse them, and any server option given after it.
        guard CommandLine.arguments.dropFirst().first == "accounts" else {
            throw ValidationError("options go after the subcommand: chatroom-server accounts SUBCOMMAND [OPTIONS]")
        }
        if let option = server.changedOptions.first {
            throw ValidationError("\(option) is an option of the server, not of the accounts subcommands")
        }
    }

    func run() throws {
        // Not ArgumentParser's help with status 0: without a subcommand nothing was done.
        throw ValidationError("a subcommand is needed: add, remove, passwd, op, deop or list")
    }

    /// Opens the accounts in the store, or ends the process with status 1 and one line why.
    ///
    /// - Parameter creating: Whether a missing file is made (`add`, for the first operator before the server
    ///   ever ran); the others refuse one, so that a mistyped path changes nothing.
    static func open(_ storage: StoreOption, creating: Bool = false) throws -> SQLiteAccountStore {
        guard storage.store != "none" else {
            throw failure("--store none keeps no accounts: give the store's file with --store PATH")
        }
        guard creating || access(storage.store, F_OK) == 0 else {
            throw failure("no store at \(storage.store) (accounts add makes one)")
        }
        do {
            return try SQLiteAccountStore(path: storage.store)
        } catch {
            throw failure("\(error)")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an account, asking for its password.")

        @Argument(help: "The account's name: a name the room allows, not user<digits>.")
        var name: String

        @Flag(help: "The account may use the operator commands (/kick, /ban, /mute, ...).")
        var `operator` = false

        @OptionGroup var storage: StoreOption

        func run() throws {
            do {
                try AccountNames.validate(name)
            } catch {
                throw failure("\(name) cannot be an account's name: \(error)")
            }
            let store = try Accounts.open(storage, creating: true)
            if let taken = try call({ () throws(StoreError) in try store.account(named: name) }) {
                throw failure("the name \(name) is taken (account \(taken.name))")
            }
            let hash = try newPasswordHash(for: name)
            let account = AccountRecord(name: name, passwordHash: hash, isOperator: `operator`, created: wallClock())
            guard try call({ () throws(StoreError) in try store.createAccount(account) }) else {
                throw failure("the name \(name) is taken")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an account, with its ban and its mute; a session logged in to it stays until it leaves.")

        @Argument(help: "The account's name (any case).")
        var name: String

        @OptionGroup var storage: StoreOption

        func run() throws {
            let store = try Accounts.open(storage)
            guard try call({ () throws(StoreError) in try store.removeAccount(named: name) }) else {
                throw noSuchAccount(name)
            }
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set an account's password, asking for it.")

        @Argument(help: "The account's name (any case).")
        var name: String

        @OptionGroup var storage: StoreOption

        func run() throws {
            let store = try Accounts.open(storage)
            guard let account = try call({ () throws(StoreError) in try store.account(named: name) }) else {
                throw noSuchAccount(name)
            }
            let hash = try newPasswordHash(for: account.name)
            guard try call({ () throws(StoreError) in try store.setPasswordHash(hash, forAccount: account.name) })
            else {
                throw noSuchAccount(name)
            }
        }
    }

    struct Op: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let an account use the operator commands (from its next login).")

        @Argument(help: "The account's name (any case).")
        var name: String

        @OptionGroup var storage: StoreOption

        func run() throws {
            try setOperator(true, name, storage)
        }
    }

    struct Deop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take the operator commands from an account (from its next login).")

        @Argument(help: "The account's name (any case).")
        var name: String

        @OptionGroup var storage: StoreOption

        func run() throws {
            try setOperator(false, name, storage)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the accounts: NAME operator|member created TIME last-login TIME|never.",
            discussion: "One line per account, by name without regard to case; each TIME in UTC (RFC 3339).")

        @OptionGroup var storage: StoreOption

        func run() throws {
            let store = try Accounts.open(storage)
            for account in try call({ () throws(StoreError) in try store.allAccounts() }) {
                print(account.listing)
            }
        }
    }
}

// MARK: What the subcommands share

private func setOperator(_ isOperator: Bool, _ name: String, _ storage: StoreOption) throws {
    let store = try Accounts.open(storage)
    guard try call({ () throws(StoreError) in try store.setOperator(isOperator, forAccount: name) }) else {
        throw noSuchAccount(name)
    }
}

/// Asks for a new password (twice on a terminal), checks its length and hashes it; ends the process with
/// status 1 and one line (never the password) when any of that fails.
private func newPasswordHash(for name: String) throws -> String {
    let password: String
    do {
        password = try PasswordPrompt.read(for: name, twice: true)
    } catch {
        throw failure("\(error)")
    }
    let bytes = PasswordHasher.acceptedPasswordBytes
    guard bytes.contains(password.utf8.count) else {
        throw failure("a password is \(bytes.lowerBound) to \(bytes.upperBound) bytes")
    }
    do {
        return try PasswordHasher().hash(password)
    } catch {
        throw failure("\(error)")
    }
}

/// Runs a store call, ending the process with status 1 and the store's reason when it fails.
private func call<Result>(_ body: () throws(StoreError) -> Result) throws -> Result {
    do {
        return try body()
    } catch {
        throw failure("\(error)")
    }
}

private func noSuchAccount(_ name: String) -> ExitCode {
    failure("no account named \(name)")
}

/// Writes `chatroom-server: MESSAGE` on standard error; the exit status 1 to throw.
private func failure(_ message: String) -> ExitCode {
    writeLine("chatroom-server: \(message)", to: STDERR_FILENO)
    return ExitCode(1)
}

/// Now, in milliseconds since the Unix epoch (the wall clock, as the server stamps times).
private func wallClock() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
