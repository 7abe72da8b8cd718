import ChatTestSupport
import Foundation
import Testing

/// `scripts/check_module_graph.py`, the check CI runs: the real tree passes, and a planted wrong arrow fails,
/// naming the file.
@Suite struct ModuleGraphTests {
    /// The package's root folder.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs the check on a package folder: its exit status and what it printed.
    private func check(_ root: URL) throws -> (status: Int32, output: [String]) {
        let script = Self.root.appendingPathComponent("scripts/check_module_graph.py").path
        let result = try runProcess(["python3", script, root.path])
        return (result.status, (result.output + result.errors).split(separator: "\n").map(String.init))
    }

    /// A copy of Package.swift and Sources/ to plant wrong arrows in.
    private func withCopy(_ body: (URL) throws -> Void) throws {
        let manager = FileManager.default
        let copy = manager.temporaryDirectory.appendingPathComponent("module-graph-\(UUID().uuidString)")
        try manager.createDirectory(at: copy, withIntermediateDirectories: true)
        defer { try? manager.removeItem(at: copy) }
        for item in ["Package.swift", "Sources"] {
            try manager.copyItem(at: Self.root.appendingPathComponent(item), to: copy.appendingPathComponent(item))
        }
        try body(copy)
    }

    private func edit(_ file: URL, _ change: (String) -> String) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        try change(text).write(to: file, atomically: true, encoding: .utf8)
    }

    @Test func theTreeFollowsTheRule() throws {
        let (status, output) = try check(Self.root)
        #expect(status == 0, "\(output)")
        #expect(output.last?.hasPrefix("module graph: ok (") == true, "\(output)")
    }

    @Test func aPlantedImportFailsNamingTheFile() throws {
        try withCopy { copy in
            let file = copy.appendingPathComponent("Sources/ChatClient/ChatState.swift")
            try edit(file) { "import ChatServer\n" + $0 }
            let (status, output) = try check(copy)
            #expect(status == 1)
            #expect(
                output == [
                    "Sources/ChatClient/ChatState.swift:1: ChatClient -> ChatServer is not an arrow of the module graph",
                    "module graph: 1 arrow(s) break the rule (docs/ARCHITECTURE.md)",
                ])
        }
    }

    @Test func theTUIReachingPastTheClientFails() throws {
        try withCopy { copy in
            try edit(copy.appendingPathComponent("Sources/ChatTUI/Layout.swift")) { "import ChatProtocol\n" + $0 }
            let (status, output) = try check(copy)
            #expect(status == 1)
            #expect(output.first == "Sources/ChatTUI/Layout.swift:1: ChatTUI -> ChatProtocol is not an arrow of the module graph")
        }
    }

    @Test func aPlantedDependencyInThePackageFails() throws {
        try withCopy { copy in
            try edit(copy.appendingPathComponent("Package.swift")) {
                $0.replacingOccurrences(
                    of: #".target(name: "ChatProtocol"),"#, with: #".target(name: "ChatProtocol", dependencies: ["ChatSystem"]),"#)
            }
            let (status, output) = try check(copy)
            #expect(status == 1)
            #expect(output.contains { $0.hasSuffix(": ChatProtocol -> ChatSystem is not an arrow of the module graph") })
            #expect(output.allSatisfy { $0.hasPrefix("Package.swift:") || $0.hasPrefix("module graph: ") }, "\(output)")
        }
    }

    @Test func anImportThePackageDoesNotDeclareFails() throws {
        try withCopy { copy in
            // An allowed arrow (ChatTUI -> ChatSystem) that Package.swift must then declare.
            try edit(copy.appendingPathComponent("Package.swift")) {
                $0.replacingOccurrences(
                    of: #"dependencies: ["ChatClient", "ChatSystem", "CNcursesw"]"#, with: #"dependencies: ["ChatClient", "CNcursesw"]"#)
            }
            let (status, output) = try check(copy)
            #expect(status == 1)
            #expect(output.first?.hasSuffix(": ChatTUI imports ChatSystem but Package.swift does not list it among its dependencies") == true, "\(output)")
        }
    }
}
