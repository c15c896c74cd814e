import RhizomeCore
import RhizomeCrypto

/// 0.4.7's router in the simulator: root and its timestamp seq, the DHT predecessor invariant,
/// DHT and source-routed traffic.
extension Router: SimulatedRouter {
    public static var protocolVersion: ProtocolVersion { .v04 }

    public static let messageNames = ["dummy", "tree", "bootstrap", "ack", "setup", "teardown", "notify", "lookup",
                                      "response", "dht-traffic", "path-traffic"]

    public static func simulated(keys: SigningKeyPair, index: Int, parameters: NetworkParameters,
                                 rng: inout SeededRandom) -> Router {
        Router(keys: keys, now: 0, unixTime: parameters.unixBase, setupSeqStart: rng.nextWord() >> 8)
    }

    public var simRoot: PublicKey { root }
    public var simCoords: [PeerPort] { coords }
    public var simRootSeq: UInt64? { rootSeq }
    public var simKeyspaceNeighbours: (predecessor: PublicKey?, successor: PublicKey?)? { (predecessor, successor) }

    public var simTableSizes: [Int] {
        let t = tableSizes
        return [t.peers, t.dht, t.paths, t.expired]
    }

    /// `Router.capExpired`'s limit is a literal there (4096).
    public static let simTables: [(name: String, cap: Int?)] = [
        ("peers", nil), ("dht", maxDHTEntries), ("paths", maxPathEntries), ("expired", 4096),
    ]

    public func addCounters(to t: inout CounterTotals) {
        t.linksClosedForProtocolErrors += counters.linksClosedForProtocolErrors
        t.droppedOversize += counters.droppedOversize
        t.droppedNoRoute += counters.droppedNoRoute
        t.droppedBadSignature += counters.droppedBadSignature
        t.droppedTableFull += counters.droppedTableFull
    }

    public static func trafficKind(ofType type: UInt8) -> TrafficKind? {
        switch type {
        case WireType.dhtTraffic.rawValue: .dht
        case WireType.pathTraffic.rawValue: .sourceRoute
        default: nil
        }
    }

    public static func payloadRange(ofTrafficFrame buf: UnsafeRawBufferPointer) -> Range<Int>? {
        guard buf.count > 1 else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: buf[1...])
        do throws(WireError) {
            let range = buf[0] == WireType.dhtTraffic.rawValue
                ? try TrafficHeader.parse(body).payloadRange
                : try PathTrafficHeader.parse(body).traffic.payloadRange
            return (range.lowerBound + 1)..<(range.upperBound + 1)
        } catch {
            return nil
        }
    }
}
