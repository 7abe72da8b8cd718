import Glibc

/// A reading of a process from `/proc`: CPU time used, resident memory, threads.
public struct ProcessSample: Sendable, Equatable {
    /// User plus system CPU time, in seconds (clock-tick resolution, usually 10 ms).
    public var cpuSeconds: Double
    /// Resident set size, in KiB.
    public var residentKiB: Int
    /// Threads in the process.
    public var threads: Int

    /// Creates a sample.
    public init(cpuSeconds: Double, residentKiB: Int, threads: Int) {
        self.cpuSeconds = cpuSeconds
        self.residentKiB = residentKiB
        self.threads = threads
    }

    /// Reads process `pid`.
    ///
    /// - Parameter pid: The process ID.
    /// - Returns: The sample, or `nil` if the process is gone or `/proc` is unreadable.
    public static func read(pid: Int32) -> ProcessSample? {
        guard let stat = readProcFile("/proc/\(pid)/stat"), let status = readProcFile("/proc/\(pid)/status"),
            let ticks = cpuTicks(stat: stat), let memory = memory(status: status)
        else { return nil }
        let ticksPerSecond = Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
        return ProcessSample(
            cpuSeconds: Double(ticks) / ticksPerSecond, residentKiB: memory.rss, threads: memory.threads)
    }

    /// The user plus system clock ticks in the text of `/proc/PID/stat` (fields 14 and 15).
    ///
    /// - Parameter stat: The file's text.
    /// - Returns: The ticks, or `nil` if the text is not of that form.
    public static func cpuTicks(stat: String) -> UInt64? {
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last `)`.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return user + system
    }

    /// The `VmRSS` (KiB) and `Threads` lines of `/proc/PID/status`.
    ///
    /// - Parameter status: The file's text.
    /// - Returns: Both values, or `nil` if either is missing.
    public static func memory(status: String) -> (rss: Int, threads: Int)? {
        var rss: Int?
        var threads: Int?
        for line in status.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") {
                rss = Int(line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
            } else if line.hasPrefix("Threads:") {
                threads = Int(line.dropFirst(8).trimmingPrefix(while: { $0 == " " || $0 == "\t" }))
            }
        }
        guard let rss, let threads else { return nil }
        return (rss, threads)
    }
}

/// How busy the whole machine is, from the first line of `/proc/stat`.
struct MachineSample: Sendable, Equatable {
    /// Clock ticks spent doing anything but idling, all CPUs together.
    var busyTicks: UInt64
    /// All clock ticks, all CPUs together.
    var totalTicks: UInt64

    /// Reads `/proc/stat`, or `nil` where it cannot be read.
    static func read() -> MachineSample? {
        readProcFile("/proc/stat").flatMap(parse)
    }

    /// Parses the `cpu ` line: user nice system idle iowait irq softirq steal.
    static func parse(_ text: String) -> MachineSample? {
        guard let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let values = line.split(separator: " ").dropFirst().prefix(8).compactMap { UInt64($0) }
        guard values.count >= 5 else { return nil }
        let total = values.reduce(0, +)
        let idle = values[3] + values[4]
        return MachineSample(busyTicks: total - idle, totalTicks: total)
    }
}

/// The text of a small file under `/proc` (their size reads as 0, so read to the end).
func readProcFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        bytes += chunk[0..<count]
    }
    return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
}
