import Foundation
import Glibc

/// A process's entry in `/proc`, for what tests measure of a process: threads, descriptors, memory, CPU.
///
/// Each property reads the entry afresh; it is `nil` when the process is gone or the entry lacks the field.
public struct ProcessEntry: Sendable {
    /// The process read.
    public let pid: pid_t

    /// The entry of process `pid`.
    public init(pid: pid_t) {
        self.pid = pid
    }

    /// Its threads now (`/proc/PID/task`).
    public var threadCount: Int? { entries("task")?.count }

    /// Its open file descriptors now (`/proc/PID/fd`).
    public var descriptorCount: Int? { entries("fd")?.count }

    /// Its resident memory in KiB (`VmRSS` in `/proc/PID/status`).
    public var residentKiB: Int? {
        guard let line = lines("status")?.first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    /// The user plus system CPU time it has used, in clock ticks (`/proc/PID/stat`).
    public var cpuTicks: Int? {
        guard let stat = read("stat"), let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name (which may hold spaces and parentheses) comes the state, field 3;
        // utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// The user plus system CPU time it has used, in seconds.
    public var cpuSeconds: Double? {
        cpuTicks.map { Double($0) / Double(sysconf(Int32(_SC_CLK_TCK))) }
    }

    /// Its soft open-file limit (`Max open files` in `/proc/PID/limits`).
    public var openFileSoftLimit: Int? {
        guard let line = lines("limits")?.first(where: { $0.hasPrefix("Max open files") }) else { return nil }
        return line.split(separator: " ").dropFirst(3).first.flatMap { Int($0) }
    }

    /// Its direct children (`/proc/PID/task/PID/children`); empty when it has none or is gone.
    public var children: [pid_t] {
        (read("task/\(pid)/children") ?? "").split(separator: " ").compactMap { pid_t($0) }
    }

    private func read(_ file: String) -> String? {
        try? String(contentsOfFile: "/proc/\(pid)/\(file)", encoding: .utf8)
    }

    private func lines(_ file: String) -> [Substring]? {
        read(file)?.split(separator: "\n")
    }

    private func entries(_ folder: String) -> [String]? {
        try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/\(folder)")
    }
}
