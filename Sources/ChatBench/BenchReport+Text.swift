extension BenchReport {
    /// The report for people: one line a section, each led by its name.
    ///
    /// ```
    /// run       127.0.0.1:7777, 100 clients, 10 senders, 1,000 msg/s, 64-byte messages, 2 s warm-up + 8 s measured
    /// connect   100 of 100 clients in 0.214 s (all welcomed in 0.120 s = 831 clients/s; 4,950 of 4,950 joins)
    /// ...
    /// ```
    public var text: String {
        var lines = [runLine, connectLine]
        if let load { lines += loadLines(load) }
        if let probe { lines.append(probeLine(probe)) }
        if let server { lines.append(serverLine(server)) }
        lines.append(testerLine)
        if tester.saturated {
            lines.append(
                "warning   a loop thread was busy \(NumberFormat.percent(tester.busiestLoopShare ?? 0, digits: 0)) "
                    + "of the window: the bench may be the limit, not the server (try --threads 2)")
        }
        if let load, load.benchWokeLate {
            lines.append(
                "warning   send lag p99 \(NumberFormat.duration(microseconds: load.sendLag.p99)): the bench's loop waited "
                    + "that long for a CPU, and the latencies include such waits (try `nice -n -10`)")
        }
        return lines.map { $0 + "\n" }.joined()
    }

    private func label(_ name: String) -> String {
        name.padded(to: 10)
    }

    private var runLine: String {
        let c = configuration
        var parts = [
            "\(c.host):\(c.port)\(tlsWords)", "\(NumberFormat.grouped(c.clients)) clients",
        ]
        if c.rate > 0 {
            parts.append("\(NumberFormat.grouped(c.effectiveSenders)) senders")
            parts.append("\(NumberFormat.groupedFixed(c.rate, c.rate == c.rate.rounded() ? 0 : 1)) msg/s")
            parts.append("\(c.size)-byte messages")
            parts.append("\(seconds(c.warmup)) warm-up + \(seconds(c.duration)) measured")
        } else {
            parts.append("no load: one probe broadcast")
        }
        return label("run") + parts.joined(separator: ", ")
    }

    /// ` over TLSv1.3 (certificate verified)` after the address of a TLS run; nothing for a plain one.
    private var tlsWords: String {
        guard let tls = configuration.tls else { return "" }
        let checked = tls == .insecure ? "certificate not checked" : "certificate verified"
        return " over \(connect.tlsVersion ?? "TLS") (\(checked))"
    }

    private var connectLine: String {
        let c = connect
        var rate = ""
        if let perSecond = c.handshakesPerSecond { rate = " = \(NumberFormat.groupedFixed(perSecond, 0)) clients/s" }
        var handshakes = ""
        if let count = c.handshakes { handshakes = "\(NumberFormat.grouped(count)) TLS handshakes; " }
        var line =
            label("connect")
            + "\(NumberFormat.grouped(c.welcomed)) of \(NumberFormat.grouped(c.clients)) clients in "
            + "\(NumberFormat.fixed(c.seconds, 3)) s (\(handshakes)all welcomed in "
            + "\(NumberFormat.fixed(c.welcomeSeconds, 3)) s\(rate); "
            + "\(NumberFormat.grouped(c.joins)) of \(NumberFormat.grouped(c.joinsExpected)) joins)"
        if c.failed > 0 { line += "; \(NumberFormat.grouped(c.failed)) failed" }
        if let error = c.firstError { line += " (first: \(error))" }
        if c.timedOut { line += "; timed out" }
        return line
    }

    private func loadLines(_ load: Load) -> [String] {
        let lossShare = load.expected > 0 ? Double(load.lost) / Double(load.expected) : 0
        var send =
            label("send")
            + "\(NumberFormat.groupedFixed(load.achievedRate, 1)) msg/s achieved: "
            + "\(NumberFormat.grouped(load.sentInWindow)) sent in the window, \(NumberFormat.grouped(load.sent)) in all"
        if load.skipped > 0 { send += ", \(NumberFormat.grouped(load.skipped)) skipped" }
        send +=
            "; send lag p99 \(NumberFormat.duration(microseconds: load.sendLag.p99)), "
            + "max \(NumberFormat.duration(microseconds: load.sendLag.max))"
        var deliver =
            label("deliver")
            + "\(NumberFormat.groupedFixed(load.deliveriesPerSecond, 0)) deliveries/s; "
            + "\(NumberFormat.grouped(load.delivered)) of \(NumberFormat.grouped(load.expected)) expected received, "
            + "\(NumberFormat.grouped(load.lost)) lost (\(NumberFormat.percent(lossShare, digits: 3)))"
        if load.lostClients > 0 { deliver += "; \(NumberFormat.grouped(load.lostClients)) clients dropped" }
        return [send, deliver, label("latency") + percentiles(load.latency)]
    }

    private func probeLine(_ probe: Probe) -> String {
        label("probe")
            + "one broadcast reached \(NumberFormat.grouped(Int(probe.latency.count))) of "
            + "\(NumberFormat.grouped(probe.receivers)) clients in \(NumberFormat.duration(microseconds: probe.latency.max))"
            + " (p50 \(NumberFormat.duration(microseconds: probe.latency.p50)), "
            + "p99 \(NumberFormat.duration(microseconds: probe.latency.p99)))"
    }

    private func serverLine(_ server: Server) -> String {
        var parts: [String] = []
        if let cpu = server.windowCPUSeconds {
            var part = "\(NumberFormat.fixed(cpu, 2)) s CPU"
            if let perDelivery = serverCPUMicrosecondsPerDelivery {
                part += " = \(NumberFormat.fixed(perDelivery, 2)) us/delivery"
            }
            parts.append(part)
        }
        var threads = "\(NumberFormat.grouped(server.connected.threads)) threads connected"
        if let load = server.underLoad { threads += ", \(NumberFormat.grouped(load.threads)) under load" }
        parts.append(threads)
        var memory =
            "RSS \(NumberFormat.memory(kibibytes: Double(server.before.residentKiB))) before, "
            + "\(NumberFormat.memory(kibibytes: Double(server.connected.residentKiB))) connected = "
            + "\(NumberFormat.memory(kibibytes: server.residentKiBPerConnection))/"
            + (configuration.tls == nil ? "connection" : "TLS connection")
        if let load = server.underLoad {
            memory += ", \(NumberFormat.memory(kibibytes: Double(load.residentKiB))) under load"
        }
        parts.append(memory)
        return label("server") + "pid \(server.pid): " + parts.joined(separator: "; ")
    }

    private var testerLine: String {
        let t = tester
        var line = label("tester") + "\(t.loops) loop thread\(t.loops == 1 ? "" : "s")"
        if let cpu = t.cpuSeconds {
            line += ": \(NumberFormat.fixed(cpu, 2)) s CPU in the \(NumberFormat.fixed(t.windowSeconds, 2)) s window"
        }
        if let share = t.busiestLoopShare {
            line += ", busiest loop \(NumberFormat.percent(share)) of a core"
        }
        if let busy = t.machineBusyCores {
            line += "; machine \(NumberFormat.fixed(busy, 2)) of \(t.machineCores) cores busy"
        }
        return line
    }

    private func percentiles(_ latency: Latency) -> String {
        [
            ("p50", latency.p50), ("p90", latency.p90), ("p99", latency.p99), ("p99.9", latency.p999),
            ("max", latency.max),
        ]
        .map { "\($0.0) \(NumberFormat.duration(microseconds: $0.1))" }
        .joined(separator: "  ")
    }

    private func seconds(_ value: Double) -> String {
        (value == value.rounded() ? NumberFormat.fixed(value, 0) : NumberFormat.fixed(value, 1)) + " s"
    }
}

extension String {
    /// The string with spaces after it up to `length` characters (unchanged if already that long).
    fileprivate func padded(to length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}
