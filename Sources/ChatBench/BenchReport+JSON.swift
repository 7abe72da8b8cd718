extension BenchReport {
    /// The report as one JSON object on one line, keys in a fixed order.
    ///
    /// Keys shared with chatload's `--json` have its names and units (`connect_s`, `achieved_rate`,
    /// `deliveries_per_s`, `p99_us`, `server_cpu_s`, `cpu_us_per_delivery`, ...), so scripts read both.
    /// A figure that does not apply to the run is `null`. The handshake rate and the memory per connection
    /// (`handshakes_per_s`, `rss_per_conn_kb`) are there for plain and TLS runs alike, to compare them.
    public var json: String {
        var object = JSONObject()
        let c = configuration
        object.add("tool", "chatroom-bench")
        object.add("host", c.host)
        object.add("port", c.port)
        object.add("clients", c.clients)
        object.add("senders", c.rate > 0 ? c.effectiveSenders : 0)
        object.add("rate", c.rate, digits: c.rate == c.rate.rounded() ? 0 : 3)
        object.add("duration_s", c.duration, digits: 3)
        object.add("warmup_s", c.warmup, digits: 3)
        object.add("size", c.size)
        object.add("tls", c.tls != nil)
        object.add("tls_verified", c.tls.map { $0 != .insecure })
        object.add("bench_threads", tester.loops)

        object.add("ready", connect.welcomed)
        object.add("failed", connect.failed)
        object.add("connect_s", connect.welcomeSeconds, digits: 3)
        object.add("connect_joins_s", connect.seconds, digits: 3)
        object.add("joins", connect.joins)
        object.add("joins_expected", connect.joinsExpected)
        object.add("connect_timed_out", connect.timedOut)
        object.add("handshakes_per_s", connect.handshakesPerSecond, digits: 1)
        object.add("tls_handshakes", connect.handshakes)
        object.add("tls_version", connect.tlsVersion)

        object.add("sent", load?.sent)
        object.add("sent_window", load?.sentInWindow)
        object.add("skipped", load?.skipped)
        object.add("achieved_rate", load?.achievedRate, digits: 1)
        object.add("receivers", load?.receivers ?? probe?.receivers)
        object.add("expected", load?.expected)
        object.add("delivered", load?.delivered)
        object.add("lost", load?.lost)
        object.add("delivered_window", load?.deliveredInWindow)
        object.add("deliveries_per_s", load?.deliveriesPerSecond, digits: 0)
        object.add("dropped_clients", load?.lostClients)
        let latency = load?.latency ?? probe?.latency
        object.add("p50_us", latency?.p50)
        object.add("p90_us", latency?.p90)
        object.add("p99_us", latency?.p99)
        object.add("p999_us", latency?.p999)
        object.add("max_us", latency?.max)
        object.add("send_lag_p99_us", load?.sendLag.p99)
        object.add("send_lag_max_us", load?.sendLag.max)
        object.add("probe_reached", probe.map { Int($0.latency.count) })

        object.add("server_pid", server.map { Int($0.pid) })
        object.add("server_cpu_s", server?.windowCPUSeconds, digits: 2)
        object.add("cpu_us_per_delivery", serverCPUMicrosecondsPerDelivery, digits: 3)
        object.add("threads", server?.connected.threads)
        object.add("threads_load", server?.underLoad?.threads)
        object.add("rss_base_kb", server?.before.residentKiB)
        object.add("rss_idle_kb", server?.connected.residentKiB)
        object.add("rss_per_conn_kb", server?.residentKiBPerConnection, digits: 2)
        object.add("rss_load_kb", server?.underLoad?.residentKiB)

        object.add("tester_cpu_s", tester.cpuSeconds, digits: 3)
        object.add("tester_loop_busy", tester.busiestLoopShare, digits: 3)
        object.add("tester_saturated", tester.saturated)
        object.add("machine_cores", tester.machineCores)
        object.add("machine_busy_cores", tester.machineBusyCores, digits: 2)
        return object.text
    }
}

/// A JSON object written key by key, in order.
struct JSONObject {
    private var members: [String] = []

    mutating func add(_ key: String, _ value: String?) {
        append(key, value.map(Self.quoted) ?? "null")
    }

    mutating func add(_ key: String, _ value: Int?) {
        append(key, value.map { String($0) } ?? "null")
    }

    mutating func add(_ key: String, _ value: UInt64?) {
        append(key, value.map { String($0) } ?? "null")
    }

    mutating func add(_ key: String, _ value: Bool?) {
        append(key, value.map { $0 ? "true" : "false" } ?? "null")
    }

    mutating func add(_ key: String, _ value: Double?, digits: Int) {
        guard let value, value.isFinite else { return append(key, "null") }
        append(key, NumberFormat.fixed(value, digits))
    }

    var text: String { "{" + members.joined(separator: ",") + "}" }

    private mutating func append(_ key: String, _ encoded: String) {
        members.append(Self.quoted(key) + ":" + encoded)
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
