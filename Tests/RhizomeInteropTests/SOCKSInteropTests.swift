import Foundation
import Testing
import RhizomeTestSupport

/// socks:// peers through a SOCKS5 proxy (a small one written for the test), with and without
/// username/password authentication.
@Suite(.live, .serialized, .enabled(if: (NetworkLab.canRun && Yggdrasil.path != nil) || NetworkLab.required,
                             "needs root, iproute2 and Debian's yggdrasil"))
struct SOCKSInteropTests {
    /// RFC 1928 CONNECT with optional RFC 1929 auth; accepts only `user`/`pw` when auth is on.
    static let proxy = """
    import asyncio, socket, struct, sys
    AUTH = sys.argv[2] == "auth"
    async def pipe(r, w):
        try:
            while data := await r.read(65536):
                w.write(data); await w.drain()
        finally:
            w.close()
    async def handle(r, w):
        ver, n = await r.readexactly(2); methods = await r.readexactly(n)
        if AUTH:
            if 2 not in methods: w.write(b"\\x05\\xff"); return w.close()
            w.write(b"\\x05\\x02"); await r.readexactly(1)
            u = await r.readexactly((await r.readexactly(1))[0]); p = await r.readexactly((await r.readexactly(1))[0])
            ok = (u, p) == (b"user", b"pw"); w.write(b"\\x01" + (b"\\x00" if ok else b"\\x01"))
            if not ok: return w.close()
        else:
            w.write(b"\\x05\\x00")
        _, cmd, _, atyp = await r.readexactly(4)
        if atyp == 1: host = socket.inet_ntop(socket.AF_INET, await r.readexactly(4))
        elif atyp == 4: host = socket.inet_ntop(socket.AF_INET6, await r.readexactly(16))
        else: host = (await r.readexactly((await r.readexactly(1))[0])).decode()
        port = struct.unpack(">H", await r.readexactly(2))[0]
        try:
            tr, tw = await asyncio.open_connection(host, port)
        except OSError:
            w.write(b"\\x05\\x05\\x00\\x01" + bytes(6)); return w.close()
        w.write(b"\\x05\\x00\\x00\\x01" + bytes(6))
        await asyncio.gather(pipe(r, tw), pipe(tr, w))
    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
        print("listening", flush=True)
        await server.serve_forever()
    asyncio.run(main())
    """

    @Test(arguments: [false, true])
    func peerThroughASOCKS5Proxy(authenticated: Bool) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let script = lab.directory + "/socks.py"
        try Self.proxy.write(toFile: script, atomically: true, encoding: .utf8)
        try lab.start(h2, "/usr/bin/python3", [script, "1080", authenticated ? "auth" : "none"], name: "socks")
        #expect(NetworkLab.waitUntil(timeout: 5) { lab.logText("socks").contains("listening") })
        let ygg = try MeshNode(lab: lab, host: h1, .yggdrasil, name: "ygg", listen: ["tcp://[\(a1)]:12345"], tun: true)
        let creds = authenticated ? "user:pw@" : ""
        let rz = try MeshNode(lab: lab, host: h2, .rhizome, name: "rz", peers: ["socks://\(creds)127.0.0.1:1080/[\(a1)]:12345"], tun: true)
        try ygg.start(); _ = ygg.waitReady()
        try rz.start(); _ = rz.waitReady()
        #expect(NetworkLab.waitUntil(timeout: 10) { ygg.peerKeys() == [rz.publicKey] && rz.peerKeys() == [ygg.publicKey] }, "\(rz.log)")
        let peers = try rz.ctl(["getPeers"])["peers"] as? [[String: Any]]
        let remote = peers?.first?["remote"] as? String ?? ""
        #expect(remote.hasPrefix("socks://") && !remote.contains(":pw@"), "the password is not shown: \(remote)")
        #expect(rz.canPing(ygg.address))
    }

    @Test func wrongProxyPasswordIsRefused() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let script = lab.directory + "/socks.py"
        try Self.proxy.write(toFile: script, atomically: true, encoding: .utf8)
        try lab.start(h2, "/usr/bin/python3", [script, "1080", "auth"], name: "socks")
        #expect(NetworkLab.waitUntil(timeout: 5) { lab.logText("socks").contains("listening") })
        let ygg = try MeshNode(lab: lab, host: h1, .yggdrasil, name: "ygg", listen: ["tcp://[\(a1)]:12345"])
        let rz = try MeshNode(lab: lab, host: h2, .rhizome, name: "rz", peers: ["socks://user:wrong@127.0.0.1:1080/[\(a1)]:12345"])
        try ygg.start(); _ = ygg.waitReady()
        try rz.start(); _ = rz.waitReady()
        #expect(NetworkLab.waitUntil(timeout: 5) { rz.log.contains("authentication refused") }, "\(rz.log)")
        #expect(ygg.answersWithNoLinks())
    }
}
