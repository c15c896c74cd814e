import Foundation
import RhizomeCore
import RhizomeCrypto

/// One run's figures, among honest nodes only (adversaries neither send nor receive test packets,
/// except the probes toward anycast twins).
public struct AdversaryRunResult: Codable, Equatable, Sendable {
    /// Whether the usual invariants (one root, the smallest key, and 0.4.7's predecessors or 0.5's
    /// lookup reachability) held for the stable window within the wait, and when.
    public var converged = false
    public var convergenceTime: Double?
    /// The last convergence check.
    public var state = StateCheck()
    /// Honest nodes whose root is an adversary's key.
    public var honestRootedAtAdversary = 0
    public var honestNodes = 0
    /// Ordered honest pairs probed (the same pairs in the baseline and the attacked run).
    public var honestPairs = 0
    /// Of those, pairs that every path in the graph joins through an adversary: no routing can
    /// save them. The rest of the losses are pairs that had another path the routing did not use.
    public var separatedPairs = 0
    /// First send (0.4.7: DHT; 0.5: after a lookup) and second send (source route / learnt coords).
    public var first = RoundResult()
    public var second = RoundResult()
    /// Honest ordered pairs lost in both rounds, as [source, destination] (at most 20,000).
    public var lostPairs: [[Int]] = []
    public var lostPairsTotal = 0
    /// Frames the adversaries withheld, and test packets among them.
    public var withheldFrames = 0
    public var withheldProbes = 0
    /// Anycast: probes from honest nodes to the twins' key (two rounds, one per honest node and pair
    /// each), and which twin took them: `twinDeliveries[i][j]` for pair i, twin j.
    public var twinProbes = 0
    public var twinDeliveries: [[Int]] = []
    /// Packets delivered to a node that was neither destination nor its twin.
    public var misdelivered = 0
    public var linksClosed = 0

    public var deliveredFraction: Double {
        honestPairs == 0 ? 1 : rounded(Double(second.delivered) / Double(second.sent))
    }
    public var firstDeliveredFraction: Double {
        honestPairs == 0 ? 1 : rounded(Double(first.delivered) / Double(first.sent))
    }
}

/// The same seed and topology with and without the adversaries.
public struct AdversaryComparison: Codable, Equatable, Sendable {
    public var config: ScenarioConfig
    public var spec: AdversarySpec
    public var liars: [Int] = []
    public var blackholes: [Int] = []
    public var twins: [[Int]] = []
    public var baseline = AdversaryRunResult()
    public var attacked = AdversaryRunResult()
}

/// Runs `config`'s network (initial phase only: no faults) twice, without and with the adversaries
/// of `spec`, and measures honest reachability, convergence and stretch in both.
public struct AdversaryScenario {
    public let config: ScenarioConfig
    public let spec: AdversarySpec

    public init(_ config: ScenarioConfig, spec: AdversarySpec) {
        self.config = config
        self.spec = spec
    }

    public func run() -> AdversaryComparison {
        switch config.protocolVersion {
        case .v04: compare(Router.self)
        case .v05: compare(Router05.self)
        }
    }

    func compare<R: SimulatedRouter>(_: R.Type) -> AdversaryComparison {
        let topology = Topology.make(config.topology, nodes: config.nodes, averageDegree: config.averageDegree, seed: config.seed)
        let plan = AdversaryPlan(spec, topology: topology)
        var c = AdversaryComparison(config: config, spec: spec)
        c.liars = plan.liars
        c.blackholes = plan.blackholes
        c.twins = plan.twins
        c.baseline = measure(R.self, topology: topology, plan: plan, attacked: false)
        c.attacked = measure(R.self, topology: topology, plan: plan, attacked: true)
        return c
    }

    /// One run. Every random stream but the liars' key grinding is the same in both runs.
    public func measure<R: SimulatedRouter>(_: R.Type, topology: Topology, plan: AdversaryPlan, attacked: Bool) -> AdversaryRunResult {
        let sim = Simulator<R>(topology: topology, seed: config.seed, parameters: config.network,
                               adjustKeys: attacked ? plan.adjustKeys(seed: config.seed) : nil)
        let tally = AdversaryTally()
        if attacked { sim.install(plan, tally: tally) }
        let (diameter, _) = sim.adjacency(liveOnly: false).diameter(seed: config.seed)
        sim.hopLimit = Int32(config.hopLimit ?? max(4 * diameter, 256))
        var r = AdversaryRunResult()
        let bad = Set(plan.nodes)
        sim.startAllLinks()
        let conv = sim.converge(.live, interval: config.checkInterval, stableWindow: config.stableWindow,
                                maxWait: config.maxConvergenceWait)
        r.converged = conv.converged
        r.convergenceTime = conv.time
        r.state = conv.final
        let badKeys = Set(plan.nodes.map { sim.keys[$0] })
        for v in 0..<sim.nodeCount where !bad.contains(v) {
            r.honestNodes += 1
            if badKeys.contains(sim.withRouter(v, { $0.simRoot })) { r.honestRootedAtAdversary += 1 }
        }

        // Honest pairs: the usual sample (or all pairs), without the adversaries' own.
        let (all, _) = sim.probePairs(limit: config.effectivePairs, round: 0)
        let pairs = all.filter { !bad.contains($0.0) && !bad.contains($0.1) }
        r.honestPairs = pairs.count
        let (labels, _) = Adjacency(nodeCount: sim.nodeCount, edges: topology.edges.filter { !bad.contains($0.0) && !bad.contains($0.1) })
            .components()
        r.separatedPairs = pairs.lazy.filter { labels[$0.0] != labels[$0.1] }.count
        let firstID = sim.packets.count
        let traffic = sim.checkTraffic(pairs: pairs, all: false, expectation: .live, settle: config.settle)
        r.first = traffic.first
        r.second = traffic.second
        for (k, (a, b)) in pairs.enumerated() {
            let p1 = sim.packets[firstID + k], p2 = sim.packets[firstID + pairs.count + k]
            if !p1.delivered && !p2.delivered {
                r.lostPairsTotal += 1
                if r.lostPairs.count < 20_000 { r.lostPairs.append([a, b]) }
            }
        }

        // Anycast: every honest node sends to the shared key, twice.
        if !plan.twins.isEmpty {
            r.twinDeliveries = plan.twins.map { _ in [0, 0] }
            let honest = (0..<sim.nodeCount).filter { !bad.contains($0) }
            for _ in 0..<2 {
                var sent: [(pair: Int, id: Int)] = []
                for (i, t) in plan.twins.enumerated() {
                    for a in honest { sent.append((i, sim.sendProbe(from: a, to: t[0], round: 4))) }
                }
                sim.runTraffic(minimum: config.settle, maximum: 30)
                for (i, id) in sent {
                    r.twinProbes += 1
                    let at = Int(sim.packets[id].deliveredAt)
                    if at == plan.twins[i][0] { r.twinDeliveries[i][0] += 1 } else if at == plan.twins[i][1] { r.twinDeliveries[i][1] += 1 }
                }
            }
        }
        r.withheldFrames = tally.withheldFrames
        r.withheldProbes = tally.withheldProbes
        r.misdelivered = sim.frames.misdelivered
        r.linksClosed = sim.frames.closes
        return r
    }
}

extension AdversaryComparison {
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    public func text() -> String {
        var out: [String] = []
        out.append("rhizome-sim adversary \(spec): protocol \(config.protocolVersion), \(config.nodes) nodes, \(config.topology.rawValue) topology, seed \(config.seed)")
        if !liars.isEmpty { out.append("  smallest-key liars at nodes \(liars)") }
        if !blackholes.isEmpty { out.append("  blackholes at nodes \(blackholes)") }
        if !twins.isEmpty { out.append("  anycast twins at nodes \(twins)") }
        for (label, r) in [("baseline", baseline), ("attacked", attacked)] {
            out.append("")
            out.append("[\(label)]")
            if r.converged, let t = r.convergenceTime {
                out.append("  converged in \(t) s")
            } else {
                out.append("  NOT converged within \(config.maxConvergenceWait) s: \(r.state.wrongRoot) wrong roots, \(r.state.wrongRootSeq) stale seqs, \(r.state.wrongPredecessor) wrong predecessors, \(r.state.wrongLookup) nodes whose lookups do not reach")
            }
            out.append("  honest nodes rooted at an adversary: \(r.honestRootedAtAdversary) of \(r.honestNodes)")
            out.append("  honest pairs \(r.honestPairs): first send delivered \(r.first.delivered) (\(r.firstDeliveredFraction)), second send \(r.second.delivered) (\(r.deliveredFraction)); lost in both \(r.lostPairsTotal), of which every path crosses an adversary \(r.separatedPairs)")
            out.append("  stretch: first mean \(r.first.stretch.mean) max \(r.first.stretch.max), second mean \(r.second.stretch.mean) max \(r.second.stretch.max); loops \(r.first.loops + r.second.loops)")
            if !r.lostPairs.isEmpty { out.append("  lost e.g. " + r.lostPairs.prefix(5).map { "\($0[0])→\($0[1])" }.joined(separator: ", ")) }
            if r.withheldFrames > 0 { out.append("  withheld by adversaries: \(r.withheldFrames) frames, \(r.withheldProbes) test packets") }
            if r.twinProbes > 0 { out.append("  probes to the twins' key: \(r.twinProbes), taken by twin a/b: \(r.twinDeliveries)") }
            out.append("  misdelivered \(r.misdelivered), links closed \(r.linksClosed)")
        }
        return out.joined(separator: "\n")
    }
}
