import Foundation
import Testing
import RhizomeTestSupport

// WebSocket links (node-sessions-admin.md §2.11) between rhizome speaking 0.5 and yggdrasil
// 0.5.12, and the multicast hygiene of two rhizome nodes on one LAN.
//
//     swift build --build-tests && sudo swift test --skip-build --filter 'WebSocket05InteropTests|MulticastHygieneInteropTests'

enum WS05 {
    /// A ws:// link between the two implementations; returns the lab's nodes.
    static func pair(_ lab: NetworkLab, rhizomeDials: Bool, dialPath: String = "/") throws -> (listener: MeshNode, dialer: MeshNode) {
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let l = try V05.node(lab, h1, rhizomeDials ? .yggdrasil : .rhizome, "listener", listen: ["ws://[\(a1)]:12380"])
        let d = try V05.node(lab, h2, rhizomeDials ? .rhizome : .yggdrasil, "dialer", peers: ["ws://[\(a1)]:12380\(dialPath)?priority=2"])
        try V05.start(l, d)
        return (l, d)
    }

    /// One ping of `size` bytes of payload from `from` to `to` gets its reply.
    static func bigPing(_ from: MeshNode, _ to: MeshNode, size: Int) -> Bool {
        NetworkLab.waitUntil(timeout: 10, interval: 0.5) {
            (try? from.lab.run(from.host, "ping", ["-6", "-c", "1", "-W", "2", "-s", String(size), to.address], timeout: 5))?.status == 0
        }
    }

    /// Sends raw HTTP requests to host:port and prints, per request, the status line, the body's
    /// first line and (after a 101) the first WebSocket frame's opcode and close code.
    static let httpProbe = """
    import socket, sys, base64, os
    host, port = sys.argv[1], int(sys.argv[2])
    key = base64.b64encode(os.urandom(16)).decode()
    up = "Connection: Upgrade\\r\\nUpgrade: websocket\\r\\nSec-WebSocket-Version: 13\\r\\nSec-WebSocket-Key: " + key + "\\r\\n"
    requests = {
        "health": "GET /health HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
        "healthz": "GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
        "plain": "GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
        "origin": "GET / HTTP/1.1\\r\\nHost: x\\r\\nOrigin: http://evil.example\\r\\n" + up + "Sec-WebSocket-Protocol: ygg-ws\\r\\n\\r\\n",
        "post": "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 0\\r\\n" + up + "\\r\\n",
        "noproto": "GET /any/path HTTP/1.1\\r\\nHost: x\\r\\n" + up + "\\r\\n",
        "yggws": "GET /any/path HTTP/1.1\\r\\nHost: x\\r\\n" + up + "Sec-WebSocket-Protocol: ygg-ws\\r\\n\\r\\n",
    }
    for name in sys.argv[3:]:
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(requests[name].encode())
        data = b""
        try:
            while b"\\r\\n\\r\\n" not in data:
                chunk = s.recv(4096)
                if not chunk: break
                data += chunk
            head, _, rest = data.partition(b"\\r\\n\\r\\n")
            status = head.split(b"\\r\\n")[0].decode()
            headers = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip() for l in head.split(b"\\r\\n")[1:] if b":" in l}
            extra = ""
            if " 101 " in status + " ":
                extra = " proto=" + headers.get(b"sec-websocket-protocol", b"").decode()
                if name == "noproto":
                    while len(rest) < 4:
                        chunk = s.recv(4096)
                        if not chunk: break
                        rest += chunk
                    code = int.from_bytes(rest[2:4], "big") if len(rest) >= 4 else -1
                    extra += " opcode=%d code=%d" % (rest[0] & 0x0f, code)
            else:
                n = int(headers.get(b"content-length", b"0") or 0)
                while len(rest) < n:
                    chunk = s.recv(4096)
                    if not chunk: break
                    rest += chunk
                extra = " body=" + rest.decode(errors="replace").split("\\n")[0][:40]
            print(name, status.split(" ")[1], extra.strip(), flush=True)
        except Exception as e:
            print(name, "error", e, flush=True)
        s.close()
    """
}

/// ws:// both ways with yggdrasil 0.5.12, wss:// through a TLS terminator, and the listener's
/// answers to plain HTTP requests compared with 0.5.12's.
@Suite(.live, .serialized, .timeLimit(.minutes(5)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct WebSocket05InteropTests {
    /// Linked over ws://, yggdrasil lists the link, ping (also 60,000-byte pings, which yggdrasil
    /// writes across several WebSocket messages) and iperf3 both ways.
    @Test(arguments: [true, false])
    func wsWithYggdrasil(rhizomeDials: Bool) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let (l, d) = try WS05.pair(lab, rhizomeDials: rhizomeDials, dialPath: rhizomeDials ? "/ygg" : "/")
        #expect(V05.linked(l, d), "ws: no link\n\(l.log)\n\(d.log)")
        let ygg = rhizomeDials ? l : d
        let rz = rhizomeDials ? d : l
        V05.expectListed(on: ygg, key: rz.publicKey, dialledWith: rhizomeDials ? nil : "ws")
        // Both ends agree on the larger priority (the dialler asked for 2).
        let entry = ygg.peerEntries().first { $0["key"] as? String == rz.publicKey }
        #expect((entry?["priority"] as? Int) == 2, "priority on yggdrasil's side: \(String(describing: entry))")
        #expect(WS05.bigPing(d, l, size: 60000), "60,000-byte ping \(d.name) → \(l.name)\n\(l.log)\n\(d.log)")
        #expect(WS05.bigPing(l, d, size: 60000), "60,000-byte ping \(l.name) → \(d.name)")
        V05.expectTraffic(d, l, seconds: 3, "ws \(rhizomeDials ? "rhizome" : "yggdrasil") dials")
        #expect(rz.log.contains("Connected \(rhizomeDials ? "outbound" : "inbound") WS"), "\(rz.log)")
    }

    /// rhizome dials wss:// to socat terminating TLS in front of yggdrasil's ws:// listener.
    @Test func wssThroughATLSTerminator() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let pem = lab.directory + "/terminator.pem"
        let made = try Subprocess.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", pem + ".key",
                                                          "-out", pem + ".crt", "-subj", "/CN=terminator.test", "-days", "1"])
        #expect(made.status == 0, "openssl: \(made.stderr)")
        let ygg = try V05.node(lab, h1, .yggdrasil, "ygg", listen: ["ws://127.0.0.1:12380"])
        // One connection, no fork: the terminator is a single process the lab can stop by PID.
        try lab.start(h1, "/usr/bin/socat", ["OPENSSL-LISTEN:12443,pf=ip6,reuseaddr,verify=0,cert=\(pem).crt,key=\(pem).key",
                                             "TCP4:127.0.0.1:12380"], name: "socat")
        let rz = try V05.node(lab, h2, .rhizome, "rz", peers: ["wss://[\(a1)]:12443/?password="])
        try V05.start(ygg, rz)
        #expect(V05.linked(ygg, rz), "wss: no link\n\(ygg.log)\n\(rz.log)\n\(lab.logText("socat"))")
        #expect(WS05.bigPing(rz, ygg, size: 30000), "large ping over wss")
        V05.expectTraffic(rz, ygg, "wss rhizome dials through socat")
        #expect(rz.log.contains("Connected outbound WSS"), "\(rz.log)")
    }

    /// The same HTTP requests to a yggdrasil 0.5.12 ws listener and to rhizome's get the same
    /// answers: 200 OK for the health paths, 426, 403, 405, 101 with ygg-ws, and 101 then close
    /// 1008 without it.
    @Test func httpAnswersMatchYggdrasil() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h = try lab.addHost()
        let ygg = try V05.node(lab, h, .yggdrasil, "ygg", listen: ["ws://127.0.0.1:12380"])
        let rz = try V05.node(lab, h, .rhizome, "rz", listen: ["ws://127.0.0.1:12381"])
        try V05.start(ygg, rz)
        let script = lab.directory + "/probe.py"
        try WS05.httpProbe.write(toFile: script, atomically: true, encoding: .utf8)
        let names = ["health", "healthz", "plain", "origin", "post", "noproto", "yggws"]
        let fromYgg = try lab.run(h, "/usr/bin/python3", [script, "127.0.0.1", "12380"] + names, timeout: 30).stdout
        let fromRz = try lab.run(h, "/usr/bin/python3", [script, "127.0.0.1", "12381"] + names, timeout: 30).stdout
        print("yggdrasil 0.5.12:\n\(fromYgg)rhizome:\n\(fromRz)")
        let expected = ["health 200 body=OK", "healthz 200 body=OK", "plain 426", "origin 403", "post 405",
                        "noproto 101 proto= opcode=8 code=1008", "yggws 101 proto=ygg-ws"]
        let statusOnly = { (text: String) in
            text.split(separator: "\n").map { line -> String in
                // Bodies of errors differ in wording only where Go's net/http adds its own text.
                let parts = line.split(separator: " ")
                return parts.count >= 2 && parts[1] != "101" && parts[1] != "200" ? parts[0...1].joined(separator: " ") : String(line)
            }
        }
        #expect(statusOnly(fromYgg) == expected, "yggdrasil: \(fromYgg)")
        #expect(statusOnly(fromRz) == expected, "rhizome: \(fromRz)\n\(rz.log)")
        #expect(rz.isRunning)
    }
}

/// Two rhizome nodes on one link-local LAN, in each protocol version: once linked, they keep
/// their link(s) and open no new TCP connection for 30 s (every 4-tuple `ss -tan` shows in
/// either namespace is one seen when the link was up).
@Suite(.live, .serialized, .timeLimit(.minutes(4)), .enabled(if: NetworkLab.canRun || NetworkLab.required, "needs root and iproute2"))
struct MulticastHygieneInteropTests {
    /// The TCP connections of a namespace (not listeners), as "local peer" pairs.
    static func connections(_ lab: NetworkLab, _ host: NetworkLab.Host) -> Set<String> {
        guard let out = try? lab.run(host, "ss", ["-tanH"], timeout: 5).stdout else { return [] }
        return Set(out.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 5, f[0] != "LISTEN" else { return nil }
            return "\(f[3]) \(f[4])"
        })
    }

    @Test(arguments: [MeshNode.Generation.v04, .v05])
    func noRedialsOfALinkedNeighbour(generation: MeshNode.Generation) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        try lab.connectLinkLocal(h1, h2)
        let a = try MeshNode(lab: lab, host: h1, .rhizome, name: "first", generation: generation, multicast: true)
        let b = try MeshNode(lab: lab, host: h2, .rhizome, name: "second", generation: generation, multicast: true)
        try V05.start(a, b)
        #expect(NetworkLab.waitUntil(timeout: 20) { a.linkedKeys() == [b.publicKey] && b.linkedKeys() == [a.publicKey] },
                "\(generation): no link\n\(a.log)\n\(b.log)")
        Thread.sleep(forTimeInterval: 3)
        let seen = (Self.connections(lab, h1), Self.connections(lab, h2))
        let links = (a.peerEntries().count, b.peerEntries().count)
        var fresh: Set<String> = []
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            fresh.formUnion(Self.connections(lab, h1).subtracting(seen.0))
            fresh.formUnion(Self.connections(lab, h2).subtracting(seen.1))
            Thread.sleep(forTimeInterval: 0.5)
        }
        print("\(generation): \(seen.0.count)/\(seen.1.count) connections at the start, \(fresh.count) new in 30 s; links \(links)")
        #expect(fresh.isEmpty, "\(generation): new connections in 30 s: \(fresh.sorted())\n\(a.log.suffix(3000))")
        #expect(a.linkedKeys() == [b.publicKey] && b.linkedKeys() == [a.publicKey], "still linked")
        #expect(a.peerEntries().count == links.0 && b.peerEntries().count == links.1, "the same links")
    }
}
