import ChatClient
import Foundation
import Testing

/// The `chatroom` executable's own command line: help and bad options, as a user sees them.
@Suite struct CommandLineTests {
    private func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Binaries.path("chatroom"))
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complained = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, printed, complained)
    }

    @Test func helpPrintsTheUsageAndExitsZero() throws {
        let result = try run(["--help"])
        #expect(result.status == 0)
        #expect(result.output == ClientArguments.helpText + "\n")
        #expect(result.errors.isEmpty)
    }

    @Test(arguments: [
        (["--port", "0"], "Error: --port must be a whole number between 1 and 65535, not '0'"),
        (["--colour"], "Error: unknown option '--colour'"),
        (["--name", "9lives"], "Error: --name 9lives: a name starts with a letter"),
    ])
    func aBadCommandLineExits64WithTheReason(arguments: [String], first: String) throws {
        let result = try run(arguments)
        #expect(result.status == 64)
        #expect(result.output.isEmpty)
        #expect(
            result.errors.split(separator: "\n").map(String.init) == [
                first,
                "Usage: chatroom [--host <host>] [--port <port>] [--name <name>] [--plain] [--scrollback <lines>]",
                "  See 'chatroom --help' for more information.",
            ])
    }
}
