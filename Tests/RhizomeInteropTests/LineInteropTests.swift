import Foundation
import Testing
import RhizomeTestSupport

/// Five nodes in a line, alternating rhizome and yggdrasil 0.4.7, starting with either.
@Suite(.live, .serialized, .enabled(if: (NetworkLab.canRun && Yggdrasil.path != nil) || NetworkLab.required,
                             "needs root, iproute2 and Debian's yggdrasil"))
struct LineInteropTests {
    @Test(arguments: [MeshNode.Implementation.yggdrasil, .rhizome])
    func alternatingLineRoutesAndSurvivesACutLink(first: MeshNode.Implementation) throws {
        let lab = try NetworkLab()
        defer { lab.shutdown() }
        let hosts = try (0..<5).map { _ in try lab.addHost() }
        var addrs: [(String, String)] = []
        for i in 0..<4 { addrs.append(try lab.connect(hosts[i], hosts[i + 1])) }
        let other: MeshNode.Implementation = first == .rhizome ? .yggdrasil : .rhizome
        let impls = (0..<5).map { $0 % 2 == 0 ? first : other }
        // Every link joins one node of each kind: the yggdrasil end listens, the rhizome end
        // dials (rhizome re-dials within seconds; 0.4.7 can wait a minute).
        var nodes: [MeshNode] = []
        for i in 0..<5 {
            var listen: [String] = [], peers: [String] = []
            for (l, (left, right)) in addrs.enumerated() where l == i || l == i - 1 {
                let mine = l == i ? left : right, theirs = l == i ? right : left
                if impls[i] == .yggdrasil { listen.append("tcp://[\(mine)]:12345") } else { peers.append("tcp://[\(theirs)]:12345") }
            }
            nodes.append(try MeshNode(lab: lab, host: hosts[i], impls[i], name: "n\(i)", listen: listen, peers: peers,
                                      tun: impls[i] == .yggdrasil))
        }
        for n in nodes where n.implementation == .yggdrasil { try n.start() }
        for n in nodes where n.implementation == .yggdrasil { #expect(n.waitReady()) }
        for n in nodes where n.implementation == .rhizome { try n.start() }
        for n in nodes where n.implementation == .rhizome { #expect(n.waitReady()) }

        let minKey = nodes.map(\.publicKey).min()!
        func converged() -> Bool {
            // One tree: the root is the smallest key, and every node's coordinates match what
            // its neighbours see.
            for (i, n) in nodes.enumerated() {
                guard let c = n.coords() else { return false }
                if (n.publicKey == minKey) != c.isEmpty { return false }
                for j in [i - 1, i + 1] where j >= 0 && j < 5 {
                    if nodes[j].peerCoords()[n.publicKey] != c { return false }
                }
            }
            return true
        }
        #expect(NetworkLab.waitUntil(timeout: 20, interval: 0.5, converged), "tree did not converge")

        let yggs = nodes.filter { $0.implementation == .yggdrasil }
        let (from, to) = (yggs.first!, yggs.last!)
        func reaches() -> Bool {
            NetworkLab.waitUntil(timeout: 30, interval: 0.5) {
                (try? lab.run(from.host, "ping", ["-6", "-c", "1", "-W", "1", to.address], timeout: 5))?.status == 0
            }
        }
        #expect(reaches(), "\(from.name) → \(to.name) across the line")

        // Cut the middle of the line (link 2: n1–n2) long enough for every node to notice, then restore.
        try lab.setLink(2, up: false)
        Thread.sleep(forTimeInterval: 8)
        let during = try lab.run(from.host, "ping", ["-6", "-c", "1", "-W", "1", to.address], timeout: 5)
        #expect(during.status != 0, "traffic should not cross a cut link")
        try lab.setLink(2, up: true)
        #expect(NetworkLab.waitUntil(timeout: 30, interval: 0.5, converged), "tree did not re-converge after the link came back")
        #expect(reaches(), "traffic resumes after the link is restored, no restarts")
        for n in nodes { #expect(n.process?.isRunning == true, "\(n.name) kept running") }
    }
}
