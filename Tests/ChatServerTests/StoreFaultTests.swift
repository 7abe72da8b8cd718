import ChatTestSupport
import Foundation
import Testing

/// The store when things go wrong, over real sockets: the server killed or stopped in the middle of a flood,
/// writes past the file size limit, the disk filling up under it.
@Suite struct StoreFaultTests {
    // MARK: Stopped in the middle of a flood

    /// Floods `server` from `senders` clients (ids and time on) and sends it `signal` once a third of the
    /// flood has been delivered; returns the clients once each has seen its connection end.
    private func flood(_ server: ServerProcess, until signal: Int32, round: Int, senders: Int, perSender: Int)
        throws -> [Flooder]
    {
        var clients: [(LineClient, String)] = []
        for _ in 0..<senders {
            let (client, name) = try join(server.port)
            try client.enableIDsAndTime()
            clients.append((client, name))
        }
        // Every JOIN is in before the flood starts.
        for (client, _) in clients { _ = try client.sync() }
        let flooders = clients.map { client, name in
            Flooder(client: client, name: name, texts: (0..<perSender).map { "r\(round) \(name) line \($0)" })
        }
        for flooder in flooders { flooder.start() }
        let total = senders * perSender
        let seen = poll(timeout: .seconds(60), every: .milliseconds(1)) {
            flooders[0].progress.withLock { $0.messages }
        } until: {
            $0 >= total / 3
        }
        server.signal(signal)
        #expect(seen >= total / 3 && seen < total, "round \(round): stopped after \(seen) of \(total) broadcasts")
        #expect(server.waitForExit(timeout: .seconds(5)) == (signal == SIGKILL ? 128 + SIGKILL : 0))
        #expect(!server.log.contains("Sanitizer"), "\(server.log)")
        let ended = poll(timeout: .seconds(30)) {
            flooders.filter { $0.progress.withLock { $0.finished } }.count
        } until: {
            $0 == senders
        }
        #expect(ended == senders, "round \(round): only \(ended) of the \(senders) clients saw the connection end")
        return flooders
    }

    /// Killed (three times over, on the same store) or stopped in the middle of a flood from several clients,
    /// the server restarts with every message any client received in its history: same id, time, sender and
    /// text, in the same order; and no message in between that a client did not receive.
    @Test(arguments: [SIGKILL, SIGTERM])
    func aServerStoppedInTheMiddleOfAFloodKeepsEveryMessageAnyClientReceived(signal: Int32) throws {
        let senders = 4
        let perSender = 3000
        try withTemporaryDirectory { folder in
            let arguments = ["--store", folder + "/history.sqlite", "--rate", "0"]
            var server = try ServerProcess(arguments: arguments)
            var firstID: UInt64 = 1
            for round in 1...(signal == SIGKILL ? 3 : 1) {
                let flooders = try flood(server, until: signal, round: round, senders: senders, perSender: perSender)
                if signal == SIGTERM {
                    for flooder in flooders {
                        #expect(flooder.client.received.last == "BYE server shutting down", "\(flooder.name)")
                    }
                }
                server = try ServerProcess(arguments: arguments)
                let (checker, _) = try join(server.port)
                let history = try checker.wholeHistory()
                checker.close()
                // One unbroken run of ids from 1: nothing was refused, nothing lost in between.
                #expect(history.map(\.id) == (0..<history.count).map { UInt64($0 + 1) })
                #expect(server.log.contains("last-id=\(history.count)"), "\(server.log)")
                let flooded = Array(history.drop { $0.id < firstID })
                // Every client received a prefix of this round's history: each message with the same id, time,
                // sender and text, in the same order, and none that the history holds between them missing.
                for flooder in flooders {
                    let received = flooder.received
                    #expect(received.count >= senders * perSender / 4, "\(flooder.name) received \(received.count)")
                    #expect(received.count <= flooded.count, "\(flooder.name) received messages the history lacks")
                    let prefix = Array(flooded.prefix(received.count))
                    if received != prefix {
                        let first = zip(received, prefix).first { $0 != $1 }
                        let shown = first.map { "received \($0.0), the history has \($0.1)" } ?? "none"
                        Issue.record(
                            Comment(
                                rawValue: "round \(round): \(flooder.name) received \(received.count) messages that"
                                    + " are not the history's first; the first difference: \(shown)"))
                    }
                    // Its own messages were stored in the order it sent them, none skipped.
                    let stored = flooded.filter { $0.from == flooder.name }.map(\.text)
                    #expect(stored == Array(flooder.texts.prefix(stored.count)), "\(flooder.name)'s messages")
                }
                firstID = (history.last?.id ?? 0) + 1
            }
        }
    }

    // MARK: Writes that fail

    static let refusal = "ERROR unavailable the message could not be stored, so it was not sent"

    /// Broadcasts numbered texts from `client` (ids and time on) until one is refused or `limit` went.
    ///
    /// - Returns: Those delivered, and the answer that ended it.
    private func broadcastUntilRefused(_ client: LineClient, _ text: String, limit: Int = 5000) throws -> (
        delivered: [SeenMessage], answer: String?
    ) {
        var delivered: [SeenMessage] = []
        for number in 0..<limit {
            try client.send("\(text)-\(number)")
            let answer = try client.readLine()
            guard let line = answer, let message = SeenMessage(tagged: line) else { return (delivered, answer) }
            delivered.append(message)
        }
        return (delivered, nil)
    }

    /// A write past the file size limit fails (the server ignores SIGXFSZ): an I/O error for SQLite. (1 MiB:
    /// under 512 KiB a ThreadSanitizer build cannot even start.)
    @Test func pastTheFileSizeLimitBroadcastsAreRefusedToEveryoneAndTheServerLivesOn() throws {
        try withTemporaryDirectory { folder in
            let store = folder + "/history.sqlite"
            let delivered: [SeenMessage]
            do {
                let server = try ServerProcess(arguments: ["--store", store, "--rate", "0"], fileSizeBytes: 1 << 20)
                let (alice, _) = try join(server.port)
                try alice.enableIDsAndTime()
                let (bob, _) = try join(server.port)
                _ = try alice.sync()
                let (sent, answer) = try broadcastUntilRefused(alice, "limited")
                delivered = sent
                #expect(answer == Self.refusal)
                #expect(!delivered.isEmpty)
                #expect(try bob.sync() == delivered.map { "MSG user1 \($0.text)" })
                try alice.send("limited-again")
                #expect(try alice.readLine() == Self.refusal)
                try bob.send("/dm user1 still here")
                #expect(try bob.readLine() == "DM user2 user1 still here")
                #expect(try bob.sync() == [])
                #expect(try alice.sync().map { $0.hasSuffix(" DM user2 user1 still here") } == [true])
                #expect(server.child.exitStatusIfEnded == nil)
                server.signal(SIGTERM)
                #expect(server.waitForExit(timeout: .seconds(5)) == 0)
                let failures = server.log.split(separator: "\n").filter {
                    $0.hasSuffix("the message store cannot write; broadcasts are refused until it can")
                }
                #expect(failures.count == 1, "\(server.log)")
                #expect(failures.allSatisfy { $0.contains("error=the message store cannot write: disk I/O error") })
                #expect(!server.log.contains("limited"), "the log holds message text: \(server.log)")
                #expect(!server.log.contains("still here"), "the log holds message text: \(server.log)")
                #expect(!server.log.contains("Sanitizer"), "\(server.log)")
            }
            // Without the limit, everything that was delivered is there, and the store takes messages again.
            let server = try ServerProcess(arguments: ["--store", store])
            let (carol, _) = try join(server.port)
            #expect(try carol.wholeHistory() == delivered)
            try carol.enableIDsAndTime()
            try carol.send("unlimited")
            let line = try carol.readLine()
            let message = try #require(line.flatMap(SeenMessage.init(tagged:)), "\(String(describing: line))")
            #expect(message.id > delivered.last?.id ?? 0)
        }
    }

    // MARK: The disk filling up

    /// Whether this process may mount a tmpfs (it runs as root, where mounting is allowed).
    static let canMountTmpfs: Bool = {
        guard getuid() == 0, let folder = try? makeTemporaryDirectory("chatroom-tmpfs-probe") else { return false }
        defer { rmdir(folder) }
        guard (try? runProcess(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder]))?.status == 0 else {
            return false
        }
        _ = try? runProcess(["umount", folder])
        return true
    }()

    /// Runs `body` with a 2 MiB tmpfs mounted on a new folder, unmounted and removed afterwards.
    private func withSmallDisk(_ body: (String) throws -> Void) throws {
        let folder = try makeTemporaryDirectory("chatroom-tmpfs")
        defer { rmdir(folder) }
        let mounted = try runProcess(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", folder])
        guard mounted.status == 0 else { throw TestFailure("mount -t tmpfs failed: \(mounted.errors)") }
        defer {
            if (try? runProcess(["umount", folder]))?.status != 0 { _ = try? runProcess(["umount", "-l", folder]) }
        }
        try body(folder)
    }

    /// Fills the file system of `folder` with a file, leaving `room` bytes free; returns the file's path.
    private func fill(_ folder: String, leaving room: Int) throws -> String {
        let path = folder + "/filler"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw TestFailure("cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x5A, count: 4096)
        var size = 0
        while true {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { break }
            size += written
        }
        guard errno == ENOSPC else { throw TestFailure("filling \(path) stopped with errno \(errno), not ENOSPC") }
        guard ftruncate(fd, off_t(max(size - room, 0))) == 0 else { throw TestFailure("ftruncate: errno \(errno)") }
        return path
    }

    @Test(.enabled(if: canMountTmpfs, "needs to mount a tmpfs (root): mount -t tmpfs -o size=2m"))
    func aFullDiskRefusesBroadcastsLosesNothingAndTheStoreWritesAgainOnceSpaceIsBack() throws {
        let refusal = Self.refusal
        try withSmallDisk { folder in
            let server = try ServerProcess(arguments: ["--store", folder + "/history.sqlite", "--rate", "0"])
            let (alice, _) = try join(server.port)
            try alice.enableIDsAndTime()
            let (bob, _) = try join(server.port)
            try bob.send("/caps ids")
            #expect(try bob.readLine() == "CAPS ids")
            let (carol, _) = try join(server.port)
            for client in [alice, bob, carol] { _ = try client.sync() }

            // Broadcast until the store cannot take one.
            let filler = try fill(folder, leaving: 256 * 1024)
            let (delivered, answer) = try broadcastUntilRefused(alice, "secret of the full disk")
            #expect(answer == refusal)
            #expect(!delivered.isEmpty, "the first broadcast was refused: leave more room")
            // The refused message reached nobody; the others got exactly what was delivered.
            #expect(try bob.sync() == delivered.map { "@id=\($0.id) MSG user1 \($0.text)" })
            #expect(try carol.sync() == delivered.map { "MSG user1 \($0.text)" })
            try alice.send("secret-again while full")
            #expect(try alice.readLine() == refusal)
            #expect(try bob.sync() == [])
            #expect(try carol.sync() == [])

            // Everything else goes on: direct messages, the list of users, renames, joins and leaves.
            try bob.send("/dm user1 psst")
            #expect(try bob.readLine() == "DM user2 user1 psst")
            let dm = try alice.readLine() ?? ""
            #expect(dm.hasPrefix("@time=") && dm.hasSuffix(" DM user2 user1 psst"), "\(dm)")
            try carol.send("/users")
            #expect(try carol.readLine() == "USERS user1 user2 user3")
            try bob.send("/nick bobby")
            #expect(try bob.readLine() == "NICK user2 bobby")
            #expect(try carol.readLine() == "NICK user2 bobby")
            let (dave, daveName) = try join(server.port)
            #expect(daveName == "user4")
            #expect(try bob.readLine() == "JOIN user4")
            try dave.send("/quit")
            #expect(try dave.readUntilClosed() == ["BYE goodbye"])
            #expect(try carol.readLines(2) == ["JOIN user4", "LEAVE user4 quit"])
            #expect(try bob.readLine() == "LEAVE user4 quit")
            let aliceSaw = try alice.sync().map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? $0 }
            #expect(aliceSaw == ["NICK user2 bobby", "JOIN user4", "LEAVE user4 quit"])
            // Nothing that was delivered is missing from the history, read while the disk is full.
            let (erin, _) = try join(server.port)
            #expect(try erin.wholeHistory() == delivered)
            for client in [alice, bob, carol] { _ = try client.sync() }

            // Space comes back: the next broadcast is stored and delivered, with no restart.
            #expect(unlink(filler) == 0)
            try alice.send("secret-back after the disk emptied")
            let back = try alice.readLine()
            let message = try #require(back.flatMap(SeenMessage.init(tagged:)), "\(String(describing: back))")
            // The two refused ids are never given again.
            #expect(message.id == (delivered.last?.id ?? 0) + 3)
            #expect(try bob.sync() == ["@id=\(message.id) MSG user1 secret-back after the disk emptied"])
            #expect(try erin.sync() == ["MSG user1 secret-back after the disk emptied"])
            let (frank, _) = try join(server.port)
            #expect(try frank.wholeHistory() == delivered + [message])

            server.signal(SIGTERM)
            #expect(server.waitForExit(timeout: .seconds(5)) == 0)
            let lines = server.log.split(separator: "\n")
            let failed = lines.filter {
                $0.hasSuffix("the message store cannot write; broadcasts are refused until it can")
            }
            let recovered = lines.filter { $0.hasSuffix("the message store writes again") }
            #expect(failed.count == 1 && recovered.count == 1, "\(server.log)")
            #expect(failed.allSatisfy { $0.contains("error=the message store cannot write: database or disk is full") })
            let log = server.log
            #expect(!log.contains("secret"), "the log holds message text: \(log)")
            #expect(!log.contains("Sanitizer"), "\(log)")
            #expect(!log.contains("psst"), "the log holds message text: \(log)")
        }
    }

    /// The lines of `log` that say the store cannot write (for broadcasts or for pruning), and those that say it
    /// writes again.
    private func storeStateLines(_ log: String) -> (failed: [Substring], recovered: [Substring]) {
        let lines = log.split(separator: "\n")
        return (
            lines.filter {
                $0.contains("the message store cannot write;") || $0.contains("pruning the message store failed")
            },
            lines.filter { $0.hasSuffix("the message store writes again") }
        )
    }

    /// Pruning is a write too: on a full disk it fails like a broadcast, and the log still says so only once;
    /// once space is back the pruner's next write succeeds, and the log says so, broadcast or not.
    @Test(.enabled(if: canMountTmpfs, "needs to mount a tmpfs (root): mount -t tmpfs -o size=2m"))
    func pruningOnAFullDiskIsLoggedOnceAndItsRecoveryToo() throws {
        try withSmallDisk { folder in
            // The pruner runs at start, then every 5 seconds.
            let server = try ServerProcess(arguments: [
                "--store", folder + "/history.sqlite", "--rate", "0", "--retain", "3",
            ])
            let (alice, _) = try join(server.port)
            try alice.enableIDsAndTime()
            #expect(try broadcastUntilRefused(alice, "kept", limit: 10).delivered.count == 10)
            let filler = try fill(folder, leaving: 0)
            let (delivered, answer) = try broadcastUntilRefused(alice, "refused")
            #expect(delivered.isEmpty)
            #expect(answer == Self.refusal)
            // Past the pruner's next turn (7 messages over --retain 3) with the disk still full: one line.
            let whileFull = poll(timeout: .seconds(7), every: .milliseconds(100)) {
                storeStateLines(server.log)
            } until: {
                $0.failed.count > 1
            }
            #expect(whileFull.failed.count == 1, "\(server.log)")
            #expect(whileFull.recovered.isEmpty, "\(server.log)")
            // Space comes back: the pruner's next turn writes, and the log says so without a broadcast.
            #expect(unlink(filler) == 0)
            let back = poll(timeout: .seconds(8), every: .milliseconds(100)) {
                storeStateLines(server.log)
            } until: {
                !$0.recovered.isEmpty
            }
            #expect(back.failed.count == 1 && back.recovered.count == 1, "\(server.log)")
            #expect(try broadcastUntilRefused(alice, "after", limit: 1).delivered.count == 1)
            let (bob, _) = try join(server.port)
            // The pruner kept the newest 3 of the 10; the next turn prunes to 3 again.
            #expect(try bob.wholeHistory().map(\.text) == ["kept-7", "kept-8", "kept-9", "after-0"])
            server.signal(SIGTERM)
            #expect(server.waitForExit(timeout: .seconds(5)) == 0)
            let final = storeStateLines(server.log)
            #expect(final.failed.count == 1 && final.recovered.count == 1, "\(server.log)")
        }
    }
}
