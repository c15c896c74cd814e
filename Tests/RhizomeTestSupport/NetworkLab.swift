import Foundation

/// A throw-away network of Linux network namespaces joined by veth pairs, for interop tests.
/// Names are unique per process and lab, addresses are ULAs inside the namespaces only, and
/// `shutdown()` kills exactly the processes it started (by PID) and deletes what it created.
public final class NetworkLab: @unchecked Sendable {
    public struct Host: Sendable {
        public let namespace: String
        public let index: Int
    }

    public static let canRun: Bool = getuid() == 0 && (FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip"))
    public static let required = ProcessInfo.processInfo.environment["CI"] == "true"
    nonisolated(unsafe) static var counter = 0
    static let lock = NSLock()

    public let id: String
    public private(set) var hosts: [Host] = []
    private var processes: [Process] = []
    private var logs: [String] = []
    private var linkCount = 0
    private var vethPairs: [(String, String, String, String)] = []
    public let directory: String

    public init() throws {
        Self.lock.lock()
        Self.counter += 1
        let n = Self.counter
        Self.lock.unlock()
        id = "rz\(getpid() % 100000)x\(n)"
        directory = NSTemporaryDirectory() + "rhizome-lab-\(id)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { shutdown() }

    @discardableResult
    public func addHost() throws -> Host {
        let h = Host(namespace: "\(id)h\(hosts.count)", index: hosts.count)
        // Listed before it is made: an `ip netns add` that times out may still finish, and
        // `shutdown` must delete what it made.
        hosts.append(h)
        try Self.ip(["netns", "add", h.namespace])
        try Self.ip(["-n", h.namespace, "link", "set", "lo", "up"])
        // Keep IPv6 addresses when a link goes down, so a cut link can be restored.
        for scope in ["all", "default"] {
            _ = try Subprocess.run(Self.ipPath, ["netns", "exec", h.namespace, "sysctl", "-q", "-w", "net.ipv6.conf.\(scope).keep_addr_on_down=1"])
        }
        return h
    }

    /// Joins two hosts with a veth pair on subnet fd7a:<lab>:<link>::/64; returns their addresses.
    @discardableResult
    public func connect(_ a: Host, _ b: Host) throws -> (String, String) {
        try connect(a, b, addresses: true)
    }

    /// Joins two hosts with a veth pair that carries only the kernel's link-local addresses
    /// (for multicast discovery); returns the interface names on a and on b.
    @discardableResult
    public func connectLinkLocal(_ a: Host, _ b: Host) throws -> (String, String) {
        try connect(a, b, addresses: false)
        return (vethPairs[linkCount - 1].1, vethPairs[linkCount - 1].3)
    }

    @discardableResult
    private func connect(_ a: Host, _ b: Host, addresses: Bool) throws -> (String, String) {
        linkCount += 1
        let l = linkCount
        let ifA = "\(id)a\(l)".suffix(15), ifB = "\(id)b\(l)".suffix(15)
        try Self.ip(["link", "add", String(ifA), "netns", a.namespace, "type", "veth", "peer", "name", String(ifB), "netns", b.namespace])
        let prefix = "fd7a:\(String(getpid() % 0xffff, radix: 16)):\(l)::"
        let addrA = addresses ? prefix + "1" : "", addrB = addresses ? prefix + "2" : ""
        if addresses {
            try Self.ip(["-n", a.namespace, "addr", "add", addrA + "/64", "dev", String(ifA), "nodad"])
            try Self.ip(["-n", b.namespace, "addr", "add", addrB + "/64", "dev", String(ifB), "nodad"])
        }
        try Self.ip(["-n", a.namespace, "link", "set", String(ifA), "up"])
        try Self.ip(["-n", b.namespace, "link", "set", String(ifB), "up"])
        vethPairs.append((a.namespace, String(ifA), b.namespace, String(ifB)))
        return (addrA, addrB)
    }

    /// The interface name of link `link` (1-based) on side 0 (first host given to `connect`) or 1.
    public func interfaceName(link: Int, side: Int) throws -> String {
        guard link >= 1 && link <= vethPairs.count else { throw LabError(message: "no link \(link)") }
        return side == 0 ? vethPairs[link - 1].1 : vethPairs[link - 1].3
    }

    /// Takes link `l` (1-based, in creation order) down or up, both ends.
    public func setLink(_ l: Int, up: Bool) throws {
        let link = vethPairs[l - 1]
        try Self.ip(["-n", link.0, "link", "set", link.1, up ? "up" : "down"])
        try Self.ip(["-n", link.2, "link", "set", link.3, up ? "up" : "down"])
    }

    /// Starts a program inside a host's namespace; output goes to a log file in the lab directory.
    @discardableResult
    public func start(_ host: Host, _ program: String, _ args: [String], name: String) throws -> Process {
        let log = directory + "/\(name).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)!
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.ipPath)
        p.arguments = ["netns", "exec", host.namespace, program] + args
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        processes.append(p)
        logs.append(log)
        return p
    }

    /// Runs a command inside a host's namespace to completion (bounded in time).
    @discardableResult
    public func run(_ host: Host, _ program: String, _ args: [String], timeout: TimeInterval = 30) throws -> RunResult {
        try Subprocess.run(Self.ipPath, ["netns", "exec", host.namespace, program] + args, timeout: timeout)
    }

    public func stop(_ p: Process) {
        guard p.isRunning else { return }
        kill(p.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        // Bounded: a process Foundation never saw exit (a zombie it did not reap) must not hang
        // the test.
        let killed = Date().addingTimeInterval(2)
        while p.isRunning && Date() < killed { usleep(20_000) }
    }

    public func logText(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/\(name).log", encoding: .utf8)) ?? ""
    }

    public func shutdown() {
        for p in processes { stop(p) }
        processes.removeAll()
        for h in hosts { try? Self.ip(["netns", "del", h.namespace]) }
        hosts.removeAll()
        if ProcessInfo.processInfo.environment["RHIZOME_KEEP_LAB"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static let ipPath = FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip"

    static func ip(_ args: [String]) throws {
        let r = try Subprocess.run(ipPath, args, timeout: 10)
        guard r.status == 0 else { throw LabError(message: "ip \(args.joined(separator: " ")): \(r.stderr)") }
    }

    public struct LabError: Error, CustomStringConvertible {
        public var message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    /// Polls `condition` until it holds or `timeout` passes.
    public static func waitUntil(timeout: TimeInterval, interval: TimeInterval = 0.25, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: interval)
        }
        return try condition()
    }
}
