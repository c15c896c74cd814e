import Foundation
import Testing
import RhizomeTestSupport

/// Protocol 0.5 scenarios, written once and run with any mix of implementations: the
/// `V05LabControlTests` run them with yggdrasil 0.5.12 on every node (they prove the lab and the
/// checks), the other `V05…InteropTests` put rhizome speaking 0.5 in the same places.
/// Every scenario makes its own lab (unique namespaces), bounds every wait, and shuts it down.
enum V05 {
    typealias Impl = MeshNode.Implementation

    static var runnable: Bool { (NetworkLab.canRun && Yggdrasil05.installed) || NetworkLab.required }

    enum Transport: String, CaseIterable, Sendable { case tcp, tls, unix, socks, sockstls }

    /// Multicast `Password`s of the two nodes: none, the same one, different ones.
    enum MulticastPasswords: String, CaseIterable, Sendable {
        case none, same, different
        var pair: (String?, String?) {
            switch self {
            case .none: return (nil, nil)
            case .same: return ("mcpw", "mcpw")
            case .different: return ("mcpw", "other")
            }
        }
    }

    /// A 0.5 node with a TUN interface.
    static func node(_ lab: NetworkLab, _ host: NetworkLab.Host, _ impl: Impl, _ name: String,
                     listen: [String] = [], peers: [String] = [], multicast: Bool = false,
                     multicastPassword: String? = nil) throws -> MeshNode {
        try MeshNode(lab: lab, host: host, impl, name: name, generation: .v05, listen: listen, peers: peers,
                     tun: true, multicast: multicast, multicastPassword: multicastPassword)
    }

    /// Starts nodes in order, each ready (admin socket, address, listeners) before the next.
    static func start(_ nodes: MeshNode...) throws { try start(nodes) }
    static func start(_ nodes: [MeshNode]) throws {
        for n in nodes {
            try n.start()
            #expect(n.waitReady(), "\(n.name) (\(n.implementation)) did not come up: \(n.log)")
        }
    }

    /// A node of `listener` listening on `transport` and a node of `dialer` dialling it (for
    /// socks:// through a SOCKS5 proxy in the dialler's namespace, to the listener's tcp://).
    /// `password` goes on both URIs as `?password=` (one each: listener's, dialler's).
    static func pair(_ lab: NetworkLab, listener: Impl, dialer: Impl, transport: Transport = .tcp,
                     passwords: (String, String)? = nil) throws -> (listener: MeshNode, dialer: MeshNode) {
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let query = { (pw: String?) in pw.map { "?password=\($0)" } ?? "" }
        let (lq, dq) = (query(passwords?.0), query(passwords?.1))
        let listenURI: String, dialURI: String
        switch transport {
        case .tcp: (listenURI, dialURI) = ("tcp://[\(a1)]:12345", "tcp://[\(a1)]:12345")
        case .tls: (listenURI, dialURI) = ("tls://[\(a1)]:12443", "tls://[\(a1)]:12443")
        case .unix: (listenURI, dialURI) = ("unix://\(lab.directory)/peer.sock", "unix://\(lab.directory)/peer.sock")
        case .socks, .sockstls:
            let script = lab.directory + "/socks.py"
            try SOCKSInteropTests.proxy.write(toFile: script, atomically: true, encoding: .utf8)
            try lab.start(h2, "/usr/bin/python3", [script, "1080", "none"], name: "socks")
            #expect(NetworkLab.waitUntil(timeout: 5) { lab.logText("socks").contains("listening") }, "SOCKS proxy")
            (listenURI, dialURI) = transport == .socks
                ? ("tcp://[\(a1)]:12345", "socks://127.0.0.1:1080/[\(a1)]:12345")
                // TLS to the target inside the proxy's tunnel.
                : ("tls://[\(a1)]:12443", "sockstls://127.0.0.1:1080/[\(a1)]:12443")
        }
        let l = try node(lab, h1, listener, "listener", listen: [listenURI + lq])
        let d = try node(lab, h2, dialer, "dialer", peers: [dialURI + dq])
        try start(l, d)
        return (l, d)
    }

    /// Both nodes list each other's key as a live link (read through 0.5.12's yggdrasilctl).
    static func linked(_ a: MeshNode, _ b: MeshNode, timeout: TimeInterval = 15) -> Bool {
        NetworkLab.waitUntil(timeout: timeout, interval: 0.3) {
            a.linkedKeys() == [b.publicKey] && b.linkedKeys() == [a.publicKey]
        }
    }

    /// Ping both ways, then a short iperf3 both ways (forward from each side).
    static func expectTraffic(_ a: MeshNode, _ b: MeshNode, seconds: Int = 2, _ what: String) {
        #expect(a.canPing(b.address), "\(what): \(a.name) → \(b.name)\n\(a.log)\n\(b.log)")
        #expect(b.canPing(a.address), "\(what): \(b.name) → \(a.name)")
        let forward = a.iperf(to: b, address: b.address, seconds: seconds)
        let backward = b.iperf(to: a, address: a.address, seconds: seconds)
        #expect((forward ?? 0) > 1, "\(what): iperf3 \(a.name) → \(b.name)")
        #expect((backward ?? 0) > 1, "\(what): iperf3 \(b.name) → \(a.name)")
        print("\(what): iperf3 \(a.name)→\(b.name) \(Int(forward ?? 0)) Mbit/s, \(b.name)→\(a.name) \(Int(backward ?? 0)) Mbit/s")
    }

    /// yggdrasil's getPeers shows `key` as a live link; when it dialled, over `scheme`.
    static func expectListed(on ygg: MeshNode, key: String, dialledWith scheme: String?) {
        let entry = ygg.peerEntries().first { $0["key"] as? String == key }
        #expect(entry?["up"] as? Bool == true, "\(ygg.name)'s getPeers lists \(key): \(ygg.peerEntries())")
        if let scheme {
            #expect((entry?["remote"] as? String)?.hasPrefix(scheme + "://") == true, "remote \(entry?["remote"] ?? "none")")
        }
    }

    // MARK: - Scenarios

    /// Linked over `transport`, traffic both ways, and every yggdrasil node lists its peer.
    static func transportScenario(listener: Impl, dialer: Impl, transport: Transport) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (l, d) = try pair(lab, listener: listener, dialer: dialer, transport: transport)
        #expect(linked(l, d), "\(transport): no link\n\(l.log)\n\(d.log)")
        if l.implementation == .yggdrasil { expectListed(on: l, key: d.publicKey, dialledWith: nil) }
        if d.implementation == .yggdrasil { expectListed(on: d, key: l.publicKey, dialledWith: transport.rawValue) }
        expectTraffic(d, l, "\(transport) \(dialer) dials \(listener)")
    }

    /// True when a line mentions a password other than as the `password=` URI option.
    static func mentionsPassword(_ log: String) -> Bool {
        log.lowercased().split(separator: "\n").contains {
            $0.replacingOccurrences(of: "password=", with: "").contains("password")
        }
    }

    /// Link passwords: equal ones link and carry traffic; different ones never link, while both
    /// daemons keep running and both logs say it was the password.
    static func passwordScenario(listener: Impl, dialer: Impl, same: Bool) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (l, d) = try pair(lab, listener: listener, dialer: dialer, passwords: ("sekrit", same ? "sekrit" : "other"))
        if same {
            #expect(linked(l, d), "same password: no link\n\(l.log)\n\(d.log)")
            #expect(d.canPing(l.address) && l.canPing(d.address))
            return
        }
        Thread.sleep(forTimeInterval: 8)   // dial, refuse, retry after 2 s and 4 s
        #expect(l.isRunning && d.isRunning, "both daemons alive")
        #expect((try? l.ctl(["getSelf"])) != nil && (try? d.ctl(["getSelf"])) != nil, "both admin sockets answer")
        #expect(l.answersWithNoLinks() && d.answersWithNoLinks(), "different passwords must not link")
        #expect(NetworkLab.waitUntil(timeout: 5) { mentionsPassword(l.log) && mentionsPassword(d.log) },
                "both logs name the password:\n\(l.log)\n\(d.log)")
        let ping = try lab.run(d.host, "ping", ["-6", "-c", "2", "-W", "1", l.address], timeout: 10)
        #expect(ping.status != 0, "no traffic without a link")
    }

    /// A line of nodes, link i joining node i and i+1: node i listens, node i+1 dials.
    static func line(_ lab: NetworkLab, _ impls: [Impl]) throws -> [MeshNode] {
        let hosts = try impls.map { _ in try lab.addHost() }
        var left: [String] = []
        for i in 0..<(impls.count - 1) { left.append(try lab.connect(hosts[i], hosts[i + 1]).0) }
        var nodes: [MeshNode] = []
        for (i, impl) in impls.enumerated() {
            nodes.append(try node(lab, hosts[i], impl, "n\(i)",
                                  listen: i < left.count ? ["tcp://[\(left[i])]:12345"] : [],
                                  peers: i > 0 ? ["tcp://[\(left[i - 1])]:12345"] : []))
        }
        try start(nodes)
        return nodes
    }

    /// The two ends of a line of three reach each other through the middle: ping and iperf3.
    static func lineOfThreeScenario(_ impls: [Impl]) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let nodes = try line(lab, impls)
        expectTraffic(nodes[0], nodes[2], "line \(impls.map(\.rawValue).joined(separator: "–"))")
    }

    /// Five nodes alternating implementations; the middle link is cut (traffic stops) and
    /// restored (traffic resumes within 30 s) with no restarts.
    static func cutLineScenario(_ impls: [Impl]) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let nodes = try line(lab, impls)
        let (first, last) = (nodes[0], nodes[4])
        #expect(first.canPing(last.address, timeout: 30), "across the line\n\(nodes.map(\.log).joined(separator: "\n"))")
        #expect(last.canPing(first.address))
        let pids = nodes.map { $0.process?.processIdentifier }
        try lab.setLink(2, up: false)
        Thread.sleep(forTimeInterval: 8)
        let during = try lab.run(first.host, "ping", ["-6", "-c", "3", "-W", "1", last.address], timeout: 10)
        #expect(during.status != 0, "traffic should not cross a cut link: \(during.stdout)")
        try lab.setLink(2, up: true)
        let restored = Date()
        #expect(first.canPing(last.address, timeout: 30), "traffic resumes within 30 s of the restore")
        #expect(last.canPing(first.address, timeout: max(1, 30 - Date().timeIntervalSince(restored))))
        print("line \(impls.map(\.rawValue).joined(separator: "–")): traffic back \(String(format: "%.1f", Date().timeIntervalSince(restored))) s after the restore")
        for (n, pid) in zip(nodes, pids) {
            #expect(n.isRunning && n.process?.processIdentifier == pid, "\(n.name) kept running, not restarted")
        }
    }

    /// Multicast on a veth with link-local addresses only. Equal (or no) passwords: the two find
    /// each other and ping within 20 s. Different passwords: no link in 15 s.
    static func multicastScenario(_ first: Impl, _ second: Impl, passwords: (String?, String?)) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        try lab.connectLinkLocal(h1, h2)
        let a = try node(lab, h1, first, "first", multicast: true, multicastPassword: passwords.0)
        let b = try node(lab, h2, second, "second", multicast: true, multicastPassword: passwords.1)
        let started = Date()
        try start(a, b)
        if passwords.0 == passwords.1 {
            #expect(linked(a, b, timeout: 20), "\(first) and \(second) should find each other:\n\(a.log)\n\(b.log)")
            let left = max(1, 20 - Date().timeIntervalSince(started))
            #expect(a.canPing(b.address, timeout: left) && b.canPing(a.address, timeout: 5), "ping within 20 s")
            let remote = a.peerEntries().compactMap { $0["remote"] as? String }
            #expect(remote.contains { $0.hasPrefix("tls://[fe80:") }, "a multicast link is tls:// to a link-local address: \(remote)")
            print("multicast \(first)/\(second): pinging \(String(format: "%.1f", Date().timeIntervalSince(started))) s after start")
        } else {
            Thread.sleep(forTimeInterval: 15)
            #expect(a.isRunning && b.isRunning, "both daemons alive")
            #expect((try? a.ctl(["getSelf"])) != nil && (try? b.ctl(["getSelf"])) != nil, "both admin sockets answer")
            #expect(a.answersWithNoLinks() && b.answersWithNoLinks(), "different passwords: no link in 15 s")
            // The beacons were there: each side at least runs its multicast listener.
            let ifaces = (try? a.ctl(["getMulticastInterfaces"]))?["multicast_interfaces"] as? [Any]
            #expect(ifaces?.count == 1, "multicast is on: \(String(describing: ifaces))")
        }
    }

    /// A host on `router`'s routed /64, behind a veth, is reachable from `far` and reaches it.
    static func routedSubnetScenario(router: Impl, far: Impl) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (r, f) = try pair(lab, listener: router, dialer: far)
        let host = try lab.addHost()
        try lab.connect(r.host, host)
        let prefix = String(r.subnet.dropLast("::/64".count))
        #expect(!prefix.isEmpty, "subnet of \(r.name)")
        let routerSide = prefix + "::1", hostSide = prefix + "::2"
        let vethRouter = try lab.interfaceName(link: 2, side: 0), vethHost = try lab.interfaceName(link: 2, side: 1)
        try lab.run(r.host, "ip", ["-6", "addr", "add", routerSide + "/64", "dev", vethRouter, "nodad"])
        try lab.run(host, "ip", ["-6", "addr", "add", hostSide + "/64", "dev", vethHost, "nodad"])
        try lab.run(host, "ip", ["-6", "route", "add", "200::/7", "via", routerSide])
        try lab.run(r.host, "sysctl", ["-q", "-w", "net.ipv6.conf.all.forwarding=1"])
        #expect(f.canPing(hostSide, timeout: 30), "far side (\(far)) → host on \(router)'s /64\n\(r.log)\n\(f.log)")
        let back = try lab.run(host, "ping", ["-6", "-c", "2", "-W", "2", f.address], timeout: 10)
        #expect(back.status == 0, "host on the /64 → far side: \(back.stdout)")

        // TCP from the far side to the host, with checksums done in software on the router's way
        // out (a veth offloads them otherwise and nobody would check): a segment whose checksum
        // the router's kernel completes wrongly is dropped by the host, and the transfer stalls.
        // rhizome writes TCP segments to its TUN as "checksum partial" (rz_tun_write_vnet).
        let ethtool = Subprocess.which("ethtool")
        #expect(ethtool != nil || !NetworkLab.required, "ethtool (Scripts/deps.sh)")
        if let ethtool { try lab.run(r.host, ethtool, ["-K", vethRouter, "tx", "off"]) }
        let sink = try lab.start(host, "/usr/bin/python3", ["-c", tcpSink, hostSide, "7777"], name: "sink")
        defer { lab.stop(sink) }
        #expect(NetworkLab.waitUntil(timeout: 5, interval: 0.05) { lab.logText("sink").contains("ready") })
        let bytes = 4_000_000
        let source = try lab.run(f.host, "/usr/bin/python3", ["-c", tcpSource, hostSide, "7777", "\(bytes)"], timeout: 40)
        #expect(source.status == 0, "far side → host over TCP: \(source.stdout) \(source.stderr)")
        let digest = source.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(NetworkLab.waitUntil(timeout: 10, interval: 0.05) { lab.logText("sink").contains("received \(bytes) \(digest)") },
                "sink: \(lab.logText("sink")), source sent \(digest)")
    }

    /// Accepts one TCP connection and prints how many bytes came and their SHA-256.
    static let tcpSink = """
    import hashlib, socket, sys
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(sys.argv[2])))
    s.listen(1)
    s.settimeout(60)
    print("ready", flush=True)
    c, _ = s.accept()
    c.settimeout(30)
    h, n = hashlib.sha256(), 0
    while True:
        d = c.recv(65536)
        if not d:
            break
        h.update(d)
        n += len(d)
    print("received", n, h.hexdigest(), flush=True)
    """

    /// Sends N pseudo-random bytes to HOST PORT and prints their SHA-256.
    static let tcpSource = """
    import hashlib, random, socket, sys
    n = int(sys.argv[3])
    data = random.Random(7).randbytes(n)
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    print(hashlib.sha256(data).hexdigest(), flush=True)
    """

    /// Counts ICMPv6 echo requests arriving in a namespace from two sources (compared as
    /// addresses, not text): prints "real" or "fake" per packet.
    static let echoCounter = """
    import socket, sys, time
    fake, real = (socket.inet_pton(socket.AF_INET6, a) for a in sys.argv[2:4])
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.settimeout(0.2)
    print("ready", flush=True)
    end = time.time() + float(sys.argv[1])
    while time.time() < end:
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if not data or data[0] != 128:
            continue
        src = socket.inet_pton(socket.AF_INET6, addr[0].split("%")[0])
        print("fake" if src == fake else "real" if src == real else "other", flush=True)
    print("done", flush=True)
    """

    /// `sender` gets an address outside its /128 and /64 and pings `receiver` from it: nothing
    /// with that source arrives, while pings from its real address do.
    static func spoofScenario(sender: Impl, receiver: Impl) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (s, r) = try pair(lab, listener: sender, dialer: receiver)
        #expect(s.canPing(r.address), "\(s.log)\n\(r.log)")
        let fake = "201:dead:beef::1"
        try lab.run(s.host, "ip", ["-6", "addr", "add", fake + "/128", "dev", "lo", "nodad"])
        let script = lab.directory + "/echo.py"
        try echoCounter.write(toFile: script, atomically: true, encoding: .utf8)
        try lab.start(r.host, "/usr/bin/python3", [script, "8", fake, s.address], name: "echo")
        #expect(NetworkLab.waitUntil(timeout: 5) { lab.logText("echo").contains("ready") })
        // rhizome counts what it drops (getCounters, a rhizome command).
        func droppedBadSource() throws -> Int {
            guard s.implementation == .rhizome else { return 0 }
            let ipv6 = try s.ctl(["getCounters"])["ipv6"] as? [String: Any]
            return (ipv6?["droppedBadSource"] as? Int) ?? -1
        }
        let droppedBefore = try droppedBadSource()
        let spoofed = try lab.run(s.host, "ping", ["-6", "-c", "3", "-i", "0.3", "-W", "1", "-I", fake, r.address], timeout: 10)
        if s.implementation == .rhizome {
            #expect(try droppedBadSource() >= droppedBefore + 3, "\(s.name) counts the spoofed packets it dropped")
        }
        let real = try lab.run(s.host, "ping", ["-6", "-c", "3", "-i", "0.3", "-W", "1", r.address], timeout: 10)
        #expect(NetworkLab.waitUntil(timeout: 10) { lab.logText("echo").contains("done") })
        let lines = lab.logText("echo").split(separator: "\n")
        #expect(spoofed.status != 0, "a spoofed source gets no reply")
        #expect(real.status == 0, "the real source does: \(real.stdout)")
        #expect(lines.filter { $0 == "fake" }.isEmpty, "no packet with the spoofed source arrived at \(r.name)")
        #expect(lines.filter { $0 == "real" }.count >= 3, "the counter saw the real pings: \(lines)")
    }

    /// One side restarts (same key, new process); traffic resumes both ways within 15 s.
    static func restartScenario(listener: Impl, dialer: Impl, restartListener: Bool) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (l, d) = try pair(lab, listener: listener, dialer: dialer)
        #expect(l.canPing(d.address) && d.canPing(l.address), "\(l.log)\n\(d.log)")
        let (restarting, other) = restartListener ? (l, d) : (d, l)
        restarting.stop()
        try restarting.start()
        let started = Date()
        #expect(restarting.waitReady(), "\(restarting.log)")
        #expect(other.canPing(restarting.address, timeout: 15), "\(other.name) → restarted \(restarting.name)")
        #expect(restarting.canPing(other.address, timeout: max(1, 15 - Date().timeIntervalSince(started))))
        let took = Date().timeIntervalSince(started)
        #expect(took <= 15, "traffic resumed \(took) s after the restart")
        print("restart of \(restarting.implementation) (\(restartListener ? "listener" : "dialler")): traffic back in \(String(format: "%.1f", took)) s")
    }

    /// Ping both ways every 0.2 s for 150 s (past two session key rotations): nothing lost.
    static func longFlowScenario(listener: Impl, dialer: Impl, seconds: Int = 150) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (l, d) = try pair(lab, listener: listener, dialer: dialer)
        #expect(l.canPing(d.address) && d.canPing(l.address), "\(l.log)\n\(d.log)")
        let count = String(seconds * 5)
        let p1 = try lab.start(l.host, "ping", ["-6", "-i", "0.2", "-c", count, "-W", "2", d.address], name: "flow-l")
        let p2 = try lab.start(d.host, "ping", ["-6", "-i", "0.2", "-c", count, "-W", "2", l.address], name: "flow-d")
        let finished = NetworkLab.waitUntil(timeout: TimeInterval(seconds + 20), interval: 1) { !p1.isRunning && !p2.isRunning }
        #expect(finished, "the pings ended")
        for name in ["flow-l", "flow-d"] {
            let summary = lab.logText(name).split(separator: "\n").first { $0.contains("packets transmitted") } ?? ""
            #expect(summary.hasPrefix("\(count) packets transmitted, \(count) received"), "\(name): \(summary)")
            print("\(name): \(summary)")
        }
        #expect(l.isRunning && d.isRunning)
    }

    /// A log line that refuses a peer for its version (not the start-up banner's version).
    static func refusesVersion(_ log: String) -> Bool {
        log.lowercased().split(separator: "\n").contains {
            $0.contains("version") && ($0.contains("incompatible") || $0.contains("mismatch"))
        }
    }

    /// Nodes of two protocol generations on one tcp link: no link, and each log says it was
    /// the version.
    static func versionMismatchScenario(listener: (Impl, MeshNode.Generation), dialer: (Impl, MeshNode.Generation)) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let l = try MeshNode(lab: lab, host: h1, listener.0, name: "listener", generation: listener.1, listen: ["tcp://[\(a1)]:12345"])
        let d = try MeshNode(lab: lab, host: h2, dialer.0, name: "dialer", generation: dialer.1, peers: ["tcp://[\(a1)]:12345"])
        try start(l, d)
        let said = NetworkLab.waitUntil(timeout: 10) { refusesVersion(l.log) && refusesVersion(d.log) }
        #expect(said, "both logs say the version is the reason:\n\(l.log)\n\(d.log)")
        #expect(l.isRunning && d.isRunning)
        #expect(l.answersWithNoLinks() && d.answersWithNoLinks(), "no link between 0.4 and 0.5")
    }
}
