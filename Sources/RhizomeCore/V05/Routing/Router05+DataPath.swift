import RhizomeCrypto

/// Coordinates to measure tree distance from: an array, or a list still in a received frame.
/// Generic (specialised) rather than a closure, so the data path allocates nothing.
protocol CoordsView05 {
    func distance(to coords: [PeerPort]) -> UInt64
}

struct ArrayCoords05: CoordsView05 {
    let ports: [PeerPort]
    init(_ ports: [PeerPort]) { self.ports = ports }
    @inline(__always)
    func distance(to coords: [PeerPort]) -> UInt64 { UInt64(Coords05.distance(ports, coords)) }
}

struct WireCoords05: CoordsView05 {
    let bytes: UnsafeRawBufferPointer
    @inline(__always)
    func distance(to coords: [PeerPort]) -> UInt64 { UInt64(Coords05.distance(wire: bytes, coords)) }
}

/// Where one outgoing traffic frame goes and its header: type 9, the destination's coordinates,
/// ours, source, destination and the watermark (our distance to the destination).
public struct TrafficPlan05: TrafficPlanning, Sendable {
    public let link: LinkID
    let path: [PeerPort]
    let from: [PeerPort]
    let source: PublicKey
    let dest: PublicKey
    let watermark: UInt64
    /// Type byte included; the payload starts here.
    public let headerLength: Int

    init(link: LinkID, path: [PeerPort], from: [PeerPort], source: PublicKey, dest: PublicKey, watermark: UInt64) {
        self.link = link
        self.path = path
        self.from = from
        self.source = source
        self.dest = dest
        self.watermark = watermark
        headerLength = 1 + Traffic05.headerLength(path: path, from: from, watermark: watermark)
    }

    public func writeHeader(into frame: UnsafeMutableRawBufferPointer) {
        precondition(frame.count >= headerLength)
        frame[0] = WireType05.traffic.rawValue
        var at = Self.writeCoords(path, into: frame, at: 1)
        at = Self.writeCoords(from, into: frame, at: at)
        source.write(to: frame, at: at)
        dest.write(to: frame, at: at + PublicKey.byteCount)
        at += 2 * PublicKey.byteCount
        Uvarint.encode(watermark, into: UnsafeMutableRawBufferPointer(rebasing: frame[at...]))
    }

    /// Writes a zero-terminated coords list at `at`; returns where it ends.
    @inline(__always)
    static func writeCoords(_ ports: [PeerPort], into frame: UnsafeMutableRawBufferPointer, at start: Int) -> Int {
        var at = start
        for port in ports { at += Uvarint.encode(port, into: UnsafeMutableRawBufferPointer(rebasing: frame[at...])) }
        frame[at] = 0
        return at + 1
    }
}

extension Router05 {
    /// `_lookup` (§4.8): the link to the peer strictly closer to `path` than we are, best by cost
    /// per distance gained, then distance, then (same key) priority, then age; a peer not yet
    /// placed in the tree is skipped (its empty coords are not the root's). Lowers
    /// `watermark` to our own distance; nil when we are not below it or no peer is closer.
    /// O(links): coordinates come from the cache.
    @inline(__always)
    mutating func nextHop<C: CoordsView05>(_ path: C, watermark: inout UInt64) -> (peer: Int, link: Int)? {
        refreshCoords()
        let selfDist = path.distance(to: selfCoords)
        guard selfDist < watermark else { return nil }
        watermark = selfDist
        var best: (peer: Int, link: Int)?
        var bestCPD = UInt64.max
        var bestDist = UInt64.max
        for i in peers.indices where peers[i].placed {
            let dist = path.distance(to: peers[i].coords)
            guard dist < selfDist else { continue }
            for j in peers[i].links.indices {
                let link = peers[i].links[j]
                let cpd = link.cost / (selfDist - dist)
                if let b = best {
                    let current = peers[b.peer].links[b.link]
                    if b.peer == i && link.priority < current.priority {
                        // same key: the lower priority link
                    } else if b.peer == i && link.priority > current.priority {
                        continue
                    } else if cpd < bestCPD {
                    } else if cpd > bestCPD {
                        continue
                    } else if dist < bestDist {
                    } else if dist > bestDist {
                        continue
                    } else if link.order < current.order {
                    } else {
                        continue
                    }
                }
                best = (i, j)
                bestCPD = cpd
                bestDist = dist
            }
        }
        return best
    }

    /// `sendTraffic` when the frame leaves on a link: where, and the header to write. Nil
    /// otherwise (no path entry, no next hop, too long): then call `sendTraffic`, which decides.
    /// The data path does not keep a copy of the packet for a re-send after the next notify
    /// (it never sees the payload); it drops an older copy instead.
    /// One hash of `dest` per packet, and the entry is read in place (no copy of it).
    public mutating func planTraffic(to dest: PublicKey, payloadLength: Int, now: Double) -> TrafficPlan05? {
        guard payloadLength <= Self.mtu, let index = paths.index(forKey: dest) else { return nil }
        let coords = paths.values[index].coords
        var watermark = UInt64.max
        guard let (i, j) = nextHop(ArrayCoords05(coords), watermark: &watermark) else { return nil }
        let plan = TrafficPlan05(link: peers[i].links[j].link, path: coords, from: selfCoords,
                                 source: localKey, dest: dest, watermark: watermark)
        guard plan.headerLength + payloadLength <= Self.maxFrameLength else { return nil }
        if paths.values[index].cached != nil { paths.values[index].cached = nil }
        return plan
    }

    /// `receive(frame:from:now:)` with traffic's steady state decided on the header: forwarding
    /// rewrites only the watermark; traffic for us is delivered in place. Everything else
    /// (other types, malformed frames, broken paths) goes through the general path.
    public mutating func receiveTraffic(frame: UnsafeRawBufferPointer, from link: LinkID, now: Double) -> TrafficDisposition {
        if let disposition = decideTraffic(frame, from: link, now: now) { return disposition }
        receive(frame: frame, from: link, now: now)
        return .handled
    }

    mutating func decideTraffic(_ frame: UnsafeRawBufferPointer, from link: LinkID, now: Double) -> TrafficDisposition? {
        guard frame.first == WireType05.traffic.rawValue, linkKey[link] != nil else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: frame[1...])
        guard let header = try? Traffic05Header.parse(body) else { return nil }
        var watermark = header.watermark
        let path = WireCoords05(bytes: UnsafeRawBufferPointer(rebasing: body[header.pathRange]))
        if let (i, j) = nextHop(path, watermark: &watermark) {
            // The general path re-encodes both coords lists (as ironwood does); forwarding
            // their bytes is the same only when they are already canonical.
            guard Coords05.isCanonical(UnsafeRawBufferPointer(rebasing: body[header.pathRange])),
                  Coords05.isCanonical(UnsafeRawBufferPointer(rebasing: body[header.fromRange])) else { return nil }
            return .forwardRewriting(link: peers[i].links[j].link, head: 0..<(1 + header.watermarkRange.lowerBound),
                                     watermark: watermark, tail: (1 + header.watermarkRange.upperBound)..<frame.count)
        }
        guard header.dest == localKey else { return nil }
        resetPathTimeout(header.source, now: now)
        return .deliver(source: header.source, payload: (1 + header.payloadRange.lowerBound)..<(1 + header.payloadRange.upperBound))
    }
}

/// 0.5.12's router under the common contract.
extension Router05: RoutingLayer {
    public static var maxFrameLength: Int { Frame05.maxMessageLength }

    /// ironwood `WriteTo`.
    public mutating func sendTraffic(payload: [UInt8], to dest: PublicKey, now: Double) {
        sendLocal(payload: payload, to: dest, now: now)
    }

    /// ironwood `SendLookup`: a throttled lookup for a (possibly partial) key; the answer is a
    /// `.learnedKey` action when its notify is accepted.
    public mutating func lookup(_ target: PublicKey, now: Double) {
        rumorLookup(target, now: now)
    }

    /// 0.5 has no out-of-band traffic.
    public mutating func sendOutOfBand(payload: [UInt8], to dest: PublicKey, now: Double) {}
}
