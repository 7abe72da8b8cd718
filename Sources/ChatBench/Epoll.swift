import ChatSystem
import CSystemShims
import Glibc

/// An epoll instance, level-triggered, reporting a 64-bit token per descriptor.
///
/// Owned by one event loop thread; not `Sendable`.
struct Epoll: ~Copyable {
    /// The events a descriptor is watched for.
    struct Interest: OptionSet {
        let rawValue: UInt32
        static let readable = Interest(rawValue: CSystemShims_EPOLLIN)
        static let writable = Interest(rawValue: CSystemShims_EPOLLOUT)
    }

    /// What happened to one descriptor.
    struct Ready {
        /// The token the descriptor was registered with.
        var token: UInt64
        /// The raw event bits.
        var events: UInt32
        var isReadable: Bool { events & CSystemShims_EPOLLIN != 0 }
        var isWritable: Bool { events & CSystemShims_EPOLLOUT != 0 }
        var isFailed: Bool { events & (CSystemShims_EPOLLERR | CSystemShims_EPOLLHUP) != 0 }
    }

    private let fd: Int32
    private let reports: UnsafeMutablePointer<CSystemShims_epoll_ready>
    private let capacity: Int

    /// Creates an epoll instance.
    ///
    /// - Parameter capacity: The most reports one ``wait(timeout:_:)`` hands out.
    /// - Throws: ``BenchError/system(_:)`` if the kernel refuses.
    init(capacity: Int = 1024) throws(BenchError) {
        fd = CSystemShims_epoll_create()
        guard fd >= 0 else { throw .system(SystemError("epoll_create1")) }
        self.capacity = min(capacity, 1024)
        reports = .allocate(capacity: self.capacity)
    }

    deinit {
        close(fd)
        reports.deallocate()
    }

    /// Watches `descriptor`.
    ///
    /// - Returns: Whether the kernel took it.
    func add(_ descriptor: Int32, interest: Interest, token: UInt64) -> Bool {
        CSystemShims_epoll_add(fd, descriptor, interest.rawValue, token) == 0
    }

    /// Changes what `descriptor` is watched for.
    func modify(_ descriptor: Int32, interest: Interest, token: UInt64) {
        _ = CSystemShims_epoll_modify(fd, descriptor, interest.rawValue, token)
    }

    /// Waits up to `timeout` nanoseconds for events; read them with ``report(_:)``.
    ///
    /// - Parameter timeout: The longest wait in nanoseconds; negative waits without limit.
    /// - Returns: The number of reports (0 on timeout or `EINTR`); valid until the next wait.
    func wait(timeout: Int64) -> Int {
        max(Int(CSystemShims_epoll_wait(fd, reports, Int32(capacity), timeout)), 0)
    }

    /// The report at `index`, below what the last ``wait(timeout:)`` returned.
    @inline(__always)
    func report(_ index: Int) -> Ready {
        Ready(token: reports[index].token, events: reports[index].events)
    }
}
