import Foundation
import RhizomeCore
import RhizomeCrypto
import Testing
@testable import RhizomeSim

/// Protocol 0.5 under the same scenarios and invariants as 0.4.7: one root (the smallest key)
/// per component with the root's announcement seq agreed; every pair delivers after lookups (first
/// send) and on the learnt coordinates (second send); no loops; bounded tables; stretch.
@Suite struct Simulator05Tests {
    func config(_ n: Int, _ topology: TopologyKind, seed: UInt64, faults: Bool = false) -> ScenarioConfig {
        var c = ScenarioConfig(nodes: n, seed: seed, topology: topology, faults: faults, protocolVersion: .v05)
        c.stableWindow = 3
        c.maxConvergenceWait = 120
        return c
    }

    @Test(arguments: [(TopologyKind.line, 12), (.ring, 16), (.grid, 16), (.tree, 20), (.random, 30)])
    func smallTopologyConverges(topology: TopologyKind, nodes: Int) throws {
        let report = Scenario(config(nodes, topology, seed: 7)).run()
        #expect(report.passed, "\(report.failures)")
        #expect(report.messageNames.count == 10)
        let phase = try #require(report.phases.first)
        #expect(phase.convergence.converged)
        #expect(phase.state.distinctRoots == 1 && phase.state.wrongRoot == 0 && phase.state.wrongRootSeq == 0)
        #expect(!phase.state.keyspaceChecked)
        let traffic = try #require(phase.traffic)
        #expect(traffic.allPairs && traffic.orderedPairs == nodes * (nodes - 1))
        #expect(traffic.first.delivered == traffic.orderedPairs)
        #expect(traffic.second.delivered == traffic.orderedPairs)
        #expect(traffic.second.viaTree == traffic.orderedPairs)
        #expect(traffic.first.loops == 0 && traffic.second.loops == 0)
        #expect(traffic.second.stretch.mean >= 1)
        #expect(abs(phase.tables.peersMean - report.averageDegree) < 0.001)
        #expect(phase.tables.withinCaps)
        #expect(report.frames.sent[Int(WireType05.pathLookup.rawValue)] > 0)
        #expect(report.frames.closes == 0)
    }

    @Test func lineStretchIsOne() throws {
        let report = Scenario(config(10, .line, seed: 3)).run()
        let t = try #require(report.phases.first?.traffic)
        #expect(report.passed, "\(report.failures)")
        #expect(t.first.stretch.max == 1 && t.second.stretch.max == 1)
    }

    @Test func rootIsSmallestKey() throws {
        let sim = Simulator<Router05>(topology: Topology.make(.grid, nodes: 9, averageDegree: 3, seed: 11), seed: 11)
        sim.startAllLinks()
        #expect(sim.converge(stableWindow: 2, maxWait: 60).converged)
        let smallest = try #require(sim.keys.min())
        for v in 0..<sim.nodeCount {
            #expect(sim.routers[v].rootKey == smallest)
            #expect((sim.routers[v].parentKey == sim.keys[v]) == (sim.keys[v] == smallest))
        }
    }

    @Test func randomTwoHundred() throws {
        var c = config(200, .random, seed: 42)
        c.pairs = 2000
        let report = Scenario(c).run()
        #expect(report.passed, "\(report.failures)")
        let t = try #require(report.phases.first?.traffic)
        #expect(t.first.delivered == t.orderedPairs && t.second.delivered == t.orderedPairs)
    }

    /// Flaps, permanent cuts, a partition that heals: the same phases and checks as 0.4.7's.
    @Test func randomTwoHundredWithFaults() throws {
        var c = config(200, .random, seed: 42, faults: true)
        c.pairs = 1000
        c.maxConvergenceWait = 90
        let report = Scenario(c).run()
        #expect(report.passed, "\(report.failures)")
        #expect(report.phases.map(\.name) == ["initial", "flaps", "partition", "heal"])
        for p in report.phases {
            #expect(p.convergence.converged, "\(p.name)")
            #expect(p.state.wrongRoot == 0 && p.state.wrongRootSeq == 0, "\(p.name)")
        }
        let partition = report.phases[2]
        #expect(partition.state.components == 2)
        #expect(partition.state.distinctRoots == 2)
        for p in report.phases where p.traffic != nil {
            let t = p.traffic!
            #expect(t.first.delivered == t.orderedPairs && t.second.delivered == t.orderedPairs, "\(p.name)")
            #expect(t.first.loops == 0 && t.second.loops == 0, "\(p.name)")
        }
        #expect(report.linkIncarnations > report.edges)
        #expect(report.frames.closes == 0)
    }

    /// Against the full topology a partition that never heals must fail: two roots, cross pairs
    /// undeliverable.
    @Test func permanentPartitionFails() throws {
        let topology = Topology.make(.ring, nodes: 20, averageDegree: 2, seed: 9)
        let sim = Simulator<Router05>(topology: topology, seed: 9)
        sim.startAllLinks()
        #expect(sim.converge(stableWindow: 2, maxWait: 60).converged)
        for (e, (a, b)) in topology.edges.enumerated() where (a == 9 && b == 10) || (a == 19 && b == 0) {
            sim.edgeDown(e)
        }
        sim.run(until: sim.now + 30)
        let full = sim.checkState(.full)
        #expect(full.distinctRoots == 2)
        #expect(full.wrongRoot == 10)
        #expect(!full.converged)
        #expect(sim.checkState(.live).converged)
        let (pairs, all) = sim.probePairs(limit: nil, round: 0)
        let traffic = sim.checkTraffic(pairs: pairs, all: all, expectation: .full)
        #expect(!traffic.ok)
        #expect(traffic.first.routingFailures == 2 * 10 * 10)
        #expect(traffic.first.delivered == 2 * 10 * 9)
    }

    /// Same seed, same report in 0.5 too (nonces come from per-node seeded streams).
    @Test func sameSeedSameReportFromExecutable() throws {
        let binary = try #require(ReproducibilityTests.executable(), "rhizome-sim not built")
        let args = ["--protocol", "0.5", "--nodes", "40", "--seed", "31", "--faults", "--pairs", "300",
                    "--stable-window", "2", "--loss", "0.01", "--control-loss", "0.01", "--json"]
        let first = try ReproducibilityTests.run(binary, args)
        let second = try ReproducibilityTests.run(binary, args)
        #expect(first.status == 0, "\(first.output.suffix(2000))")
        #expect(first.output == second.output)
        let other = try ReproducibilityTests.run(binary, args.map { $0 == "31" ? "32" : $0 })
        #expect(other.output != first.output)
    }

    /// The executable's default protocol is 0.5, as the node's.
    @Test func executableDefaultsToProtocol05() throws {
        let binary = try #require(ReproducibilityTests.executable(), "rhizome-sim not built")
        let result = try ReproducibilityTests.run(binary, ["--nodes", "12", "--topology", "line", "--stable-window", "2", "--json"])
        #expect(result.status == 0, "\(result.output.suffix(2000))")
        #expect(result.output.contains("\"protocolVersion\" : \"0.5\""))
    }
}

/// The 0.5 lookup-reachability invariant checks every target, also while converging. (It used to
/// sample 64 targets while waiting for convergence: a branch that had just moved, whose filters
/// were still travelling toward the root one hop per tick, passed the wait when none of its
/// nodes was sampled, and the traffic check then lost the pairs toward it — issue #10 item 7.)
@Suite struct LookupCheck05Tests {
    /// One node's lookups toward every target, the slow way: walk to the next tree hop and test
    /// the filter for each target on its own.
    static func bruteForceWrong(_ sim: Simulator<Router05>) -> Int {
        let n = sim.nodeCount
        let views = (0..<n).map { v in sim.withRouter(v) { $0.simLookupView! } }
        let labels = sim.adjacency(liveOnly: true).components().labels
        let parent = views.map { sim.keyIndex[$0.parent] ?? -1 }
        func rootAndPath(_ v: Int) -> [Int]? {  // v, its parent, … the root; nil on a cycle
            var path = [v], seen: Set<Int> = [v]
            var here = v
            while parent[here] != here {
                here = parent[here]
                guard here >= 0, seen.insert(here).inserted else { return nil }
                path.append(here)
            }
            return path
        }
        let paths = (0..<n).map(rootAndPath)
        var wrong = 0
        for v in 0..<n {
            var ok = paths[v] != nil
            for t in 0..<n where ok && t != v && labels[t] == labels[v] {
                guard let pv = paths[v], let pt = paths[t], pv.last == pt.last else { ok = false; break }
                // Next hop: the child toward t if t is below v, else our parent.
                let next = pt.firstIndex(of: v).map { pt[$0 - 1] } ?? pv[1]
                let xform = KeyTransform05.subnetKey(sim.keys[t])
                ok = views[v].sendsLookup(to: sim.keys[next], xform: xform) && views[next].isOnTree(sim.keys[v])
            }
            if !ok { wrong += 1 }
        }
        return wrong
    }

    /// The fast check and the per-target walk agree at every step of a convergence (and of a
    /// flap), including while many lookups still fail.
    @Test func exactCheckMatchesPerTargetWalk() throws {
        let topology = Topology.make(.random, nodes: 60, averageDegree: 3, seed: 5)
        let sim = Simulator<Router05>(topology: topology, seed: 5)
        sim.startAllLinks()
        var sawFailures = false, sawPass = false
        for step in 0..<60 {
            if step == 40 { for e in 0..<6 { sim.edgeDown(e) } }
            if step == 44 { for e in 0..<6 { sim.edgeUp(e) } }
            sim.run(until: sim.now + 0.5)
            let state = sim.checkState()
            guard state.rootOK else { continue }
            #expect(state.lookupTargets == sim.nodeCount)
            #expect(state.wrongLookup == Self.bruteForceWrong(sim), "t=\(sim.now)")
            if state.wrongLookup > 0 { sawFailures = true } else { sawPass = true }
        }
        #expect(sawFailures && sawPass)
    }

    /// A filter that lacks one leaf's key fails the check the convergence wait runs, whichever
    /// leaf it is (here one the old 64-target sample skipped).
    @Test func missingLeafInFilterIsCaught() throws {
        let topology = Topology.make(.random, nodes: 200, averageDegree: 3, seed: 42)
        let sim = Simulator<Router05>(topology: topology, seed: 42)
        sim.startAllLinks()
        #expect(sim.converge(stableWindow: 2, maxWait: 120).converged)
        let n = sim.nodeCount
        let oldSample = Set(stride(from: 0, to: n, by: n / 64).prefix(64).map { sim.keyOrder[$0] })
        let parents = (0..<n).map { v in sim.keyIndex[sim.withRouter(v) { $0.parentKey! }]! }
        let hasChild = Set((0..<n).filter { parents[$0] != $0 }.map { parents[$0] })
        let leaf = try #require((0..<n).first { parents[$0] != $0 && !hasChild.contains($0) && !oldSample.contains($0) })
        let p = parents[leaf]
        let edge = try #require(topology.edges.firstIndex { $0 == (p, leaf) || $0 == (leaf, p) })
        // The leaf's parent is told, over their link, that the leaf's filter is empty.
        sim.withRouter(p) { $0.receive(frame: BloomFilter05.empty.frame, from: sim.edgeLink[edge], now: sim.now) }
        let state = sim.checkState()
        #expect(!state.converged)
        #expect(state.wrongLookup == 1)
        #expect(state.examples.first == "node \(p): a lookup for node \(leaf) does not reach node \(leaf)")
    }
}
