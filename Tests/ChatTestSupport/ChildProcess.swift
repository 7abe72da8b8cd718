import Foundation
import Glibc
import Synchronization

/// How a program that ran to its end ended, and what it wrote.
public struct ProcessResult: Sendable {
    /// The exit status, or 128 plus the signal that ended it.
    public var status: Int32
    /// What it wrote to standard output.
    public var output: String
    /// What it wrote to standard error.
    public var errors: String
}

/// Runs a program to its end with standard input from `/dev/null`, or from `input`.
///
/// - Parameters:
///   - arguments: The program (a path, or a name looked up in `PATH`) and its arguments.
///   - environment: Variables to set on top of this process's environment; `nil` removes one.
///   - input: What the program reads on standard input (a file, not a terminal), or `nil` for nothing.
/// - Returns: Its status and what it wrote, standard output and error apart.
/// - Throws: ``TestFailure`` when it cannot be started.
public func runProcess(
    _ arguments: [String], environment: [String: String?] = [:], input: String? = nil
) throws -> ProcessResult {
    var inputPath: String?
    defer { if let inputPath { unlink(inputPath) } }
    if let input {
        let path = try ChildProcess.makeFile()
        inputPath = path
        guard FileManager.default.createFile(atPath: path, contents: Data(input.utf8)) else {
            throw TestFailure("cannot write the standard input file \(path)")
        }
    }
    let child = try ChildProcess(arguments, environment: environment, separateErrors: true, standardInput: inputPath)
    let status = try child.waitForExit()
    return ProcessResult(status: status, output: child.output, errors: child.errors)
}

/// A program started for a test, its output going to files that can be read at any time.
///
/// Files, not pipes: a program that leaves a daemon behind (the first `tmux` command starts the tmux
/// server) hands it its descriptors, and a pipe would then never reach end of file. The child starts with
/// no signal blocked and every signal at its default (the test runner's threads block most signals, and
/// a child inherits the mask: tmux would never see the SIGTERM that its own `kill-server` sends).
///
/// A child still running when the last reference goes is killed and reaped.
public final class ChildProcess: Sendable {
    /// The child's process ID.
    public let pid: pid_t
    private let outputPath: String
    private let errorsPath: String?
    /// The exit status once the child has been reaped (after which `pid` may name another process).
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts a program.
    ///
    /// - Parameters:
    ///   - arguments: The program (a path, or a name looked up in `PATH`) and its arguments.
    ///   - environment: Variables to set on top of this process's environment; `nil` removes one.
    ///   - separateErrors: Keep standard error apart in ``errors``; otherwise it goes to ``output`` too.
    ///   - standardInput: A file the child reads as standard input; `nil` for `/dev/null`.
    /// - Throws: ``TestFailure`` when it cannot be started.
    public init(
        _ arguments: [String], environment: [String: String?] = [:], separateErrors: Bool = false,
        standardInput: String? = nil
    ) throws {
        var files: [String] = []
        do {
            files.append(try Self.makeFile())
            if separateErrors { files.append(try Self.makeFile()) }
            pid = try Self.spawn(
                arguments, environment: environment, input: standardInput ?? "/dev/null", output: files[0],
                errors: files.dropFirst().first)
        } catch {
            for file in files { unlink(file) }
            throw error
        }
        outputPath = files[0]
        errorsPath = files.dropFirst().first
    }

    private static func spawn(
        _ arguments: [String], environment: [String: String?], input: String, output: String, errors: String?
    ) throws -> pid_t {
        guard let program = arguments.first else { throw TestFailure("no program to run") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_APPEND, 0)
        if let errors {
            posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_APPEND, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // Other tests' sockets and pipes stay out of the child: a child holding a copy of a client's socket
        // would keep that connection open after the client closes it.
        guard let closeFrom = addCloseFrom, closeFrom(&actions, 3) == 0 else {
            throw TestFailure("posix_spawn_file_actions_addclosefrom_np (glibc 2.34) is missing")
        }

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

        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw TestFailure("cannot run \(program): \(String(cString: strerror(rc)))") }
        return pid
    }

    deinit {
        if exitStatus.withLock({ $0 == nil }) {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        unlink(outputPath)
        if let errorsPath { unlink(errorsPath) }
    }

    /// What the child has written so far to standard output (and to standard error, unless kept apart).
    public var output: String { Self.contents(of: outputPath) }

    /// What the child has written so far to standard error, when kept apart.
    public var errors: String { errorsPath.map(Self.contents) ?? "" }

    /// Sends a signal to the child, unless it has already been reaped.
    public func signal(_ signal: Int32) {
        exitStatus.withLock { status in
            if status == nil { kill(pid, signal) }
        }
    }

    /// The exit status if the child has ended (reaping it), or `nil` while it runs.
    public var exitStatusIfEnded: Int32? {
        exitStatus.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid { status = Self.decode(raw) }
            }
            return status
        }
    }

    /// Waits for the child to end.
    ///
    /// - Parameter timeout: How long to wait.
    /// - Returns: Its exit status, or `nil` if it was still running at the deadline.
    public func waitForExit(timeout: Duration) -> Int32? {
        guard eventually(timeout: timeout, { exitStatusIfEnded != nil }) else { return nil }
        return exitStatusIfEnded
    }

    /// Waits for the child to end, however long it takes.
    ///
    /// - Returns: Its exit status.
    /// - Throws: ``TestFailure`` when it cannot be waited for.
    public func waitForExit() throws -> Int32 {
        if let status = exitStatus.withLock({ $0 }) { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 {
            guard errno == EINTR else {
                // Reaped meanwhile by exitStatusIfEnded on another thread.
                if let status = exitStatus.withLock({ $0 }) { return status }
                throw TestFailure("waitpid \(pid) failed: errno \(errno)")
            }
        }
        let status = Self.decode(raw)
        exitStatus.withLock { $0 = status }
        return status
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not declare.
    private static var addCloseFrom: AddCloseFrom? {
        dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }
    }

    /// The status a shell would report: the exit code, or 128 plus the signal.
    private static func decode(_ raw: Int32) -> Int32 {
        raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
    }

    static func makeFile() throws -> String {
        var template = Array("/tmp/chatroom-test-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw TestFailure("mkstemp failed: errno \(errno)") }
        close(fd)
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The file's bytes as UTF-8; a read that ends mid-character (the child still writing) shows U+FFFD.
    private static func contents(of path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }
}
