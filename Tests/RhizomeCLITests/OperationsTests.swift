import Foundation
import Testing
import RhizomeTestSupport

/// Running a node under a service manager: signals during start-up, systemd notify and
/// `-notifyfd`, `-user`, a rootless node on a pre-created TUN, and honest logs. The namespace
/// tests need root and iproute2; they use only the namespaces, files and processes they create.
@Suite(.live, .serialized, .timeLimit(.minutes(6)))
struct OperationsTests {
    let rhizome = Subprocess.rhizome

    /// A fresh 0.5 config with `changes` applied, written into `directory`.
    static func writeConfig(_ directory: String, _ name: String, _ changes: [String: Any]) throws -> String {
        let generated = try Subprocess.run(Subprocess.rhizome, ["-genconf", "-json"])
        var config = try #require(try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any])
        config["Listen"] = [String]()
        config["Peers"] = [String]()
        config["MulticastInterfaces"] = [Any]()
        config["AdminListen"] = "none"
        config["IfName"] = "none"
        for (k, v) in changes { config[k] = v }
        let path = directory + "/\(name).json"
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func address(_ config: String) throws -> String {
        try Subprocess.run(Subprocess.rhizome, ["-useconffile", config, "-address"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func waitExit(_ p: Process, timeout: TimeInterval = 10) -> Bool {
        NetworkLab.waitUntil(timeout: timeout, interval: 0.02) { !p.isRunning }
    }

    static func interfaceExists(_ lab: NetworkLab, _ host: NetworkLab.Host, _ name: String) -> Bool {
        (try? lab.run(host, "ip", ["link", "show", "dev", name], timeout: 5))?.status == 0
    }

    static func hasAddress(_ lab: NetworkLab, _ host: NetworkLab.Host, _ name: String, _ address: String) -> Bool {
        let out = (try? lab.run(host, "ip", ["-6", "addr", "show", "dev", name], timeout: 5))?.stdout ?? ""
        return out.contains("inet6 \(address)/7")
    }

    /// The `CapEff` line of /proc/PID/status, and its `Uid` line.
    static func capabilities(_ pid: Int32) -> (capEff: String?, uid: String?) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String? {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        return (field("CapEff"), field("Uid"))
    }

    // MARK: descriptors

    /// The node raises its soft open-file limit to the hard one (a public peer's 4096 links need
    /// more than the usual 1024), and warns when the hard limit is below what its caps need.
    @Test(.enabled(if: NetworkLab.canRun || NetworkLab.required, "needs root and iproute2"),
          arguments: [(hard: 8192, enough: true), (hard: 2048, enough: false)])
    func softOpenFileLimitIsRaisedToTheHardOne(hard: Int, enough: Bool) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let host = try lab.addHost()
        let config = try Self.writeConfig(lab.directory, "node", [:])
        let prlimit = try #require(Subprocess.which("prlimit"), "util-linux prlimit")
        let p = try lab.start(host, prlimit, ["--nofile=256:\(hard)", rhizome, "-useconffile", config, "-loglevel", "debug"], name: "node")
        defer { if p.isRunning { kill(p.processIdentifier, SIGTERM); _ = Self.waitExit(p) } }
        let line = enough ? "Open-file limit raised from 256 to \(hard)" : "Open-file limit is \(hard)"
        #expect(NetworkLab.waitUntil(timeout: 10, interval: 0.05) { lab.logText("node").contains(line) }, "\(lab.logText("node"))")
        // The limits of the process itself (prlimit and `ip netns exec` exec, so its pid is the node's).
        let limits = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/limits", encoding: .utf8)) ?? ""
        let row = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }.map { $0.split(separator: " ").map(String.init) } ?? []
        #expect(row.count >= 5 && row[3] == "\(hard)" && row[4] == "\(hard)", "\(row)")
    }

    // MARK: signals

    /// SIGTERM at a random moment of start-up (20–300 ms after exec), 20 times: exit 0 every
    /// time, and the TUN and the admin socket are gone afterwards.
    @Test(.enabled(if: NetworkLab.canRun || NetworkLab.required, "needs root and iproute2"))
    func sigtermAtAnyMomentOfStartUpExitsCleanly() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let host = try lab.addHost()
        let socket = lab.directory + "/admin.sock"
        let config = try Self.writeConfig(lab.directory, "node", [
            "IfName": "rzsig0", "AdminListen": "unix://\(socket)",
            "Listen": ["tcp://[::1]:0"], "Peers": ["tcp://[::1]:9"],
        ])
        var delays: [Int] = []
        for run in 0..<20 {
            let delay = Int.random(in: 20...300)
            delays.append(delay)
            let p = try lab.start(host, rhizome, ["-useconffile", config, "-loglevel", "debug"], name: "run\(run)")
            Thread.sleep(forTimeInterval: Double(delay) / 1000)
            kill(p.processIdentifier, SIGTERM)
            #expect(Self.waitExit(p), "run \(run): still running \(delay) ms after start + 10 s")
            if p.isRunning { kill(p.processIdentifier, SIGKILL); continue }
            #expect(p.terminationReason == .exit && p.terminationStatus == 0,
                    "run \(run), SIGTERM after \(delay) ms: reason \(p.terminationReason.rawValue) status \(p.terminationStatus)\n\(lab.logText("run\(run)"))")
            #expect(!FileManager.default.fileExists(atPath: socket), "run \(run): admin socket left behind")
            #expect(!Self.interfaceExists(lab, host, "rzsig0"), "run \(run): TUN left behind")
        }
        // How many signals came while the node was still starting (the daemon logs it).
        let early = (0..<20).filter { lab.logText("run\($0)").contains("during start-up") }
        print("SIGTERM delays (ms): \(delays); signals that came during start-up: \(early.count) of 20")
    }

    // MARK: systemd notify

    /// A datagram socket the test owns, standing in for systemd's NOTIFY_SOCKET.
    final class NotifySocket {
        let path: String
        let fd: Int32

        init(path: String) throws {
            self.path = path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { buf in
                for (i, b) in path.utf8.enumerated() { buf[i] = b }
            }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard rc == 0 else { throw NetworkLab.LabError(message: "bind \(path): \(errno)") }
            var tv = timeval(tv_sec: 0, tv_usec: 50_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd); unlink(path) }

        /// The next message within `timeout`, or nil.
        func receive(timeout: TimeInterval) -> String? {
            let deadline = Date().addingTimeInterval(timeout)
            var buf = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline {
                let n = recv(fd, &buf, buf.count, 0)
                if n > 0 { return String(decoding: buf[..<n], as: UTF8.self) }
            }
            return nil
        }

        /// Messages until one satisfies `stop` (included) or `timeout` passes.
        func receive(until stop: (String) -> Bool, timeout: TimeInterval) -> [String] {
            var out: [String] = []
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline, let m = receive(timeout: deadline.timeIntervalSinceNow) {
                out.append(m)
                if stop(m) { break }
            }
            return out
        }
    }

    /// READY=1 only once the TUN has its address; WATCHDOG=1 every WATCHDOG_USEC/2;
    /// RELOADING=1 (with MONOTONIC_USEC) then READY=1 around a SIGHUP; STOPPING=1 on SIGTERM.
    @Test(.enabled(if: NetworkLab.canRun || NetworkLab.required, "needs root and iproute2"))
    func systemdNotifyMessages() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let host = try lab.addHost()
        let socket = lab.directory + "/admin.sock"
        let config = try Self.writeConfig(lab.directory, "node", [
            "IfName": "rznfy0", "AdminListen": "unix://\(socket)", "Listen": ["tcp://[::1]:0"],
        ])
        let address = try Self.address(config)
        let notify = try NotifySocket(path: lab.directory + "/notify.sock")
        let p = try lab.start(host, "/usr/bin/env", ["NOTIFY_SOCKET=\(notify.path)", "WATCHDOG_USEC=400000",
                                                     rhizome, "-useconffile", config], name: "node")
        let first = notify.receive(until: { $0 == "READY=1" }, timeout: 15)
        #expect(first.last == "READY=1", "no READY=1: \(first)\n\(lab.logText("node"))")
        // Checked the moment READY=1 arrives: everything it promises is already there.
        #expect(Self.hasAddress(lab, host, "rznfy0", address), "READY=1 before the TUN had \(address)")
        #expect(FileManager.default.fileExists(atPath: socket), "READY=1 before the admin socket")
        #expect(lab.logText("node").contains("TCP listener started"), "READY=1 before the listener")
        #expect(!first.dropLast().contains("READY=1"))

        // Watchdog: 400 ms timeout → a ping every 200 ms, ~10 in 2 s.
        let start = Date()
        var pings = 0
        while Date().timeIntervalSince(start) < 2.0 {
            if notify.receive(timeout: 2.0 - Date().timeIntervalSince(start)) == "WATCHDOG=1" { pings += 1 }
        }
        #expect((7...13).contains(pings), "\(pings) watchdog pings in 2 s, expected ~10")

        kill(p.processIdentifier, SIGHUP)
        let reload = notify.receive(until: { $0 == "READY=1" }, timeout: 5).filter { $0 != "WATCHDOG=1" }
        #expect(reload.count == 2, "\(reload)")
        if reload.count == 2 {
            let lines = reload[0].split(separator: "\n")
            #expect(lines.first == "RELOADING=1")
            let usec = lines.first { $0.hasPrefix("MONOTONIC_USEC=") }.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) }
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            let now = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
            #expect(usec.map { $0 <= now && now - $0 < 5_000_000 } == true, "MONOTONIC_USEC \(String(describing: usec)) against now \(now)")
            #expect(reload[1] == "READY=1")
        }

        kill(p.processIdentifier, SIGTERM)
        let last = notify.receive(until: { $0 == "STOPPING=1" }, timeout: 5)
        #expect(last.last == "STOPPING=1", "\(last)")
        #expect(Self.waitExit(p))
        #expect(p.terminationReason == .exit && p.terminationStatus == 0)
        // Nothing after STOPPING=1 (the watchdog stops first).
        #expect(notify.receive(timeout: 0.5) == nil)
    }

    /// `-notifyfd 1` (stdout a pipe, logs to a file): one newline once the TUN has its address,
    /// then the descriptor is closed (end of file while the node runs on).
    @Test(.enabled(if: NetworkLab.canRun || NetworkLab.required, "needs root and iproute2"))
    func notifyFDGetsOneNewlineThenCloses() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let host = try lab.addHost()
        let config = try Self.writeConfig(lab.directory, "node", ["IfName": "rznfd0"])
        let address = try Self.address(config)
        let logFile = lab.directory + "/node-file.log"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", host.namespace, rhizome, "-useconffile", config, "-logto", logFile, "-notifyfd", "1"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); _ = Self.waitExit(p, timeout: 2) } }
        try pipe.fileHandleForWriting.close()
        let reader = pipe.fileHandleForReading
        let first = reader.readData(ofLength: 1)
        #expect(first == Data([0x0a]), "first byte: \(Array(first))")
        #expect(Self.hasAddress(lab, host, "rznfd0", address), "ready before the TUN had its address")
        let rest = reader.readDataToEndOfFile()
        #expect(rest.isEmpty, "more than one newline: \(Array(rest))")
        #expect(p.isRunning, "the node should run on after closing the descriptor")
        kill(p.processIdentifier, SIGTERM)
        #expect(Self.waitExit(p))
        #expect(p.terminationReason == .exit && p.terminationStatus == 0)
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        #expect(log.contains("Your IPv6 address is \(address)"))
    }

    // MARK: -user and rootless

    /// Two nodes joined by a veth; b runs `-user nobody`: traffic flows both ways and b has no
    /// effective capability left, and its admin socket belongs to nobody.
    @Test(.enabled(if: NetworkLab.canRun || NetworkLab.required, "needs root and iproute2"))
    func userNobodyDropsEveryCapability() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let ha = try lab.addHost(), hb = try lab.addHost()
        let (aAddr, _) = try lab.connect(ha, hb)
        let a = try MeshNode(lab: lab, host: ha, .rhizome, name: "a", generation: .v05, listen: ["tcp://[\(aAddr)]:12400"], tun: true)
        let b = try MeshNode(lab: lab, host: hb, .rhizome, name: "b", generation: .v05, peers: ["tcp://[\(aAddr)]:12400"], tun: true)
        try a.start()
        #expect(a.waitReady())
        let pb = try lab.start(hb, rhizome, ["-useconffile", b.configPath, "-user", "nobody"], name: "b")
        #expect(NetworkLab.waitUntil(timeout: 15) { b.log.contains("Your IPv6 address") }, "\(b.log)")
        #expect(b.log.contains("Running as uid 65534"), "\(b.log)")
        #expect(a.canPing(b.address), "a → b\n\(a.log)\n\(b.log)")
        #expect(b.canPing(a.address), "b → a\n\(a.log)\n\(b.log)")
        let caps = Self.capabilities(pb.processIdentifier)
        #expect(caps.capEff == "0000000000000000", "CapEff \(String(describing: caps.capEff))")
        #expect(caps.uid?.split(separator: "\t").allSatisfy { $0 == "65534" } == true, "Uid \(String(describing: caps.uid))")
        // A link made after the drop: a restarts and b, now nobody, dials it again (a dialer that
        // set a privileged socket option would fail here).
        a.stop()
        try a.start()
        #expect(a.waitReady())
        #expect(b.canPing(a.address, timeout: 30), "b → a after a restart\n\(a.log)\n\(b.log)")
        let owner = try FileManager.default.attributesOfItem(atPath: b.adminSocket)[.ownerAccountID] as? Int
        #expect(owner == 65534, "admin socket owner \(String(describing: owner))")
        kill(pb.processIdentifier, SIGTERM)
        #expect(Self.waitExit(pb))
        #expect(pb.terminationReason == .exit && pb.terminationStatus == 0, "\(b.log)")
    }

    /// An unknown user stops start-up before anything opens: exit 1, the name in the message.
    @Test func unknownUserIsAStartError() throws {
        let dir = NSTemporaryDirectory() + "rhizome-ops-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let socket = dir + "/admin.sock"
        let config = try Self.writeConfig(dir, "node", ["AdminListen": "unix://\(socket)"])
        for (spec, needle) in [("no-such-user-rz", "unknown user \"no-such-user-rz\""), ("nobody:no-such-group-rz", "unknown group"),
                               ("nobody:", "group after ':' is empty"), (":nogroup", "user is empty")] {
            let r = try Subprocess.run(rhizome, ["-useconffile", config, "-user", spec], timeout: 10)
            #expect(r.status == 1, "\(spec): \(r.status)")
            #expect(r.stderr.contains(needle), "\(spec): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: socket))
        }
    }

    /// A start that fails after the admin socket exists (here `-user` from a user that may not
    /// change groups) closes what it opened: exit 1, the reason named, the socket file gone.
    @Test(.enabled(if: getuid() == 0, "needs root to start the node as nobody"))
    func failedPrivilegeDropCleansUp() throws {
        let dir = NSTemporaryDirectory() + "rhizome-ops-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let socket = dir + "/admin.sock"
        let config = try Self.writeConfig(dir, "node", ["AdminListen": "unix://\(socket)", "Listen": ["tcp://[::1]:0"]])
        let r = try Subprocess.run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                                        rhizome, "-useconffile", config, "-user", "nobody"], timeout: 15)
        #expect(r.status == 1, "\(r.status)\n\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("setgroups"), "\(r.stderr)")
        #expect(r.stdout.contains("UNIX admin socket listening"), "the socket should have been opened first: \(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: socket), "admin socket left behind")
    }

    /// Root creates a TUN for nobody with the commands `-mktun nobody` prints; b, started as
    /// nobody with no capability at all, attaches to it and pings its peer.
    @Test(.enabled(if: NetworkLab.canRun || NetworkLab.required, "needs root and iproute2"))
    func rootlessNodeOnAPreCreatedTUN() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let ha = try lab.addHost(), hb = try lab.addHost()
        let (aAddr, _) = try lab.connect(ha, hb)
        let a = try MeshNode(lab: lab, host: ha, .rhizome, name: "a", generation: .v05, listen: ["tcp://[\(aAddr)]:12401"], tun: true)
        // b's admin socket lives in a directory nobody may write.
        let run = lab.directory + "/run-b"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        let config = try Self.writeConfig(lab.directory, "b", [
            "IfName": "rzroot0", "Peers": ["tcp://[\(aAddr)]:12401"], "AdminListen": "unix://\(run)/b.sock",
        ])
        let bAddress = try Self.address(config)
        let commands = try Subprocess.run(rhizome, ["-useconffile", config, "-mktun", "nobody"])
        #expect(commands.status == 0, "\(commands.stderr)")
        let lines = commands.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "ip tuntap add mode tun user nobody name rzroot0")
        #expect(lines.contains("ip -6 addr add \(bAddress)/7 dev rzroot0"))
        for line in lines {
            let words = line.split(separator: " ").map(String.init)
            try #require(words.first == "ip")
            let r = try lab.run(hb, "ip", Array(words.dropFirst()))
            try #require(r.status == 0, "\(line): \(r.stderr)")
        }
        try a.start()
        #expect(a.waitReady())
        let unprivileged = ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all",
                            rhizome, "-useconffile", config]
        // Debian's /dev/net/tun is 0666; a container's may be 0600. Then the node gets a 0666 node
        // of the same device in a private mount namespace, leaving the host's alone.
        let mode = (try FileManager.default.attributesOfItem(atPath: "/dev/net/tun")[.posixPermissions] as? Int) ?? 0
        let pb: Process
        if mode & 0o006 == 0o006 {
            pb = try lab.start(hb, unprivileged[0], Array(unprivileged.dropFirst()), name: "b")
        } else {
            let script = "set -e; mount -t tmpfs -o mode=0755 tmpfs /dev/net; mknod -m 0666 /dev/net/tun c 10 200; exec \"$@\""
            pb = try lab.start(hb, "/usr/bin/unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh"] + unprivileged, name: "b")
        }
        #expect(NetworkLab.waitUntil(timeout: 15) { lab.logText("b").contains("Your IPv6 address") }, "\(lab.logText("b"))")
        let caps = Self.capabilities(pb.processIdentifier)
        #expect(caps.capEff == "0000000000000000", "CapEff \(String(describing: caps.capEff))")
        #expect(caps.uid?.split(separator: "\t").allSatisfy { $0 == "65534" } == true, "Uid \(String(describing: caps.uid))")
        #expect(a.canPing(bAddress), "a → b\n\(a.log)\n\(lab.logText("b"))")
        let ping = try lab.run(hb, "ping", ["-6", "-c", "3", "-i", "0.2", "-W", "2", a.address], timeout: 15)
        #expect(ping.status == 0, "b → a: \(ping.stdout)\n\(lab.logText("b"))")
        kill(pb.processIdentifier, SIGTERM)
        #expect(Self.waitExit(pb))
        #expect(pb.terminationReason == .exit && pb.terminationStatus == 0, "\(lab.logText("b"))")
        // Root's interface outlives the node.
        #expect(Self.interfaceExists(lab, hb, "rzroot0"))
    }

    /// `-mktun` needs a fixed IfName.
    @Test func mktunNeedsAFixedInterfaceName() throws {
        let dir = NSTemporaryDirectory() + "rhizome-ops-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try Self.writeConfig(dir, "node", ["IfName": "auto"])
        let r = try Subprocess.run(rhizome, ["-useconffile", config, "-mktun", "nobody"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("IfName"), "\(r.stderr)")
    }

    // MARK: logs

    /// A log file that cannot be opened is an error naming the path, not a fallback to stdout.
    @Test func unopenableLogFileIsAStartError() throws {
        let dir = NSTemporaryDirectory() + "rhizome-ops-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try Self.writeConfig(dir, "node", [:])
        let path = dir + "/no-such-dir/rhizome.log"
        let r = try Subprocess.run(rhizome, ["-useconffile", config, "-logto", path], timeout: 10)
        #expect(r.status == 1)
        #expect(r.stderr.contains(path), "\(r.stderr)")
        #expect(!r.stdout.contains("Your IPv6 address"), "the node ran anyway: \(r.stdout)")
    }

    /// logrotate: the file is renamed, SIGHUP, and new lines go to a new file at the path.
    @Test func logFileReopensOnSIGHUP() throws {
        let dir = NSTemporaryDirectory() + "rhizome-ops-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try Self.writeConfig(dir, "node", [:])
        let path = dir + "/rhizome.log", rotated = dir + "/rhizome.log.1"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: rhizome)
        p.arguments = ["-useconffile", config, "-logto", path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); _ = Self.waitExit(p, timeout: 2) } }
        func text(_ f: String) -> String { (try? String(contentsOfFile: f, encoding: .utf8)) ?? "" }
        #expect(NetworkLab.waitUntil(timeout: 10, interval: 0.05) { text(path).contains("Your IPv6 address") })
        try FileManager.default.moveItem(atPath: path, toPath: rotated)
        kill(p.processIdentifier, SIGHUP)
        #expect(NetworkLab.waitUntil(timeout: 10, interval: 0.05) { text(path).contains("SIGHUP received") }, "new file: \(text(path))")
        kill(p.processIdentifier, SIGTERM)
        #expect(Self.waitExit(p))
        #expect(p.terminationStatus == 0)
        #expect(text(path).contains("Stopping"))
        #expect(!text(rotated).contains("SIGHUP received") && !text(rotated).contains("Stopping"), "rotated: \(text(rotated))")
    }

    /// `-logto syslog` with each level at its own priority: the daemon runs in a private mount
    /// namespace whose /dev/log is the test's datagram socket, and the `<PRI>` of each line is
    /// checked (facility daemon = 3, so info is <30>, debug <31>, warning <28>, error <27>).
    @Test(.enabled(if: getuid() == 0, "needs root for a private mount namespace"))
    func syslogPrioritiesFollowLevels() throws {
        let dir = NSTemporaryDirectory() + "rhizome-ops-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try NotifySocket(path: dir + "/log.sock")
        // An unknown field gives a warning; a listener on an address the host lacks, an error.
        let config = try Self.writeConfig(dir, "node", ["SomeFutureOption": 1, "Listen": ["tcp://[fd00:dead:beef::1]:1"]])
        // /dev gets a tmpfs of its own holding only what the node uses, and /dev/log is our socket.
        let script = """
        set -e
        mkdir -p \(dir)/olddev
        mount --rbind /dev \(dir)/olddev
        mount -t tmpfs tmpfs /dev
        for f in null zero random urandom; do touch /dev/$f; mount --bind \(dir)/olddev/$f /dev/$f; done
        touch /dev/log
        mount --bind \(log.path) /dev/log
        exec "$@"
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["-m", "--propagation", "private", "sh", "-c", script, "sh", rhizome, "-useconffile", config,
                       "-logto", "syslog", "-loglevel", "debug"]
        let err = Pipe()
        p.standardOutput = err
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); _ = Self.waitExit(p, timeout: 2) } }
        let lines = log.receive(until: { $0.contains("Your IPv6 subnet") }, timeout: 15)
        kill(p.processIdentifier, SIGTERM)
        #expect(Self.waitExit(p))
        func priority(of needle: String) -> String? {
            lines.first { $0.contains(needle) }.flatMap { $0.split(separator: ">").first.map { String($0) + ">" } }
        }
        #expect(priority(of: "Your IPv6 address") == "<30>", "info: \(lines)")
        #expect(priority(of: "Not starting TUN") == "<31>", "debug: \(lines)")
        #expect(priority(of: "SomeFutureOption") == "<28>", "warning: \(lines)")
        #expect(priority(of: "Failed to start listener") == "<27>", "error: \(lines)")
        #expect(lines.allSatisfy { $0.contains("rhizome[") }, "tag and pid: \(lines.prefix(2))")
    }
}
