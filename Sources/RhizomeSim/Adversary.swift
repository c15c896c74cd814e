import RhizomeCore
import RhizomeCrypto

/// Misbehaving nodes a scenario can add. Each runs the honest router of its protocol version and
/// misbehaves only in ways that need no signature but its own: it chooses its key, shares its
/// private key, or withholds frames it should send. What an honest node can check it still checks.
public enum AdversaryKind: String, Codable, Sendable, CaseIterable {
    /// Grinds a key smaller than every honest key, so it becomes the root, and sends only what keeps
    /// it the root (0.4.7: tree announcements; 0.5: keepalives, signature requests/responses and
    /// announcements). It withholds everything else: DHT and path messages in 0.4.7, bloom filters,
    /// lookups, notifies and broken-path messages in 0.5, and all traffic it should forward.
    case smallestKeyLiar = "smallest-key-liar"
    /// Two nodes far apart in the graph holding one private key; both behave otherwise.
    case anycast
    /// Drops every traffic frame it should forward; its control plane is honest.
    case blackhole
}

/// `kind:count`, e.g. `blackhole:1` (for anycast, count is the number of twin pairs).
public struct AdversarySpec: Codable, Sendable, Equatable, CustomStringConvertible {
    public var kind: AdversaryKind
    public var count: Int

    public init(_ kind: AdversaryKind, count: Int = 1) {
        self.kind = kind
        self.count = count
    }

    /// Parses `kind` or `kind:N`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let kind = parts.first.flatMap(AdversaryKind.init(rawValue:)) else { return nil }
        var count = 1
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 1 else { return nil }
            count = n
        }
        self.init(kind, count: count)
    }

    public var description: String { "\(kind.rawValue):\(count)" }
}

/// Where the adversaries sit. They take the best-connected places, as an attacker running a public
/// peer would: nodes by falling degree (ties: lower index). Anycast twins: each pair is the next
/// such node and the node farthest from it (fewest hops, then lowest index, among the rest). The
/// placement depends only on the topology and the spec, so a baseline run excludes the same nodes.
public struct AdversaryPlan: Sendable, Equatable {
    public var spec: AdversarySpec
    /// Nodes that claim a ground smallest key.
    public var liars: [Int] = []
    public var blackholes: [Int] = []
    /// Anycast pairs (the second gets the first's key pair).
    public var twins: [[Int]] = []

    public init(_ spec: AdversarySpec, topology: Topology) {
        self.spec = spec
        let n = topology.nodeCount
        let adj = Adjacency(nodeCount: n, edges: topology.edges)
        var order = Array(0..<n)
        order.sort { adj.degree($0) > adj.degree($1) || (adj.degree($0) == adj.degree($1) && $0 < $1) }
        var taken = [Bool](repeating: false, count: n)
        var cursor = 0
        func next() -> Int? {
            while cursor < order.count, taken[order[cursor]] { cursor += 1 }
            guard cursor < order.count else { return nil }
            taken[order[cursor]] = true
            return order[cursor]
        }
        // Keep at least two honest nodes.
        let budget = max(0, n - 2)
        switch spec.kind {
        case .smallestKeyLiar:
            for _ in 0..<min(spec.count, budget) { if let v = next() { liars.append(v) } }
        case .blackhole:
            for _ in 0..<min(spec.count, budget) { if let v = next() { blackholes.append(v) } }
        case .anycast:
            var dist: [Int32] = [], queue: [Int32] = []
            for _ in 0..<min(spec.count, budget / 2) {
                guard let a = next() else { break }
                adj.bfs(from: a, into: &dist, queue: &queue)
                var far = -1
                for v in 0..<n where !taken[v] && dist[v] >= 0 && (far < 0 || dist[v] > dist[far]) { far = v }
                guard far >= 0 else { break }
                taken[far] = true
                twins.append([a, far])
            }
        }
    }

    /// Every adversarial node, ascending.
    public var nodes: [Int] { (liars + blackholes + twins.flatMap { $0 }).sorted() }

    /// Gives each liar a key smaller than every honest key (ground from the seed: about n tries
    /// each, as cheap for an attacker as it is here), and each second twin its first twin's pair.
    func adjustKeys(seed: UInt64) -> (inout [SigningKeyPair]) -> Void {
        let liars = liars, twins = twins
        return { pairs in
            let bad = Set(liars)
            guard let smallestHonest = pairs.indices.filter({ !bad.contains($0) }).map({ pairs[$0].publicKey }).min()
            else { return }
            var rng = SeededRandom.stream(seed, 11)
            for v in liars {
                var candidate = SigningKeyPair.generate(using: &rng)
                while !(candidate.publicKey < smallestHonest) { candidate = SigningKeyPair.generate(using: &rng) }
                pairs[v] = candidate
            }
            for t in twins { pairs[t[1]] = pairs[t[0]] }
        }
    }
}

/// What the adversaries withheld.
final class AdversaryTally {
    var withheldFrames = 0
    /// Test packets among them.
    var withheldProbes = 0
}

extension Simulator {
    /// Makes the plan's liars and blackholes withhold their frames (twins need no filter).
    func install(_ plan: AdversaryPlan, tally: AdversaryTally) {
        var role = [UInt8](repeating: 0, count: nodeCount)  // 1 liar, 2 blackhole
        for v in plan.liars { role[v] = 1 }
        for v in plan.blackholes { role[v] = 2 }
        guard role.contains(where: { $0 != 0 }) else { return }
        let keepsRoot = R.rootKeepingTypes
        outgoingFilter = { [unowned self] node, frame in
            let r = role[node]
            guard r != 0, let type = frame.first else { return true }
            let withhold = r == 1 ? !keepsRoot.contains(type) : R.trafficKind(ofType: type) != nil
            guard withhold else { return true }
            tally.withheldFrames += 1
            if R.trafficKind(ofType: type) != nil, self.testPacketID(frame) != nil { tally.withheldProbes += 1 }
            return false
        }
    }
}

extension SimulatedRouter {
    /// Frame types a root must send to stay everyone's root (a withholding root sends only these).
    static var rootKeepingTypes: Set<UInt8> {
        switch protocolVersion {
        case .v04:
            [WireType.dummy.rawValue, WireType.tree.rawValue]
        case .v05:
            [WireType05.dummy.rawValue, WireType05.keepAlive.rawValue, WireType05.sigRequest.rawValue,
             WireType05.sigResponse.rawValue, WireType05.announce.rawValue]
        }
    }
}
