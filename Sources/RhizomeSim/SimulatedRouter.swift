import RhizomeCore
import RhizomeCrypto

/// What the simulator needs from a routing layer beyond `RoutingLayer`: how to make one, how to
/// read the state the invariants compare, and how to recognise its traffic frames. One
/// conformance per protocol version (`Router` for 0.4.7, `Router05` for 0.5); the simulator,
/// scenarios and checks are generic over it, so both versions run the same phases and checks.
public protocol SimulatedRouter: RoutingLayer {
    static var protocolVersion: ProtocolVersion { get }
    /// Message names by type byte (for the frame counts in the report).
    static var messageNames: [String] { get }

    /// Node `index`'s router at simulated time 0. `rng` is that node's own seeded stream.
    static func simulated(keys: SigningKeyPair, index: Int, parameters: NetworkParameters, rng: inout SeededRandom) -> Self

    /// The root this node believes in.
    var simRoot: PublicKey { get }
    /// This node's tree coordinates as it uses them (the ports from the root down to it).
    var simCoords: [PeerPort] { get }
    /// The root's seq as this node holds it, where every node of a converged component must
    /// agree on it (0.4.7's root timestamp); nil when the version has nothing to compare.
    var simRootSeq: UInt64? { get }
    /// 0.4.7's DHT neighbours (valid predecessor, successor); nil for versions without a DHT,
    /// which skips the predecessor invariant.
    var simKeyspaceNeighbours: (predecessor: PublicKey?, successor: PublicKey?)? { get }
    /// 0.5: what the lookup-reachability invariant reads (tree parent, on-tree peers and the
    /// filters they sent); nil for versions without bloom-guided lookups.
    var simLookupView: SimLookupView? { get }
    /// 0.5: the peers the router itself treats as on-tree (as of its last maintenance tick; the
    /// lookup view derives them from the stored announcements instead). For `--watch`.
    var simOnTreePeers: [PublicKey]? { get }
    /// Entries per table, in the order of `simTables`.
    var simTableSizes: [Int] { get }
    /// Table names (the first must be the peer table) and each table's cap (nil: bounded by
    /// something else, e.g. the peer count, or no stated cap).
    static var simTables: [(name: String, cap: Int?)] { get }
    /// Adds this router's counters to the totals.
    func addCounters(to totals: inout CounterTotals)

    /// How a frame of this type travels, for probe accounting; nil for control frames.
    static func trafficKind(ofType type: UInt8) -> TrafficKind?
    /// Where the session payload sits in a traffic frame (type byte included), if it parses.
    static func payloadRange(ofTrafficFrame frame: UnsafeRawBufferPointer) -> Range<Int>?

    /// Sends one test payload the way the node's session layer does: 0.4.7 sends it at once
    /// (greedy DHT routing, or a source route once the pathfinder has one); 0.5 sends it too, and
    /// when no path is known yet the router caches it, looks the destination up and sends it
    /// when the answer arrives.
    mutating func simSend(payload: [UInt8], to dest: PublicKey, now: Double)
}

extension SimulatedRouter {
    public var simOnTreePeers: [PublicKey]? { nil }
}

/// A node's view for 0.5 lookups: a lookup leaving it goes to every on-tree peer whose filter
/// holds the target's transformed key, and is accepted only from on-tree peers.
public struct SimLookupView {
    /// Our tree parent (our own key while we are a root).
    public var parent: PublicKey
    /// Peers on the tree (our parent, and peers whose announcement names us), with the bloom
    /// filter each sent us.
    public var onTreePeers: [(key: PublicKey, filter: BloomFilter05)]

    public init(parent: PublicKey, onTreePeers: [(key: PublicKey, filter: BloomFilter05)]) {
        self.parent = parent
        self.onTreePeers = onTreePeers
    }

    func isOnTree(_ key: PublicKey) -> Bool { onTreePeers.contains { $0.key == key } }

    /// Whether a lookup for the transformed key `xform` is sent to `peer`.
    func sendsLookup(to peer: PublicKey, xform: PublicKey) -> Bool {
        onTreePeers.contains { $0.key == peer && $0.filter.contains(xform) }
    }
}

/// How a traffic frame is routed.
public enum TrafficKind: Sendable {
    /// 0.4.7 type 9: greedy in keyspace over the DHT.
    case dht
    /// 0.4.7 type 10: a source route from the pathfinder.
    case sourceRoute
    /// 0.5 type 9: greedy in tree distance toward the destination's coordinates.
    case tree
}

extension SimulatedRouter {
    public var simLookupView: SimLookupView? { nil }

    public mutating func simSend(payload: [UInt8], to dest: PublicKey, now: Double) {
        sendTraffic(payload: payload, to: dest, now: now)
    }
}

extension ProtocolVersion: Codable {}
