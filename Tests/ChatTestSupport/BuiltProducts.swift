import Glibc

/// The executables `swift build` puts beside the test runner: `chatroom`, `chatroom-server`.
public enum BuiltProducts {
    /// The folder of the running test executable (`.build/debug`), read from `/proc/self/exe`.
    public static var folder: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return "." }
        let path = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }

    /// The path of a built executable.
    ///
    /// - Parameter name: The product's name, as `chatroom-server`.
    /// - Returns: Its path, checked to be there and executable.
    /// - Throws: ``TestFailure`` when it is missing.
    public static func path(_ name: String) throws -> String {
        let path = folder + "/" + name
        guard access(path, X_OK) == 0 else {
            throw TestFailure("\(path) is missing: build the package (swift build) before the tests")
        }
        return path
    }
}
