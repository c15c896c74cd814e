import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Tells a service manager how the node is doing: systemd's notify protocol (datagrams to
/// `NOTIFY_SOCKET`: `READY=1`, `RELOADING=1`, `STOPPING=1`, `WATCHDOG=1`) and the s6-style
/// readiness descriptor of `-notifyfd N` (one newline once ready, then the descriptor is closed,
/// as yggdrasil 0.5.14 does). With neither configured every call does nothing.
public final class ServiceNotifier: @unchecked Sendable {
    /// The `sockaddr_un` of `NOTIFY_SOCKET` and its length, nil when unset or unusable.
    private let address: (sockaddr_un, socklen_t)?
    private let socketFD: Int32
    private let lock = NSLockLike()
    private var readinessFD: Int32?
    /// Half of `WATCHDOG_USEC`, the interval systemd recommends for pings.
    public let watchdogInterval: TimeAmount?
    private var watchdogTask: RepeatedTask?

    /// Nothing to notify.
    public static let disabled = ServiceNotifier(notifySocket: nil, watchdogUSec: nil, watchdogPID: nil, readinessFD: nil)

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from the environment.
    public static func fromEnvironment(readinessFD: Int32?) -> ServiceNotifier {
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        return ServiceNotifier(notifySocket: env("NOTIFY_SOCKET"), watchdogUSec: env("WATCHDOG_USEC"),
                               watchdogPID: env("WATCHDOG_PID"), readinessFD: readinessFD)
    }

    /// - Parameters:
    ///   - notifySocket: a path, or `@name` for an abstract socket; anything else is ignored.
    ///   - watchdogUSec: the watchdog timeout in microseconds; ignored when `watchdogPID` names
    ///     another process (the variables were meant for a parent).
    public init(notifySocket: String?, watchdogUSec: String?, watchdogPID: String?, readinessFD: Int32?) {
        address = notifySocket.flatMap(Self.socketAddress)
        socketFD = address == nil ? -1 : socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.readinessFD = readinessFD
        let forUs = watchdogPID.map { Int32($0) == getpid() } ?? true
        if address != nil, forUs, let usec = watchdogUSec.flatMap(Int64.init), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    deinit {
        if socketFD >= 0 { close(socketFD) }
    }

    /// `/path` or `@abstract` as a socket address; nil for any other form (vsock is not spoken).
    static func socketAddress(_ text: String) -> (sockaddr_un, socklen_t)? {
        var bytes = Array(text.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return nil }
        let abstract = first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        // A path needs room for its terminating zero; an abstract name has none.
        guard bytes.count + (abstract ? 0 : 1) <= MemoryLayout.size(ofValue: addr.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in bytes.enumerated() { buf[i] = b }
        }
        let base = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        return (addr, socklen_t(base + bytes.count + (abstract ? 0 : 1)))
    }

    /// Whether a notify socket is configured.
    public var isActive: Bool { address != nil }

    /// Sends one state message (newline-separated `KEY=VALUE` lines); false if it was not sent.
    @discardableResult
    public func send(_ state: String) -> Bool {
        guard var (addr, length) = address, socketFD >= 0 else { return false }
        let bytes = Array(state.utf8)
        let sent = withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bytes.withUnsafeBytes { sendto(socketFD, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, length) }
            }
        }
        return sent == bytes.count
    }

    /// The node is up (or back up after a reload). The readiness descriptor gets its newline
    /// the first time only and is then closed.
    public func ready() {
        send("READY=1")
        let fd: Int32? = lock.withLock {
            defer { readinessFD = nil }
            return readinessFD
        }
        if let fd {
            var newline: UInt8 = 0x0a
            _ = write(fd, &newline, 1)
            close(fd)
        }
    }

    /// A reload begins; systemd wants the monotonic time with it to tell reloads apart.
    public func reloading() {
        send("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
    }

    /// The node is on its way out.
    public func stopping() {
        stopWatchdog()
        send("STOPPING=1")
    }

    /// Pings the watchdog from a timer on `eventLoop`, so a loop that hangs stops the pings and
    /// systemd restarts the node.
    public func startWatchdog(on eventLoop: EventLoop) {
        guard let interval = watchdogInterval else { return }
        let task = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { [weak self] _ in
            self?.send("WATCHDOG=1")
        }
        lock.withLock { watchdogTask = task }
    }

    func stopWatchdog() {
        let task: RepeatedTask? = lock.withLock {
            defer { watchdogTask = nil }
            return watchdogTask
        }
        task?.cancel()
    }

    static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }
}
