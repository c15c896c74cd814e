import Foundation
import RhizomeCore
import RhizomeCrypto

/// Which network the checks compare against.
public enum Expectation: String, Codable, Sendable {
    /// The links that are up now: each connected component must have converged on its own.
    case live
    /// Every topology edge, up or not (a network that is partitioned for good must fail this).
    case full
}

/// Invariants (1) and (2): one root per component, equal to its smallest key, agreed by all with
/// the root's own seq (where the version has one to agree on); in 0.4.7 also every node's DHT
/// predecessor is its true keyspace predecessor (0.5 has no DHT: `keyspaceChecked` is false).
public struct StateCheck: Codable, Equatable, Sendable {
    public var components = 0
    /// Distinct (root key) values held across all nodes.
    public var distinctRoots = 0
    /// Nodes whose root is not the smallest key of their component.
    public var wrongRoot = 0
    /// Nodes with the right root but not the root's current seq.
    public var wrongRootSeq = 0
    /// Whether the version has a DHT whose predecessors and successors were checked.
    public var keyspaceChecked = false
    /// Nodes whose valid predecessor is not the largest smaller key of their component (the
    /// smallest key must have none).
    public var wrongPredecessor = 0
    /// Nodes whose successor (the path ending at them) is not the next larger key of their
    /// component (the largest key must have none). Reported, not part of convergence.
    public var wrongSuccessor = 0
    /// Whether the version has bloom-guided lookups whose reachability was checked (0.5).
    public var lookupChecked = false
    /// 0.5: target keys of the lookup check (every node: lookups toward each node of the same
    /// component are checked from each node).
    public var lookupTargets = 0
    /// 0.5: nodes from which a lookup for some sampled target of their component would not be
    /// passed along the tree path to it: the next tree hop is not on-tree on both sides, or its
    /// filter lacks the target (blooms still propagating, one hop per second), or the tree
    /// itself is broken.
    public var wrongLookup = 0
    /// 0.5: fraction of bits set in the filters nodes hold from their on-tree peers (mean and
    /// max), and the mean false-positive rate that implies (fill^8 for 8 hash functions): near
    /// 1, filters are saturated and lookups flood the tree.
    public var filterFillMean = 0.0
    public var filterFillMax = 0.0
    public var filterFalsePositiveMean = 0.0
    /// Nodes whose tree coordinates another node of the same component also has (checked once
    /// the roots agree). Greedy routing by tree distance cannot tell such nodes apart, so traffic
    /// for one reaches the other or neither: a parent's renumbered child that kept announcing its
    /// old port caused exactly this. Not part of convergence; a phase fails on it.
    public var sharedCoords = 0
    /// A few offending nodes, for the log.
    public var examples: [String] = []

    public var rootOK: Bool { wrongRoot == 0 && wrongRootSeq == 0 }
    public var predecessorOK: Bool { wrongPredecessor == 0 }
    public var lookupOK: Bool { wrongLookup == 0 }
    public var coordsOK: Bool { sharedCoords == 0 }
    public var converged: Bool { rootOK && predecessorOK && lookupOK }
}

/// Summary of a distribution.
public struct Summary: Codable, Equatable, Sendable {
    public var count = 0
    public var mean = 0.0
    public var max = 0.0

    init(_ values: [Double]) {
        count = values.count
        guard !values.isEmpty else { return }
        mean = rounded(values.reduce(0, +) / Double(values.count))
        max = rounded(values.max()!)
    }
}

func rounded(_ x: Double, _ places: Double = 10_000) -> Double { (x * places).rounded() / places }

/// One traffic round: every pair sends once.
public struct RoundResult: Codable, Equatable, Sendable {
    public var sent = 0
    public var delivered = 0
    /// Not delivered, for whatever reason (sum of the three below plus routing failures).
    public var failed = 0
    /// Dropped by simulated link loss (not a routing failure).
    public var lostOnLink = 0
    /// Pairs with no path in the expected network (not a failure: nothing could deliver them).
    public var unreachable = 0
    /// Not delivered although the expected network has a path and no link dropped it (under
    /// `full`, this includes pairs that a partition separates now): routing failures.
    public var routingFailures = 0
    /// Exceeded the hop limit (forwarding loop); dropped by the simulator.
    public var loops = 0
    public var duplicates = 0
    /// How delivered packets travelled: DHT (greedy keyspace) all the way, source route all the
    /// way, or source route with a fallback to DHT routing.
    public var viaDHT = 0
    public var viaSourceRoute = 0
    public var viaFallback = 0
    /// 0.5: greedy tree-distance routing toward the destination's coordinates (the only kind).
    public var viaTree = 0
    /// Hops taken ÷ shortest-path hops, over delivered packets.
    public var stretch = Summary([])
    public var stretchDHT = Summary([])
    public var stretchSourceRouted = Summary([])
    /// Link hops per delivered packet.
    public var hops = Summary([])
}

/// Invariants (3), (4) and (7): delivery between pairs, no loops, stretch.
public struct TrafficCheck: Codable, Equatable, Sendable {
    public var expectation: Expectation
    public var orderedPairs = 0
    public var allPairs = false
    public var hopLimit = 0
    /// First send of each pair (A→B and B→A at once). 0.4.7: DHT routing, or old source
    /// routes. 0.5: a cold send: with no path known yet the router caches the packet, looks the
    /// destination up (bloom-guided multicast over the tree) and sends it when the notify
    /// arrives, so this round measures delivery after lookups.
    public var first = RoundResult()
    /// Second send, `settle` seconds later. 0.4.7: by the source routes the pathfinder set up.
    /// 0.5: a warm send, straight to the coordinates the lookups learnt.
    public var second = RoundResult()

    public var ok: Bool {
        first.routingFailures == 0 && second.routingFailures == 0 && first.loops == 0 && second.loops == 0
    }
}

/// Invariant (5): bounded state: entries per table, maximum and mean over all nodes, against
/// each table's cap.
public struct TableStats: Codable, Equatable, Sendable {
    public struct Table: Codable, Equatable, Sendable {
        public var name: String
        public var max = 0
        public var mean = 0.0
        /// The router's cap for this table; nil when bounded otherwise (e.g. by the peer count).
        public var cap: Int?
    }
    /// The version's tables, the peer table first.
    public var tables: [Table] = []

    public subscript(name: String) -> Table? { tables.first { $0.name == name } }
    public var peersMax: Int { self["peers"]?.max ?? 0 }
    public var peersMean: Double { self["peers"]?.mean ?? 0 }
    public var withinCaps: Bool { tables.allSatisfy { $0.cap == nil || $0.max <= $0.cap! } }
}

/// Summed router counters (the fields a version does not have stay 0).
public struct CounterTotals: Codable, Equatable, Sendable {
    public var linksClosedForProtocolErrors = 0
    public var droppedOversize = 0
    /// 0.4.7: traffic with no next hop.
    public var droppedNoRoute = 0
    /// 0.4.7: any bad signature; 0.5: bad notify signatures.
    public var droppedBadSignature = 0
    /// 0.4.7: DHT full; 0.5: announcements refused for a full table.
    public var droppedTableFull = 0
    /// 0.5: traffic that could not progress and went back to its source as broken.
    public var trafficBroken = 0
    /// 0.5: notifies with neither a rumor nor a path entry.
    public var droppedUnsolicitedNotify = 0
    /// 0.5: lookups from peers not on the tree.
    public var lookupsFromOffTreePeers = 0
    /// 0.5: path entries and rumors evicted for full tables.
    public var evicted = 0
}

extension Simulator {
    /// Checks invariants (1) and (2) against the expected network (in 0.5, lookups toward every
    /// node).
    public func checkState(_ expectation: Expectation = .live) -> StateCheck {
        let n = nodeCount
        let (labels, count) = adjacency(liveOnly: expectation == .live).components()
        var check = StateCheck()
        check.components = count
        // Members of each component in key order: walk the global key order once.
        var lastInComponent = [Int](repeating: -1, count: count)
        var expectedPred = [Int](repeating: -1, count: n)
        var expectedSucc = [Int](repeating: -1, count: n)
        var rootOf = [Int](repeating: -1, count: count)
        for v in keyOrder {
            let c = Int(labels[v])
            if rootOf[c] < 0 { rootOf[c] = v }
            let p = lastInComponent[c]
            expectedPred[v] = p
            if p >= 0 { expectedSucc[p] = v }
            lastInComponent[c] = v
        }
        var roots: [PublicKey] = []
        roots.reserveCapacity(n)
        let rootSeqs = (0..<n).map { v in withRouter(v) { $0.simRootSeq } }
        for v in 0..<n {
            let (root, rootSeq, neighbours) = withRouter(v) { ($0.simRoot, $0.simRootSeq, $0.simKeyspaceNeighbours) }
            roots.append(root)
            let expectedRoot = rootOf[Int(labels[v])]
            if root != keys[expectedRoot] {
                check.wrongRoot += 1
                note(&check, "node \(v): root \(root.hex.prefix(8)) expected \(keys[expectedRoot].hex.prefix(8))")
            } else if let rootSeq, rootSeq != rootSeqs[expectedRoot] {
                check.wrongRootSeq += 1
                note(&check, "node \(v): root seq \(rootSeq) expected \(rootSeqs[expectedRoot].map { String($0) } ?? "none")")
            }
            guard let (pred, succ) = neighbours else { continue }
            check.keyspaceChecked = true
            let ep = expectedPred[v]
            if pred != (ep >= 0 ? keys[ep] : nil) {
                check.wrongPredecessor += 1
                note(&check, "node \(v): predecessor \(pred.map { String($0.hex.prefix(8)) } ?? "none") expected \(ep >= 0 ? String(keys[ep].hex.prefix(8)) : "none")")
            }
            let es = expectedSucc[v]
            if succ != (es >= 0 ? keys[es] : nil) { check.wrongSuccessor += 1 }
        }
        if check.rootOK {
            checkLookups(&check, labels: labels)
            checkCoordsDistinct(&check, labels: labels)
        }
        roots.sort()
        var distinct = 0
        for i in roots.indices where i == 0 || roots[i] != roots[i - 1] { distinct += 1 }
        check.distinctRoots = distinct
        return check
    }

    /// 0.5's lookup reachability over the actual tree (every node's chosen parent), toward every
    /// node of the same component: from each node, a lookup must go to the next node on the tree
    /// path to its target, and that node must take it. Run only once the roots agree (it reads
    /// every node's tree and filters).
    ///
    /// Exact for all targets at O(nodes × filter size): a node passes a lookup for target t to
    /// the tree neighbour on t's side iff that neighbour's filter holds t's 8 bits, so every
    /// target on that side gets through iff the filter holds the union of their bits (the
    /// side's "required" filter: a child's subtree, or everything outside our own subtree).
    /// (A sampled check let a moved branch's not-yet-propagated filters pass for convergence.)
    func checkLookups(_ check: inout StateCheck, labels: [Int32]) {
        let n = nodeCount
        var views: [SimLookupView] = []
        views.reserveCapacity(n)
        for v in 0..<n {
            guard let view = withRouter(v, { $0.simLookupView }) else { return }
            views.append(view)
        }
        check.lookupChecked = true
        check.lookupTargets = n
        var fills: [Double] = [], falsePositive = 0.0
        for view in views {
            for (_, filter) in view.onTreePeers {
                let f = Double(filter.words.reduce(0) { $0 + $1.nonzeroBitCount }) / Double(BloomFilter05.bitCount)
                fills.append(f)
                falsePositive += pow(f, Double(BloomFilter05.hashCount))
            }
        }
        let fill = Summary(fills)
        check.filterFillMean = fill.mean
        check.filterFillMax = fill.max
        check.filterFalsePositiveMean = rounded(falsePositive / Double(max(fills.count, 1)))
        let result = LookupReachability(views: views, keys: keys, keyIndex: keyIndex, labels: labels,
                                        targetBlooms: lookupTargetBlooms)
        check.wrongLookup = result.wrong
        for e in result.examples { note(&check, e) }
    }

    /// Counts the nodes whose coordinates another node of their component shares.
    func checkCoordsDistinct(_ check: inout StateCheck, labels: [Int32]) {
        var first: [TreePlace: Int] = [:]
        var shared = Set<Int>()
        for v in 0..<nodeCount {
            let place = TreePlace(component: labels[v], coords: withRouter(v) { $0.simCoords })
            if let other = first[place] {
                if shared.insert(other).inserted { check.sharedCoords += 1 }
                if shared.insert(v).inserted { check.sharedCoords += 1 }
                note(&check, "nodes \(other) and \(v): both at coordinates \(place.coords)")
            } else {
                first[place] = v
            }
        }
    }

    private func note(_ check: inout StateCheck, _ s: String) {
        if check.examples.count < 5 { check.examples.append(s) }
    }

    /// Table sizes over all nodes.
    public func tableStats() -> TableStats {
        let spec = R.simTables
        var maxes = [Int](repeating: 0, count: spec.count), sums = maxes
        for v in 0..<nodeCount {
            let sizes = withRouter(v) { $0.simTableSizes }
            for (i, size) in sizes.enumerated() where i < spec.count {
                maxes[i] = max(maxes[i], size)
                sums[i] += size
            }
        }
        let n = Double(max(nodeCount, 1))
        return TableStats(tables: spec.indices.map {
            TableStats.Table(name: spec[$0].name, max: maxes[$0], mean: rounded(Double(sums[$0]) / n), cap: spec[$0].cap)
        })
    }

    public func counterTotals() -> CounterTotals {
        var t = CounterTotals()
        for v in 0..<nodeCount { withRouter(v) { $0.addCounters(to: &t) } }
        return t
    }

    /// The ordered pairs to test: all of them when `limit` is nil or covers them, else a seeded
    /// sample of `limit / 2` distinct unordered pairs sent both ways (the pathfinder needs both).
    /// Distinct, because a round sends one packet per pair: 0.5 keeps only the latest packet per
    /// destination while it looks the destination up, so a repeated pair would lose its first.
    public func probePairs(limit: Int?, round: Int) -> (pairs: [(Int, Int)], all: Bool) {
        let n = nodeCount
        let total = n * (n - 1)
        if limit == nil || limit! >= total {
            var pairs: [(Int, Int)] = []
            pairs.reserveCapacity(total)
            for a in 0..<n { for b in 0..<n where a != b { pairs.append((a, b)) } }
            return (pairs, true)
        }
        var rng = SeededRandom.stream(seed, 100 &+ UInt64(round))
        var pairs: [(Int, Int)] = []
        let k = max(1, limit! / 2)
        pairs.reserveCapacity(2 * k)
        var seen = Set<Int>()
        while pairs.count < 2 * k {
            let a = rng.below(n), b = rng.below(n)
            if a == b || !seen.insert(min(a, b) * n + max(a, b)).inserted { continue }
            pairs.append((a, b))
            pairs.append((b, a))
        }
        return (pairs, false)
    }

    /// Invariants (3), (4), (7): sends one tagged packet per ordered pair, waits `settle` seconds
    /// (at least until no test packet is on a link) so the pathfinder can build source routes,
    /// then sends again and measures.
    public func checkTraffic(pairs: [(Int, Int)], all: Bool, expectation: Expectation = .live,
                             settle: Double = 2, maxWait: Double = 30,
                             afterRound: ((_ round: Int, _ firstPacket: Int) -> Void)? = nil) -> TrafficCheck {
        let adj = adjacency(liveOnly: expectation == .live)
        let live = expectation == .live ? adj : adjacency(liveOnly: true)
        var check = TrafficCheck(expectation: expectation)
        check.orderedPairs = pairs.count
        check.allPairs = all
        check.hopLimit = Int(hopLimit)
        // Shortest paths, one BFS per distinct source (over the live links: that is what the
        // packets can use), plus reachability in the expected network.
        let shortest = distances(pairs, live)
        let reachable = expectation == .live ? shortest.map { $0 >= 0 } : distances(pairs, adj).map { $0 >= 0 }
        for round in 0..<2 {
            let firstID = packets.count
            for (a, b) in pairs { sendProbe(from: a, to: b, round: round) }
            // 0.5 holds a packet while it looks its destination up (first round) and re-sends
            // one that met a broken path after the new notify, so both its rounds wait `settle`.
            if round == 0 || R.protocolVersion == .v05 {
                runTraffic(minimum: settle, maximum: maxWait)
            } else {
                runTraffic(minimum: 0, maximum: maxWait)
            }
            let result = summarize(firstID: firstID, shortest: shortest, reachable: reachable)
            afterRound?(round, firstID)
            if round == 0 { check.first = result } else { check.second = result }
        }
        return check
    }

    func distances(_ pairs: [(Int, Int)], _ adj: Adjacency) -> [Int32] {
        var order = Array(pairs.indices)
        order.sort { pairs[$0].0 < pairs[$1].0 || (pairs[$0].0 == pairs[$1].0 && $0 < $1) }
        var result = [Int32](repeating: -1, count: pairs.count)
        var dist: [Int32] = [], queue: [Int32] = []
        var current = -1
        for i in order {
            let (a, b) = pairs[i]
            if a != current {
                adj.bfs(from: a, into: &dist, queue: &queue)
                current = a
            }
            result[i] = dist[b]
        }
        return result
    }

    func summarize(firstID: Int, shortest: [Int32], reachable: [Bool]) -> RoundResult {
        var r = RoundResult()
        var all: [Double] = [], dht: [Double] = [], source: [Double] = [], hops: [Double] = []
        for (k, id) in (firstID..<packets.count).enumerated() {
            let p = packets[id]
            r.sent += 1
            r.duplicates += Int(p.duplicates)
            if p.loop { r.loops += 1 }
            if p.delivered {
                r.delivered += 1
                hops.append(Double(p.hops))
                let s = Double(p.hops) / Double(max(shortest[k], 1))
                all.append(s)
                if p.sawTree {
                    r.viaTree += 1
                } else if !p.sawPath {
                    r.viaDHT += 1; dht.append(s)
                } else if !p.fellBack {
                    r.viaSourceRoute += 1; source.append(s)
                } else {
                    r.viaFallback += 1
                }
                continue
            }
            r.failed += 1
            if p.lostOnLink {
                r.lostOnLink += 1
            } else if !reachable[k] {
                r.unreachable += 1
            } else if !p.loop {
                r.routingFailures += 1
            }
        }
        r.stretch = Summary(all)
        r.stretchDHT = Summary(dht)
        r.stretchSourceRouted = Summary(source)
        r.hops = Summary(hops)
        return r
    }
}

/// A node's place on its component's tree.
struct TreePlace: Hashable {
    var component: Int32
    var coords: [PeerPort]
}
