import Foundation
import Glibc
import Synchronization
import Testing

/// A failure of an end-to-end step, with what the screen showed.
struct EndToEndFailure: Error, CustomStringConvertible {
    var description: String
}

/// The executables `swift test` builds next to the test bundle.
enum Binaries {
    /// The folder of the running test executable (`.build/debug`).
    static var folder: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return "." }
        let path = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    }

    /// The path of a built executable, checked to exist.
    static func path(_ name: String) throws -> String {
        let path = folder + "/" + name
        guard access(path, X_OK) == 0 else {
            throw EndToEndFailure(description: "\(path) is missing: build the package (swift build) before the tests")
        }
        return path
    }
}

/// A private tmux server for one test: sessions at fixed sizes, keys in, screens out.
///
/// It runs on its own socket (`tmux -L`) with no configuration file, so it never touches the user's tmux.
struct Tmux {
    let socket: String

    private static let counter = Atomic<Int>(0)

    init() {
        socket = "chatroom-e2e-\(getpid())-\(Self.counter.add(1, ordering: .relaxed).newValue)"
    }

    /// Runs `tmux` with arguments; returns its output.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let (status, output) = try spawn(["/usr/bin/tmux", "-f", "/dev/null", "-L", socket] + arguments)
        guard status == 0 else { throw EndToEndFailure(description: "tmux \(arguments) failed: \(output)") }
        return output
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
        throw EndToEndFailure(
            description: "\(session): timed out waiting for \(what); the screen showed:\n"
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
            for child in children(of: pid) { kill(child, SIGTERM) }
            kill(pid, SIGTERM)
        }
        _ = try? tmux.run(["kill-server"])
        let folder = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        unlink("\(folder)/tmux-\(getuid())/\(tmux.socket)")
    }
    return try body(tmux)
}

/// The direct children of a process.
func children(of pid: Int32) -> [Int32] {
    let list = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
    return list.split(separator: " ").compactMap { Int32($0) }
}

/// Starts `chatroom-server --port 0` in a session and reads its port from the `listening on` log line.
func startServer(_ tmux: Tmux, session: String = "server", port: Int = 0) throws -> Int {
    let server = try Binaries.path("chatroom-server")
    try tmux.start(session, "\(server) --port \(port) 2>&1")
    let screen = try tmux.waitFor(session, showing: "listening on 127.0.0.1:")
    guard let line = screen.first(where: { $0.contains("listening on 127.0.0.1:") }),
        let portText = line.split(separator: "listening on 127.0.0.1:").last?.prefix(while: \.isNumber),
        let found = Int(portText)
    else { throw EndToEndFailure(description: "no port in the server's log: \(screen)") }
    return found
}

/// The shell command that runs the client in a pane, reports its exit status and whether the
/// terminal's settings came back (``Tmux/start(_:width:height:_:)`` keeps the pane after it ends).
func clientCommand(_ arguments: String) throws -> String {
    let chatroom = try Binaries.path("chatroom")
    return "sh -c 's=$(stty -g); LANG=C.UTF-8 \(chatroom) \(arguments); code=$?; "
        + "if [ \"$s\" = \"$(stty -g)\" ]; then t=restored; else t=changed; fi; echo \"EXITED $code tty $t\"'"
}

/// Runs a program with `LANG=C.UTF-8`, waits for it, and returns its exit status and its output.
///
/// The output goes to a file, not a pipe: the tmux server that the first tmux command starts keeps
/// its inherited descriptors open, so a pipe would never reach end of file.
func spawn(_ arguments: [String]) throws -> (status: Int32, output: String) {
    var template = Array("/tmp/chatroom-e2e-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else { throw EndToEndFailure(description: "mkstemp failed") }
    let path = String(cString: template)
    defer {
        close(fd)
        unlink(path)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, fd, 1)
    posix_spawn_file_actions_adddup2(&actions, fd, 2)
    var environment = ProcessInfo.processInfo.environment
    environment["LANG"] = "C.UTF-8"
    environment.removeValue(forKey: "TMUX")
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        for pointer in argv { free(pointer) }
        for pointer in envp { free(pointer) }
    }
    // The test runner's threads block most signals, and a child inherits that mask: tmux would then
    // never see the SIGTERM its own kill-server sends. Start children with no signal blocked.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
    guard rc == 0 else { throw EndToEndFailure(description: "cannot run \(arguments[0]): error \(rc)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        guard errno == EINTR else { throw EndToEndFailure(description: "waitpid failed: \(errno)") }
    }
    let output = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    let exited = status & 0x7F == 0
    return (exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F), output)
}
