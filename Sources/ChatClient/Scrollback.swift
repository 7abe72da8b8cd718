/// The lines of a conversation, at most ``capacity`` of them, each with a sequence number.
///
/// Lines are added at both ends: ``append(_:)`` adds the newest (dropping the oldest when full), and
/// ``prepend(contentsOf:)`` adds older lines above the oldest, as far as there is room. Sequence numbers
/// follow the order of the lines: an appended line takes ``nextSequence`` (0, 1, 2, ...), a prepended
/// one the number below ``firstSequence`` (-1, -2, ...). So the lines a view holds on to keep their
/// numbers, and the view stays put, while lines arrive at either end or fall off the top.
///
/// While a line is held its number names it and no other line. A number passes to another line only
/// after lines were taken back (``removeFirst()``, a placeholder note at the top; ``removeAll()``) and
/// older lines are prepended in their place, so a cache keyed by sequence number checks the line too.
public struct Scrollback<Element: Sendable>: Sendable {
    /// The most lines kept.
    public let capacity: Int
    /// The lines; `storage[head]` is the oldest once the buffer has wrapped.
    private var storage: [Element] = []
    /// Index in `storage` of the oldest line once the buffer is full.
    private var head = 0
    /// The sequence number of the oldest line held (equal to ``nextSequence`` when empty).
    public private(set) var firstSequence = 0
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

    /// Whether ``capacity`` lines are held: an append drops the oldest, a prepend keeps nothing.
    public var isFull: Bool { storage.count == capacity }

    /// The sequence number of the newest line, if any.
    public var lastSequence: Int? { storage.isEmpty ? nil : nextSequence - 1 }

    /// The oldest line, if any.
    public var first: Element? { self[sequence: firstSequence] }

    /// The newest line, if any.
    public var last: Element? { lastSequence.flatMap { self[sequence: $0] } }

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
            firstSequence += 1
        }
        nextSequence += 1
        return nextSequence - 1
    }

    /// Adds older lines above the oldest, in their order (the first of them ends up on top).
    ///
    /// Only as many as there is room for are kept: the newest of them, the ones next to the lines held.
    ///
    /// - Parameter elements: The lines, oldest first.
    /// - Returns: How many were kept.
    @discardableResult
    public mutating func prepend(contentsOf elements: some Collection<Element>) -> Int {
        let kept = min(elements.count, capacity - storage.count)
        guard kept > 0 else { return 0 }
        // Below capacity the buffer has never wrapped (only a full buffer wraps, and it stays full until
        // removeAll), so the oldest line is at index 0.
        if head != 0 {
            storage = Array(storage[head...] + storage[..<head])
            head = 0
        }
        storage.insert(contentsOf: elements.suffix(kept), at: 0)
        firstSequence -= kept
        return kept
    }

    /// Takes back the oldest line.
    ///
    /// - Returns: The line, or `nil` when empty.
    @discardableResult
    public mutating func removeFirst() -> Element? {
        guard !storage.isEmpty else { return nil }
        let element: Element
        if head == 0 {
            element = storage.removeFirst()
        } else {
            // A full, wrapped buffer: unwrap it first so that index 0 is the oldest again.
            storage = Array(storage[head...] + storage[..<head])
            head = 0
            element = storage.removeFirst()
        }
        firstSequence += 1
        return element
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

    /// Drops every line; appended lines' numbers carry on.
    public mutating func removeAll() {
        storage.removeAll()
        head = 0
        firstSequence = nextSequence
    }
}
