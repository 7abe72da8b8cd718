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
    public init(arguments: [String] = []) throws {
        process.executableURL = builtProductsFolder().appendingPathComponent("chatroom-server")
        process.arguments = ["--host", "127.0.0.1", "--port", "0"] + arguments
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

    private func listeningPort() -> Int? {
        guard let range = log.range(of: "listening on 127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix(while: \.isNumber))
    }
}
