import Foundation
import Testing
import RhizomeTestSupport

/// Links and routing against Debian's yggdrasil 0.4.7, in network namespaces made per test.
@Suite(.live, .serialized, .enabled(if: (NetworkLab.canRun && Yggdrasil.path != nil) || NetworkLab.required,
                             "needs root, iproute2 and Debian's yggdrasil"))
struct LinkInteropTests {
    /// rhizome and yggdrasil peer over tcp:// whichever side dials; yggdrasil lists our key, the
    /// smaller key is the root on both sides, and yggdrasil builds its DHT path through us.
    @Test(arguments: [true, false])
    func peersWithYggdrasilOverTCP(rhizomeDials: Bool) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let a = try lab.addHost(), b = try lab.addHost()
        let (addrA, addrB) = try lab.connect(a, b)
        let ygg: MeshNode, rz: MeshNode
        if rhizomeDials {
            ygg = try MeshNode(lab: lab, host: a, .yggdrasil, name: "ygg", listen: ["tcp://[\(addrA)]:12345"])
            rz = try MeshNode(lab: lab, host: b, .rhizome, name: "rz", peers: ["tcp://[\(addrA)]:12345"])
        } else {
            rz = try MeshNode(lab: lab, host: a, .rhizome, name: "rz", listen: ["tcp://[\(addrA)]:12345"])
            ygg = try MeshNode(lab: lab, host: b, .yggdrasil, name: "ygg", peers: ["tcp://[\(addrA)]:12345"])
        }
        _ = addrB
        // The listening side first, so the dialling side's first attempt connects.
        let (listener, dialer) = rhizomeDials ? (ygg, rz) : (rz, ygg)
        try listener.start()
        #expect(listener.waitReady())
        try dialer.start()
        #expect(dialer.waitReady())
        #expect(NetworkLab.waitUntil(timeout: 10) { ygg.peerKeys() == [rz.publicKey] }, "yggdrasil should list rhizome: \(rz.log)")
        // Root agreement: the smaller key is the root; the other node sits one hop below it.
        let yggIsRoot = ygg.publicKey < rz.publicKey
        let expectedSelf = yggIsRoot ? [] : [1]
        #expect(NetworkLab.waitUntil(timeout: 10) { ygg.coords() == expectedSelf })
        let peers = try ygg.ctl(["getPeers"])["peers"] as! [[String: Any]]
        #expect(peers.first?["coords"] as? [Int] == (yggIsRoot ? [1] : []))
        // Each side sees the other's coordinates as the other reports them (rhizome's admin socket
        // is driven with Debian's yggdrasilctl here).
        #expect(NetworkLab.waitUntil(timeout: 5) {
            rz.coords() == (yggIsRoot ? [1] : []) && rz.peerCoords()[ygg.publicKey] == ygg.coords()
                && ygg.peerCoords()[rz.publicKey] == rz.coords()
        })
        // The non-root node has a DHT path to its predecessor (the root): yggdrasil's DHT holds it.
        let predecessorPath = yggIsRoot ? rz.publicKey : ygg.publicKey
        #expect(NetworkLab.waitUntil(timeout: 10) {
            let dht = (try? ygg.ctl(["getDHT"])["dht"] as? [[String: Any]]) ?? []
            return dht.contains { $0["key"] as? String == predecessorPath }
        })
        // The link stays up past the 6 s read timeout: keepalives work both ways.
        Thread.sleep(forTimeInterval: 7)
        #expect(ygg.peerKeys() == [rz.publicKey])
        #expect(!rz.log.contains("Disconnected"))
    }

    /// yggdrasil — rhizome — yggdrasil: the two yggdrasil nodes reach each other through us.
    @Test func forwardsTrafficBetweenTwoYggdrasilNodes() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost(), h3 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let (_, a3) = try lab.connect(h2, h3)
        let y1 = try MeshNode(lab: lab, host: h1, .yggdrasil, name: "y1", listen: ["tcp://[\(a1)]:12345"], tun: true)
        let y3 = try MeshNode(lab: lab, host: h3, .yggdrasil, name: "y3", listen: ["tcp://[\(a3)]:12345"], tun: true)
        let rz = try MeshNode(lab: lab, host: h2, .rhizome, name: "rz", peers: ["tcp://[\(a1)]:12345", "tcp://[\(a3)]:12345"])
        try y1.start(); try y3.start()
        #expect(y1.waitReady() && y3.waitReady())
        try rz.start()
        #expect(rz.waitReady())
        #expect(NetworkLab.waitUntil(timeout: 10) { y1.peerKeys() == [rz.publicKey] && y3.peerKeys() == [rz.publicKey] })
        // Pings cross rhizome, which forwards what it cannot read.
        let pinged = NetworkLab.waitUntil(timeout: 20, interval: 0.5) {
            let r = try? lab.run(h1, "ping", ["-6", "-c", "1", "-W", "1", y3.address], timeout: 5)
            return r?.status == 0
        }
        #expect(pinged, "y1 → y3 through rhizome: \(rz.log)")
        let ping = try lab.run(h3, "ping", ["-6", "-c", "5", "-i", "0.2", "-W", "2", y1.address], timeout: 15)
        #expect(ping.status == 0, "\(ping.stdout)")
        // A bulk TCP stream through rhizome.
        let server = try lab.start(h3, "iperf3", ["-s", "-1", "-B", y3.address], name: "iperf-server")
        defer { lab.stop(server) }
        Thread.sleep(forTimeInterval: 0.5)
        let client = try lab.run(h1, "iperf3", ["-c", y3.address, "-t", "2", "-J"], timeout: 30)
        #expect(client.status == 0, "\(client.stdout.prefix(2000))")
        if let json = try? JSONSerialization.jsonObject(with: Data(client.stdout.utf8)) as? [String: Any],
           let end = json["end"] as? [String: Any], let recv = end["sum_received"] as? [String: Any],
           let bps = recv["bits_per_second"] as? Double {
            #expect(bps > 1_000_000)
            print("iperf3 y1 → y3 through rhizome: \(Int(bps / 1e6)) Mbit/s")
        } else {
            Issue.record("no iperf3 result")
        }
    }

    /// A client that speaks a wrong version, or sends a malformed frame after the handshake, loses
    /// its own link (logged with its key) while the node keeps routing for its other peers.
    @Test func badClientsLoseOnlyTheirOwnLink() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, a2) = try lab.connect(h1, h2)
        let rz = try MeshNode(lab: lab, host: h1, .rhizome, name: "rz", listen: ["tcp://[\(a1)]:12345"])
        let ygg = try MeshNode(lab: lab, host: h2, .yggdrasil, name: "ygg", peers: ["tcp://[\(a1)]:12345"])
        try rz.start(); _ = rz.waitReady()
        try ygg.start()
        #expect(NetworkLab.waitUntil(timeout: 10) { rz.peerKeys() == [ygg.publicKey] })
        let client = """
        import socket, sys, time
        host, mode = sys.argv[1], sys.argv[2]
        key = bytes.fromhex("ab" * 32)
        s = socket.create_connection((host, 12345))
        s.sendall(b"meta" + (b"\\x00\\x05" if mode == "version" else b"\\x00\\x04") + key)
        s.settimeout(3)
        got = b""
        while len(got) < 38:
            d = s.recv(38 - len(got))
            if not d: break
            got += d
        if mode == "frame":
            s.sendall(b"\\x00\\x03\\x0b\\x01\\x02")   # a frame of unknown type 11
        try:
            while s.recv(4096): pass
            print("closed")
        except socket.timeout:
            print("still open")
        """
        let script = lab.directory + "/client.py"
        try client.write(toFile: script, atomically: true, encoding: .utf8)
        for mode in ["version", "frame"] {
            let r = try lab.run(h2, "/usr/bin/python3", [script, a1, mode], timeout: 15)
            #expect(r.stdout.contains("closed"), "\(mode): \(r.stdout) \(r.stderr)")
        }
        _ = a2
        #expect(NetworkLab.waitUntil(timeout: 5) { rz.log.contains("unrecognized packet type 11") })
        #expect(rz.log.contains(String(repeating: "ab", count: 32)), "the closed link is logged with the peer's key")
        #expect(rz.process?.isRunning == true)
        #expect(rz.peerKeys() == [ygg.publicKey], "the good link is untouched")
    }
}
