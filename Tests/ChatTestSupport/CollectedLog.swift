import ChatSystem
import Logging

/// A logger that keeps every line it is given (message and metadata, as a log handler would print them),
/// for tests that check what the server logs.
public final class CollectedLog: Sendable {
    private let kept = Locked<[String]>([])

    public init() {}

    /// Every line so far, in order.
    public var lines: [String] { kept.withLock { $0 } }

    /// A logger writing here, at every level.
    public var logger: Logger {
        var logger = Logger(label: "collected", factory: { _ in Handler(log: self) })
        logger.logLevel = .trace
        return logger
    }

    fileprivate func add(_ line: String) { kept.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let log: CollectedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.add("\(event.level) \(event.message) \(fields)")
        }
    }
}
