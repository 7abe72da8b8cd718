import ChatBench
import ChatServer
import ChatTestSupport
import Glibc
import Testing

/// Whole runs against an in-process server, one at a time (each drives a few dozen sockets).
@Suite(.serialized) struct EndToEndTests {
    private func serverConfiguration() -> ChatServer.Configuration {
        .init(host: "127.0.0.1", port: 0, rate: 0)
    }

    @Test func twentyClientsFourSendersAtTwoHundredASecondLoseNothing() async throws {
        try await withRunningServer(serverConfiguration()) { _, port in
            let report = try BenchRunner(
                configuration: .init(
                    port: port, clients: 20, senders: 4, rate: 200, duration: 1, warmup: 0, size: 64, drain: 5)
            ).run()
            #expect(report.connect.welcomed == 20)
            #expect(report.connect.failed == 0)
            #expect(report.connect.joins == 190)
            #expect(report.connect.joinsExpected == 190)
            #expect(report.connect.timedOut == false)
            let load = try #require(report.load)
            #expect(load.senders == 4)
            #expect(load.receivers == 20)
            #expect(load.sent == 200)
            #expect(load.sentInWindow == 200)
            #expect(load.skipped == 0)
            #expect(load.expected == 4_000)
            #expect(load.delivered == 4_000)
            #expect(load.deliveredInWindow == 4_000)
            #expect(load.lost == 0)
            #expect(load.lostClients == 0)
            #expect(load.latency.count == 4_000)
            #expect(load.sendLag.count == 200)
            #expect(load.achievedRate == 200)
            #expect(load.deliveriesPerSecond == 4_000)
        }
    }

    @Test func twoLoopThreadsShareTheClientsAndTheRate() async throws {
        try await withRunningServer(serverConfiguration()) { _, port in
            let report = try BenchRunner(
                configuration: .init(
                    port: port, clients: 20, senders: 4, rate: 200, duration: 1, warmup: 0, drain: 5, threads: 2)
            ).run()
            let load = try #require(report.load)
            #expect(report.connect.joins == 190)
            #expect(load.sent == 200)
            #expect(load.sentInWindow == 200)
            #expect(load.expected == 4_000)
            #expect(load.delivered == 4_000)
            #expect(load.deliveredInWindow == 4_000)
            #expect(load.latency.count == 4_000)
            #expect(report.tester.loops == 2)
        }
    }

    @Test func withoutLoadOneProbeReachesEveryClientAndTheServerIsRead() async throws {
        try await withRunningServer(serverConfiguration()) { _, port in
            // The server runs in this process, so its /proc entry is this process's.
            let report = try BenchRunner(
                configuration: .init(port: port, clients: 20, rate: 0, serverPID: getpid())
            ).run()
            #expect(report.load == nil)
            let probe = try #require(report.probe)
            #expect(probe.receivers == 20)
            #expect(probe.latency.count == 20)
            let server = try #require(report.server)
            #expect(server.pid == getpid())
            #expect(server.connections == 20)
            #expect(server.connected.threads > 20)
            #expect(server.underLoad == nil)
            #expect(server.windowCPUSeconds == nil)
        }
    }

    @Test func aPortNobodyListensOnFailsEveryClient() throws {
        try withSilentPort(listening: false) { port in
            #expect(throws: BenchError.noClientConnected(failed: 3)) {
                try BenchRunner(configuration: .init(port: port, clients: 3, rate: 0)).run()
            }
        }
    }

    @Test func clientsNeverWelcomedAreClosedAtTheConnectTimeout() throws {
        // The kernel completes the connections into the backlog, but nobody ever says WELCOME.
        try withSilentPort(listening: true) { port in
            #expect(throws: BenchError.noClientConnected(failed: 3)) {
                try BenchRunner(configuration: .init(port: port, clients: 3, rate: 0, connectTimeout: 0.2)).run()
            }
        }
    }

    @Test(arguments: [
        (BenchConfiguration(clients: 0), "--clients must be at least 1"),
        (BenchConfiguration(rate: -1), "--rate must be 0 or more"),
        (BenchConfiguration(size: 5_000), "--size must be between 1 and 4092"),
        (BenchConfiguration(senders: 0, rate: 10), "--senders must be at least 1 when --rate is above 0"),
        (BenchConfiguration(threads: 0), "--threads must be between 1 and 64"),
        (BenchConfiguration(tls: .verified(authorityFile: "")), "--tls-ca must name a file"),
    ])
    func refusesBadOptions(configuration: BenchConfiguration, message: String) {
        #expect(throws: BenchError.invalidConfiguration(message)) { try configuration.validate() }
    }
}
