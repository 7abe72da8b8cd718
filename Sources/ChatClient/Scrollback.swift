/// The last lines of a conversation, at most ``capacity`` of them, each with a sequence number.
///
/// Sequence numbers start at 0 and grow by one per appended line, never reused (not even after
/// ``removeAll()``), so a view can hold on to a line by its number while older lines fall off the top.
public struct Scrollback<Element: Sendable>: Sendable {
    /// The most lines kept.
    public let capacity: Int
    private var storage: [Element] = []
    /// Index in `storage` of the oldest line once the buffer is full.
    private var head = 0
    /// The sequence number the next appended line gets.
    public private(set) var nextSequence = 0

    /// Creates an empty scrollback.
    ///
    /// - Parameter capacity: The most lines kept (at least 1).
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The number of lines held.
    public var count: Int { storage.count }

    /// Whether no lines are held.
    public var isEmpty: Bool { storage.isEmpty }

    /// The sequence number of the oldest line held (equal to ``nextSequence`` when empty).
    public var firstSequence: Int { nextSequence - storage.count }

    /// The sequence number of the newest line, if any.
    public var lastSequence: Int? { storage.isEmpty ? nil : nextSequence - 1 }

    /// Adds a line, dropping the oldest when full.
    ///
    /// - Returns: The new line's sequence number.
    @discardableResult
    public mutating func append(_ element: Element) -> Int {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[head] = element
            head = (head + 1) % capacity
        }
        nextSequence += 1
        return nextSequence - 1
    }

    /// The line with a sequence number, if it is still held.
    public subscript(sequence sequence: Int) -> Element? {
        guard sequence >= firstSequence && sequence < nextSequence else { return nil }
        return storage[(head + sequence - firstSequence) % storage.count]
    }

    /// Every line held, oldest first.
    public var elements: [Element] {
        Array(storage[head...] + storage[..<head])
    }

    /// Drops every line; sequence numbers carry on.
    public mutating func removeAll() {
        storage.removeAll()
        head = 0
    }
}
