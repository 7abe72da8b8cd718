// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "chatroom",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chatroom-server", targets: ["chatroom-server"]),
        .executable(name: "chatroom", targets: ["chatroom"]),
        .executable(name: "chatroom-bench", targets: ["chatroom-bench"]),
        .library(name: "ChatProtocol", targets: ["ChatProtocol"]),
        .library(name: "ChatServer", targets: ["ChatServer"]),
    ],
    dependencies: [
        // The command line of every executable.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Structured, levelled logging for the server.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Latency percentiles for chatroom-bench.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // The wire format shared by client and server: framing, commands, events, names.
        .target(name: "ChatProtocol"),
        // Linux calls Swift's Glibc module leaves out (eventfd, accept4).
        .target(name: "CSystemShims"),
        // Everything below the protocol that server, client and bench share: threads, clocks, the lock,
        // sockets (address lookup, set-up, non-blocking send and receive), wake-ups, errno errors, the
        // open-file limit.
        .target(name: "ChatSystem", dependencies: ["CSystemShims"]),
        // The threaded server as a library (also hosted in-process by the `chatroom` executable).
        .target(
            name: "ChatServer",
            dependencies: [
                "ChatProtocol",
                "ChatPassword",
                "ChatStore",
                "ChatSystem",
                "ChatTLS",
                "CSystemShims",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "chatroom-server",
            dependencies: [
                "ChatServer", "ChatPassword", "ChatStore", "ChatSystem", "ChatTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // ncursesw, wide-character build, with wrappers for the macros Swift cannot import.
        .systemLibrary(
            name: "CNcursesw",
            path: "Modules/CNcursesw",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"])]
        ),
        // SQLite's C API (Debian's libsqlite3-dev), with a wrapper for the macro Swift cannot import.
        .systemLibrary(
            name: "CSQLite",
            path: "Modules/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // The durable message store: the interface the server depends on, and its SQLite implementation.
        // Accounts, bans and mutes live in the same file, behind an interface of their own.
        .target(name: "ChatStore", dependencies: ["CSQLite", "ChatSystem"]),
        // libargon2 (Debian's libargon2-dev): the memory-hard password hash.
        .systemLibrary(
            name: "CArgon2",
            path: "Modules/CArgon2",
            providers: [.apt(["libargon2-dev"])]
        ),
        // Password hashes: Argon2id with a salt per account, its parameters kept with it, a bounded number
        // computed at once so that a storm of logins cannot take every core.
        .target(name: "ChatPassword", dependencies: ["CArgon2", "ChatSystem"]),
        // OpenSSL 3 (Debian's libssl-dev), with wrappers for the macros Swift cannot import.
        .systemLibrary(
            name: "COpenSSL",
            path: "Modules/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // TLS for server, client and bench: contexts, certificates and their fingerprints, and an engine that
        // works on memory (ciphertext in and out), so its owner alone decides who touches the socket. The only
        // target that touches OpenSSL.
        .target(name: "ChatTLS", dependencies: ["COpenSSL"]),
        // The client's connection and chat state; no terminal code, and no server: it meets one over a socket
        // (plain, or TLS through ChatTLS, with the certificates pinned on first use).
        .target(name: "ChatClient", dependencies: ["ChatProtocol", "ChatSystem", "ChatTLS"]),
        // The full-screen client: layout, widgets, keys, drawing. The only target that touches ncurses.
        .target(name: "ChatTUI", dependencies: ["ChatClient", "ChatSystem", "CNcursesw"]),
        .executableTarget(
            name: "chatroom",
            // No swift-argument-parser here: it loads Foundation, 2.5 MiB of the client's memory (ClientArguments).
            // ChatServer for the one-command start: with nothing answering, this process hosts the server.
            dependencies: [
                "ChatTUI", "ChatClient", "ChatServer", "ChatStore", "ChatSystem",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The load tester as a library: epoll event loops (TLS handshakes and records in them with --tls), the
        // open-loop timetable, statistics, reports.
        .target(
            name: "ChatBench",
            dependencies: [
                "ChatProtocol", "ChatSystem", "ChatTLS", "CSystemShims",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "chatroom-bench",
            dependencies: [
                "ChatBench", "ChatSystem", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What several test targets share: line clients, a scoped running server, free ports, built products,
        // child processes, /proc readings, certificates (COpenSSL) and the one failure type.
        .target(
            name: "ChatTestSupport",
            dependencies: [
                "ChatServer", "ChatProtocol", "ChatSystem", "ChatTLS", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/ChatTestSupport"
        ),
        .testTarget(name: "ChatSystemTests", dependencies: ["ChatSystem", "ChatTestSupport"]),
        .testTarget(name: "ChatProtocolTests", dependencies: ["ChatProtocol"]),
        .testTarget(name: "ChatTLSTests", dependencies: ["ChatTLS", "ChatTestSupport"]),
        .testTarget(
            name: "ChatClientTests",
            dependencies: ["ChatClient", "ChatProtocol", "ChatServer", "ChatSystem", "ChatTLS", "ChatTestSupport"]
        ),
        // ChatTLS: the certificates' dates, for the prompt's rows.
        .testTarget(
            name: "ChatTUITests",
            dependencies: ["ChatTUI", "ChatClient", "ChatProtocol", "ChatTLS", "ChatTestSupport", "CNcursesw"]
        ),
        // ChatStore: the transcripts' stores; CSQLite: stores made by a newer release, for the start-up checks;
        // ChatPassword: checking the hashes the `accounts` subcommands store.
        .testTarget(
            name: "ChatServerTests",
            dependencies: [
                "ChatServer", "ChatPassword", "ChatProtocol", "ChatStore", "ChatSystem", "CSQLite", "ChatTestSupport",
            ]
        ),
        // scripts/check_module_graph.py on the real tree and on copies with wrong arrows planted.
        .testTarget(name: "ModuleGraphTests", dependencies: ["ChatTestSupport"]),
        // ChatSystem: threads that crowd the hasher's gate.
        .testTarget(name: "ChatPasswordTests", dependencies: ["ChatPassword", "ChatSystem"]),
        // ChatPassword: real hashes, to look for the password in the store's file.
        .testTarget(name: "ChatStoreTests", dependencies: ["ChatStore", "ChatSystem", "CSQLite", "ChatPassword"]),
        .testTarget(name: "ChatBenchTests", dependencies: ["ChatBench", "ChatServer", "ChatTestSupport"]),
        // The chatroom executable as a user runs it: its command line, its line mode (plain and TLS), the rendezvous.
        // ChatTLS: the certificates' dates, for the refusals' words.
        .testTarget(
            name: "chatroomTests", dependencies: ["chatroom", "ChatClient", "ChatServer", "ChatTLS", "ChatTestSupport"]
        ),
    ]
)

for target in package.targets where target.type != .system && target.name != "CSystemShims" {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    target.swiftSettings = settings
}
