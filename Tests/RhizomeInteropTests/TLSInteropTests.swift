import Foundation
import Testing
import RhizomeTestSupport

/// tls:// links with yggdrasil 0.4.7 both ways, and a public peer listening on port 443.
@Suite(.live, .serialized, .enabled(if: (NetworkLab.canRun && Yggdrasil.path != nil) || NetworkLab.required,
                             "needs root, iproute2 and Debian's yggdrasil"))
struct TLSInteropTests {
    /// One node listening on `uri` and one dialling it, one of each implementation; waits until
    /// both list each other.
    static func linkedPair(_ lab: NetworkLab, _ h1: NetworkLab.Host, _ h2: NetworkLab.Host, uri: String,
                           rhizomeDials: Bool) throws -> (listener: MeshNode, dialer: MeshNode) {
        let listener = try MeshNode(lab: lab, host: h1, rhizomeDials ? .yggdrasil : .rhizome, name: "listener", listen: [uri], tun: true)
        let dialer = try MeshNode(lab: lab, host: h2, rhizomeDials ? .rhizome : .yggdrasil, name: "dialer", peers: [uri], tun: true)
        try listener.start()
        #expect(listener.waitReady(), "\(listener.log)")
        try dialer.start()
        #expect(dialer.waitReady())
        #expect(NetworkLab.waitUntil(timeout: 10) { listener.peerKeys() == [dialer.publicKey] && dialer.peerKeys() == [listener.publicKey] },
                "\(listener.log)\n\(dialer.log)")
        return (listener, dialer)
    }

    @Test(arguments: [true, false])
    func tlsLinkWithYggdrasil(rhizomeDials: Bool) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let (listener, dialer) = try Self.linkedPair(lab, h1, h2, uri: "tls://[\(a1)]:12443", rhizomeDials: rhizomeDials)
        let peers = try dialer.ctl(["getPeers"])["peers"] as? [[String: Any]]
        #expect((peers?.first?["remote"] as? String)?.hasPrefix("tls://") == true)
        #expect(dialer.canPing(listener.address))
        #expect(listener.canPing(dialer.address))
    }

    /// A public peer: rhizome listening on tls://[::]:443 takes a yggdrasil and a rhizome client.
    @Test func publicPeerOnPort443() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let hub = try lab.addHost(), h1 = try lab.addHost(), h2 = try lab.addHost()
        let (hubA, _) = try lab.connect(hub, h1)
        let (hubB, _) = try lab.connect(hub, h2)
        let peer = try MeshNode(lab: lab, host: hub, .rhizome, name: "public", listen: ["tls://[::]:443"], tun: true)
        let yc = try MeshNode(lab: lab, host: h1, .yggdrasil, name: "yggclient", peers: ["tls://[\(hubA)]:443"], tun: true)
        let rc = try MeshNode(lab: lab, host: h2, .rhizome, name: "rzclient", peers: ["tls://[\(hubB)]:443?key=\(peer.publicKey)"], tun: true)
        try peer.start()
        #expect(peer.waitReady(), "\(peer.log)")
        #expect(peer.log.contains("TLS listener started on [::]:443"))
        try yc.start(); try rc.start()
        #expect(NetworkLab.waitUntil(timeout: 15) { Set(peer.peerKeys()) == [yc.publicKey, rc.publicKey] }, "\(peer.log)")
        // The two clients reach each other through the public peer.
        #expect(rc.canPing(yc.address), "rhizome client → yggdrasil client through the public peer")
        #expect(yc.canPing(rc.address))
    }

    /// unix:// links with yggdrasil both ways (nodes in different namespaces share the filesystem).
    @Test(arguments: [true, false])
    func unixLinkWithYggdrasil(rhizomeDials: Bool) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (listener, dialer) = try Self.linkedPair(lab, h1, h2, uri: "unix://\(lab.directory)/peer.sock", rhizomeDials: rhizomeDials)
        #expect(dialer.canPing(listener.address))
    }
}
