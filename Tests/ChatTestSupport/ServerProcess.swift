import Foundation

/// The folder holding the built products (`chatroom`, `chatroom-server`): the test bundle's own folder.
public func builtProductsFolder() -> URL {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var folder = executable.deletingLastPathComponent()
    // On Linux the test runner is `<folder>/chatroomPackageTests.xctest`; walk up out of any bundle.
    while folder.pathExtension == "xctest" || folder.lastPathComponent == "MacOS" || folder.lastPathComponent == "Contents" {
        folder = folder.deletingLastPathComponent()
    }
    return folder
}

/// A `chatroom-server` process started for a test, with its standard error captured.
public final class ServerProcess: @unchecked Sendable {
    // @unchecked: `log` is guarded by `lock`; the rest is set in `init`.
    public let process = Process()
    public private(set) var port = 0
    private let lock = NSLock()
    private var logText = ""

    /// Starts the server on 127.0.0.1 and a free port, waiting for `listening on`.
    ///
    /// - Parameters:
    ///   - arguments: More options for the server.
    ///   - openFiles: Soft and hard open-file limits to start it with (through `prlimit`).
    public init(arguments: [String] = [], openFiles: (soft: Int, hard: Int)? = nil) throws {
        let server = builtProductsFolder().appendingPathComponent("chatroom-server").path
        let serverArguments = ["--host", "127.0.0.1", "--port", "0"] + arguments
        if let openFiles {
            // prlimit sets the limits, then execs the server in its place (same pid).
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--nofile=\(openFiles.soft):\(openFiles.hard)", server] + serverArguments
        } else {
            process.executableURL = URL(fileURLWithPath: server)
            process.arguments = serverArguments
        }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.logText += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let found = eventually(timeout: .seconds(10)) { self.listeningPort() != nil }
        guard found, let port = listeningPort() else {
            process.terminate()
            throw LineClientError(description: "chatroom-server did not start; log: \(log)")
        }
        self.port = port
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Everything the server has logged so far.
    public var log: String { lock.withLock { logText } }

    /// Sends a signal to the server.
    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit.
    ///
    /// - Returns: Its exit status, or `nil` if it was still running at the deadline.
    public func waitForExit(timeout: Duration) -> Int32? {
        guard eventually(timeout: timeout, { !process.isRunning }) else { return nil }
        return process.terminationStatus
    }

    /// Threads of the server process now (from /proc).
    public var threadCount: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/task").count) ?? -1
    }

    /// Open file descriptors of the server process now (from /proc).
    public var descriptorCount: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd").count) ?? -1
    }

    /// Resident memory of the server process in KiB (from /proc).
    public var residentKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// User plus system CPU seconds the server process has used (from /proc).
    public var cpuSeconds: Double {
        let stat = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return -1 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 (1-based over the whole line).
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return -1 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The soft open-file limit of the server process (from /proc/PID/limits).
    public var openFileSoftLimit: Int {
        let limits = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/limits", encoding: .utf8)) ?? ""
        let line = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") } ?? ""
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first ?? "") ?? -1
    }

    private func listeningPort() -> Int? {
        guard let range = log.range(of: "listening on 127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix(while: \.isNumber))
    }
}
