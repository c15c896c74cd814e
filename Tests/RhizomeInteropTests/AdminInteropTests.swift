import Foundation
import Testing
import RhizomeTestSupport

/// The admin API both ways: Debian's yggdrasilctl against rhizome, rhizomectl against yggdrasil.
@Suite(.live, .serialized, .enabled(if: (NetworkLab.canRun && Yggdrasil.path != nil) || NetworkLab.required,
                             "needs root, iproute2 and Debian's yggdrasil"))
struct AdminInteropTests {
    static var yggdrasilctl: String { Subprocess.which("yggdrasilctl") ?? "/usr/sbin/yggdrasilctl" }
    static var rhizomectl: String { Subprocess.binDirectory.appendingPathComponent("rhizomectl").path }

    /// Field names of a JSON value, recursively: an object's keys (with its values' shapes), and
    /// for arrays the union over their elements.
    static func shape(_ v: Any?, _ path: String = "") -> Set<String> {
        var out = Set<String>()
        if let o = v as? [String: Any] {
            for (k, value) in o {
                // Per-node names (keys, addresses) are data, not fields.
                let name = (k.count == 64 || k.contains(":")) ? "<id>" : k
                out.insert(path + "/" + name)
                out.formUnion(shape(value, path + "/" + name))
            }
        } else if let a = v as? [Any] {
            for e in a { out.formUnion(shape(e, path + "[]")) }
        }
        return out
    }

    static func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func controlToolsDriveBothDaemons() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, a2) = try lab.connect(h1, h2)
        let ygg = try MeshNode(lab: lab, host: h1, .yggdrasil, name: "ygg", listen: ["tcp://[\(a1)]:12345"])
        let rz = try MeshNode(lab: lab, host: h2, .rhizome, name: "rz", listen: ["tcp://[\(a2)]:12346"])
        try ygg.start(); try rz.start()
        #expect(ygg.waitReady() && rz.waitReady())
        func yctl(_ node: MeshNode, _ args: [String]) throws -> RunResult {
            try Subprocess.run(Self.yggdrasilctl, ["-json", "-endpoint", "unix://\(node.adminSocket)"] + args, timeout: 15)
        }
        func rctl(_ node: MeshNode, _ args: [String], json: Bool = true) throws -> RunResult {
            try Subprocess.run(Self.rhizomectl, (json ? ["-json"] : []) + ["-endpoint", "unix://\(node.adminSocket)"] + args, timeout: 15)
        }

        // addPeer through yggdrasilctl makes a live link from rhizome to yggdrasil.
        let add = try yctl(rz, ["addPeer", "uri=tcp://[\(a1)]:12345"])
        #expect(add.status == 0 && !add.stdout.contains("error"), "\(add.stdout)")
        #expect(NetworkLab.waitUntil(timeout: 10) { ygg.peerKeys() == [rz.publicKey] && rz.peerKeys() == [ygg.publicKey] })

        // Every command through yggdrasilctl against both daemons: rhizome's answers carry the
        // fields yggdrasil's carry.
        var commands: [[String]] = [["list"], ["getSelf"], ["getPeers"], ["getDHT"], ["getPaths"], ["getSessions"], ["getTun"],
                                    ["getMulticastInterfaces"]]
        for remote in ["getNodeInfo", "debug_remoteGetSelf", "debug_remoteGetPeers", "debug_remoteGetDHT"] {
            commands.append([remote, "key=KEY"])
        }
        for command in commands {
            let onRhizome = try yctl(rz, command.map { $0.replacingOccurrences(of: "KEY", with: ygg.publicKey) })
            let onYgg = try yctl(ygg, command.map { $0.replacingOccurrences(of: "KEY", with: rz.publicKey) })
            let r = Self.json(onRhizome.stdout), y = Self.json(onYgg.stdout)
            #expect(r != nil, "yggdrasilctl \(command) against rhizome: \(onRhizome.stdout)")
            #expect(y != nil, "yggdrasilctl \(command) against yggdrasil: \(onYgg.stdout)")
            let missing = Self.shape(y).subtracting(Self.shape(r))
            #expect(missing.isEmpty, "\(command): rhizome's answer lacks \(missing)")
        }
        // Sessions exist now on both sides (the remote queries opened them).
        #expect((Self.json(try yctl(rz, ["getSessions"]).stdout) as? [String: Any]).flatMap { $0["sessions"] as? [Any] }?.count == 1)

        // Human output parses for every command, through rhizomectl, against yggdrasil.
        for command in commands {
            let args = command.map { $0.replacingOccurrences(of: "KEY", with: rz.publicKey) }
            let table = try rctl(ygg, args, json: false)
            #expect(table.status == 0, "rhizomectl \(args) against yggdrasil: \(table.stderr)")
            #expect(!table.stdout.isEmpty || command[0] == "getMulticastInterfaces")
            let json = try rctl(ygg, args)
            #expect(json.status == 0 && Self.json(json.stdout) != nil, "rhizomectl -json \(args): \(json.stdout)")
        }
        // Errors are errors: exit status 1 from the node, 2 when it cannot be reached.
        #expect(try rctl(ygg, ["removePeer", "uri=tcp://[::1]:1"]).status == 1)
        #expect(try Subprocess.run(Self.rhizomectl, ["-endpoint", "unix:///nonexistent/socket", "getSelf"]).status == 2)

        // removePeer through yggdrasilctl closes rhizome's link.
        let remove = try yctl(rz, ["removePeer", "uri=tcp://[\(a1)]:12345"])
        #expect(remove.status == 0, "\(remove.stdout)")
        #expect(NetworkLab.waitUntil(timeout: 10) { ygg.answersWithNoLinks() && rz.answersWithNoLinks() })

        // rhizomectl drives yggdrasil's peer list: addPeer makes a live link; removePeer forgets it.
        let yAdd = try rctl(ygg, ["addPeer", "uri=tcp://[\(a2)]:12346"])
        #expect(yAdd.status == 0, "\(yAdd.stderr)")
        #expect(NetworkLab.waitUntil(timeout: 10) { ygg.peerKeys() == [rz.publicKey] && rz.peerKeys() == [ygg.publicKey] })
        #expect(try rctl(ygg, ["removePeer", "uri=tcp://[\(a2)]:12346"]).status == 0)
        #expect(try rctl(ygg, ["removePeer", "uri=tcp://[\(a2)]:12346"]).status == 1, "the peer is no longer configured")

        // Extras on rhizome: ping by key and by address, tree.
        #expect(NetworkLab.waitUntil(timeout: 10) { rz.peerKeys() == [ygg.publicKey] })
        for target in [ygg.publicKey, ygg.address] {
            let ping = try rctl(rz, ["ping", target], json: false)
            #expect(ping.status == 0 && ping.stdout.contains("reachable") && ping.stdout.contains("rtt"), "ping \(target): \(ping.stdout)\(ping.stderr)")
        }
        let tree = try rctl(rz, ["tree"], json: false)
        #expect(tree.status == 0 && tree.stdout.contains("root ") && tree.stdout.contains(String(ygg.publicKey.prefix(16))), "\(tree.stdout)")
        let dot = try rctl(rz, ["tree", "-dot"], json: false)
        #expect(dot.stdout.hasPrefix("digraph rhizome {") && dot.stdout.contains("->"), "\(dot.stdout)")
    }

    @Test func adminSocketSurvivesBadClientsAndStaleFiles() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h = try lab.addHost()
        let rz = try MeshNode(lab: lab, host: h, .rhizome, name: "rz")
        // A stale socket file from a crashed run is cleaned up.
        FileManager.default.createFile(atPath: rz.adminSocket, contents: nil)
        try rz.start()
        #expect(rz.waitReady(), "\(rz.log)")
        let socket = "unix://\(rz.adminSocket)"
        // Malformed JSON, a non-request value and an unknown command get error replies.
        for (payload, expected) in [("{not json", "Failed to find request"), ("[1]", "Failed to unmarshal request"),
                                    ("{\"request\":\"nosuch\"}", "Unknown action 'nosuch'"), ("{}", "No request specified")] {
            let r = try Subprocess.run("/usr/bin/python3", ["-c", """
            import socket, sys
            s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1][7:]); s.sendall(sys.argv[2].encode()); s.shutdown(socket.SHUT_WR)
            print(s.makefile().read())
            """, socket, payload], timeout: 10)
            #expect(r.stdout.contains(expected), "\(payload) → \(r.stdout)")
        }
        // An oversized request is refused; the server keeps serving.
        let big = try Subprocess.run("/usr/bin/python3", ["-c", """
        import socket, sys
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1][7:])
        try:
            s.sendall(b'{"request": "' + b'x' * (2 << 20))
        except Exception:
            pass
        print(s.makefile().read())
        """, socket], timeout: 10)
        #expect(big.stdout.contains("larger than"), "\(big.stdout)")
        // Several clients at once.
        // (On threads of their own, not Dispatch's global queue: see Subprocess.run.)
        let group = DispatchGroup()
        nonisolated(unsafe) var ok = 0
        let lock = NSLock()
        for _ in 0..<8 {
            group.enter()
            Thread {
                if let r = try? Subprocess.run(Self.rhizomectl, ["-json", "-endpoint", socket, "getSelf"]), r.status == 0 { lock.lock(); ok += 1; lock.unlock() }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(ok == 8)
        // Keepalive: two requests on one connection, two replies.
        let keep = try Subprocess.run("/usr/bin/python3", ["-c", """
        import socket, sys
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1][7:])
        s.sendall(b'{"request":"getself","keepalive":true}{"request":"gettun"}')
        print(s.makefile().read())
        """, socket], timeout: 10)
        #expect(keep.stdout.components(separatedBy: "\"status\": \"success\"").count == 3, "\(keep.stdout)")
        // A second daemon on the same socket refuses to start, and says why.
        let second = try Subprocess.run(rz.program, ["-useconffile", rz.configPath], timeout: 10)
        #expect(second.status == 1)
        #expect((second.stdout + second.stderr).contains("in use"))
    }

    /// AdminListen tcp://127.0.0.1:PORT (the namespace's own loopback): both control tools work.
    @Test func tcpAdminEndpointOnLoopback() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h = try lab.addHost()
        let rz = try MeshNode(lab: lab, host: h, .rhizome, name: "rz")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: rz.configPath))) as! [String: Any]
        config["AdminListen"] = "tcp://127.0.0.1:9911"
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: rz.configPath))
        try rz.start()
        #expect(NetworkLab.waitUntil(timeout: 10) { rz.log.contains("TCP admin socket listening") }, "\(rz.log)")
        let y = try lab.run(h, Self.yggdrasilctl, ["-json", "-endpoint", "tcp://127.0.0.1:9911", "getSelf"])
        #expect((Self.json(y.stdout) as? [String: Any])?["key"] as? String == rz.publicKey, "\(y.stdout)")
        let r = try lab.run(h, Self.rhizomectl, ["-endpoint", "tcp://127.0.0.1:9911", "getSelf"])
        #expect(r.status == 0 && r.stdout.contains(rz.publicKey))
    }
}
