import ChatSystem
import ChatTestSupport
import Foundation
import Glibc

/// A broadcast as a client saw it: live with ids and time on (`@id=ID;time=TIME MSG FROM TEXT`), or as
/// `/history` and `/search` give it (`HISTORY ID TIME FROM TEXT`, `FOUND ...`).
struct SeenMessage: Equatable, Hashable, Sendable, CustomStringConvertible {
    var id: UInt64
    var time: String
    var from: String
    var text: String

    init(id: UInt64, time: String, from: String, text: String) {
        self.id = id
        self.time = time
        self.from = from
        self.text = text
    }

    /// Reads `@id=ID;time=TIME MSG FROM TEXT`; `nil` for any other line.
    init?(tagged line: String) {
        guard line.hasPrefix("@id="), let space = line.firstIndex(of: " ") else { return nil }
        let tags = line[line.index(line.startIndex, offsetBy: 4)..<space].split(separator: ";time=")
        let event = line[line.index(after: space)...].split(separator: " ", maxSplits: 2)
        guard tags.count == 2, let id = UInt64(tags[0]), event.count == 3, event[0] == "MSG" else { return nil }
        self.init(id: id, time: String(tags[1]), from: String(event[1]), text: String(event[2]))
    }

    /// Reads `KIND ID TIME FROM TEXT` (KIND `HISTORY` or `FOUND`); `nil` for any other line.
    init?(stored line: String, kind: String = "HISTORY") {
        let fields = line.split(separator: " ", maxSplits: 4)
        guard fields.count == 5, fields[0] == kind, let id = UInt64(fields[1]) else { return nil }
        self.init(id: id, time: String(fields[2]), from: String(fields[3]), text: String(fields[4]))
    }

    /// The `HISTORY` line for it.
    var historyLine: String { "HISTORY \(id) \(time) \(from) \(text)" }

    /// The `FOUND` line for it.
    var foundLine: String { "FOUND \(id) \(time) \(from) \(text)" }

    var description: String { "#\(id) \(time) <\(from)> \(text)" }
}

extension LineClient {
    /// Turns the `ids` and `time` capabilities on.
    func enableIDsAndTime() throws {
        try send("/caps ids time")
        let line = try readLine()
        guard line == "CAPS ids time" else { throw TestFailure("/caps ids time answered \(String(describing: line))") }
    }

    /// Sends `command` (a `/history` or a `/search`) and reads its answer up to its end line, whose COUNT
    /// must be the number of lines before it.
    ///
    /// - Returns: The lines before the end line.
    func answer(to command: String) throws -> [String] {
        let end = command.lowercased().hasPrefix("/search") ? "FOUND-END " : "HISTORY-END "
        try send(command)
        var lines: [String] = []
        while true {
            guard let line = try readLine(timeout: .seconds(10)) else {
                throw TestFailure("the server closed the connection during the answer to \(command); got \(lines)")
            }
            if line.hasPrefix(end) {
                guard line == end + "\(lines.count)" else {
                    throw TestFailure("\(command) ended with \(line) after \(lines.count) lines: \(lines.suffix(5))")
                }
                return lines
            }
            if line.hasPrefix("ERROR ") { throw TestFailure("\(command) was answered \(line)") }
            lines.append(line)
        }
    }

    /// Everything `/history` lets this connection read, oldest first, paged with `/history after ID 1000`
    /// until an answer is short.
    func wholeHistory() throws -> [SeenMessage] {
        var messages: [SeenMessage] = []
        while true {
            let lines = try answer(to: "/history after \(messages.last?.id ?? 0) 1000")
            for line in lines {
                guard let message = SeenMessage(stored: line) else { throw TestFailure("not a HISTORY line: \(line)") }
                messages.append(message)
            }
            if lines.count < 1000 { return messages }
        }
    }
}

/// Evaluates `probe` every `interval` until `done` holds for what it returned or `timeout` passes.
///
/// - Returns: What the last probe returned, for the caller to check and report.
func poll<T>(
    timeout: Duration, every interval: Duration = .milliseconds(50), _ probe: () throws -> T,
    until done: (T) -> Bool
) rethrows -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        let value = try probe()
        if done(value) || ContinuousClock.now >= deadline { return value }
        // A pause between probes; the deadline, not this pause, decides the outcome.
        let (seconds, attoseconds) = interval.components
        var pause = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        nanosleep(&pause, nil)
    }
}

/// The files in `folder` whose name holds `.sqlite` (a store and its `-wal` and `-shm` files).
func storeFiles(in folder: String) -> [String] {
    ((try? directoryEntries(folder)) ?? []).filter { $0.contains(".sqlite") }
}

/// A client flooding the room from a thread of its own: it sends its texts, never more than `window`
/// ahead of its own echoes, and reads every line until the connection ends.
final class Flooder: @unchecked Sendable {
    // @unchecked: `client` is used by the flooding thread alone until `finished` is set, then by the test.
    let client: LineClient
    let name: String
    let texts: [String]
    /// `MSG` lines received so far, and whether the thread is done. A pthread mutex (`Locked`), which
    /// ThreadSanitizer sees order the thread's work before the test's reading of it.
    let progress = Locked((messages: 0, finished: false))
    static let window = 16

    init(client: LineClient, name: String, texts: [String]) {
        self.client = client
        self.name = name
        self.texts = texts
    }

    func start() {
        Thread { [self] in run() }.start()
    }

    private func run() {
        defer { progress.withLock { $0.finished = true } }
        var next = 0
        var ahead = 0
        var sending = true
        while true {
            while sending && next < texts.count && ahead < Self.window {
                do {
                    try client.send(texts[next])
                    next += 1
                    ahead += 1
                } catch {
                    sending = false
                }
            }
            // nil: the server is gone; a time-out: it stopped sending (the test then reports what it saw).
            guard let line = try? client.readLine(timeout: .seconds(20)) else { return }
            guard let message = SeenMessage(tagged: line) else { continue }
            if message.from == name { ahead -= 1 }
            progress.withLock { $0.messages += 1 }
        }
    }

    /// Every broadcast received, in order.
    var received: [SeenMessage] { client.received.compactMap { SeenMessage(tagged: $0) } }
}
