/// A test's own failure: what it waited for or expected, and what it saw instead.
///
/// Every helper in this target, and every test that throws for itself, throws this one type, so a failure
/// reads the same wherever it comes from.
public struct TestFailure: Error, CustomStringConvertible, Sendable {
    /// What went wrong, with what was seen.
    public var description: String

    /// A failure saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}
