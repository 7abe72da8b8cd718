import Glibc

/// A `chatroom-server` process started for a test, its standard output and error captured as its log.
///
/// A server still running when the last reference goes is killed.
public final class ServerProcess: Sendable {
    /// The running program.
    public let child: ChildProcess
    /// The port it listens on, read from its log.
    public let port: Int

    /// Starts the server on 127.0.0.1 and a free port, waiting for `listening on`.
    ///
    /// - Parameters:
    ///   - arguments: More options for the server (without `--store`, it runs with `--store none`).
    ///   - openFiles: Soft and hard open-file limits to start it with (through `prlimit`).
    ///   - fileSizeBytes: The largest file it may write (`prlimit --fsize`), to make its store's writes fail.
    /// - Throws: ``TestFailure`` when it is not built, or does not start listening within 10 seconds.
    public init(arguments: [String] = [], openFiles: (soft: Int, hard: Int)? = nil, fileSizeBytes: Int? = nil) throws {
        let server = try BuiltProducts.path("chatroom-server")
        // A test's server keeps nothing unless the test gives it a store of its own (never one in the working tree).
        let store = arguments.contains("--store") ? [] : ["--store", "none"]
        let command = [server, "--host", "127.0.0.1", "--port", "0"] + store + arguments
        // prlimit sets the limits, then execs the server in its place (same pid).
        let limits =
            (openFiles.map { ["--nofile=\($0.soft):\($0.hard)"] } ?? [])
            + (fileSizeBytes.map { ["--fsize=\($0)"] } ?? [])
        let child = try ChildProcess(limits.isEmpty ? command : ["/usr/bin/prlimit"] + limits + command)
        var port: Int?
        _ = eventually(timeout: .seconds(10)) {
            port = Self.listeningPort(in: child.output)
            return port != nil || child.exitStatusIfEnded != nil
        }
        guard let port else {
            throw TestFailure(
                "chatroom-server did not start (exit status \(child.exitStatusIfEnded.map(String.init) ?? "none yet"));"
                    + " log: \(child.output)")
        }
        self.child = child
        self.port = port
    }

    /// Everything the server has logged so far.
    public var log: String { child.output }

    /// The server's entry in `/proc`: its threads, descriptors, memory and CPU time.
    public var proc: ProcessEntry { ProcessEntry(pid: child.pid) }

    /// Sends a signal to the server.
    public func signal(_ signal: Int32) {
        child.signal(signal)
    }

    /// Waits for the server to exit.
    ///
    /// - Returns: Its exit status, or `nil` if it was still running at the deadline.
    public func waitForExit(timeout: Duration) -> Int32? {
        child.waitForExit(timeout: timeout)
    }

    private static func listeningPort(in log: String) -> Int? {
        guard let range = log.range(of: "listening on 127.0.0.1:") else { return nil }
        let digits = log[range.upperBound...].prefix(while: \.isNumber)
        // The whole number has been written once something follows it.
        guard digits.endIndex < log.endIndex else { return nil }
        return Int(digits)
    }
}
