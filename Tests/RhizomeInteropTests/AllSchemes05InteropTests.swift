import Foundation
import Testing
import RhizomeTestSupport

// A config with one peer of every scheme yggdrasil 0.5.12 knows starts, and every peer that
// cannot be reached is retried with back-off (node-sessions-admin.md §2.1, §2.7).
//
//     swift build --build-tests && sudo swift test --skip-build --filter AllSchemes05InteropTests

@Suite(.live, .serialized, .timeLimit(.minutes(6)),
       .enabled(if: V05.runnable, "needs root, iproute2 and yggdrasil 0.5.12 in /opt/yggdrasil-0.5.12"))
struct AllSchemes05InteropTests {
    /// Every scheme of 0.5.12, each aimed at an address of the lab where nothing listens.
    static func peers(_ a: String, _ directory: String) -> [String: String] {
        [
            "tcp": "tcp://[\(a)]:1001",
            "tls": "tls://[\(a)]:1002?sni=peer.example",
            "quic": "quic://[\(a)]:1003",
            "ws": "ws://[\(a)]:1004/path",
            "wss": "wss://[\(a)]:1005/",
            "unix": "unix://\(directory)/nobody-listens.sock",
            "socks": "socks://[\(a)]:1006/[\(a)]:1007",
            "sockstls": "sockstls://[\(a)]:1006/[\(a)]:1008",
        ]
    }

    @Test func everySchemeStartsAndIsRetried() throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let h1 = try lab.addHost(), h2 = try lab.addHost()
        let (a1, _) = try lab.connect(h1, h2)
        let wanted = Self.peers(a1, lab.directory)
        let node = try V05.node(lab, h1, .rhizome, "all", peers: wanted.values.sorted())
        try V05.start(node)
        #expect(!node.log.contains("skipped"), "a scheme was skipped:\n\(node.log)")

        // getPeers lists each configured peer, down, with its error; a new error on a later
        // sample (last_error_time falling back) is a new attempt.
        var attempts: [String: Int] = [:]
        var previous: [String: Double] = [:]
        var seen: Set<String> = []
        let started = Date()
        while Date().timeIntervalSince(started) < 24 {
            for entry in node.peerEntries() {
                guard let remote = entry["remote"] as? String, (entry["up"] as? Bool) == false,
                      let scheme = wanted.first(where: { remote.hasPrefix($0.key + "://") && $0.value.hasPrefix(remote) })?.key
                else { continue }
                seen.insert(scheme)
                #expect(!((entry["last_error"] as? String) ?? "").isEmpty || entry["last_error_time"] == nil, "\(remote): \(entry)")
                guard let since = (entry["last_error_time"] as? NSNumber)?.doubleValue else { continue }
                if let before = previous[scheme], since < before { attempts[scheme, default: 0] += 1 }
                previous[scheme] = since
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        #expect(node.isRunning, "the node stopped:\n\(node.log)")
        #expect(seen == Set(wanted.keys), "getPeers listed \(seen.sorted()) of \(wanted.keys.sorted())")
        for scheme in wanted.keys.sorted() {
            let n = attempts[scheme] ?? 0
            // Doubling from 1 s to a cap of 4 s (or 60 s after a refusal); a quic dial to nothing
            // waits out its 5 s handshake timeout: 2 to 16 attempts in 24 s.
            #expect((2...16).contains(n), "\(scheme): \(n) new attempts in 24 s")
        }
    }
}
