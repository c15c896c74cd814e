import Foundation
import Testing
import RhizomeTestSupport

/// rhizomectl against fixed protocol-0.5 replies served by a fake admin socket: tables and
/// `-json` byte for byte as yggdrasilctl 0.5.12 prints them (the fixtures hold its output for the
/// same replies, and are checked against the real program when it is installed), how the
/// protocol is told from replies that do not say, and rhizome's own commands in 0.5 form.
@Suite struct CTL05RenderTests {
    static var rhizomectl: String { Subprocess.binDirectory.appendingPathComponent("rhizomectl").path }

    static func envelope(_ response: String, request: String? = nil) -> String {
        let echo = request.map { "{\n    \"request\": \"\($0)\",\n    \"arguments\": {}\n  }" } ?? "null"
        return "{\n  \"status\": \"success\",\n  \"request\": \(echo),\n  \"response\": \(response)\n}\n"
    }

    static func errorEnvelope(_ text: String, request: String) -> String {
        "{\n  \"status\": \"error\",\n  \"error\": \"\(text)\",\n  \"request\": {\n    \"request\": \"\(request)\",\n    \"arguments\": {}\n  },\n  \"response\": null\n}\n"
    }

    static let selfV05 = #"{"build_name": "yggdrasil", "build_version": "0.5.12", "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0", "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e", "routing_entries": 2, "subnet": "301:2931:d6fb:828a::/64"}"#
    static let selfV04 = #"{"self": null, "build_name": "yggdrasil", "build_version": "0.4.7", "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0", "address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e", "coords": [1], "subnet": "301:2931:d6fb:828a::/64"}"#

    func run(_ server: FakeAdminServer, _ args: [String], json: Bool = false) throws -> RunResult {
        try Subprocess.run(Self.rhizomectl, ["-endpoint=\(server.endpoint)"] + (json ? ["-json"] : []) + args, timeout: 15)
    }

    @Test(arguments: CTL05Fixtures.all.map(\.name))
    func tablesAndJSONAsYggdrasilctl0512(_ name: String) throws {
        let f = try #require(CTL05Fixtures.all.first { $0.name == name })
        let server = try FakeAdminServer(replies: ["*": f.envelope])
        defer { server.stop() }
        let table = try run(server, [f.command] + f.arguments)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout == f.table, "\(name) table:\n\(table.stdout.replacingOccurrences(of: "\t", with: "^I"))\nwanted:\n\(f.table.replacingOccurrences(of: "\t", with: "^I"))")
        let json = try run(server, [f.command] + f.arguments, json: true)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout == f.json, "\(name) -json:\n\(json.stdout)\nwanted:\n\(f.json)")
        // The request is the one yggdrasilctl sends; the envelope's echo makes a getSelf probe unnecessary.
        #expect(server.requests == [f.command, f.command])
    }

    /// The fixtures are what the real yggdrasilctl 0.5.12 prints for the same replies today.
    @Test(.enabled(if: Yggdrasil05.installed, "needs yggdrasilctl 0.5.12"))
    func fixturesMatchTheRealYggdrasilctl() throws {
        for f in CTL05Fixtures.all {
            let server = try FakeAdminServer(replies: ["*": f.envelope])
            defer { server.stop() }
            let table = try Subprocess.run(Yggdrasil05.ctlPath, ["-endpoint=\(server.endpoint)", f.command] + f.arguments)
            #expect(table.stdout == f.table, "\(f.name)")
            let json = try Subprocess.run(Yggdrasil05.ctlPath, ["-endpoint=\(server.endpoint)", "-json", f.command] + f.arguments)
            #expect(json.stdout == f.json, "\(f.name)")
        }
    }

    /// rhizome's daemon does not echo the request, and getSessions looks the same in both
    /// protocols: rhizomectl asks getSelf and lays the table out for what that shows.
    @Test func protocolFromGetSelfWhenTheReplyDoesNotTell() throws {
        let sessions = #"{"sessions": [{"address": "200:1::1", "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484", "bytes_recvd": 3763, "bytes_sent": 98, "uptime": 84.5}]}"#
        let server = try FakeAdminServer(replies: ["getsessions": Self.envelope(sessions), "getself": Self.envelope(Self.selfV05)])
        defer { server.stop() }
        let v05 = try run(server, ["getSessions"])
        #expect(v05.status == 0)
        #expect(v05.stdout == "                           Public Key                           \tIP Address\tUptime\t RX  \tTX  \n"
                + "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484\t200:1::1  \t1m24s \t3.7KB\t98B\t\n")
        #expect(server.requests == ["getSessions", "getSelf"])
        // The same reply from a 0.4 node keeps today's 0.4 layout.
        server.setReplies(["getsessions": Self.envelope(sessions), "getself": Self.envelope(Self.selfV04)])
        let v04 = try run(server, ["getSessions"])
        #expect(v04.stdout == "Public Key                                                        IP Address  Uptime  RX       TX\n"
                + "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484  200:1::1    1m24s   3.6 KiB  98 B\n")
        // 0.5 getSelf tells by itself (routing_entries), without a second request.
        let before = server.requests.count
        #expect(try run(server, ["getSelf"]).stdout.contains("Coordinates:"))
        server.setReplies(["getself": Self.envelope(Self.selfV05)])
        #expect(try run(server, ["getSelf"]).stdout.contains("Routing table size:\t2 "))
        #expect(server.requests.count == before + 2)
    }

    @Test func treeDrawsKeyToParentWithSequences() throws {
        let tree = #"""
        {"tree": [
          {"address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d", "key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484", "parent": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484", "sequence": 1},
          {"address": "201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e", "key": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0", "parent": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484", "sequence": 2},
          {"address": "200:1::3", "key": "80aa", "parent": "75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0", "sequence": 7},
          {"address": "200:1::4", "key": "90bb", "parent": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484", "sequence": 3}
        ]}
        """#
        let server = try FakeAdminServer(replies: ["gettree": Self.envelope(tree), "getself": Self.envelope(Self.selfV05)])
        defer { server.stop() }
        let r = try run(server, ["tree"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484  202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d  seq 1  (root)
            ├─ 75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0  201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e  seq 2  (this node)
            │  └─ 80aa  200:1::3  seq 7
            └─ 90bb  200:1::4  seq 3

            """)
        let dot = try run(server, ["tree", "-dot"])
        #expect(dot.stdout.hasPrefix("digraph rhizome {\n"))
        #expect(dot.stdout.contains("\"80aa\" -> \"75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0\" [label=\"7\"];"))
        #expect(dot.stdout.contains("\"75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0\" [label=\"75b38a411f5d6857…\\n201:2931:d6fb:828a:5ea1:4280:ea3c:8a0e\", style=bold];"))
        #expect(!dot.stdout.contains("\"26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484\" -> "), "the root has no parent edge")
        #expect(dot.stdout.hasSuffix("}\n"))
    }

    @Test func pingAndCountersIn05Form() throws {
        let ping = #"{"key": "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484", "address": "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d", "rtt_ms": 0.734, "path": [3, 1]}"#
        let counters = #"{"router": {"framesIn": 12, "dropped": 0}, "sessions": {"opened": 1}, "ipv6": {}, "links": {"open": 2}, "remoteRequests": {"answered": 4, "refusedPerKey": 1}}"#
        let server = try FakeAdminServer(replies: ["ping": Self.envelope(ping), "getcounters": Self.envelope(counters), "getself": Self.envelope(Self.selfV05)])
        defer { server.stop() }
        let r = try run(server, ["ping", "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d"])
        #expect(r.status == 0)
        #expect(r.stdout == "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d (key 26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484): reachable, path [3 1] from the root, rtt 0.734 ms\n")
        let c = try run(server, ["getCounters"])
        #expect(c.stdout == "    Layer     \t   Counter   \tValue \nrouter        \tframesIn     \t12   \t\nrouter        \tdropped      \t0    \t\nsessions      \topened       \t1    \t\nlinks         \topen         \t2    \t\nremoteRequests\tanswered     \t4    \t\nremoteRequests\trefusedPerKey\t1    \t\n")
    }

    @Test func helpNamesBothProtocolsCommandsWithoutConnecting() throws {
        for flag in ["-h", "--help", "-help"] {
            let r = try Subprocess.run(Self.rhizomectl, ["-endpoint=unix:///nonexistent/admin.sock", flag])
            #expect(r.status == 0, "\(flag): \(r.stderr)")
            #expect(r.stdout.contains("getTree (0.5), getDHT (0.4)") && r.stdout.contains("USAGE: rhizomectl"), "\(r.stdout)")
        }
    }

    /// Against yggdrasil 0.5.12, rhizome's own commands fail with a clear message and exit 1.
    @Test func rhizomeOnlyCommandsAgainstYggdrasil() throws {
        let server = try FakeAdminServer(replies: [
            "ping": Self.errorEnvelope("Unknown action 'ping', try 'list' for help", request: "ping"),
            "getcounters": Self.errorEnvelope("Unknown action 'getcounters', try 'list' for help", request: "getCounters"),
            "getself": Self.envelope(Self.selfV05, request: "getSelf"),
        ])
        defer { server.stop() }
        for args in [["ping", "200:1::1"], ["getCounters"]] {
            let r = try run(server, args)
            #expect(r.status == 1)
            #expect(r.stdout.isEmpty)
            #expect(r.stderr == "rhizomectl: \(args[0]) is a rhizome command; the node at \(server.endpoint) (yggdrasil 0.5.12) does not have it (it answered: Unknown action '\(args[0].lowercased())', try 'list' for help)\n")
        }
        // yggdrasil 0.4.7 has no getTree, so there `tree` is rhizome's too.
        server.setReplies(["gettree": Self.errorEnvelope("unknown action 'gettree'", request: "getTree"), "getself": Self.envelope(Self.selfV04)])
        let tree = try run(server, ["tree"])
        #expect(tree.status == 1)
        #expect(tree.stderr.hasPrefix("rhizomectl: tree is a rhizome command; the node at \(server.endpoint) (yggdrasil 0.4.7) does not have it"), "\(tree.stderr)")
        // Any other error: exit 1 with the node's text; no node: exit 2.
        server.setReplies(["*": Self.errorEnvelope("peer is not configured", request: "removePeer")])
        let e = try run(server, ["removePeer", "uri=tcp://[::1]:1"])
        #expect(e.status == 1)
        #expect(e.stderr == "rhizomectl: the node returned an error: peer is not configured\n")
        let gone = try Subprocess.run(Self.rhizomectl, ["-endpoint=unix://\(server.directory)/nothing.sock", "getSelf"])
        #expect(gone.status == 2)
        #expect(gone.stderr.contains("cannot connect"))
    }
}
