import Foundation
import Testing
import RhizomeTestSupport

/// End-to-end traffic through TUN interfaces: rhizome with rhizome and with yggdrasil 0.4.7.
@Suite(.live, .serialized, .enabled(if: (NetworkLab.canRun && Yggdrasil.path != nil) || NetworkLab.required,
                             "needs root, iproute2 and Debian's yggdrasil"))
struct TrafficInteropTests {
    /// Two nodes on one veth, TUN on both; the first listens, the second dials.
    static func pair(_ lab: NetworkLab, _ a: MeshNode.Implementation, _ b: MeshNode.Implementation) throws -> (MeshNode, MeshNode) {
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (addr1, _) = try lab.connect(h1, h2)
        let n1 = try MeshNode(lab: lab, host: h1, a, name: "a", listen: ["tcp://[\(addr1)]:12345"], tun: true)
        let n2 = try MeshNode(lab: lab, host: h2, b, name: "b", peers: ["tcp://[\(addr1)]:12345"], tun: true)
        try n1.start()
        #expect(n1.waitReady())
        try n2.start()
        #expect(n2.waitReady())
        return (n1, n2)
    }

    @Test(arguments: [(MeshNode.Implementation.rhizome, MeshNode.Implementation.rhizome), (.rhizome, .yggdrasil), (.yggdrasil, .rhizome)])
    func pingAndIperfBothWays(a: MeshNode.Implementation, b: MeshNode.Implementation) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (n1, n2) = try Self.pair(lab, a, b)
        #expect(n1.canPing(n2.address), "\(a) → \(b): \(n1.log)\n\(n2.log)")
        #expect(n2.canPing(n1.address), "\(b) → \(a)")
        let forward = n1.iperf(to: n2, address: n2.address)
        let backward = n2.iperf(to: n1, address: n1.address)
        let reverse = n1.iperf(to: n2, address: n2.address, reverse: true)
        #expect((forward ?? 0) > 1, "iperf3 \(a) → \(b)")
        #expect((backward ?? 0) > 1, "iperf3 \(b) → \(a)")
        #expect((reverse ?? 0) > 1, "iperf3 -R")
        print("iperf3 \(a)→\(b): \(Int(forward ?? 0)) Mbit/s, \(b)→\(a): \(Int(backward ?? 0)) Mbit/s, -R: \(Int(reverse ?? 0)) Mbit/s (debug build)")
    }

    /// rhizome — yggdrasil — rhizome: our end nodes talk through a yggdrasil relay.
    @Test func rhizomeNodesTalkThroughAYggdrasilRelay() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost(), h3 = try lab.addHost()
        let (_, a2) = try lab.connect(h1, h2)
        let (a2b, _) = try lab.connect(h2, h3)
        let relay = try MeshNode(lab: lab, host: h2, .yggdrasil, name: "relay", listen: ["tcp://[\(a2)]:12345", "tcp://[\(a2b)]:12345"])
        let r1 = try MeshNode(lab: lab, host: h1, .rhizome, name: "r1", peers: ["tcp://[\(a2)]:12345"], tun: true)
        let r3 = try MeshNode(lab: lab, host: h3, .rhizome, name: "r3", peers: ["tcp://[\(a2b)]:12345"], tun: true)
        try relay.start()
        #expect(relay.waitReady())
        try r1.start(); try r3.start()
        #expect(r1.waitReady() && r3.waitReady())
        #expect(r1.canPing(r3.address), "r1 → r3 through yggdrasil")
        #expect(r3.canPing(r1.address), "r3 → r1 through yggdrasil")
        #expect((r1.iperf(to: r3, address: r3.address) ?? 0) > 1)
    }

    /// A host behind a node, on that node's routed /64, is reachable from the far side.
    @Test(arguments: [MeshNode.Implementation.rhizome, .yggdrasil])
    func hostOnARoutedSubnetIsReachable(farSide: MeshNode.Implementation) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (router, far) = try Self.pair(lab, .rhizome, farSide)
        // A third namespace on the router node's /64, behind a veth, with the router forwarding.
        let host = try lab.addHost()
        try lab.connect(router.host, host)
        let prefix = String(router.subnet.dropLast("::/64".count))
        let routerSide = prefix + "::1", hostSide = prefix + "::2"
        let vethRouter = try lab.interfaceName(link: 2, side: 0), vethHost = try lab.interfaceName(link: 2, side: 1)
        try lab.run(router.host, "ip", ["-6", "addr", "add", routerSide + "/64", "dev", vethRouter, "nodad"])
        try lab.run(host, "ip", ["-6", "addr", "add", hostSide + "/64", "dev", vethHost, "nodad"])
        try lab.run(host, "ip", ["-6", "route", "add", "200::/7", "via", routerSide])
        try lab.run(router.host, "sysctl", ["-q", "-w", "net.ipv6.conf.all.forwarding=1"])
        #expect(far.canPing(hostSide, timeout: 30), "far side → host on the router's /64")
        let r = try lab.run(host, "ping", ["-6", "-c", "2", "-W", "2", far.address], timeout: 10)
        #expect(r.status == 0, "host on the /64 → far side: \(r.stdout)")
    }

    /// A packet whose source does not belong to the node is dropped at the node and counted.
    @Test func spoofedSourceIsDroppedAndCounted() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (a, b) = try Self.pair(lab, .rhizome, .rhizome)
        #expect(a.canPing(b.address))
        let before = try Self.counter(a, "ipv6", "droppedBadSource")
        // Give node a's namespace an address outside its /128 and /64 and send from it over the TUN.
        let fake = "201:dead:beef::1"
        try lab.run(a.host, "ip", ["-6", "addr", "add", fake + "/128", "dev", "lo", "nodad"])
        let r = try lab.run(a.host, "ping", ["-6", "-c", "3", "-W", "1", "-I", fake, b.address], timeout: 10)
        #expect(r.status != 0, "a spoofed source must not get through")
        let after = try Self.counter(a, "ipv6", "droppedBadSource")
        #expect(after >= before + 3, "dropped \(after - before) spoofed packets")
    }

    /// One side restarts (new process, same key); traffic resumes with nothing done on the other.
    @Test(arguments: [MeshNode.Implementation.rhizome, .yggdrasil])
    func trafficResumesAfterARestart(other: MeshNode.Implementation) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (listener, dialer) = try Self.pair(lab, other, .rhizome)
        #expect(listener.canPing(dialer.address))
        dialer.stop()
        try dialer.start()
        #expect(dialer.waitReady())
        let started = Date()
        #expect(listener.canPing(dialer.address, timeout: 30), "traffic resumes after the rhizome node restarts")
        #expect(dialer.canPing(listener.address, timeout: 10))
        print("traffic resumed \(String(format: "%.1f", Date().timeIntervalSince(started))) s after the restart (other side: \(other))")
    }

    static func counter(_ node: MeshNode, _ layer: String, _ name: String) throws -> Int {
        let obj = try node.ctl(["getCounters"])
        return ((obj[layer] as? [String: Any])?[name] as? Int) ?? -1
    }
}
