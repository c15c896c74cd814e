import Foundation
import Testing
import RhizomeTestSupport

/// rhizomectl against live protocol-0.5 daemons in network namespaces: yggdrasil 0.5.12 and
/// rhizome speaking 0.5, linked to each other. Each node is read through rhizomectl and through
/// yggdrasilctl 0.5.12: the same JSON, and tables that agree cell for cell (byte for byte where
/// nothing in the reply changes from one moment to the next).
@Suite(.live, .serialized, .enabled(if: (NetworkLab.canRun && Yggdrasil05.installed) || NetworkLab.required,
                             "needs root, iproute2 and yggdrasil 0.5.12"))
struct CTL05InteropTests {
    static var rhizomectl: String { Subprocess.binDirectory.appendingPathComponent("rhizomectl").path }

    static func json(_ text: String) -> NSDictionary? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary
    }

    /// Table cells by line, TAB-separated and trimmed, with the `volatile` columns blanked.
    static func cells(_ table: String, volatile: Set<Int>) -> [[String]] {
        table.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.split(separator: "\t", omittingEmptySubsequences: false).enumerated().map { i, cell in
                volatile.contains(i) ? "*" : cell.trimmingCharacters(in: .whitespaces)
            }
        }
    }

    @Test func bothToolsAgreeOnBothDaemons() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let ygg = try MeshNode(lab: lab, host: h1, .yggdrasil, name: "ygg05", generation: .v05,
                               listen: ["tcp://[\(a1)]:12345"], tun: true)
        let rz = try MeshNode(lab: lab, host: h2, .rhizome, name: "rz05", generation: .v05,
                              peers: ["tcp://[\(a1)]:12345?priority=2"], tun: true)
        try ygg.start()
        #expect(ygg.waitReady(), "\(ygg.log)")
        try rz.start()
        #expect(rz.waitReady(), "\(rz.log)")
        #expect(NetworkLab.waitUntil(timeout: 20) { ygg.linkedKeys() == [rz.publicKey] && rz.linkedKeys() == [ygg.publicKey] },
                "no link\n\(ygg.log)\n\(rz.log)")

        func rctl(_ node: MeshNode, _ args: [String], json: Bool = false) throws -> RunResult {
            try Subprocess.run(Self.rhizomectl, ["-endpoint=unix://\(node.adminSocket)"] + (json ? ["-json"] : []) + args, timeout: 20)
        }
        func yctl(_ node: MeshNode, _ args: [String], json: Bool = false) throws -> RunResult {
            try Subprocess.run(Yggdrasil05.ctlPath, ["-endpoint=unix://\(node.adminSocket)"] + (json ? ["-json"] : []) + args, timeout: 20)
        }

        // rhizome's ping: a key lookup from the address, then the path and the round trip. It opens
        // the sessions and paths that getSessions and getPaths show below.
        var ping = try rctl(rz, ["ping", ygg.address])
        #expect(NetworkLab.waitUntil(timeout: 15, interval: 1) {
            ping = (try? rctl(rz, ["ping", ygg.address])) ?? ping
            return ping.status == 0
        }, "ping: \(ping.stdout)\(ping.stderr)")
        #expect(ping.stdout.hasPrefix("\(ygg.address) (key \(ygg.publicKey)): reachable, path ["), "\(ping.stdout)")
        #expect(ping.stdout.contains(" ms\n"))
        print("rhizomectl ping: \(ping.stdout)")
        #expect(NetworkLab.waitUntil(timeout: 10) {
            (Self.json((try? yctl(ygg, ["getSessions"], json: true))?.stdout ?? "")?["sessions"] as? [Any])?.count == 1
                && (Self.json((try? yctl(rz, ["getSessions"], json: true))?.stdout ?? "")?["sessions"] as? [Any])?.count == 1
        }, "sessions on both nodes")

        let volatile: [String: Set<Int>] = [
            "getPeers": [4, 5, 6, 7, 8, 9],   // uptime, RTT, RX, TX, rates
            "getSessions": [2, 3, 4],          // uptime, RX, TX
            "getPaths": [3], "getTree": [3],   // sequence numbers
        ]
        for node in [ygg, rz] {
            for command in ["getSelf", "getPeers", "getTree", "getPaths", "getSessions", "getTun"] {
                let what = "\(command) on \(node.implementation)"
                // -json: the same document as yggdrasilctl -json, and byte for byte once two reads agree.
                let rj = try rctl(node, [command], json: true), yj = try yctl(node, [command], json: true)
                #expect(rj.status == 0, "\(what): \(rj.stderr)")
                let r = Self.json(rj.stdout), y = Self.json(yj.stdout)
                #expect(r != nil && y != nil, "\(what): \(rj.stdout) / \(yj.stdout)")
                #expect(r?.allKeys.count == y?.allKeys.count, "\(what)")
                if ["getSelf", "getTun"].contains(command) { #expect(rj.stdout == yj.stdout, "\(what)") }

                // Tables: the same cells, the moving ones aside; identical text when nothing moved.
                var rt = try rctl(node, [command]), yt = try yctl(node, [command])
                #expect(rt.status == 0, "\(what): \(rt.stderr)")
                let mask = volatile[command] ?? []
                #expect(Self.cells(rt.stdout, volatile: mask) == Self.cells(yt.stdout, volatile: mask),
                        "\(what):\n\(rt.stdout)\nyggdrasilctl:\n\(yt.stdout)")
                let same = NetworkLab.waitUntil(timeout: 10, interval: 0.05) {
                    rt = (try? rctl(node, [command])) ?? rt
                    yt = (try? yctl(node, [command])) ?? yt
                    return rt.stdout == yt.stdout
                }
                #expect(same, "\(what) never printed the same table:\n\(rt.stdout)\nyggdrasilctl:\n\(yt.stdout)")
                let minimumLines = ["getSelf": 6, "getPeers": 2, "getTree": 3, "getPaths": 1, "getSessions": 2, "getTun": 3]
                #expect(rt.stdout.split(separator: "\n").count >= minimumLines[command] ?? 1, "\(what):\n\(rt.stdout)")
                print("rhizomectl \(what):\n\(rt.stdout)")
                if command == "getPeers" {
                    // The 0.5 layout, not the 0.4 one.
                    #expect(rt.stdout.split(separator: "\n").first?.contains("\tState\tDir\t") == true, "\(rt.stdout)")
                    #expect(rt.stdout.contains("\tUp   \t") && rt.stdout.contains("tcp://"), "\(rt.stdout)")
                }
            }
        }
        // The 0.5 address column and priority made it through (rhizome dialled with priority=2).
        let peersOnRz = try rctl(rz, ["getPeers"]).stdout
        #expect(peersOnRz.contains(ygg.address) && peersOnRz.contains("\tOut\t") && !peersOnRz.contains("priority="), "\(peersOnRz)")

        // tree: both daemons answer getTree in 0.5, so it draws on both.
        for node in [ygg, rz] {
            let tree = try rctl(node, ["tree"])
            #expect(tree.status == 0, "\(tree.stderr)")
            #expect(tree.stdout.contains("(root)") && tree.stdout.contains("└─ "), "\(tree.stdout)")
            #expect(tree.stdout.contains("\(node.publicKey)  \(node.address)  seq ") && tree.stdout.contains("(this node)"), "\(tree.stdout)")
            print("rhizomectl tree on \(node.implementation):\n\(tree.stdout)")
            let other = node === ygg ? rz : ygg
            #expect(tree.stdout.contains(other.publicKey), "\(tree.stdout)")
            let dot = try rctl(node, ["tree", "-dot"])
            #expect(dot.stdout.hasPrefix("digraph rhizome {") && dot.stdout.contains(" -> "), "\(dot.stdout)")
        }

        // rhizome's own commands: on rhizome they answer, on yggdrasil 0.5.12 a clear error, exit 1.
        let counters = try rctl(rz, ["getCounters"])
        #expect(counters.status == 0 && counters.stdout.split(separator: "\n").first?.split(separator: "\t").first?.trimmingCharacters(in: .whitespaces) == "Layer"
                && counters.stdout.contains("\nrouter ") && counters.stdout.contains("\nremoteRequests\tanswered"), "\(counters.stdout)")
        let byKey = try rctl(rz, ["ping", ygg.publicKey])
        #expect(byKey.status == 0 && byKey.stdout.contains("reachable"), "\(byKey.stdout)\(byKey.stderr)")
        for args in [["ping", rz.address], ["getCounters"]] {
            let r = try rctl(ygg, args)
            #expect(r.status == 1, "\(args)")
            #expect(r.stderr.contains("is a rhizome command") && r.stderr.contains("(yggdrasil 0.5.12)"), "\(r.stderr)")
        }
        // Errors and an absent node keep their exit codes.
        #expect(try rctl(ygg, ["removePeer", "uri=tcp://[::1]:1"]).status == 1)
        #expect(try rctl(rz, ["removePeer", "uri=tcp://[::1]:1"]).status == 1)
        #expect(try Subprocess.run(Self.rhizomectl, ["-endpoint=unix://\(lab.directory)/none.sock", "getSelf"]).status == 2)
    }
}
