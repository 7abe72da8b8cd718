import ChatProtocol
import ChatTLS

/// One encoded event line, LF included, shared by every queue it is delivered to (or, over TLS, a chunk of
/// ciphertext for one connection).
///
/// A broadcast is encoded once per variant (see ``TaggedLines``) and the same bytes are queued for all
/// recipients of that variant.
final class OutboundLine: @unchecked Sendable {
    // @unchecked: `bytes` is written only in `init` and freed in `deinit`; in between it is read-only.
    let bytes: UnsafeMutableRawBufferPointer

    /// The event as v1 sends it, without tags.
    convenience init(_ event: Event) {
        self.init(event, tags: .none)
    }

    /// The event with those of `tags` that apply to it (see ``Tags/applicable(to:)``).
    init(_ event: Event, tags: Tags) {
        let wire = event.wireBytes(tags: tags)
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: wire.count, alignment: 1)
        wire.withUnsafeBytes { bytes.copyMemory(from: $0) }
    }

    /// All the ciphertext `engine` holds for the socket, taken out of it.
    init(ciphertextOf engine: TLSEngine) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: engine.pendingOutput, alignment: 1)
        bytes = UnsafeMutableRawBufferPointer(rebasing: buffer[..<engine.takeOutput(into: buffer)])
    }

    var count: Int { bytes.count }

    deinit { bytes.deallocate() }
}

/// The capabilities a connection turned on, as the index of the line variant it receives.
struct CapabilityMask: Equatable, Sendable {
    /// Bit 0: `ids`; bit 1: `time`.
    private(set) var bits: UInt8 = 0

    static let none = CapabilityMask()

    init() {}

    init(_ capabilities: some Sequence<Capability>) {
        for capability in capabilities { insert(capability) }
    }

    mutating func insert(_ capability: Capability) {
        switch capability {
        case .ids: bits |= 1
        case .time: bits |= 2
        }
    }

    func contains(_ capability: Capability) -> Bool {
        switch capability {
        case .ids: bits & 1 != 0
        case .time: bits & 2 != 0
        }
    }

    /// The capabilities on, sorted (as `CAPS` lists them).
    var capabilities: [Capability] { Capability.allCases.filter(contains).sorted() }
}

/// The variants of one room event, each encoded at most once, on first use: without tags, with `id`, with
/// `time`, with both (see the protocol's tags). Recipients share the variant their capabilities select; a
/// capability whose tag the event does not carry (`ids` on a `JOIN`) selects the same variant as none.
struct TaggedLines {
    let event: Event
    let tags: Tags
    /// The mask bits whose tags this event carries.
    private let applicable: UInt8
    private var lines: (OutboundLine?, OutboundLine?, OutboundLine?, OutboundLine?) = (nil, nil, nil, nil)

    init(_ event: Event, tags: Tags) {
        self.event = event
        self.tags = tags
        let carried = tags.applicable(to: event)
        applicable = (carried.id != nil ? 1 : 0) | (carried.time != nil ? 2 : 0)
    }

    /// The line for a recipient with these capabilities.
    @inline(__always)
    mutating func line(for mask: CapabilityMask) -> OutboundLine {
        let bits = mask.bits & applicable
        switch bits {
        case 0: return Self.cached(&lines.0, event, tags, bits)
        case 1: return Self.cached(&lines.1, event, tags, bits)
        case 2: return Self.cached(&lines.2, event, tags, bits)
        default: return Self.cached(&lines.3, event, tags, bits)
        }
    }

    @inline(__always)
    private static func cached(_ slot: inout OutboundLine?, _ event: Event, _ tags: Tags, _ bits: UInt8)
        -> OutboundLine
    {
        if let line = slot { return line }
        let line = OutboundLine(event, tags: Tags(id: bits & 1 != 0 ? tags.id : nil, time: bits & 2 != 0 ? tags.time : nil))
        slot = line
        return line
    }
}
