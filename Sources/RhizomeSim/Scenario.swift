import RhizomeCore
import RhizomeCrypto

/// Everything a run depends on. Same config (seed included) → same report, given deterministic
/// hashing (see `DeterministicHashing`).
public struct ScenarioConfig: Codable, Sendable, Equatable {
    /// Which routing layer every node runs (the node's default, 0.5, unless told).
    public var protocolVersion = ProtocolVersion.default
    public var nodes = 100
    public var seed: UInt64 = 1
    public var topology: TopologyKind = .random
    /// For `random`: target average degree.
    public var averageDegree = 3.0
    public var network = NetworkParameters()
    /// After initial convergence: flap and cut links, then partition and heal.
    public var faults = false
    /// With `faults`: include the partition-and-heal phase.
    public var partition = true
    /// Ordered pairs to probe per traffic check; nil = all pairs up to 300 nodes, else 20,000.
    public var pairs: Int?
    /// Convergence is checked this often (simulated seconds)…
    public var checkInterval = 0.5
    /// …and must hold this long to count.
    public var stableWindow = 5.0
    /// Give up waiting for convergence after this long.
    public var maxConvergenceWait = 300.0
    /// Time between the first and second send of each pair (pathfinder set-up).
    public var settle = 2.0
    /// With `faults`: fraction of links that flap (down, then up again as a new link)…
    public var flapFraction = 0.05
    /// …and fraction cut for good (never disconnecting the graph).
    public var cutFraction = 0.02
    /// Link hops after which a test packet counts as looping; nil = max(4 × diameter, 256).
    public var hopLimit: Int?

    public init() {}

    public init(nodes: Int, seed: UInt64, topology: TopologyKind, faults: Bool = false,
                protocolVersion: ProtocolVersion = .default) {
        self.protocolVersion = protocolVersion
        self.nodes = nodes
        self.seed = seed
        self.topology = topology
        self.faults = faults
    }

    /// The pair count actually used.
    public var effectivePairs: Int? {
        if let pairs { return pairs }
        return nodes <= 300 ? nil : 20_000
    }
}

/// Result of waiting for invariants (1)–(2).
public struct Convergence: Codable, Equatable, Sendable {
    public var converged = false
    /// Simulated seconds from the start of the wait to the first check of the final run of
    /// passing checks that lasted `stableWindow`.
    public var time: Double?
    public var checks = 0
    public var final = StateCheck()
    /// The worst seen while waiting (how far the disturbance spread).
    public var peakDistinctRoots = 0
    public var peakWrongRoot = 0
    public var peakWrongPredecessor = 0
    public var peakWrongLookup = 0
}

/// One phase of a scenario.
public struct PhaseReport: Codable, Equatable, Sendable {
    public var name: String
    /// Simulated time at which the phase started (its last change, for fault phases).
    public var startTime: Double
    public var description: String
    public var convergence: Convergence
    /// The state right before the traffic check (after convergence).
    public var state: StateCheck
    public var traffic: TrafficCheck?
    public var tables: TableStats
    public var ok: Bool
    /// Frames sent by type since the previous phase ended (the faults that start this phase,
    /// convergence and the traffic check).
    public var framesSent: [Int] = []
}

/// A whole run.
public struct SimReport: Codable, Equatable, Sendable {
    public var config: ScenarioConfig
    /// The version's message names by type byte (labels for `frames.sent`).
    public var messageNames: [String] = []
    public var nodes = 0
    public var edges = 0
    public var averageDegree = 0.0
    public var diameter = 0
    public var diameterExact = true
    public var hopLimit = 0
    /// Smallest key (the expected root), hex.
    public var expectedRoot = ""
    public var phases: [PhaseReport] = []
    public var frames = FrameStats()
    public var counters = CounterTotals()
    public var simulatedSeconds = 0.0
    public var linkIncarnations = 0
    public var deterministicHashing = DeterministicHashing.isEnabled
    public var failures: [String] = []
    public var passed: Bool { failures.isEmpty }
}

extension Simulator {
    /// Runs the clock in steps of `interval` until invariants (1)–(2) have held for `stableWindow`
    /// (or `maxWait` passed).
    public func converge(_ expectation: Expectation = .live, interval: Double = 0.5, stableWindow: Double = 5,
                         maxWait: Double = 300, trace: ((Double, StateCheck) -> Void)? = nil) -> Convergence {
        let start = now
        var result = Convergence()
        var streak: Double?
        while true {
            run(until: now + interval)
            let c = checkState(expectation)
            result.checks += 1
            result.final = c
            result.peakDistinctRoots = max(result.peakDistinctRoots, c.distinctRoots)
            result.peakWrongRoot = max(result.peakWrongRoot, c.wrongRoot)
            result.peakWrongPredecessor = max(result.peakWrongPredecessor, c.wrongPredecessor)
            result.peakWrongLookup = max(result.peakWrongLookup, c.wrongLookup)
            trace?(now, c)
            if c.converged {
                if streak == nil { streak = now }
                if now - streak! >= stableWindow - 1e-9 {
                    result.converged = true
                    result.time = rounded(streak! - start)
                    return result
                }
            } else {
                streak = nil
            }
            if now - start >= maxWait - 1e-9 { return result }
        }
    }
}

/// Builds the network, runs the phases and checks everything, with the routing layer of
/// `config.protocolVersion`.
public struct Scenario {
    public let config: ScenarioConfig
    /// Called after every convergence check (simulated time, state), e.g. to print progress.
    public var trace: ((Double, StateCheck) -> Void)?
    /// Nodes to follow (debugging): their tree and bloom frames and per-phase views go to `log`,
    /// as do the pairs a traffic check lost.
    public var watch: Watch?
    /// 0.5: after each traffic round, explain every lost packet to `log` (see `explainLost`).
    public var explainLosses = false
    public var log: ((String) -> Void)?

    public init(_ config: ScenarioConfig) {
        self.config = config
    }

    public func run() -> SimReport {
        switch config.protocolVersion {
        case .v04: ScenarioRun<Router>(config, trace: trace, watch: watch, log: log).run()
        case .v05: ScenarioRun<Router05>(config, trace: trace, watch: watch, log: log, explainLosses: explainLosses).run()
        }
    }
}

/// One scenario on one version's routers.
struct ScenarioRun<R: SimulatedRouter> {
    let config: ScenarioConfig
    let simulator: Simulator<R>
    let trace: ((Double, StateCheck) -> Void)?
    let watch: Watch?
    let explainLosses: Bool
    let log: (String) -> Void
    /// Frame counts when the last phase ended.
    let framesAtPhaseEnd = Box<[Int]>([])

    final class Box<T> {
        var value: T
        init(_ value: T) { self.value = value }
    }

    init(_ config: ScenarioConfig, trace: ((Double, StateCheck) -> Void)?, watch: Watch? = nil,
         log: ((String) -> Void)? = nil, explainLosses: Bool = false) {
        self.config = config
        self.explainLosses = explainLosses
        self.trace = trace
        self.watch = watch
        self.log = log ?? { _ in }
        let topology = Topology.make(config.topology, nodes: config.nodes, averageDegree: config.averageDegree, seed: config.seed)
        simulator = Simulator(topology: topology, seed: config.seed, parameters: config.network)
        if let watch { simulator.installWatch(watch, log: self.log) }
    }

    func run() -> SimReport {
        let sim = simulator
        var report = SimReport(config: config)
        report.messageNames = R.messageNames
        report.nodes = sim.nodeCount
        report.edges = sim.edgeCount
        report.averageDegree = rounded(sim.topology.averageDegree)
        let (diameter, exact) = sim.adjacency(liveOnly: false).diameter(seed: config.seed)
        report.diameter = diameter
        report.diameterExact = exact
        sim.hopLimit = Int32(config.hopLimit ?? max(4 * diameter, 256))
        report.hopLimit = Int(sim.hopLimit)
        report.expectedRoot = sim.keyOrder.first.map { sim.keys[$0].hex } ?? ""

        sim.startAllLinks()
        report.phases.append(phase("initial", "all \(sim.edgeCount) links come up within \(config.network.startSpread) s",
                                   traffic: true, round: 0))

        if config.faults {
            // Flaps and permanent cuts, spread over a few seconds.
            let t0 = sim.now
            var order = Array(0..<sim.edgeCount)
            sim.faultRNG.shuffle(&order)
            let flaps = min(order.count, max(1, Int((Double(sim.edgeCount) * config.flapFraction).rounded())))
            var last = t0
            for e in order.prefix(flaps) {
                let down = t0 + sim.faultRNG.uniform(0, 1)
                let up = down + sim.faultRNG.uniform(0.5, 3)
                sim.schedule(edge: e, up: false, at: down)
                sim.schedule(edge: e, up: true, at: up)
                last = max(last, up)
            }
            // Cuts: links whose removal keeps the graph connected.
            let wantCuts = Int((Double(sim.edgeCount) * config.cutFraction).rounded())
            var cut = Set<Int>(), cutList: [Int] = []
            let flapped = Set(order.prefix(flaps))
            for e in order.dropFirst(flaps) where cutList.count < wantCuts && !flapped.contains(e) {
                cut.insert(e)
                let adj = Adjacency(nodeCount: sim.nodeCount,
                                    edges: sim.topology.edges.indices.lazy.filter { !cut.contains($0) }.map { sim.topology.edges[$0] })
                if adj.components().count == 1 { cutList.append(e) } else { cut.remove(e) }
            }
            for e in cutList {
                let t = t0 + sim.faultRNG.uniform(0, 1)
                sim.schedule(edge: e, up: false, at: t)
                last = max(last, t)
            }
            sim.run(until: last)
            report.phases.append(phase("flaps", "\(flaps) links flapped (down 0.5–3 s, back as new links), \(cutList.count) cut for good",
                                       traffic: true, round: 1))

            if config.partition && sim.nodeCount >= 4 {
                // Cut along a BFS ball around a random node: half the nodes on each side.
                let adj = sim.adjacency()
                var dist: [Int32] = [], queue: [Int32] = []
                adj.bfs(from: sim.faultRNG.below(sim.nodeCount), into: &dist, queue: &queue)
                var side = [Bool](repeating: false, count: sim.nodeCount)
                for v in queue.prefix(sim.nodeCount / 2) { side[Int(v)] = true }
                // The rest may fall apart into pieces; keep its largest piece as the other side
                // and give the small pieces (each touching only the ball) to the ball, so the
                // partition has exactly two connected sides.
                let rest = Adjacency(nodeCount: sim.nodeCount, edges: sim.topology.edges.indices.lazy
                    .filter { sim.isEdgeUp($0) && !side[sim.topology.edges[$0].0] && !side[sim.topology.edges[$0].1] }
                    .map { sim.topology.edges[$0] })
                let (labels, pieces) = rest.components()
                var size = [Int](repeating: 0, count: pieces)
                for v in 0..<sim.nodeCount where !side[v] { size[Int(labels[v])] += 1 }
                if let biggest = size.indices.max(by: { size[$0] < size[$1] || (size[$0] == size[$1] && $0 > $1) }) {
                    for v in 0..<sim.nodeCount where !side[v] && Int(labels[v]) != biggest { side[v] = true }
                }
                let sideCount = side.lazy.filter { $0 }.count
                var crossing: [Int] = []
                for e in sim.topology.edges.indices where sim.isEdgeUp(e) {
                    let (a, b) = sim.topology.edges[e]
                    if side[a] != side[b] { crossing.append(e) }
                }
                for e in crossing { sim.edgeDown(e) }
                var p = phase("partition", "\(crossing.count) links cut: \(sideCount) and \(sim.nodeCount - sideCount) nodes",
                              traffic: false, round: 2)
                p.description += ", \(p.convergence.final.components) components"
                report.phases.append(p)
                for e in crossing { sim.edgeUp(e) }
                report.phases.append(phase("heal", "the \(crossing.count) partition links come back", traffic: true, round: 3))
            }
        }

        report.frames = sim.frames
        report.counters = sim.counterTotals()
        report.simulatedSeconds = rounded(sim.now)
        report.linkIncarnations = sim.linkIncarnations
        report.failures = Self.failures(report)
        return report
    }

    /// Waits for convergence, then checks state, traffic and tables.
    func phase(_ name: String, _ description: String, traffic: Bool, round: Int) -> PhaseReport {
        let sim = simulator
        let start = sim.now
        let convergence = sim.converge(.live, interval: config.checkInterval, stableWindow: config.stableWindow,
                                       maxWait: config.maxConvergenceWait, trace: trace)
        let state = sim.checkState(.live)
        if let watch {
            log(String(format: "phase %@ converged at t=%.1f; state check: %d nodes whose lookups do not reach: %@",
                       name, sim.now, state.wrongLookup, state.examples.joined(separator: "; ")))
            sim.describeWatched(watch).forEach(log)
        }
        var trafficCheck: TrafficCheck?
        if traffic {
            let (pairs, all) = sim.probePairs(limit: config.effectivePairs, round: round)
            let firstPacket = sim.packets.count
            var afterRound: ((Int, Int) -> Void)?
            if explainLosses, let sim05 = sim as? Simulator<Router05> {
                afterRound = { round, first in
                    let lines = sim05.explainLost(firstID: first)
                    log(String(format: "phase %@ round %d at t=%.2f: %d packets to explain", name, round + 1, sim05.now,
                               lines.filter { $0.hasPrefix("lost") }.count))
                    lines.forEach(log)
                }
            }
            trafficCheck = sim.checkTraffic(pairs: pairs, all: all, expectation: .live, settle: config.settle,
                                            afterRound: afterRound)
            if let watch {
                var lost: [String] = []
                for id in firstPacket..<sim.packets.count where !sim.packets[id].delivered {
                    let p = sim.packets[id]
                    lost.append("r\(p.round + 1) n\(p.src)→n\(p.dst)")
                }
                log("phase \(name) traffic lost \(lost.count): \(lost.joined(separator: ", "))")
                sim.describeWatched(watch).forEach(log)
            }
        }
        let tables = sim.tableStats()
        let ok = convergence.converged && state.converged && (trafficCheck?.ok ?? true) && tables.withinCaps
        var report = PhaseReport(name: name, startTime: rounded(start), description: description, convergence: convergence,
                                 state: state, traffic: trafficCheck, tables: tables, ok: ok)
        let previous = framesAtPhaseEnd.value
        report.framesSent = sim.frames.sent.indices.map { sim.frames.sent[$0] - (previous.isEmpty ? 0 : previous[$0]) }
        framesAtPhaseEnd.value = sim.frames.sent
        return report
    }

    static func failures(_ r: SimReport) -> [String] {
        var f: [String] = []
        for p in r.phases {
            if !p.convergence.converged {
                f.append("\(p.name): no convergence within \(r.config.maxConvergenceWait) s (last check: \(p.convergence.final.wrongRoot) wrong roots, \(p.convergence.final.wrongRootSeq) stale seqs, \(p.convergence.final.wrongPredecessor) wrong predecessors, \(p.convergence.final.wrongLookup) nodes whose lookups do not reach)")
            } else if !p.state.converged {
                f.append("\(p.name): invariants broke again before the traffic check (\(p.state.wrongRoot) wrong roots, \(p.state.wrongRootSeq) stale seqs, \(p.state.wrongPredecessor) wrong predecessors, \(p.state.wrongLookup) nodes whose lookups do not reach one of \(p.state.lookupTargets) targets: \(p.state.examples.first ?? ""))")
            }
            if !p.state.coordsOK {
                f.append("\(p.name): \(p.state.sharedCoords) nodes share their tree coordinates with another node of their component: \(p.state.examples.first { $0.contains("coordinates") } ?? "")")
            }
            if let t = p.traffic {
                for (label, round) in [("first", t.first), ("second", t.second)] {
                    if round.routingFailures > 0 { f.append("\(p.name): \(round.routingFailures) of \(round.sent) \(label)-round packets not delivered") }
                    if round.loops > 0 { f.append("\(p.name): \(round.loops) \(label)-round packets exceeded \(t.hopLimit) hops (loop)") }
                }
            }
            if !p.tables.withinCaps { f.append("\(p.name): table sizes over the router's caps") }
        }
        if r.frames.closes > 0 { f.append("\(r.frames.closes) links closed for protocol errors: \(r.frames.closeReasons.first ?? "")") }
        if r.frames.misdelivered > 0 { f.append("\(r.frames.misdelivered) packets delivered to the wrong node") }
        return f
    }
}
