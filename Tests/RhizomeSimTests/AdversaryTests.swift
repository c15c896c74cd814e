import Foundation
import RhizomeCore
import RhizomeCrypto
import Testing
@testable import RhizomeSim

/// Issue 13 item 6: adversarial nodes in the simulator, for both protocol versions, measured
/// against the same seed without them.
@Suite struct AdversaryTests {
    func config(_ n: Int, _ topology: TopologyKind, seed: UInt64, _ version: ProtocolVersion) -> ScenarioConfig {
        var c = ScenarioConfig(nodes: n, seed: seed, topology: topology, protocolVersion: version)
        c.stableWindow = 3
        c.maxConvergenceWait = 60
        return c
    }

    /// Honest ordered pairs whose every path in the topology passes through one of `cut`.
    func pairsSeparated(by cut: [Int], topology: Topology) -> Set<[Int]> {
        let bad = Set(cut)
        let adj = Adjacency(nodeCount: topology.nodeCount,
                            edges: topology.edges.filter { !bad.contains($0.0) && !bad.contains($0.1) })
        let (labels, _) = adj.components()
        var result = Set<[Int]>()
        for a in 0..<topology.nodeCount where !bad.contains(a) {
            for b in 0..<topology.nodeCount where b != a && !bad.contains(b) && labels[a] != labels[b] {
                result.insert([a, b])
            }
        }
        return result
    }

    @Test func specParses() {
        #expect(AdversarySpec(parsing: "blackhole:3") == AdversarySpec(.blackhole, count: 3))
        #expect(AdversarySpec(parsing: "anycast") == AdversarySpec(.anycast, count: 1))
        #expect(AdversarySpec(parsing: "smallest-key-liar:2")?.kind == .smallestKeyLiar)
        #expect(AdversarySpec(parsing: "blackhole:0") == nil)
        #expect(AdversarySpec(parsing: "liar") == nil)
    }

    /// In a tree every interior node is a cut vertex: the blackhole (the best-connected node)
    /// loses exactly the pairs it separates, in both sends, and nothing else.
    @Test(arguments: [ProtocolVersion.v04, .v05])
    func blackholeOnCutVertexLosesThePairsItSeparates(version: ProtocolVersion) throws {
        let c = config(60, .tree, seed: 5, version)
        let result = AdversaryScenario(c, spec: AdversarySpec(.blackhole)).run()
        let topology = Topology.make(.tree, nodes: 60, averageDegree: 3, seed: 5)
        let hole = try #require(result.blackholes.first)
        let separated = pairsSeparated(by: [hole], topology: topology)
        #expect(!separated.isEmpty)
        // Without it every honest pair delivers.
        #expect(result.baseline.converged)
        #expect(result.baseline.lostPairsTotal == 0)
        #expect(result.baseline.second.delivered == result.baseline.honestPairs)
        // With it: the control plane is honest, so the network converges as before…
        #expect(result.attacked.converged)
        // …and exactly the separated pairs are lost, both sends, and the report names them.
        #expect(result.attacked.lostPairsTotal == separated.count)
        #expect(result.attacked.separatedPairs == separated.count && result.baseline.separatedPairs == separated.count)
        #expect(Set(result.attacked.lostPairs) == separated)
        #expect(result.attacked.second.delivered == result.attacked.honestPairs - separated.count)
        #expect(result.attacked.withheldProbes >= 2 * separated.count)
        #expect(result.attacked.first.loops + result.attacked.second.loops == 0)
        #expect(result.attacked.misdelivered == 0 && result.attacked.linksClosed == 0)
    }

    /// Two nodes far apart with one key: nothing crashes or closes, packets to the key reach
    /// one twin or the other and are counted per twin; honest pairs are measured.
    @Test(arguments: [ProtocolVersion.v04, .v05])
    func anycastTwinsAreCounted(version: ProtocolVersion) throws {
        var c = config(80, .random, seed: 3, version)
        c.pairs = 1000
        let result = AdversaryScenario(c, spec: AdversarySpec(.anycast)).run()
        let twins = try #require(result.twins.first)
        #expect(twins.count == 2 && twins[0] != twins[1])
        let honest = 80 - 2
        #expect(result.attacked.honestNodes == honest)
        #expect(result.attacked.twinProbes == 2 * honest)
        let perTwin = try #require(result.attacked.twinDeliveries.first)
        #expect(perTwin[0] + perTwin[1] <= 2 * honest)
        #expect(perTwin[0] + perTwin[1] > 0)
        // In the baseline the "second twin" has its own key: nothing addressed to the first reaches it.
        #expect(result.baseline.twinDeliveries.first?[1] == 0)
        #expect(result.baseline.twinDeliveries.first?[0] == 2 * honest)
        #expect(result.attacked.misdelivered == 0 && result.attacked.linksClosed == 0)
        #expect(result.attacked.honestPairs == result.baseline.honestPairs)
    }

    /// The liar grinds the smallest key and every honest node takes it as root: parent selection
    /// has nothing to check against it. Withholding everything but its announcements, it cuts the
    /// pairs that must cross it; in a tree, honest pairs whose path avoids it still deliver in 0.5
    /// (lookups and traffic stay inside the branch).
    @Test func liarRootBecomesRootAndBranchesStillDeliver05() throws {
        let c = config(60, .tree, seed: 5, .v05)
        let result = AdversaryScenario(c, spec: AdversarySpec(.smallestKeyLiar)).run()
        let liar = try #require(result.liars.first)
        let topology = Topology.make(.tree, nodes: 60, averageDegree: 3, seed: 5)
        let separated = pairsSeparated(by: [liar], topology: topology)
        #expect(result.baseline.honestRootedAtAdversary == 0)
        #expect(result.attacked.honestRootedAtAdversary == result.attacked.honestNodes)
        #expect(Set(result.attacked.lostPairs) == separated)
        #expect(result.attacked.second.delivered == result.attacked.honestPairs - separated.count)
        #expect(result.attacked.withheldFrames > 0)
    }

    /// The same liar in a random graph: everyone takes it as root in both versions, and it costs
    /// deliveries that the baseline makes.
    @Test(arguments: [ProtocolVersion.v04, .v05])
    func liarRootCostsDeliveries(version: ProtocolVersion) throws {
        var c = config(80, .random, seed: 3, version)
        c.pairs = 1000
        let result = AdversaryScenario(c, spec: AdversarySpec(.smallestKeyLiar)).run()
        #expect(result.attacked.honestRootedAtAdversary == result.attacked.honestNodes)
        #expect(result.baseline.lostPairsTotal == 0)
        #expect(result.attacked.first.delivered < result.baseline.first.delivered)
        #expect(result.attacked.first.loops + result.attacked.second.loops == 0)
        #expect(result.attacked.misdelivered == 0)
    }
}
