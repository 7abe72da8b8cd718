import ChatSystem

/// A queue other threads post to and one polling thread drains, waking it through a ``PollWaker``.
///
/// Posting wakes the reader only when the queue goes from empty to not empty, so a flood of messages
/// costs one wake-up per batch the reader takes, not one per message.
public final class Inbox<Element: Sendable>: Sendable {
    private let queue = Locked<[Element]>([])
    private let wake: PollWaker

    /// The descriptor the draining thread polls for `POLLIN`.
    public var fd: Int32 { wake.fd }

    /// Creates an empty inbox.
    ///
    /// - Throws: ``ClientError`` when its waker (an eventfd) cannot be made.
    public init() throws(ClientError) {
        do throws(SystemError) {
            wake = try PollWaker()
        } catch {
            throw .system(error)
        }
    }

    /// Adds a message and wakes the reader if it may be asleep.
    public func post(_ element: Element) {
        let wasEmpty = queue.withLock { queue in
            queue.append(element)
            return queue.count == 1
        }
        if wasEmpty { wake.wake() }
    }

    /// Takes every queued message, oldest first, and clears pending wake-ups.
    public func drain() -> [Element] {
        wake.drain()
        return queue.withLock { queue in
            let taken = queue
            queue.removeAll(keepingCapacity: true)
            return taken
        }
    }
}
