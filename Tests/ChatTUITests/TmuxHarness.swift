import ChatTestSupport
import Foundation
import Glibc
import Synchronization
import Testing

/// A private tmux server for one test: sessions at fixed sizes, keys in, screens out.
///
/// It runs on its own socket (`tmux -L`) with no configuration file, so it never touches the user's tmux.
struct Tmux {
    let socket: String

    private static let counter = Atomic<Int>(0)

    init() {
        socket = "chatroom-e2e-\(getpid())-\(Self.counter.add(1, ordering: .relaxed).newValue)"
    }

    /// Runs `tmux` with arguments, outside any tmux the tests themselves run in; returns its output.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let result = try runProcess(
            ["/usr/bin/tmux", "-f", "/dev/null", "-L", socket] + arguments,
            environment: ["LANG": "C.UTF-8", "TMUX": nil])
        guard result.status == 0 else {
            throw TestFailure("tmux \(arguments) failed with status \(result.status): \(result.errors)\(result.output)")
        }
        return result.output
    }

    /// Starts a detached session running a shell command in a window of a fixed size.
    func start(_ session: String, width: Int = 100, height: Int = 30, _ command: String) throws {
        // Set before the session starts, so the pane (and its last screen, with no "Pane is dead" line)
        // stays however fast its command ends.
        try run([
            "set-option", "-g", "remain-on-exit", "on", ";", "set-option", "-g", "remain-on-exit-format", "", ";",
            "new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-s", session, command,
        ])
    }

    /// Starts a client named `name` in a session of that name, joining the server on `port`, and waits
    /// until the server has given it that name.
    func join(_ name: String, port: Int) throws {
        try start(name, try clientCommand("--host 127.0.0.1 --port \(port) --name \(name)"))
        _ = try waitFor(name, showing: "you are now \(name)")
    }

    /// Types text literally.
    func type(_ session: String, _ text: String) throws {
        try run(["send-keys", "-t", session, "-l", text])
    }

    /// Presses keys by tmux name (`Enter`, `PPage`, `C-c`, `M-b`).
    func press(_ session: String, _ keys: String...) throws {
        try run(["send-keys", "-t", session] + keys)
    }

    /// Types a line and presses Enter.
    func say(_ session: String, _ text: String) throws {
        try type(session, text)
        try press(session, "Enter")
    }

    /// The screen's rows, trailing blanks removed.
    func screen(_ session: String) throws -> [String] {
        try run(["capture-pane", "-p", "-t", session]).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
    }

    /// A format variable of the session's pane (`#{alternate_on}`, `#{pane_pid}`).
    func display(_ session: String, _ format: String) throws -> String {
        try run(["display-message", "-p", "-t", session, format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Resizes the session's window.
    func resize(_ session: String, width: Int, height: Int) throws {
        try run(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Polls the screen until `condition` holds, or fails with what the screen showed.
    ///
    /// - Returns: The screen that satisfied the condition.
    @discardableResult
    func waitFor(
        _ session: String, _ what: String, timeout: Duration = .seconds(15), _ condition: ([String]) -> Bool
    ) throws -> [String] {
        let deadline = ContinuousClock.now + timeout
        var last: [String] = []
        while ContinuousClock.now < deadline {
            last = try screen(session)
            if condition(last) { return last }
            _ = poll(nil, 0, 20)
        }
        last = try screen(session)
        if condition(last) { return last }
        throw TestFailure(
            "\(session): timed out waiting for \(what); the screen showed:\n"
                + last.joined(separator: "\n"))
    }

    /// Waits until some row contains `text`.
    @discardableResult
    func waitFor(_ session: String, showing text: String, timeout: Duration = .seconds(15)) throws -> [String] {
        try waitFor(session, text.debugDescription, timeout: timeout) { $0.contains { $0.contains(text) } }
    }
}

/// Runs `body` with a private tmux server that is killed afterwards, however `body` ends.
///
/// Every process in its panes gets SIGTERM first: `chatroom-server` ignores the SIGHUP that
/// `kill-server` sends, and must not outlive the test.
func withTmux<T>(_ body: (Tmux) throws -> T) throws -> T {
    let tmux = Tmux()
    defer {
        let panes = (try? tmux.run(["list-panes", "-a", "-F", "#{pane_pid}"])) ?? ""
        for pid in panes.split(separator: "\n").compactMap({ Int32($0) }) {
            for child in ProcessEntry(pid: pid).children { kill(child, SIGTERM) }
            kill(pid, SIGTERM)
        }
        _ = try? tmux.run(["kill-server"])
        let folder = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        unlink("\(folder)/tmux-\(getuid())/\(tmux.socket)")
        try? FileManager.default.removeItem(atPath: testStateHome)
    }
    return try body(tmux)
}

/// Starts `chatroom-server --port 0` in a session and reads its port from the `listening on` log line.
///
/// - Parameters:
///   - store: The server's `--store`: a file of the test's (``withTemporaryStore(_:)``), or none.
///   - options: More options for the server.
func startServer(
    _ tmux: Tmux, session: String = "server", port: Int = 0, store: String? = nil, options: String = ""
) throws -> Int {
    let server = try BuiltProducts.path("chatroom-server")
    try tmux.start(session, "\(server) --port \(port) --store \(store ?? "none") \(options) 2>&1")
    let screen = try tmux.waitFor(session, showing: "listening on 127.0.0.1:")
    guard let line = screen.first(where: { $0.contains("listening on 127.0.0.1:") }),
        let portText = line.split(separator: "listening on 127.0.0.1:").last?.prefix(while: \.isNumber),
        let found = Int(portText)
    else { throw TestFailure("no port in the server's log: \(screen)") }
    return found
}

/// A state folder (`XDG_STATE_HOME`) for the clients these tests start, private to this test process.
let testStateHome = "/tmp/chatroom-test-state-\(getpid())"

/// The shell command that runs the client in a pane, reports its exit status and whether the
/// terminal's settings came back (``Tmux/start(_:width:height:_:)`` keeps the pane after it ends).
///
/// - Parameters:
///   - arguments: The client's options.
///   - environment: More variables for it, as `NAME=value` words (`TZ=XYZ-3`).
func clientCommand(_ arguments: String, environment: String = "") throws -> String {
    let chatroom = try BuiltProducts.path("chatroom")
    // A client that hosts the server keeps its history in the tests' own state folder, not the user's.
    return "sh -c 's=$(stty -g); LANG=C.UTF-8 XDG_STATE_HOME=\(testStateHome) \(environment) "
        + "\(chatroom) \(arguments); code=$?; "
        + "if [ \"$s\" = \"$(stty -g)\" ]; then t=restored; else t=changed; fi; echo \"EXITED $code tty $t\"'"
}

private let storeCounter = Atomic<Int>(0)

/// Runs `body` with the path of a message store for a server of the test's own (in `/tmp`, never in
/// the working tree), removing its files afterwards.
///
/// `body` ends with ``withTmux(_:)``, which only signals the server: the files go once no process is
/// left that was given the path (a server still shutting down would write them again).
func withTemporaryStore<T>(_ body: (String) throws -> T) throws -> T {
    let path = "/tmp/chatroom-e2e-store-\(getpid())-\(storeCounter.add(1, ordering: .relaxed).newValue).sqlite"
    defer {
        _ = eventually(timeout: .seconds(5)) { !anyProcessMentions(path) }
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }
    return try body(path)
}

/// Whether a running process has `text` on its command line.
private func anyProcessMentions(_ text: String) -> Bool {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    let pids = entries.filter { $0.allSatisfy(\.isNumber) }
    return pids.contains { pid in
        guard let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).contains(text)
    }
}
