import RhizomeCrypto

/// Deterministic helpers on the seeded generator.
extension SeededRandom {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(nextWord() >> 11) * 0x1p-53 }

    /// Uniform in 0..<n (n > 0), without modulo bias worth caring about here (n ≪ 2^64).
    mutating func below(_ n: Int) -> Int { Int(nextWord() % UInt64(n)) }

    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }

    /// Fisher–Yates.
    mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, below(i + 1))
        }
    }

    /// An independent stream for one purpose, derived from a run seed.
    static func stream(_ seed: UInt64, _ purpose: UInt64) -> SeededRandom {
        var r = SeededRandom(seed: seed ^ (purpose &* 0xD1B5_4A32_D192_ED03))
        _ = r.nextWord()
        return SeededRandom(seed: r.nextWord())
    }
}

/// The shapes of network the simulator builds.
public enum TopologyKind: String, CaseIterable, Codable, Sendable {
    /// A connected random graph: a random recursive tree plus random extra edges up to the
    /// requested average degree.
    case random
    case line
    case ring
    /// A √N-wide grid (the last row may be short).
    case grid
    /// A random recursive tree (each node joins a random earlier one).
    case tree
}

/// An undirected simple graph on nodes 0..<n, as an edge list plus adjacency.
public struct Topology: Sendable {
    public let nodeCount: Int
    public private(set) var edges: [(Int, Int)]

    public init(nodeCount: Int, edges: [(Int, Int)]) {
        self.nodeCount = nodeCount
        self.edges = edges
    }

    public static func make(_ kind: TopologyKind, nodes n: Int, averageDegree: Double, seed: UInt64) -> Topology {
        precondition(n >= 1, "need at least one node")
        var rng = SeededRandom.stream(seed, 1)
        var edges: [(Int, Int)] = []
        switch kind {
        case .line:
            for i in 1..<max(n, 1) { edges.append((i - 1, i)) }
        case .ring:
            for i in 1..<max(n, 1) { edges.append((i - 1, i)) }
            if n >= 3 { edges.append((n - 1, 0)) }
        case .grid:
            var w = 1
            while w * w < n { w += 1 }
            for i in 0..<n {
                let x = i % w
                if x + 1 < w && i + 1 < n { edges.append((i, i + 1)) }
                if i + w < n { edges.append((i, i + w)) }
            }
        case .tree, .random:
            // Random recursive tree over a shuffled node order: connected, depth ~ ln n.
            var order = Array(0..<n)
            rng.shuffle(&order)
            for i in 1..<max(n, 1) {
                let j = rng.below(i)
                edges.append((order[j], order[i]))
            }
            if kind == .random {
                let target = min(Int((Double(n) * averageDegree / 2).rounded()), n * (n - 1) / 2)
                var present = Set<Int>()
                for (a, b) in edges { present.insert(min(a, b) * n + max(a, b)) }
                var attempts = 0
                while edges.count < target && attempts < target * 50 {
                    attempts += 1
                    let a = rng.below(n), b = rng.below(n)
                    if a == b { continue }
                    let key = min(a, b) * n + max(a, b)
                    if present.insert(key).inserted { edges.append((a, b)) }
                }
            }
        }
        return Topology(nodeCount: n, edges: edges)
    }

    public var averageDegree: Double { nodeCount == 0 ? 0 : 2 * Double(edges.count) / Double(nodeCount) }
}

/// Adjacency in compressed form (CSR) for fast repeated BFS.
struct Adjacency {
    var offsets: [Int32]
    var targets: [Int32]

    init(nodeCount n: Int, edges: some Sequence<(Int, Int)>) {
        var degree = [Int32](repeating: 0, count: n + 1)
        var list: [(Int, Int)] = []
        for (a, b) in edges {
            degree[a] += 1; degree[b] += 1
            list.append((a, b))
        }
        offsets = [Int32](repeating: 0, count: n + 1)
        for i in 0..<n { offsets[i + 1] = offsets[i] + degree[i] }
        var fill = offsets
        targets = [Int32](repeating: 0, count: Int(offsets[n]))
        for (a, b) in list {
            targets[Int(fill[a])] = Int32(b); fill[a] += 1
            targets[Int(fill[b])] = Int32(a); fill[b] += 1
        }
    }

    var nodeCount: Int { offsets.count - 1 }

    func degree(_ v: Int) -> Int { Int(offsets[v + 1] - offsets[v]) }

    /// Hop distances from `source` (-1 = unreachable), written into `dist` (resized as needed).
    func bfs(from source: Int, into dist: inout [Int32], queue: inout [Int32]) {
        let n = nodeCount
        if dist.count != n { dist = [Int32](repeating: -1, count: n) } else {
            for i in 0..<n { dist[i] = -1 }
        }
        queue.removeAll(keepingCapacity: true)
        dist[source] = 0
        queue.append(Int32(source))
        var head = 0
        while head < queue.count {
            let v = Int(queue[head]); head += 1
            let dv = dist[v]
            for k in Int(offsets[v])..<Int(offsets[v + 1]) {
                let w = Int(targets[k])
                if dist[w] < 0 {
                    dist[w] = dv + 1
                    queue.append(Int32(w))
                }
            }
        }
    }

    /// Connected-component label per node (labels 0..<count, in order of smallest member).
    func components() -> (labels: [Int32], count: Int) {
        let n = nodeCount
        var labels = [Int32](repeating: -1, count: n)
        var count: Int32 = 0
        var stack: [Int32] = []
        for s in 0..<n where labels[s] < 0 {
            labels[s] = count
            stack.append(Int32(s))
            while let v = stack.popLast() {
                for k in Int(offsets[Int(v)])..<Int(offsets[Int(v) + 1]) {
                    let w = Int(targets[k])
                    if labels[w] < 0 { labels[w] = count; stack.append(Int32(w)) }
                }
            }
            count += 1
        }
        return (labels, Int(count))
    }

    /// The diameter: exact (BFS from every node) up to `exactLimit` nodes, else a double-sweep
    /// lower bound. Only the largest component counts when the graph is disconnected.
    func diameter(exactLimit: Int = 1500, seed: UInt64) -> (value: Int, exact: Bool) {
        let n = nodeCount
        guard n > 1 else { return (0, true) }
        var dist: [Int32] = [], queue: [Int32] = []
        if n <= exactLimit {
            var best: Int32 = 0
            for s in 0..<n {
                bfs(from: s, into: &dist, queue: &queue)
                best = max(best, dist.max() ?? 0)
            }
            return (Int(best), true)
        }
        var rng = SeededRandom.stream(seed, 9)
        var best: Int32 = 0
        for _ in 0..<4 {
            var start = rng.below(n)
            for _ in 0..<3 {
                bfs(from: start, into: &dist, queue: &queue)
                var far = start
                for v in 0..<n where dist[v] > dist[far] { far = v }
                best = max(best, dist[far])
                start = far
            }
        }
        return (Int(best), false)
    }
}
