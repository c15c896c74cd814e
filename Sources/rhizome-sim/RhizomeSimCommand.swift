import ArgumentParser
import Foundation
import RhizomeCore
import RhizomeSim

/// Deterministic simulation of a Rhizome mesh: many routers, simulated links, invariant checks.
struct RhizomeSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rhizome-sim",
        abstract: "Simulate a mesh of Rhizome routers from a seed and check the routing invariants.",
        discussion: """
            Runs in one process with a simulated clock. Reproducible: the same arguments give the same \
            report (the program re-executes itself with SWIFT_DETERMINISTIC_HASHING=1 when that \
            variable is unset). Exits 1 when an invariant fails.
            """)

    @Option(name: .customLong("protocol"), help: "Protocol version every node speaks: 0.4 or 0.5 (the node's default).")
    var protocolVersion: ProtocolVersion = .default
    @Option(help: "Number of nodes.")
    var nodes = 100
    @Option(help: "Seed for topology, keys, latencies, loss and faults.")
    var seed: UInt64 = 1
    @Option(help: "Topology: random, line, ring, grid or tree.")
    var topology: TopologyKind = .random
    @Option(help: "Average degree of the random topology.")
    var degree = 3.0
    @Flag(help: "After convergence: flap and cut links, then partition the network and heal it.")
    var faults = false
    @Flag(help: "With --faults: skip the partition phase.")
    var noPartition = false
    @Option(help: "Probability that a link drops a traffic frame.")
    var loss = 0.0
    @Option(help: "Probability that a control frame needs a (delayed, in-order) retransmission.")
    var controlLoss = 0.0
    @Option(help: "Ordered pairs to probe per check (default: all up to 300 nodes, else 20000).")
    var pairs: Int?
    @Option(help: "Minimum one-way link latency, ms.")
    var minLatency = 2.0
    @Option(help: "Maximum one-way link latency, ms.")
    var maxLatency = 20.0
    @Option(help: "Seconds the invariants must hold to count as converged.")
    var stableWindow = 5.0
    @Option(help: "Seconds to wait for convergence before failing.")
    var maxWait = 300.0
    @Option(help: "Hop limit for loop detection (default: max(4 × diameter, 256)).")
    var hopLimit: Int?
    @Option(help: "Add adversaries and compare with the same seed without them (no faults): smallest-key-liar:N, anycast:N (N twin pairs) or blackhole:N.")
    var adversary: AdversarySpec?
    @Flag(help: "Print every convergence check to stderr.")
    var trace = false
    @Option(help: ArgumentHelp("Debugging: follow these nodes (comma-separated indices) and print their tree and bloom frames, their views after each phase and the lost pairs to stderr.", valueName: "nodes"))
    var watch: String?
    @Flag(help: "Debugging (0.5): after each traffic round, explain every lost packet on stderr (source's path entry and rumor, where greedy forwarding stops now and that node's view of its peers).")
    var explainLosses = false
    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard nodes >= 1 else { throw ValidationError("--nodes must be at least 1") }
        guard (0...1).contains(loss), (0...1).contains(controlLoss) else { throw ValidationError("loss must be in 0…1") }
        if let watch, watch.split(separator: ",").contains(where: { Int($0.trimmingCharacters(in: .whitespaces)).map { !(0..<nodes).contains($0) } ?? true }) {
            throw ValidationError("--watch takes node indices below --nodes, comma-separated")
        }
        guard minLatency > 0, maxLatency >= minLatency else { throw ValidationError("need 0 < --min-latency ≤ --max-latency") }
    }

    func run() throws {
        var config = ScenarioConfig(nodes: nodes, seed: seed, topology: topology, faults: faults,
                                    protocolVersion: protocolVersion)
        config.averageDegree = degree
        config.partition = !noPartition
        config.network.trafficLoss = loss
        config.network.controlLoss = controlLoss
        config.network.minLatency = minLatency / 1000
        config.network.maxLatency = maxLatency / 1000
        config.pairs = pairs
        config.stableWindow = stableWindow
        config.maxConvergenceWait = maxWait
        config.hopLimit = hopLimit
        let started = Date()
        if let adversary {
            let comparison = AdversaryScenario(config, spec: adversary).run()
            print(json ? comparison.json() : comparison.text())
            fflush(nil)
            FileHandle.standardError.write(Data(String(format: "wall clock %.1f s\n", Date().timeIntervalSince(started)).utf8))
            return
        }
        var scenario = Scenario(config)
        if trace {
            scenario.trace = { t, c in
                let line = String(format: "t=%.1f roots %d wrong %d stale-seq %d pred %d succ %d lookup %d\n", t, c.distinctRoots,
                                  c.wrongRoot, c.wrongRootSeq, c.wrongPredecessor, c.wrongSuccessor, c.wrongLookup)
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        if let watch {
            scenario.watch = Watch(nodes: watch.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
            scenario.log = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        }
        if explainLosses {
            scenario.explainLosses = true
            scenario.log = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        }
        let report = scenario.run()
        let wall = Date().timeIntervalSince(started)
        print(json ? report.json() : report.text())
        fflush(nil)
        FileHandle.standardError.write(Data(String(format: "wall clock %.1f s\n", wall).utf8))
        if !report.passed { throw ExitCode(1) }
    }
}

extension TopologyKind: ExpressibleByArgument {}
extension AdversarySpec: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
extension ProtocolVersion: ExpressibleByArgument {}

@main
enum Main {
    static func main() {
        DeterministicHashing.reexecIfNeeded()
        RhizomeSimCommand.main()
    }
}
