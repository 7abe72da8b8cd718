import ChatServer
import Glibc
import Logging

/// A logger that drops everything, so test output stays readable.
public let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Runs a server on 127.0.0.1 and a free port for the length of `body`, then shuts it down.
///
/// - Parameters:
///   - configuration: The server's settings; host and port are forced to 127.0.0.1 and 0.
///   - body: Given the server and its port.
public func withRunningServer<T>(
    _ configuration: ChatServer.Configuration = .init(),
    _ body: (ChatServer, Int) async throws -> T
) async throws -> T {
    var configuration = configuration
    configuration.host = "127.0.0.1"
    configuration.port = 0
    let server = try ChatServer(configuration: configuration, logger: quietLogger)
    let port = try server.start()
    defer { server.shutdown(grace: .milliseconds(200)) }
    return try await body(server, port)
}

/// Starts a quiet server on 127.0.0.1 and a given port (for tests that stop it and start another there).
public func startServer(port: Int) throws -> ChatServer {
    let server = try ChatServer(configuration: .init(host: "127.0.0.1", port: port), logger: quietLogger)
    try server.start()
    return server
}

/// Connects a client and reads its `WELCOME`, returning the client and its name.
public func join(_ port: Int) throws -> (LineClient, String) {
    let client = try LineClient(port: port)
    guard let line = try client.readLine(), line.hasPrefix("WELCOME ") else {
        throw TestFailure("no WELCOME; got \(client.received)")
    }
    let name = line.split(separator: " ")[1]
    return (client, String(name))
}

/// Polls `condition` until it holds or `timeout` passes.
///
/// - Returns: Whether it held in time.
public func eventually(timeout: Duration = .seconds(5), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        // A short pause between polls; the deadline, not this pause, decides the outcome.
        _ = poll(nil, 0, 2)
    }
    return try condition()
}
