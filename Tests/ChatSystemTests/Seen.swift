import Synchronization

/// A value one thread hands another: what a spawned thread saw, or a flag the test raises for it.
final class Seen<Value: Sendable>: Sendable {
    private let state = Mutex<Value?>(nil)

    /// The value recorded last, or `nil` before any.
    var value: Value? { state.withLock { $0 } }

    /// Records `value`, replacing any before it.
    func record(_ value: Value) {
        state.withLock { $0 = value }
    }
}
