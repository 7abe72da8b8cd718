import Glibc

/// A `chatroom-server` process started for a test, its standard output and error captured as its log.
///
/// A server still running when the last reference goes is killed.
public final class ServerProcess: Sendable {
    /// The running program.
    public let child: ChildProcess
    /// The port it listens on, read from its log (the TLS one with `--tls-only`).
    public let port: Int
    /// The port of its TLS listener, with `--tls-cert`.
    public let tlsPort: Int?

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
        let wantsTLS = arguments.contains("--tls-cert")
        let wantsPlain = !arguments.contains("--tls-only")
        var ports: (plain: Int?, tls: Int?)
        _ = eventually(timeout: .seconds(10)) {
            ports = Self.listeningPorts(in: child.output)
            let started = (!wantsPlain || ports.plain != nil) && (!wantsTLS || ports.tls != nil)
            return started || child.exitStatusIfEnded != nil
        }
        guard let port = wantsPlain ? ports.plain : ports.tls, !wantsTLS || ports.tls != nil else {
            throw TestFailure(
                "chatroom-server did not start (exit status \(child.exitStatusIfEnded.map(String.init) ?? "none yet"));"
                    + " log: \(child.output)")
        }
        self.child = child
        self.port = port
        self.tlsPort = ports.tls
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

    /// The ports of the `listening on 127.0.0.1:PORT` lines, the TLS one's ending ` (tls)`.
    private static func listeningPorts(in log: String) -> (plain: Int?, tls: Int?) {
        var ports: (plain: Int?, tls: Int?)
        // Only whole lines: a number is complete once its line has ended.
        for line in log.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            guard let range = line.range(of: "listening on 127.0.0.1:") else { continue }
            let rest = line[range.upperBound...]
            guard let port = Int(rest.prefix(while: \.isNumber)) else { continue }
            if rest.dropFirst(String(port).count).hasPrefix(" (tls)") { ports.tls = port } else { ports.plain = port }
        }
        return ports
    }
}
