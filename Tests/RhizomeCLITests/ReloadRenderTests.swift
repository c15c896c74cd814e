import Foundation
import Testing
import RhizomeTestSupport

/// `rhizomectl reload` against fixed replies: the report as text, `-json` as sent, exit 1 when
/// the node applied nothing, and the rhizome-only message from a yggdrasil node.
@Suite struct ReloadRenderTests {
    static var rhizomectl: String { Subprocess.binDirectory.appendingPathComponent("rhizomectl").path }

    func run(_ server: FakeAdminServer, _ args: [String]) throws -> RunResult {
        try Subprocess.run(Self.rhizomectl, ["-endpoint=\(server.endpoint)"] + args, timeout: 15)
    }

    static let applied = #"{"applied": ["Peers", "NodeInfo"], "changes": ["- Peers tcp://[fd00::1]:1", "+ Peers tcp://[fd00::2]:1", "NodeInfo replaced"], "restart_needed": ["IfMTU"], "seconds": 0.002500}"#
    static let failed = #"{"error": "config error: AllowedPublicKeys[0] \"x\" is not a 64-character hex public key", "applied": [], "changes": [], "restart_needed": [], "seconds": 0.000400}"#

    @Test func reportAsTextAndJSON() throws {
        let server = try FakeAdminServer(replies: ["reload": CTL05RenderTests.envelope(Self.applied, request: "reload")])
        defer { server.stop() }
        let text = try run(server, ["reload"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout == """
            Reload:           done in 0.002500 s
            Applied:          Peers, NodeInfo
            Needs a restart:  IfMTU
              - Peers tcp://[fd00::1]:1
              + Peers tcp://[fd00::2]:1
              NodeInfo replaced

            """, "\(text.stdout)")
        let json = try run(server, ["-json", "reload"])
        #expect(json.status == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(obj?["restart_needed"] as? [String] == ["IfMTU"])

        server.setReplies(["reload": CTL05RenderTests.envelope(Self.failed, request: "reload")])
        let bad = try run(server, ["reload"])
        #expect(bad.status == 1)
        #expect(bad.stdout.hasPrefix("Reload:  failed, nothing changed\nError:   config error: AllowedPublicKeys[0]"), "\(bad.stdout)")
        #expect(try run(server, ["-json", "reload"]).status == 1)
    }

    @Test func yggdrasilHasNoReload() throws {
        let server = try FakeAdminServer(replies: [
            "reload": CTL05RenderTests.errorEnvelope("Unknown action 'reload', try 'list' for help", request: "reload"),
            "getself": CTL05RenderTests.envelope(CTL05RenderTests.selfV05, request: "getSelf"),
        ])
        defer { server.stop() }
        let r = try run(server, ["reload"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("rhizomectl: reload is a rhizome command"), "\(r.stderr)")
    }
}
