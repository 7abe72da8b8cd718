import ChatTestSupport
import Foundation
import Glibc
import Synchronization

/// A TCP relay on 127.0.0.1 between one client and a server, which a test can cut: the client's
/// connection drops and further attempts are refused, as if the server had gone, while the server and
/// everyone else on it carry on. ``resume()`` takes connections again, on the same port.
///
/// One thread relays, with short polls, and alone touches the sockets; the test only asks it to cut,
/// resume or stop.
final class CuttableProxy: Sendable {
    private enum Request: Sendable { case cut, resume, stop }

    /// The last request and how many were made and carried out.
    private struct Requests: Sendable {
        var last: Request = .resume
        var made = 0
        var done = 0
    }

    /// The port clients connect to.
    let port: Int
    private let upstreamPort: Int
    private let requests = Mutex(Requests())
    private let ended = Atomic<Bool>(false)

    /// Starts relaying `port` → `upstreamPort`.
    init(to upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let listener = try Self.listen(port: 0)
        port = listener.port
        let thread = Thread { [self] in relay(listener: listener.fd) }
        thread.start()
    }

    /// Drops the client's connection and refuses new ones; returns once done.
    func cut() throws { try ask(.cut) }

    /// Accepts connections again.
    func resume() throws { try ask(.resume) }

    /// Ends the relay.
    func stop() {
        try? ask(.stop)
    }

    private func ask(_ wanted: Request) throws {
        let number = requests.withLock {
            $0.last = wanted
            $0.made += 1
            return $0.made
        }
        guard
            eventually(
                timeout: .seconds(5),
                {
                    requests.withLock { $0.done >= number } || ended.load(ordering: .acquiring)
                })
        else { throw TestFailure("the proxy did not \(wanted)") }
    }

    private func relay(listener initial: Int32) {
        var listener: Int32? = initial
        var client: Int32?
        var upstream: Int32?
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        func closePair() {
            if let client { close(client) }
            if let upstream { close(upstream) }
            client = nil
            upstream = nil
        }
        defer {
            closePair()
            if let listener { close(listener) }
            ended.store(true, ordering: .releasing)
        }
        var carriedOut = 0
        while true {
            let (wanted, number) = requests.withLock { ($0.last, $0.made) }
            if number != carriedOut {
                switch wanted {
                case .stop: return
                case .cut:
                    closePair()
                    if let listener { close(listener) }
                    listener = nil
                case .resume:
                    if listener == nil { listener = try? Self.listen(port: port).fd }
                }
                carriedOut = number
                requests.withLock { $0.done = number }
            }
            var fds: [pollfd] = []
            if let listener { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
            if let client, let upstream {
                fds.append(pollfd(fd: client, events: Int16(POLLIN), revents: 0))
                fds.append(pollfd(fd: upstream, events: Int16(POLLIN), revents: 0))
            }
            guard poll(&fds, nfds_t(fds.count), 10) > 0 else { continue }
            for entry in fds where entry.revents != 0 {
                if entry.fd == listener {
                    let accepted = accept(entry.fd, nil, nil)
                    guard accepted >= 0 else { continue }
                    closePair()
                    guard let connected = try? LineClient(port: upstreamPort) else {
                        close(accepted)
                        continue
                    }
                    // The relay owns the descriptor from now on: keep it from the client's deinit.
                    upstream = dup(connected.fd)
                    client = accepted
                } else if let from = entry.fd == client ? client : upstream,
                    let to = entry.fd == client ? upstream : client
                {
                    let count = read(from, &buffer, buffer.count)
                    if count <= 0 || !Self.writeAll(to, buffer[..<count]) { closePair() }
                }
            }
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    private static func listen(port: Int) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound, Glibc.listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw TestFailure("the proxy could not listen on 127.0.0.1:\(port): errno \(code)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
