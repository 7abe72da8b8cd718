import Histogram
import Testing

@testable import ChatBench

@Suite struct BenchReportTests {
    static let report = BenchReport(
        configuration: BenchConfiguration(
            host: "127.0.0.1", port: 7777, clients: 100, senders: 10, rate: 1_000, duration: 8, warmup: 2, size: 64),
        connect: .init(
            clients: 100, welcomed: 100, failed: 0, welcomeSeconds: 0.1204, seconds: 0.2139, joins: 4_950,
            joinsExpected: 4_950),
        load: .init(
            senders: 10, receivers: 100, windowSeconds: 8, sent: 10_000, sentInWindow: 8_000, skipped: 0,
            expected: 1_000_000, delivered: 999_990, deliveredInWindow: 799_990, lostClients: 0,
            latency: .init(count: 799_990, p50: 312, p90: 520, p99: 1_204, p999: 2_100, max: 45_020),
            sendLag: .init(count: 8_000, p50: 3, p90: 10, p99: 52, p999: 150, max: 310)),
        server: .init(
            pid: 4242, before: .init(cpuSeconds: 0.5, residentKiB: 2_048, threads: 2),
            connected: .init(cpuSeconds: 0.9, residentKiB: 4_298, threads: 102),
            underLoad: .init(cpuSeconds: 4.1, residentKiB: 4_400, threads: 102), windowCPUSeconds: 3.2,
            connections: 100),
        tester: .init(
            loops: 1, cpuSeconds: 1.1, windowSeconds: 8, busiestLoopShare: 0.138, machineCores: 2,
            machineBusyCores: 1.874))

    @Test func readsPercentilesFromTheHistogram() {
        var histogram = LoopResult.makeHistogram()
        for value in 1...1_000 as ClosedRange<UInt64> { histogram.record(value) }
        #expect(
            BenchReport.Latency(histogram) == .init(count: 1_000, p50: 500, p90: 900, p99: 990, p999: 999, max: 1_000))
        #expect(
            BenchReport.Latency(LoopResult.makeHistogram()) == .init(count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0))
    }

    @Test func mergesTheLoopsHistograms() {
        var first = LoopResult()
        var second = LoopResult()
        for value in 1...500 as ClosedRange<UInt64> { first.latency.record(value) }
        for value in 501...1_000 as ClosedRange<UInt64> { second.latency.record(value) }
        first.deliveredInWindow = 500
        second.deliveredInWindow = 500
        first.windowCPU = 3
        second.windowCPU = 7
        first.merge(second)
        #expect(first.deliveredInWindow == 1_000)
        #expect(first.windowCPU == 7)
        #expect(BenchReport.Latency(first.latency).p99 == 990)
    }

    @Test func derivesRatesLossAndServerCost() {
        let report = Self.report
        #expect(report.load?.achievedRate == 1_000)
        #expect(report.load?.deliveriesPerSecond == 99_998.75)
        #expect(report.load?.lost == 10)
        #expect(report.server?.residentKiBPerConnection == 22.5)
        #expect(report.connect.handshakesPerSecond == 100 / 0.1204)
        #expect(report.serverCPUMicrosecondsPerDelivery == 3.2e6 / 799_990)
        #expect(report.tester.saturated == false)
    }

    @Test func formatsTheTextReport() {
        #expect(
            Self.report.text == """
                run       127.0.0.1:7777, 100 clients, 10 senders, 1,000 msg/s, 64-byte messages, 2 s warm-up + 8 s measured
                connect   100 of 100 clients in 0.214 s (all welcomed in 0.120 s = 831 clients/s; 4,950 of 4,950 joins)
                send      1,000.0 msg/s achieved: 8,000 sent in the window, 10,000 in all; send lag p99 52 us, max 310 us
                deliver   99,999 deliveries/s; 999,990 of 1,000,000 expected received, 10 lost (0.001%)
                latency   p50 312 us  p90 520 us  p99 1.20 ms  p99.9 2.10 ms  max 45.0 ms
                server    pid 4242: 3.20 s CPU = 4.00 us/delivery; 102 threads connected, 102 under load; \
                RSS 2.0 MiB before, 4.2 MiB connected = 22.5 KiB/connection, 4.3 MiB under load
                tester    1 loop thread: 1.10 s CPU in the 8.00 s window, busiest loop 13.8% of a core; \
                machine 1.87 of 2 cores busy

                """)
    }

    @Test func warnsWhenTheBenchSaturates() {
        var report = Self.report
        report.tester.busiestLoopShare = 0.95
        report.server = nil
        #expect(report.tester.saturated)
        #expect(
            report.text.split(separator: "\n").suffix(2) == [
                "tester    1 loop thread: 1.10 s CPU in the 8.00 s window, busiest loop 95.0% of a core; "
                    + "machine 1.87 of 2 cores busy",
                "warning   a loop thread was busy 95% of the window: the bench may be the limit, not the server "
                    + "(try --threads 2)",
            ])
    }

    @Test func warnsWhenTheBenchWokeLate() {
        var report = Self.report
        report.load?.sendLag.p99 = 30_863
        report.server = nil
        #expect(report.load?.benchWokeLate == true)
        let warning =
            "warning   send lag p99 30.9 ms: the bench's loop waited that long for a CPU, and the latencies "
            + "include such waits (try `nice -n -10`)"
        #expect(report.text.split(separator: "\n").last.map(String.init) == warning)
    }

    @Test func formatsTheProbeReport() {
        var report = Self.report
        report.configuration.rate = 0
        report.load = nil
        report.server = nil
        report.connect.failed = 3
        report.connect.welcomed = 97
        report.connect.firstError = "Connection refused"
        report.probe = .init(
            receivers: 97, latency: .init(count: 97, p50: 6_200, p90: 9_000, p99: 12_100, p999: 12_300, max: 12_300))
        report.tester = .init(
            loops: 1, cpuSeconds: nil, windowSeconds: 0, busiestLoopShare: nil, machineCores: 2, machineBusyCores: nil)
        #expect(
            report.text == """
                run       127.0.0.1:7777, 100 clients, no load: one probe broadcast
                connect   97 of 100 clients in 0.214 s (all welcomed in 0.120 s = 806 clients/s; 4,950 of 4,950 joins); \
                3 failed \
                (first: Connection refused)
                probe     one broadcast reached 97 of 97 clients in 12.3 ms (p50 6.20 ms, p99 12.1 ms)
                tester    1 loop thread

                """)
    }

    @Test func formatsTheJSONReportWithChatloadsKeys() {
        #expect(
            Self.report.json == """
                {"tool":"chatroom-bench","host":"127.0.0.1","port":7777,"clients":100,"senders":10,"rate":1000,\
                "duration_s":8.000,"warmup_s":2.000,"size":64,"tls":false,"tls_verified":null,"bench_threads":1,\
                "ready":100,"failed":0,"connect_s":0.120,"connect_joins_s":0.214,"joins":4950,"joins_expected":4950,\
                "connect_timed_out":false,"handshakes_per_s":830.6,"tls_handshakes":null,"tls_version":null,"sent":10000,"sent_window":8000,"skipped":0,"achieved_rate":1000.0,\
                "receivers":100,"expected":1000000,"delivered":999990,"lost":10,"delivered_window":799990,\
                "deliveries_per_s":99999,"dropped_clients":0,"p50_us":312,"p90_us":520,"p99_us":1204,\
                "p999_us":2100,"max_us":45020,"send_lag_p99_us":52,"send_lag_max_us":310,"probe_reached":null,\
                "server_pid":4242,"server_cpu_s":3.20,"cpu_us_per_delivery":4.000,"threads":102,\
                "threads_load":102,"rss_base_kb":2048,"rss_idle_kb":4298,"rss_per_conn_kb":22.50,\
                "rss_load_kb":4400,"tester_cpu_s":1.100,"tester_loop_busy":0.138,"tester_saturated":false,\
                "machine_cores":2,"machine_busy_cores":1.87}
                """)
    }

    @Test func aTLSRunSaysSoAndCountsItsHandshakes() {
        var report = Self.report
        report.configuration.port = 7778
        report.configuration.tls = .verified(authorityFile: "ca.pem")
        report.connect.handshakes = 100
        report.connect.tlsVersion = "TLSv1.3"
        report.connect.welcomeSeconds = 0.25
        let lines = report.text.split(separator: "\n")
        #expect(
            lines[0] == "run       127.0.0.1:7778 over TLSv1.3 (certificate verified), 100 clients, 10 senders, "
                + "1,000 msg/s, 64-byte messages, 2 s warm-up + 8 s measured")
        #expect(
            lines[1] == "connect   100 of 100 clients in 0.214 s (100 TLS handshakes; all welcomed in 0.250 s = "
                + "400 clients/s; 4,950 of 4,950 joins)")
        #expect(lines[5].hasSuffix("4.2 MiB connected = 22.5 KiB/TLS connection, 4.3 MiB under load"))
        #expect(report.json.contains(#""size":64,"tls":true,"tls_verified":true,"bench_threads":1,"#))
        #expect(
            report.json.contains(
                #""connect_timed_out":false,"handshakes_per_s":400.0,"tls_handshakes":100,"tls_version":"TLSv1.3","#))
        report.configuration.tls = .insecure
        #expect(report.text.hasPrefix("run       127.0.0.1:7778 over TLSv1.3 (certificate not checked), "))
        #expect(report.json.contains(#""tls":true,"tls_verified":false,"#))
    }

    @Test func aRunWithNoTimeToConnectHasNoHandshakeRate() {
        var report = Self.report
        report.connect.welcomeSeconds = 0
        #expect(report.connect.handshakesPerSecond == nil)
        #expect(report.json.contains(#""handshakes_per_s":null,"#))
    }

    @Test func escapesStringsInJSON() {
        #expect(JSONObject.quoted("a\"b\\c\n\u{1}") == #""a\"b\\c\n\u0001""#)
    }
}
