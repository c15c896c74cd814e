import Foundation
import Testing
import RhizomeTestSupport

/// Live reload (issue 12): SIGHUP and admin `reload` re-read the config file, apply peers,
/// listeners, allow-lists, multicast and NodeInfo without touching the links the change does
/// not concern, refuse a broken file whole, and report what needs a restart. Protocol 0.5,
/// rhizome nodes only.
@Suite(.live, .serialized, .timeLimit(.minutes(4)), .enabled(if: NetworkLab.canRun || NetworkLab.required, "needs root and iproute2"))
struct ReloadInteropTests {
    static var rhizomectl: String { Subprocess.binDirectory.appendingPathComponent("rhizomectl").path }

    /// `rhizomectl [-json] ARGS` against the node.
    static func ctl(_ node: MeshNode, _ args: [String], json: Bool = true) throws -> RunResult {
        try Subprocess.run(rhizomectl, (json ? ["-json"] : []) + ["-endpoint", "unix://\(node.adminSocket)"] + args, timeout: 20)
    }

    /// Live links by key (0.5 getPeers also lists configured peers that are down).
    static func links(_ node: MeshNode) -> [String: [String: Any]] {
        guard let r = try? ctl(node, ["getPeers"]),
              let obj = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
              let peers = obj["peers"] as? [[String: Any]] else { return [:] }
        var out: [String: [String: Any]] = [:]
        for p in peers where (p["up"] as? Bool) == true {
            if let key = p["key"] as? String, !key.isEmpty { out[key] = p }
        }
        return out
    }

    static func number(_ v: Any?) -> Double { (v as? NSNumber)?.doubleValue ?? 0 }

    /// Rewrites the node's config file: `change` edits the JSON object.
    static func rewrite(_ node: MeshNode, _ change: (inout [String: Any]) -> Void) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: node.configPath))
        var config = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        change(&config)
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: node.configPath))
    }

    /// Sends SIGHUP and waits for the reload's log line (the n-th "Reload" outcome).
    static func hangUp(_ node: MeshNode, expecting marker: String = "Reloaded ") -> Bool {
        let before = node.log.components(separatedBy: marker).count
        guard let pid = node.process?.processIdentifier else { return false }
        kill(pid, SIGHUP)
        return NetworkLab.waitUntil(timeout: 10, interval: 0.1) { node.log.components(separatedBy: marker).count > before }
    }

    static func openDescriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// Three peers: B removed and C added by SIGHUP, while A's link (same link: uptime and byte
    /// counters go on) carries a ping stream that loses nothing.
    @Test func addAndRemovePeersKeepsTheOtherLink() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let hub = try lab.addHost(), ha = try lab.addHost(), hb = try lab.addHost(), hc = try lab.addHost()
        let (_, aAddr) = try lab.connect(hub, ha)
        let (_, bAddr) = try lab.connect(hub, hb)
        let (_, cAddr) = try lab.connect(hub, hc)
        // A small key (first hex digit 0 or 1), so that keys above it are easy to draw.
        var smallKeyNode: MeshNode?
        for _ in 0..<64 where smallKeyNode == nil {
            let n = try MeshNode(lab: lab, host: ha, .rhizome, name: "A", generation: .v05, listen: ["tcp://[\(aAddr)]:12345"], tun: true)
            if n.publicKey.first.map({ "01".contains($0) }) == true { smallKeyNode = n }
        }
        let a = try #require(smallKeyNode, "no small key for A in 64 tries")
        let peerA = "tcp://[\(aAddr)]:12345", peerB = "tcp://[\(bAddr)]:12345", peerC = "tcp://[\(cAddr)]:12345"
        // A, the ping's target, holds the tree's root key (the smallest): B leaving or C arriving
        // does not move the root, and the pings are traffic *for the root*, the case a new peer
        // used to break (until its first announcements it looked like the root, as in ironwood
        // 743fe2f's `_getDist`, so R sent A's traffic to C for about a second after the reload).
        func nonRoot(_ name: String, _ host: NetworkLab.Host, listen: [String] = [], peers: [String] = [], tun: Bool = false) throws -> MeshNode {
            for _ in 0..<64 {
                let n = try MeshNode(lab: lab, host: host, .rhizome, name: name, generation: .v05, listen: listen, peers: peers, tun: tun)
                if n.publicKey > a.publicKey { return n }
            }
            throw NetworkLab.LabError(message: "no key above the root's in 64 tries")
        }
        let r = try nonRoot("R", hub, peers: [peerA, peerB], tun: true)
        let b = try nonRoot("B", hb, listen: [peerB]), c = try nonRoot("C", hc, listen: [peerC])
        for n in [a, b, c] { try n.start(); #expect(n.waitReady()) }
        try r.start()
        #expect(r.waitReady())
        #expect(NetworkLab.waitUntil(timeout: 15) { Set(Self.links(r).keys) == [a.publicKey, b.publicKey] }, "\(r.log)")
        #expect(r.canPing(a.address))
        Thread.sleep(forTimeInterval: 1.5)
        let before = try #require(Self.links(r)[a.publicKey])

        let pinger = try lab.start(hub, "ping", ["-6", "-c", "80", "-i", "0.05", "-W", "2", a.address], name: "pinger")
        Thread.sleep(forTimeInterval: 1)
        try Self.rewrite(r) { $0["Peers"] = [peerA, peerC] }
        #expect(Self.hangUp(r), "\(r.log)")
        #expect(NetworkLab.waitUntil(timeout: 15) { Set(Self.links(r).keys) == [a.publicKey, c.publicKey] }, "\(r.log)")
        _ = NetworkLab.waitUntil(timeout: 15) { !pinger.isRunning }
        let pingLog = lab.logText("pinger")
        #expect(pingLog.contains("80 received") && pingLog.contains(" 0% packet loss"), "\(pingLog)\n\(r.log)\n\(a.log)")

        let after = try #require(Self.links(r)[a.publicKey])
        let upBefore = Self.number(before["uptime"]), upAfter = Self.number(after["uptime"])
        #expect(upAfter > upBefore + 3, "A's link kept its uptime: \(upBefore) → \(upAfter)")
        #expect(Self.number(after["bytes_sent"]) > Self.number(before["bytes_sent"]))
        #expect(Self.number(after["bytes_recvd"]) > Self.number(before["bytes_recvd"]))
        #expect(!r.log.contains("Disconnected outbound TCP: \(a.address)"), "A's link never went down")
        #expect(r.log.contains("- Peers \(peerB)") && r.log.contains("+ Peers \(peerC)"))
        // B stays removed: it is not re-dialled.
        Thread.sleep(forTimeInterval: 3)
        #expect(Self.links(r)[b.publicKey] == nil)
        print("reload: A's link uptime \(upBefore) s → \(upAfter) s across the reload; ping 80/80")
    }

    /// A key taken out of AllowedPublicKeys loses its inbound link for good; a peer URI whose
    /// options change is reconnected; multicast turned on by a reload links the neighbours.
    @Test func allowListURIChangeAndMulticastTakeEffect() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let hub = try lab.addHost(), ha = try lab.addHost(), hb = try lab.addHost(), hm = try lab.addHost()
        let (hubA, _) = try lab.connect(hub, ha)
        let (_, bSide) = try lab.connect(hub, hb)
        let (ifHub, _) = try lab.connectLinkLocal(hub, hm)
        let a = try MeshNode(lab: lab, host: ha, .rhizome, name: "A", generation: .v05, peers: ["tcp://[\(hubA)]:12345"])
        let b = try MeshNode(lab: lab, host: hb, .rhizome, name: "B", generation: .v05, listen: ["tcp://[::]:12346"])
        let m = try MeshNode(lab: lab, host: hm, .rhizome, name: "M", generation: .v05, multicast: true)
        let peerB = "tcp://[\(bSide)]:12346"
        let r = try MeshNode(lab: lab, host: hub, .rhizome, name: "R", generation: .v05, listen: ["tcp://[::]:12345"], peers: [peerB])
        try b.start(); #expect(b.waitReady())
        try m.start(); #expect(m.waitReady())
        try r.start(); #expect(r.waitReady())
        try a.start(); #expect(a.waitReady())
        #expect(NetworkLab.waitUntil(timeout: 15) { Set(Self.links(r).keys) == [a.publicKey, b.publicKey] }, "\(r.log)")
        Thread.sleep(forTimeInterval: 3)
        #expect(Self.links(r)[m.publicKey] == nil, "no multicast on R yet")

        // Allow only B (outbound anyway) and M: A's inbound link closes and stays refused. B's
        // URI gains an option: that link is made anew. Multicast goes on for the veth to M.
        try Self.rewrite(r) {
            $0["AllowedPublicKeys"] = [b.publicKey, m.publicKey]
            $0["Peers"] = [peerB + "?priority=3"]
            $0["MulticastInterfaces"] = [["Regex": "^\(ifHub)$", "Beacon": true, "Listen": true, "Port": 0, "Priority": 0]]
        }
        let bLinkBefore = Self.number(Self.links(r)[b.publicKey]?["uptime"])
        #expect(Self.hangUp(r), "\(r.log)")
        #expect(NetworkLab.waitUntil(timeout: 10) { Self.links(r)[a.publicKey] == nil }, "\(r.log)")
        #expect(r.log.contains("key no longer in AllowedPublicKeys"))
        #expect(NetworkLab.waitUntil(timeout: 20) { Self.links(r)[m.publicKey] != nil }, "multicast link to M: \(r.log)")
        #expect(NetworkLab.waitUntil(timeout: 10) { (Self.links(r)[b.publicKey]?["priority"] as? NSNumber)?.intValue == 3 }, "\(r.log)")
        #expect(Self.number(Self.links(r)[b.publicKey]?["uptime"]) < bLinkBefore + 2, "B's link was made anew")
        // A keeps dialling and keeps being refused.
        Thread.sleep(forTimeInterval: 4)
        #expect(Self.links(r)[a.publicKey] == nil)
        #expect(r.log.contains("node public key \"\(a.publicKey)\" is not in AllowedPublicKeys"))
    }

    /// A broken file changes nothing and the log names the field; a changed PrivateKey is
    /// reported as needing a restart while the rest applies; admin `reload` through rhizomectl
    /// gives the report (text and -json) and exits 1 when the reload failed.
    @Test func brokenConfigRestartFieldsAndAdminReload() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let hub = try lab.addHost(), ha = try lab.addHost(), hb = try lab.addHost()
        let (_, aAddr) = try lab.connect(hub, ha)
        let (_, bAddr) = try lab.connect(hub, hb)
        let a = try MeshNode(lab: lab, host: ha, .rhizome, name: "A", generation: .v05, listen: ["tcp://[\(aAddr)]:12345"])
        let b = try MeshNode(lab: lab, host: hb, .rhizome, name: "B", generation: .v05, listen: ["tcp://[\(bAddr)]:12345"])
        let peerA = "tcp://[\(aAddr)]:12345", peerB = "tcp://[\(bAddr)]:12345"
        let r = try MeshNode(lab: lab, host: hub, .rhizome, name: "R", generation: .v05, peers: [peerA])
        try a.start(); try b.start()
        #expect(a.waitReady() && b.waitReady())
        try r.start(); #expect(r.waitReady())
        #expect(NetworkLab.waitUntil(timeout: 15) { Self.links(r)[a.publicKey] != nil })

        // Broken: a bad key in AllowedPublicKeys next to a peer change. Nothing applies.
        try Self.rewrite(r) { $0["Peers"] = [peerB]; $0["AllowedPublicKeys"] = ["not-a-key"] }
        #expect(Self.hangUp(r, expecting: "nothing changed"), "\(r.log)")
        #expect(r.log.contains("AllowedPublicKeys[0]"), "the log names the field: \(r.log)")
        Thread.sleep(forTimeInterval: 2)
        #expect(Set(Self.links(r).keys) == [a.publicKey], "the broken config changed nothing")
        let failed = try Self.ctl(r, ["reload"], json: false)
        #expect(failed.status == 1 && failed.stdout.contains("AllowedPublicKeys[0]"), "\(failed.stdout) \(failed.stderr)")

        // A new PrivateKey plus a peer change, through the admin command.
        let fresh = try JSONSerialization.jsonObject(with: Data(try Subprocess.run(Subprocess.rhizome, ["-genconf", "-json"]).stdout.utf8)) as! [String: Any]
        try Self.rewrite(r) { $0["Peers"] = [peerB]; $0["AllowedPublicKeys"] = [String](); $0["PrivateKey"] = fresh["PrivateKey"] }
        let reply = try Self.ctl(r, ["reload"])
        #expect(reply.status == 0, "\(reply.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(reply.stdout.utf8)) as? [String: Any]
        #expect((report?["restart_needed"] as? [String]) == ["PrivateKey"], "\(reply.stdout)")
        #expect((report?["applied"] as? [String])?.contains("Peers") == true, "\(reply.stdout)")
        #expect(report?["error"] == nil)
        #expect(r.log.contains("changed but needing a restart, so left as they are: PrivateKey"))
        #expect(NetworkLab.waitUntil(timeout: 15) { Set(Self.links(r).keys) == [b.publicKey] }, "\(r.log)")
        // The node keeps its identity.
        let me = try JSONSerialization.jsonObject(with: Data(try Self.ctl(r, ["getSelf"]).stdout.utf8)) as? [String: Any]
        #expect(me?["key"] as? String == r.publicKey)
        // Text form: nothing new to apply, the restart still pending.
        let text = try Self.ctl(r, ["reload"], json: false)
        #expect(text.status == 0 && text.stdout.contains("Needs a restart:") && text.stdout.contains("PrivateKey")
                && text.stdout.contains("nothing (no change)"), "\(text.stdout)")
        if let s = report?["seconds"] { print("reload via admin took \(s) s") }
    }

    /// A node given its config on standard input has no file to read again.
    @Test func useconfNodeIgnoresSIGHUP() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let hub = try lab.addHost(), ha = try lab.addHost()
        let (_, aAddr) = try lab.connect(hub, ha)
        let a = try MeshNode(lab: lab, host: ha, .rhizome, name: "A", generation: .v05, listen: ["tcp://[\(aAddr)]:12345"])
        let r = try MeshNode(lab: lab, host: hub, .rhizome, name: "R", generation: .v05, peers: ["tcp://[\(aAddr)]:12345"])
        try a.start(); #expect(a.waitReady())
        let p = try lab.start(hub, "/bin/sh", ["-c", "exec \(Subprocess.rhizome) -useconf -loglevel debug < \(r.configPath)"], name: "R")
        #expect(r.waitReady())
        #expect(NetworkLab.waitUntil(timeout: 15) { Self.links(r)[a.publicKey] != nil })
        try Self.rewrite(r) { $0["Peers"] = [String]() }
        kill(p.processIdentifier, SIGHUP)
        #expect(NetworkLab.waitUntil(timeout: 10) { r.log.contains("started without a config file") }, "\(r.log)")
        Thread.sleep(forTimeInterval: 2)
        #expect(p.isRunning)
        #expect(Self.links(r)[a.publicKey] != nil, "nothing changed")
    }

    /// 50 SIGHUPs in 5 s under iperf3, half of them adding a listener and NodeInfo, half taking
    /// them away: no crash, the link stays the same, descriptors stay flat.
    @Test func reloadStormUnderLoad() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let hub = try lab.addHost(), ha = try lab.addHost()
        let (_, aAddr) = try lab.connect(hub, ha)
        // A small key (first hex digit 0 or 1), so that keys above it are easy to draw.
        var smallKeyNode: MeshNode?
        for _ in 0..<64 where smallKeyNode == nil {
            let n = try MeshNode(lab: lab, host: ha, .rhizome, name: "A", generation: .v05, listen: ["tcp://[\(aAddr)]:12345"], tun: true)
            if n.publicKey.first.map({ "01".contains($0) }) == true { smallKeyNode = n }
        }
        let a = try #require(smallKeyNode, "no small key for A in 64 tries")
        let r = try MeshNode(lab: lab, host: hub, .rhizome, name: "R", generation: .v05, peers: ["tcp://[\(aAddr)]:12345"], tun: true)
        try a.start(); #expect(a.waitReady())
        try r.start(); #expect(r.waitReady())
        #expect(NetworkLab.waitUntil(timeout: 15) { Self.links(r)[a.publicKey] != nil })
        #expect(r.canPing(a.address))
        let pid = try #require(r.process?.processIdentifier)
        let base = try String(contentsOfFile: r.configPath, encoding: .utf8)
        try Self.rewrite(r) { $0["Listen"] = ["tcp://[::1]:0"]; $0["NodeInfo"] = ["storm": true] }
        let changed = try String(contentsOfFile: r.configPath, encoding: .utf8)
        try base.write(toFile: r.configPath, atomically: true, encoding: .utf8)
        let fdsBefore = Self.openDescriptors(pid)
        let upBefore = Self.number(Self.links(r)[a.publicKey]?["uptime"])

        final class Result: @unchecked Sendable { var mbits: Double? }
        let result = Result()
        let load = Thread { result.mbits = r.iperf(to: a, address: a.address, seconds: 8) }
        load.start()
        Thread.sleep(forTimeInterval: 1.5)
        for i in 0..<50 {
            try (i % 2 == 0 ? changed : base).write(toFile: r.configPath, atomically: true, encoding: .utf8)
            kill(pid, SIGHUP)
            usleep(100_000)
        }
        try base.write(toFile: r.configPath, atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        _ = NetworkLab.waitUntil(timeout: 20) { load.isFinished }
        let mbits = result.mbits
        Thread.sleep(forTimeInterval: 2)
        let fdsAfter = Self.openDescriptors(pid)
        #expect(r.isRunning, "\(r.log)")
        #expect(mbits != nil, "iperf3 ran through the reloads")
        #expect(abs(fdsAfter - fdsBefore) <= 2, "descriptors \(fdsBefore) → \(fdsAfter)")
        let upAfter = Self.number(Self.links(r)[a.publicKey]?["uptime"])
        #expect(upAfter > upBefore + 8, "the link stayed up: uptime \(upBefore) → \(upAfter)")
        #expect(!r.log.contains("Disconnected"), "no link dropped")
        let reloads = r.log.components(separatedBy: "Reloaded ").count - 1
        #expect(reloads >= 2, "SIGHUPs were handled (\(reloads) reloads; signals arriving during one reload coalesce)")
        let times = r.log.split(separator: "\n").compactMap { line -> Int? in
            guard let range = line.range(of: "Reloaded "), let inMs = line[range.upperBound...].range(of: " in ") else { return nil }
            return Int(line[inMs.upperBound...].prefix { $0.isNumber })
        }
        print("reload storm: \(reloads) reloads for 51 SIGHUPs, apply times \(times.min() ?? -1)–\(times.max() ?? -1) ms (median \(times.sorted().dropFirst(times.count / 2).first ?? -1) ms); fds \(fdsBefore) → \(fdsAfter); iperf3 \(mbits.map { String(format: "%.0f", $0) } ?? "-") Mbit/s")
    }
}
