import Foundation
import Testing
import RhizomeTestSupport

/// Who may link to whom, and how links come back: AllowedPublicKeys and `?key=` as 0.4.7
/// applies them, back-off against a refusing peer, and recovery after a cut link.
@Suite(.live, .serialized, .enabled(if: (NetworkLab.canRun && Yggdrasil.path != nil) || NetworkLab.required,
                             "needs root, iproute2 and Debian's yggdrasil"))
struct LinkPolicyInteropTests {
    @Test func allowedPublicKeysAdmitsAndRejectsInboundOnly() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let hub = try lab.addHost(), h1 = try lab.addHost(), h2 = try lab.addHost(), h3 = try lab.addHost()
        let (hub1, _) = try lab.connect(hub, h1)
        let (hub2, _) = try lab.connect(hub, h2)
        let (_, out3) = try lab.connect(hub, h3)
        let friend = try MeshNode(lab: lab, host: h1, .yggdrasil, name: "friend", peers: ["tcp://[\(hub1)]:12345"])
        let stranger = try MeshNode(lab: lab, host: h2, .yggdrasil, name: "stranger", peers: ["tcp://[\(hub2)]:12345"])
        let outbound = try MeshNode(lab: lab, host: h3, .yggdrasil, name: "outbound", listen: ["tcp://[\(out3)]:12345"])
        let rz = try MeshNode(lab: lab, host: hub, .rhizome, name: "rz", listen: ["tcp://[::]:12345"],
                              peers: ["tcp://[\(out3)]:12345"], extra: ["AllowedPublicKeys": [friend.publicKey]])
        try outbound.start()
        #expect(outbound.waitReady())
        try rz.start()
        #expect(rz.waitReady())
        try friend.start(); try stranger.start()
        // The listed key gets in; the unlisted one is refused; our own outbound link is not checked.
        #expect(NetworkLab.waitUntil(timeout: 10) { Set(rz.peerKeys()) == [friend.publicKey, outbound.publicKey] }, "\(rz.log)")
        #expect(NetworkLab.waitUntil(timeout: 5) { rz.log.contains("node public key \"\(stranger.publicKey)\" is not in AllowedPublicKeys") })
        #expect(!rz.peerKeys().contains(stranger.publicKey))
    }

    @Test func pinnedKeyMismatchRefusesTheLink() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let ygg = try MeshNode(lab: lab, host: h1, .yggdrasil, name: "ygg", listen: ["tcp://[\(a1)]:12345"])
        let wrong = String(repeating: "ab", count: 32)
        let rz = try MeshNode(lab: lab, host: h2, .rhizome, name: "rz", peers: ["tcp://[\(a1)]:12345?key=\(wrong)"])
        try ygg.start(); _ = ygg.waitReady()
        try rz.start(); _ = rz.waitReady()
        #expect(NetworkLab.waitUntil(timeout: 5) { rz.log.contains("does not match pinned keys") })
        #expect(rz.answersWithNoLinks())
    }

    /// A peer that accepts the connection and then refuses us is retried with back-off, not in
    /// a loop (0.4.7 re-dials it every second forever).
    @Test func refusingPeerIsRetriedWithBackoff() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let picky = try MeshNode(lab: lab, host: h1, .yggdrasil, name: "picky", listen: ["tcp://[\(a1)]:12345"],
                                 extra: ["AllowedPublicKeys": [String(repeating: "cd", count: 32)]])
        let rz = try MeshNode(lab: lab, host: h2, .rhizome, name: "rz", peers: ["tcp://[\(a1)]:12345"])
        try picky.start(); _ = picky.waitReady()
        try rz.start(); _ = rz.waitReady()
        Thread.sleep(forTimeInterval: 12)
        let attempts = picky.log.components(separatedBy: "is not in AllowedPublicKeys").count - 1
        // Back-off 1, 2, 4, 8 s: about four attempts in 12 s (a one-second loop would make twelve).
        #expect(attempts >= 2 && attempts <= 6, "\(attempts) attempts in 12 s")
        print("refusing peer: \(attempts) connection attempts in 12 s (0.4.7 makes about 12)")
    }

    /// Triangle A–B–C: cut A–C under load, time until A reaches C via B; restore it, time until
    /// A–C is a link again. Prints the figures.
    @Test(arguments: [MeshNode.Implementation.rhizome, .yggdrasil])
    func triangleFailoverAndRecovery(implementation: MeshNode.Implementation) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let ha = try lab.addHost(), hb = try lab.addHost(), hc = try lab.addHost()
        let (ab, _) = try lab.connect(ha, hb)       // link 1: A–B
        let (bc, _) = try lab.connect(hb, hc)       // link 2: B–C (B's address)
        let (ac, _) = try lab.connect(ha, hc)       // link 3: A–C
        // A and B listen; B and C dial, and they run the implementation under test.
        let a = try MeshNode(lab: lab, host: ha, .yggdrasil, name: "A", listen: ["tcp://[\(ab)]:12345", "tcp://[\(ac)]:12346"], tun: true)
        let b = try MeshNode(lab: lab, host: hb, implementation, name: "B", listen: ["tcp://[\(bc)]:12347"], peers: ["tcp://[\(ab)]:12345"], tun: true)
        let c = try MeshNode(lab: lab, host: hc, implementation, name: "C", peers: ["tcp://[\(bc)]:12347", "tcp://[\(ac)]:12346"], tun: true)
        try a.start(); _ = a.waitReady()
        try b.start(); _ = b.waitReady()
        try c.start(); _ = c.waitReady()
        #expect(NetworkLab.waitUntil(timeout: 15) { a.peerKeys().count == 2 && c.peerKeys().count == 2 })
        #expect(a.canPing(c.address))
        // Load: a steady ping stream A → C, 20 per second, while we cut A–C.
        let pinger = try lab.start(ha, "ping", ["-6", "-i", "0.05", "-D", "-W", "1", c.address], name: "pinger")
        Thread.sleep(forTimeInterval: 1)
        try lab.setLink(3, up: false)
        let cut = Date()
        let failedOver = NetworkLab.waitUntil(timeout: 30, interval: 0.1) {
            // Replies again after the cut: the log has a reply line stamped after it.
            lab.logText("pinger").split(separator: "\n").contains { line in
                guard line.contains("bytes from"), let stamp = Double(line.dropFirst().prefix { $0 != "]" }) else { return false }
                return stamp > cut.timeIntervalSince1970 + 0.2
            }
        }
        let failover = Date().timeIntervalSince(cut)
        #expect(failedOver, "traffic should flow via B after the cut")
        try lab.setLink(3, up: true)
        let restored = Date()
        let back = NetworkLab.waitUntil(timeout: 90, interval: 0.1) { c.peerKeys().contains(a.publicKey) }
        let recovery = Date().timeIntervalSince(restored)
        lab.stop(pinger)
        #expect(back, "A–C comes back as a link")
        if implementation == .rhizome { #expect(recovery < 10, "rhizome re-dials within seconds") }
        print("triangle (\(implementation) dialling): traffic via B \(String(format: "%.1f", failover)) s after the cut; A–C linked again \(String(format: "%.1f", recovery)) s after restore")
    }
}

/// Links that come and go: a peer that comes back, interfaces that appear, InterfacePeers.
@Suite(.live, .serialized, .enabled(if: (NetworkLab.canRun && Yggdrasil.path != nil) || NetworkLab.required,
                             "needs root, iproute2 and Debian's yggdrasil"))
struct LinkLifecycleInteropTests {
    /// A configured peer that was gone for a while is used again within 5 s of coming back
    /// (0.4.7: up to its next 60 s peer-loop pass).
    @Test func returningPeerIsUsedAgainWithinFiveSeconds() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let ygg = try MeshNode(lab: lab, host: h1, .yggdrasil, name: "ygg", listen: ["tcp://[\(a1)]:12345"])
        let rz = try MeshNode(lab: lab, host: h2, .rhizome, name: "rz", peers: ["tcp://[\(a1)]:12345"])
        try ygg.start(); _ = ygg.waitReady()
        try rz.start(); _ = rz.waitReady()
        #expect(NetworkLab.waitUntil(timeout: 10) { rz.peerKeys() == [ygg.publicKey] })
        ygg.stop()
        Thread.sleep(forTimeInterval: 20)
        try ygg.start()
        let back = Date()
        #expect(NetworkLab.waitUntil(timeout: 20, interval: 0.1) { rz.peerKeys() == [ygg.publicKey] })
        let took = Date().timeIntervalSince(back)
        #expect(took < 6.5, "re-linked \(took) s after the peer came back (retries are at most 4 s apart)")
        print("returning peer re-linked \(String(format: "%.1f", took)) s after it came back (down 20 s)")
    }

    /// Multicast picks up an interface that appears while the node runs.
    @Test func multicastFindsAnInterfaceThatAppearsLater() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let a = try MeshNode(lab: lab, host: h1, .rhizome, name: "a", multicast: true)
        let b = try MeshNode(lab: lab, host: h2, .yggdrasil, name: "b", multicast: true)
        try a.start(); try b.start()
        #expect(a.waitReady() && b.waitReady())
        Thread.sleep(forTimeInterval: 2)
        #expect(a.answersWithNoLinks())
        try lab.connect(h1, h2)
        #expect(NetworkLab.waitUntil(timeout: 15) { a.peerKeys() == [b.publicKey] }, "\(a.log)")
    }

    /// InterfacePeers: a link-local peer address with no zone, dialled from the named interface.
    @Test func interfacePeersDialFromTheNamedInterface() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        try lab.connect(h1, h2)
        let ifA = try lab.interfaceName(link: 1, side: 0), ifB = try lab.interfaceName(link: 1, side: 1)
        // The link-local address of h1's side.
        Thread.sleep(forTimeInterval: 1)
        let show = try lab.run(h1, "ip", ["-6", "-o", "addr", "show", "dev", ifA, "scope", "link"])
        let lladdr = show.stdout.split(separator: " ").first { $0.hasPrefix("fe80:") }.map { String($0.split(separator: "/")[0]) } ?? ""
        #expect(!lladdr.isEmpty, "\(show.stdout)")
        let ygg = try MeshNode(lab: lab, host: h1, .yggdrasil, name: "ygg", listen: ["tcp://[::]:12345"])
        let rz = try MeshNode(lab: lab, host: h2, .rhizome, name: "rz", extra: ["InterfacePeers": [ifB: ["tcp://[\(lladdr)]:12345"]]])
        try ygg.start(); _ = ygg.waitReady()
        try rz.start(); _ = rz.waitReady()
        #expect(NetworkLab.waitUntil(timeout: 10) { rz.peerKeys() == [ygg.publicKey] }, "\(rz.log)")
        let peers = try ygg.ctl(["getPeers"])["peers"] as? [[String: Any]]
        #expect((peers?.first?["remote"] as? String)?.contains("fe80:") == true, "dialled from the interface's link-local address")
    }
}
