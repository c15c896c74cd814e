import Foundation
import RhizomeCore
import RhizomeCrypto
import Testing
import RhizomeTestSupport
@testable import RhizomeSim

/// Small scenarios that must converge with every invariant holding.
@Suite struct ConvergenceTests {
    func config(_ n: Int, _ topology: TopologyKind, seed: UInt64) -> ScenarioConfig {
        var c = ScenarioConfig(nodes: n, seed: seed, topology: topology, protocolVersion: .v04)
        c.stableWindow = 3
        c.maxConvergenceWait = 120
        return c
    }

    @Test(arguments: [(TopologyKind.line, 12), (.ring, 16), (.grid, 16), (.tree, 20), (.random, 30)])
    func smallTopologyConverges(topology: TopologyKind, nodes: Int) throws {
        let report = Scenario(config(nodes, topology, seed: 7)).run()
        #expect(report.passed, "\(report.failures)")
        let phase = try #require(report.phases.first)
        #expect(phase.convergence.converged)
        #expect(phase.state.distinctRoots == 1)
        #expect(phase.state.wrongRoot == 0 && phase.state.wrongPredecessor == 0)
        #expect(phase.state.wrongSuccessor == 0)
        let traffic = try #require(phase.traffic)
        #expect(traffic.allPairs)
        #expect(traffic.orderedPairs == nodes * (nodes - 1))
        #expect(traffic.first.delivered == traffic.orderedPairs)
        #expect(traffic.second.delivered == traffic.orderedPairs)
        #expect(traffic.first.loops == 0 && traffic.second.loops == 0)
        // The second send goes by the source routes the first one set up.
        #expect(traffic.second.viaSourceRoute == traffic.orderedPairs)
        #expect(traffic.first.stretch.mean >= 1)
        #expect(abs(phase.tables.peersMean - report.averageDegree) < 0.001)
        #expect(phase.tables.withinCaps)
        #expect(report.frames.closes == 0)
    }

    @Test func lineStretchIsOne() throws {
        // On a line every route is the shortest path.
        let report = Scenario(config(10, .line, seed: 3)).run()
        let t = try #require(report.phases.first?.traffic)
        #expect(report.passed)
        #expect(t.first.stretch.max == 1 && t.second.stretch.max == 1)
    }

    @Test func rootIsSmallestKey() throws {
        let sim = Simulator<Router>(topology: Topology.make(.grid, nodes: 9, averageDegree: 3, seed: 11), seed: 11)
        sim.startAllLinks()
        let c = sim.converge(stableWindow: 2, maxWait: 60)
        #expect(c.converged)
        let smallest = try #require(sim.keys.min())
        for v in 0..<sim.nodeCount {
            #expect(sim.routers[v].root == smallest)
            #expect(sim.routers[v].isRoot == (sim.keys[v] == smallest))
        }
    }
}

/// The 200-node random network with faults: flaps, permanent cuts, a partition that heals.
@Suite struct FaultTests {
    @Test func randomTwoHundredWithFaults() throws {
        var c = ScenarioConfig(nodes: 200, seed: 42, topology: .random, faults: true, protocolVersion: .v04)
        c.pairs = 1000
        c.stableWindow = 3
        c.maxConvergenceWait = 90
        let report = Scenario(c).run()
        #expect(report.passed, "\(report.failures)")
        #expect(report.phases.map(\.name) == ["initial", "flaps", "partition", "heal"])
        for p in report.phases {
            #expect(p.convergence.converged, "\(p.name)")
            #expect(p.state.wrongRoot == 0 && p.state.wrongPredecessor == 0, "\(p.name)")
        }
        let partition = report.phases[2]
        #expect(partition.state.components == 2)
        #expect(partition.state.distinctRoots == 2)
        for p in report.phases where p.traffic != nil {
            let t = p.traffic!
            #expect(t.first.delivered == t.orderedPairs && t.second.delivered == t.orderedPairs, "\(p.name)")
        }
        #expect(report.linkIncarnations > report.edges)
        #expect(report.frames.closes == 0)
    }

    @Test func lossIsToleratedAndAccounted() throws {
        var c = ScenarioConfig(nodes: 40, seed: 5, topology: .random, protocolVersion: .v04)
        c.network.trafficLoss = 0.02
        c.network.controlLoss = 0.02
        c.stableWindow = 3
        let report = Scenario(c).run()
        #expect(report.passed, "\(report.failures)")
        let t = try #require(report.phases.first?.traffic)
        #expect(t.first.lostOnLink + t.second.lostOnLink > 0)
        #expect(t.first.delivered + t.first.lostOnLink == t.first.sent)
        #expect(report.frames.retransmitted > 0)
    }
}

/// The checks must be able to fail.
@Suite struct NegativeTests {
    /// Two halves that never heal: against the full topology there are two roots, wrong
    /// predecessors and undeliverable pairs; against the live links each half is fine.
    @Test func permanentPartitionFails() throws {
        let topology = Topology.make(.ring, nodes: 20, averageDegree: 2, seed: 9)
        let sim = Simulator<Router>(topology: topology, seed: 9)
        sim.startAllLinks()
        #expect(sim.converge(stableWindow: 2, maxWait: 60).converged)
        // Cut the ring in two places: nodes 0…9 and 10…19.
        for (e, (a, b)) in topology.edges.enumerated() where (a == 9 && b == 10) || (a == 19 && b == 0) {
            sim.edgeDown(e)
        }
        sim.run(until: sim.now + 30)
        let full = sim.checkState(.full)
        #expect(full.components == 1)
        #expect(full.distinctRoots == 2)
        #expect(full.wrongRoot == 10)
        #expect(!full.converged)
        let live = sim.checkState(.live)
        #expect(live.components == 2)
        #expect(live.converged)
        let (pairs, all) = sim.probePairs(limit: nil, round: 0)
        let traffic = sim.checkTraffic(pairs: pairs, all: all, expectation: .full)
        #expect(!traffic.ok)
        #expect(traffic.first.routingFailures == 2 * 10 * 10)
        #expect(traffic.first.delivered == 2 * 10 * 9)
        // The same traffic judged against the live network: cross pairs are just unreachable.
        let liveTraffic = sim.checkTraffic(pairs: pairs, all: all, expectation: .live)
        #expect(liveTraffic.ok)
        #expect(liveTraffic.first.unreachable == 2 * 10 * 10)
    }

    @Test func tooSmallHopLimitReportsLoops() throws {
        var c = ScenarioConfig(nodes: 8, seed: 1, topology: .line, protocolVersion: .v04)
        c.hopLimit = 2
        c.stableWindow = 2
        let report = Scenario(c).run()
        #expect(!report.passed)
        let t = try #require(report.phases.first?.traffic)
        #expect(t.first.loops > 0)
        #expect(report.failures.contains { $0.contains("loop") })
    }

    @Test func noTimeToConvergeFails() {
        var c = ScenarioConfig(nodes: 30, seed: 2, topology: .line, protocolVersion: .v04)
        c.maxConvergenceWait = 0.5
        let report = Scenario(c).run()
        #expect(!report.passed)
        #expect(report.failures.contains { $0.contains("no convergence") })
    }
}

/// Same seed, same report.
@Suite(.live, .serialized) struct ReproducibilityTests {
    static func config(seed: UInt64) -> ScenarioConfig {
        var c = ScenarioConfig(nodes: 40, seed: seed, topology: .random, faults: true, protocolVersion: .v04)
        c.pairs = 300
        c.stableWindow = 2
        c.network.trafficLoss = 0.01
        c.network.controlLoss = 0.01
        return c
    }

    /// Topology, keys, latencies and fault choices come from the seed alone.
    @Test func seedDeterminesInputs() {
        let a = Simulator<Router>(topology: Topology.make(.random, nodes: 50, averageDegree: 3, seed: 77), seed: 77)
        let b = Simulator<Router>(topology: Topology.make(.random, nodes: 50, averageDegree: 3, seed: 77), seed: 77)
        #expect(a.keys == b.keys)
        #expect(a.topology.edges.map { [$0.0, $0.1] } == b.topology.edges.map { [$0.0, $0.1] })
        #expect(a.edgeLatency == b.edgeLatency)
        let c = Simulator<Router>(topology: Topology.make(.random, nodes: 50, averageDegree: 3, seed: 78), seed: 78)
        #expect(a.keys != c.keys)
    }

    /// In-process: exact equality needs deterministic hashing for the whole process, which can
    /// only be set before it starts. Without it, the test bundle runs this one test again in a
    /// child process that has `SWIFT_DETERMINISTIC_HASHING=1`, so it never skips.
    @Test func sameSeedSameReportInProcess() throws {
        guard DeterministicHashing.isEnabled else {
            let bundle = CommandLine.arguments[0]
            let p = Process()
            p.executableURL = URL(fileURLWithPath: bundle)
            p.arguments = ["--testing-library", "swift-testing", "--filter", "ReproducibilityTests/sameSeedSameReportInProcess"]
            var env = ProcessInfo.processInfo.environment
            env[DeterministicHashing.variable] = "1"
            p.environment = env
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            #expect(p.terminationStatus == 0, "child run of \(bundle):\n\(text.suffix(3000))")
            #expect(text.contains("sameSeedSameReportInProcess() passed"), "the child did not run the test:\n\(text.suffix(3000))")
            return
        }
        let a = Scenario(Self.config(seed: 31)).run()
        let b = Scenario(Self.config(seed: 31)).run()
        #expect(a == b)
        #expect(a.json() == b.json())
        let c = Scenario(Self.config(seed: 32)).run()
        #expect(a != c)
    }

    /// Always: the rhizome-sim executable (which re-executes itself with deterministic hashing)
    /// prints byte-identical JSON for the same arguments, whatever this process's hashing is.
    @Test func sameSeedSameReportFromExecutable() throws {
        let binary = try #require(Self.executable(), "rhizome-sim not built (swift build --build-tests builds it)")
        let args = ["--protocol", "0.4", "--nodes", "40", "--seed", "31", "--faults", "--pairs", "300", "--stable-window", "2",
                    "--loss", "0.01", "--control-loss", "0.01", "--json"]
        let first = try Self.run(binary, args)
        let second = try Self.run(binary, args)
        #expect(first.status == 0, "\(first.output.suffix(2000))")
        #expect(first.output == second.output)
        #expect(first.output.contains("\"deterministicHashing\" : true"))
        let other = try Self.run(binary, args.map { $0 == "31" ? "32" : $0 })
        #expect(other.output != first.output)
    }

    /// The executable next to this test bundle (or in RHIZOME_BIN_DIR).
    static func executable() -> String? {
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["RHIZOME_BIN_DIR"] { candidates.append(URL(fileURLWithPath: dir)) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            candidates.append(url)
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug"))
        for dir in candidates {
            let path = dir.appendingPathComponent("rhizome-sim").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func run(_ path: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: DeterministicHashing.variable)
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Building blocks.
@Suite struct PartsTests {
    @Test func eventQueueOrdersByTimeThenSequence() {
        var q = EventQueue()
        var rng = SeededRandom(seed: 1)
        for i in 0..<500 { q.push(time: Double(rng.below(50)) / 10, kind: .tick, node: Int32(i)) }
        var last: (Double, UInt64) = (-1, 0)
        var count = 0
        while let e = q.pop() {
            #expect(e.time > last.0 || (e.time == last.0 && e.seq > last.1))
            last = (e.time, e.seq)
            count += 1
        }
        #expect(count == 500)
    }

    @Test(arguments: TopologyKind.allCases)
    func topologiesAreConnected(kind: TopologyKind) {
        for n in [1, 2, 5, 17, 100] {
            let t = Topology.make(kind, nodes: n, averageDegree: 3, seed: UInt64(n))
            let adj = Adjacency(nodeCount: n, edges: t.edges)
            #expect(adj.components().count == 1, "\(kind) \(n)")
            #expect(!t.edges.contains { $0.0 == $0.1 })
            let keys = Set(t.edges.map { min($0.0, $0.1) * n + max($0.0, $0.1) })
            #expect(keys.count == t.edges.count, "no duplicate edges")
        }
    }

    @Test func topologyShapes() {
        #expect(Topology.make(.line, nodes: 10, averageDegree: 3, seed: 1).edges.count == 9)
        #expect(Topology.make(.ring, nodes: 10, averageDegree: 3, seed: 1).edges.count == 10)
        #expect(Topology.make(.grid, nodes: 16, averageDegree: 3, seed: 1).edges.count == 24)
        #expect(Topology.make(.tree, nodes: 10, averageDegree: 3, seed: 1).edges.count == 9)
        let r = Topology.make(.random, nodes: 1000, averageDegree: 3, seed: 1)
        #expect(abs(r.averageDegree - 3) < 0.01)
        let grid = Adjacency(nodeCount: 16, edges: Topology.make(.grid, nodes: 16, averageDegree: 3, seed: 1).edges)
        #expect(grid.diameter(seed: 1).value == 6)
    }

    @Test func linkFlapMakesNewLinkIDs() {
        let sim = Simulator<Router>(topology: Topology.make(.line, nodes: 3, averageDegree: 2, seed: 1), seed: 1)
        sim.startAllLinks()
        sim.run(until: 5)
        #expect(sim.linkIncarnations == 2)
        sim.edgeDown(0)
        #expect(!sim.isEdgeUp(0))
        #expect(sim.routers[0].peerStatus.isEmpty)
        sim.edgeUp(0)
        #expect(sim.linkIncarnations == 3)
        #expect(sim.routers[0].peerStatus.map(\.link) == [2])
        #expect(sim.converge(stableWindow: 2, maxWait: 60).converged)
    }
}
