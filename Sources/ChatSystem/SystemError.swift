import Glibc

/// A failed system call, with the call's name and `errno`.
public struct SystemError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The call that failed.
    public var call: String
    /// The `errno` it left.
    public var code: Int32

    public init(_ call: String, code: Int32 = errno) {
        self.call = call
        self.code = code
    }

    public var description: String {
        "\(call): \(String(cString: strerror(code)))"
    }
}
