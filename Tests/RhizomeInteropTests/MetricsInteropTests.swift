import Foundation
import Testing
import RhizomeTestSupport

/// The metrics endpoint on a running node: scraped while iperf3 runs and parsed with the
/// Prometheus client library's parser (Debian's python3-prometheus-client); the counters follow
/// the traffic and the drops; a node without `MetricsListen` listens for nothing.
@Suite(.live, .serialized, .enabled(if: NetworkLab.canRun || NetworkLab.required, "needs root and iproute2"))
struct MetricsInteropTests {
    /// Fetches the text, parses it with prometheus_client, prints the families' types and every
    /// sample as `name{label="value",...}` (labels sorted) → value, in JSON.
    static let scraper = #"""
    import json, sys, urllib.request
    from prometheus_client.parser import text_string_to_metric_families
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    response = opener.open(sys.argv[1], timeout=5)
    text = response.read().decode("utf-8")
    out = {"contentType": response.headers.get("Content-Type"), "families": {}, "samples": {}}
    for family in text_string_to_metric_families(text):
        out["families"][family.name] = family.type
        for s in family.samples:
            labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
            out["samples"][s.name + ("{" + labels + "}" if labels else "")] = s.value
    print(json.dumps(out))
    """#

    struct Scrape {
        var contentType: String
        var families: [String: String]
        var samples: [String: Double]
        subscript(_ key: String) -> Double { samples[key] ?? -1 }
    }

    static func scrape(_ lab: NetworkLab, _ node: MeshNode, port: Int) throws -> Scrape {
        let script = lab.directory + "/scrape.py"
        if !FileManager.default.fileExists(atPath: script) {
            try scraper.write(toFile: script, atomically: true, encoding: .utf8)
        }
        let r = try lab.run(node.host, "/usr/bin/python3", [script, "http://127.0.0.1:\(port)/metrics"], timeout: 15)
        guard r.status == 0, let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw NetworkLab.LabError(message: "scrape failed: \(r.stdout) \(r.stderr)")
        }
        return Scrape(contentType: obj["contentType"] as? String ?? "",
                      families: obj["families"] as? [String: String] ?? [:],
                      samples: (obj["samples"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue })
    }

    @Test(arguments: [MeshNode.Generation.v04, .v05])
    func countersFollowIperfAndSpoofedDrops(generation: MeshNode.Generation) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (addr1, _) = try lab.connect(h1, h2)
        let port = 9464
        let a = try MeshNode(lab: lab, host: h1, .rhizome, name: "a", generation: generation, listen: ["tcp://[\(addr1)]:12345"],
                             tun: true, extra: ["MetricsListen": "127.0.0.1:\(port)"])
        let b = try MeshNode(lab: lab, host: h2, .rhizome, name: "b", generation: generation, peers: ["tcp://[\(addr1)]:12345"], tun: true)
        try a.start()
        #expect(a.waitReady())
        try b.start()
        #expect(b.waitReady())
        #expect(a.canPing(b.address), "\(a.log)\n\(b.log)")
        #expect(a.log.contains("Metrics served at http://127.0.0.1:\(port)/metrics"))

        let before = try Self.scrape(lab, a, port: port)
        #expect(before.contentType.hasPrefix("text/plain; version=0.0.4"))
        #expect(before.families["rhizome_link_bytes"] == "counter")
        #expect(before.families["rhizome_drops"] == "counter")
        #expect(before.families["rhizome_links_up"] == "gauge")
        #expect(before.families["process_resident_memory_bytes"] == "gauge")
        #expect(before[#"rhizome_links_up{scheme="tcp"}"#] == 1)
        #expect(before[#"rhizome_build_info{protocol="\#(generation.rawValue)",version="0.1.0"}"#] == 1)
        #expect(before["rhizome_tree_depth"] >= 0)
        #expect(before.samples.keys.filter { $0.hasPrefix("rhizome_tree_root_info{") }.count == 1)
        #expect(before["process_resident_memory_bytes"] > 1_000_000)
        #expect(before.samples.keys.contains(#"rhizome_table_entries{table="paths"}"#))
        #expect(before.samples.keys.contains(#"rhizome_handshake_failures_total{reason="timeout"}"#))
        #expect(before["rhizome_reloads_total"] == 0)

        // Scrape while iperf3 runs: the text still parses, and the counters move.
        let seconds = 3
        nonisolated(unsafe) var mbps: Double?
        let done = DispatchSemaphore(value: 0)
        Thread { mbps = a.iperf(to: b, address: b.address, seconds: seconds); done.signal() }.start()
        Thread.sleep(forTimeInterval: 2)
        let during = try Self.scrape(lab, a, port: port)
        #expect(done.wait(timeout: .now() + 60) == .success)
        let after = try Self.scrape(lab, a, port: port)
        let moved = (mbps ?? 0) * 1e6 / 8 * Double(seconds)
        #expect(moved > 0, "iperf3 ran")
        let out = #"rhizome_link_bytes_total{direction="out"}"#
        #expect(during[out] > before[out])
        #expect(after[out] - before[out] >= moved / 2, "link bytes out grew \(after[out] - before[out]), iperf3 moved \(moved)")
        let tunOut = #"rhizome_tun_bytes_total{direction="out"}"#
        #expect(after[tunOut] - before[tunOut] >= moved / 2, "TUN bytes out grew \(after[tunOut] - before[tunOut])")
        let frames = #"rhizome_link_frames_total{direction="out"}"#
        #expect(after[frames] - before[frames] >= moved / 2 / 65_535)
        #expect(after[#"rhizome_link_bytes_total{direction="in"}"#] > before[#"rhizome_link_bytes_total{direction="in"}"#])
        #expect(after["rhizome_sessions"] >= 1)
        print("metrics \(generation.rawValue): iperf3 moved \(Int(moved)) B; link bytes out +\(Int(after[out] - before[out])), TUN bytes out +\(Int(after[tunOut] - before[tunOut]))")

        // A packet with a source that is not ours: dropped at a and counted by layer and reason.
        let badSource = #"rhizome_drops_total{layer="ipv6",reason="bad_source"}"#
        let fake = "201:dead:beef::1"
        try lab.run(a.host, "ip", ["-6", "addr", "add", fake + "/128", "dev", "lo", "nodad"])
        let r = try lab.run(a.host, "ping", ["-6", "-c", "3", "-i", "0.3", "-W", "1", "-I", fake, b.address], timeout: 10)
        #expect(r.status != 0, "a spoofed source must not get through")
        let spoofed = try Self.scrape(lab, a, port: port)
        #expect(spoofed[badSource] >= after[badSource] + 3, "bad_source drops: \(after[badSource]) → \(spoofed[badSource])")

        // Off by default: b has no MetricsListen and no TCP listener at all; a has its one.
        let listenersB = try lab.run(b.host, "ss", ["-Hltn"]).stdout
        let listenersA = try lab.run(a.host, "ss", ["-Hltn"]).stdout
        #expect(listenersA.contains("127.0.0.1:\(port)"))
        #expect(listenersB.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "b listens: \(listenersB)")
        #expect(!b.log.contains("Metrics served"))
    }
}
