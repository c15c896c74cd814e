import Foundation
import Testing
import RhizomeTestSupport

/// Link-local multicast discovery with yggdrasil 0.4.7: no Peers configured on either side.
@Suite(.live, .serialized, .enabled(if: (NetworkLab.canRun && Yggdrasil.path != nil) || NetworkLab.required,
                             "needs root, iproute2 and Debian's yggdrasil"))
struct MulticastInteropTests {
    @Test(arguments: [(MeshNode.Implementation.rhizome, MeshNode.Implementation.yggdrasil), (.yggdrasil, .rhizome), (.rhizome, .rhizome)])
    func nodesOnOneLANFindEachOther(first: MeshNode.Implementation, second: MeshNode.Implementation) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        try lab.connect(h1, h2)
        let a = try MeshNode(lab: lab, host: h1, first, name: "first", tun: true, multicast: true)
        let b = try MeshNode(lab: lab, host: h2, second, name: "second", tun: true, multicast: true)
        try a.start()
        #expect(a.waitReady())
        Thread.sleep(forTimeInterval: 1.5)
        try b.start()
        #expect(b.waitReady())
        #expect(NetworkLab.waitUntil(timeout: 15) { a.peerKeys() == [b.publicKey] && b.peerKeys() == [a.publicKey] },
                "\(first) and \(second) should find each other:\n\(a.log)\n\(b.log)")
        let peers = try a.ctl(["getPeers"])["peers"] as? [[String: Any]]
        #expect((peers?.first?["remote"] as? String)?.hasPrefix("tls://[fe80:") == true, "\(peers?.first?["remote"] as? String ?? "none")")
        let interfaces = try a.ctl(["getMulticastInterfaces"])["multicast_interfaces"] as? [String]
        #expect(interfaces?.count == 1)
        #expect(a.canPing(b.address))
    }

    /// The opt-in multicast allowlist admits the listed key and nobody else.
    @Test func multicastAllowlist() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost(), h3 = try lab.addHost()
        // h1 is on two LAN segments: one with the allowed node, one with another.
        try lab.connect(h1, h2)
        try lab.connect(h1, h3)
        let allowed = try MeshNode(lab: lab, host: h2, .yggdrasil, name: "allowed", multicast: true)
        let other = try MeshNode(lab: lab, host: h3, .yggdrasil, name: "other", multicast: true)
        let rz = try MeshNode(lab: lab, host: h1, .rhizome, name: "rz", multicast: true,
                              extra: ["MulticastAllowedPublicKeys": [allowed.publicKey]])
        try allowed.start(); try other.start(); try rz.start()
        #expect(rz.waitReady())
        #expect(NetworkLab.waitUntil(timeout: 15) { rz.peerKeys() == [allowed.publicKey] }, "\(rz.log)")
        Thread.sleep(forTimeInterval: 3)
        #expect(rz.peerKeys() == [allowed.publicKey], "only the allowed key peers")
        #expect(other.answersWithNoLinks(), "the other node's dials are refused")
        #expect(rz.log.contains("is not in MulticastAllowedPublicKeys"))
    }
}
