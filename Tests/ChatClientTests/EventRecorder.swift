import ChatClient
import ChatProtocol
import ChatTestSupport
import Synchronization

/// Collects a connection's events for assertions.
final class EventRecorder: Sendable {
    private let events = Mutex<[ConnectionEvent]>([])

    /// The sink to give a ``ChatConnection``.
    var sink: @Sendable (ConnectionEvent) -> Void {
        { [self] event in events.withLock { $0.append(event) } }
    }

    /// Everything recorded so far.
    var all: [ConnectionEvent] { events.withLock { $0 } }

    /// The server lines recorded so far, without their tags.
    var received: [String] {
        all.compactMap { if case .received(let event, _) = $0 { event.wireLine } else { nil } }
    }

    /// The server lines recorded so far, with their tags as the server sent them.
    var receivedTagged: [String] {
        all.compactMap {
            if case .received(let event, let tags) = $0 { TaggedEvent(event, tags: tags).wireLine } else { nil }
        }
    }

    /// Waits until `condition` holds for the events, failing with what was recorded.
    func waitFor(
        _ what: String, timeout: Duration = .seconds(10), _ condition: ([ConnectionEvent]) -> Bool
    ) throws {
        guard eventually(timeout: timeout, { condition(all) }) else {
            let seen = all
            throw TestFailure(
                "timed out waiting for \(what); \(seen.count) events" + (seen.count > 20 ? ", the last 20" : "")
                    + ": \(seen.suffix(20))")
        }
    }

    /// Waits until a server line equal to `line` has been received.
    func waitForLine(_ line: String, timeout: Duration = .seconds(10)) throws {
        try waitFor(line.debugDescription, timeout: timeout) { events in
            events.contains { if case .received(let event, _) = $0 { event.wireLine == line } else { false } }
        }
    }
}
