import RhizomeCore
import RhizomeCrypto

/// 0.5's router in the simulator: the root (smallest key per component) and the root's
/// announcement seq as each node stores it, no keyspace invariant (no DHT), one kind of traffic
/// (type 9, greedy by tree distance).
extension Router05: SimulatedRouter {
    public static var protocolVersion: ProtocolVersion { .v05 }

    public static let messageNames = ["dummy", "keepalive", "sig-request", "sig-response", "announce", "bloom",
                                      "lookup", "notify", "broken", "traffic"]

    /// Each node gets its own seeded nonce stream, derived from the simulator's router stream.
    public static func simulated(keys: SigningKeyPair, index: Int, parameters: NetworkParameters,
                                 rng: inout SeededRandom) -> Router05 {
        Router05(keys: keys, now: 0, unixTime: parameters.unixBase, random: SeededRandom(seed: rng.nextWord()))
    }

    public var simRoot: PublicKey { rootKey }

    public var simCoords: [PeerPort] { coords }

    /// The seq of the root's announcement this node stores (the root refreshes it every 4 min;
    /// every node on the tree holds the root's chain, so a converged component agrees on it).
    public var simRootSeq: UInt64? {
        let root = rootKey
        return treeEntries.first { $0.key == root }?.seq
    }

    public var simLookupView: SimLookupView? {
        guard let parent = parentKey else { return nil }
        let me = localKey
        var childOf = Set<PublicKey>()
        for e in treeEntries where e.parent == me && e.key != me { childOf.insert(e.key) }
        let peers = blooms.filter { $0.key == parent || childOf.contains($0.key) }.map { (key: $0.key, filter: $0.recv) }
        return SimLookupView(parent: parent, onTreePeers: peers)
    }

    public var simOnTreePeers: [PublicKey]? { onTreePeerKeys }

    public var simKeyspaceNeighbours: (predecessor: PublicKey?, successor: PublicKey?)? { nil }

    public var simTableSizes: [Int] {
        let t = tableSizes
        return [peerStatus.count, t.infos, t.paths, t.rumors, t.pending]
    }

    /// The simulator runs every router with the default `Limits`.
    public static var simTables: [(name: String, cap: Int?)] {
        let l = Limits()
        return [("peers", nil), ("infos", l.infos), ("paths", l.paths), ("rumors", l.rumors), ("pending", l.pendingInfos)]
    }

    public func addCounters(to t: inout CounterTotals) {
        t.linksClosedForProtocolErrors += counters.linksClosedForProtocolErrors
        t.droppedOversize += counters.droppedOversize
        t.droppedBadSignature += counters.droppedBadNotifySignature
        t.droppedTableFull += counters.droppedInfosFull
        t.trafficBroken += counters.trafficBroken
        t.droppedUnsolicitedNotify += counters.droppedUnsolicitedNotify
        t.lookupsFromOffTreePeers += counters.lookupsFromOffTreePeers
        t.evicted += counters.pathsEvicted + counters.rumorsEvicted
    }

    public static func trafficKind(ofType type: UInt8) -> TrafficKind? {
        type == WireType05.traffic.rawValue ? .tree : nil
    }

    public static func payloadRange(ofTrafficFrame buf: UnsafeRawBufferPointer) -> Range<Int>? {
        guard buf.count > 1 else { return nil }
        do throws(WireError) {
            let range = try Traffic05Header.parse(UnsafeRawBufferPointer(rebasing: buf[1...])).payloadRange
            return (range.lowerBound + 1)..<(range.upperBound + 1)
        } catch {
            return nil
        }
    }
}
