import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
@testable import RhizomeSessions

/// One node's upper layers: IPv6 layer on top of the session layer, with a fake TUN.
struct Node {
    var sessions: SessionManager
    var ipv6: IPv6Layer
    /// Packets the IPv6 layer wrote to the TUN.
    var tun: [[UInt8]] = []
    /// Session deliveries that were not IPv6 (core type ≠ 0x01).
    var other: [(from: PublicKey, data: [UInt8])] = []
    var key: PublicKey { sessions.localKey }

    init(keys: SigningKeyPair, now: Double, unixTime: Double, seed: UInt64, version: ProtocolVersion = .v04) {
        sessions = SessionManager(keys: keys, now: now, unixTime: unixTime, random: SeededRandom(seed: seed), version: version)
        ipv6 = IPv6Layer(keys: keys, version: version)
        ipv6.setMTU(IPv6Layer.maximumMTU(version))
    }
}

/// A network-layer payload in flight.
enum NetMessage: Equatable {
    case standard(from: PublicKey, to: PublicKey, payload: [UInt8])
    case outOfBand(from: PublicKey, to: PublicKey, payload: [UInt8])
    /// 0.5: a routing-layer path lookup for a partial key; the owner's path notify comes back at
    /// once (not logged) and the requester's IPv6 layer learns the key.
    case lookup(from: PublicKey, target: PublicKey)

    var from: PublicKey {
        switch self { case .standard(let f, _, _), .outOfBand(let f, _, _), .lookup(let f, _): return f }
    }
    var payload: [UInt8] {
        switch self {
        case .standard(_, _, let p), .outOfBand(_, _, let p): return p
        case .lookup: return []
        }
    }
}

/// Nodes wired back to back through a FIFO "network" with no latency. Every network message is
/// recorded in `log`, in the order it was sent.
struct Mesh {
    var nodes: [Node]
    var queue: [NetMessage] = []
    var log: [NetMessage] = []
    var now: Double = 0
    /// Messages for which this returns true are recorded but not delivered.
    var lose: (NetMessage) -> Bool = { _ in false }

    static let unixStart: Double = 1_700_000_000

    init(_ keys: [SigningKeyPair], version: ProtocolVersion = .v04) {
        nodes = keys.enumerated().map {
            Node(keys: $0.element, now: 0, unixTime: Mesh.unixStart, seed: UInt64($0.offset + 1), version: version)
        }
    }

    /// The node that owns `key`, or whose address or subnet lookup key it is.
    func owner(of key: PublicKey) -> Int? {
        nodes.firstIndex {
            $0.key == key || Address(key: $0.key).partialKey.key == key || Subnet(key: $0.key).partialKey.key == key
        }
    }

    func index(of key: PublicKey) -> Int? { nodes.firstIndex { $0.key == key } }

    /// Performs node `i`'s actions until both layers are quiet.
    mutating func settle(_ i: Int) {
        while true {
            var busy = false
            for action in nodes[i].ipv6.takeActions() {
                busy = true
                switch action {
                case let .sendToSession(key, data):
                    try? nodes[i].sessions.send(to: key, data: data, now: now)
                case let .sendOutOfBand(to, payload):
                    emit(.outOfBand(from: nodes[i].key, to: to, payload: payload))
                case let .lookup(partialKey):
                    emit(.lookup(from: nodes[i].key, target: partialKey))
                case let .writeToTUN(packet):
                    nodes[i].tun.append(packet)
                }
            }
            for action in nodes[i].sessions.takeActions() {
                busy = true
                switch action {
                case let .send(to, payload):
                    emit(.standard(from: nodes[i].key, to: to, payload: payload))
                case let .deliver(from, data):
                    if data.first == 0x01 {
                        nodes[i].ipv6.handleIncoming(from: from, packet: data[1...], now: now)
                    } else {
                        nodes[i].other.append((from, data))
                    }
                }
            }
            if !busy { return }
        }
    }

    mutating func emit(_ m: NetMessage) {
        log.append(m)
        queue.append(m)
    }

    /// Delivers queued messages (and everything they cause) until the network is quiet.
    mutating func pump() {
        for i in nodes.indices { settle(i) }
        while !queue.isEmpty {
            let m = queue.removeFirst()
            if lose(m) { continue }
            switch m {
            case let .standard(from, to, payload):
                guard let j = index(of: to) else { continue }
                nodes[j].sessions.receive(from: from, message: payload, now: now)
                settle(j)
            case let .outOfBand(from, to, payload):
                // Routing ends at the node owning the key, or whose address/subnet lookup key it is.
                guard let j = owner(of: to) else { continue }
                nodes[j].ipv6.handleOutOfBand(from: from, to: to, payload: payload, now: now)
                settle(j)
            case let .lookup(from, target):
                guard let i = index(of: from), let j = owner(of: target) else { continue }
                nodes[i].ipv6.learnKey(nodes[j].key, now: now)
                settle(i)
            }
        }
    }

    mutating func advance(to t: Double) {
        now = t
        for i in nodes.indices {
            while let w = nodes[i].sessions.nextWakeup, w <= now { nodes[i].sessions.tick(now: now) }
            while let w = nodes[i].ipv6.nextWakeup, w <= now { nodes[i].ipv6.tick(now: now) }
        }
    }

    /// Node i's kernel writes `packet` to its TUN.
    mutating func tunWrite(_ i: Int, _ packet: [UInt8]) {
        nodes[i].ipv6.handleOutgoing(packet, now: now)
        pump()
    }

    /// Session-layer data (not IPv6) from i to j.
    mutating func sessionSend(_ i: Int, to j: Int, _ data: [UInt8]) {
        try! nodes[i].sessions.send(to: nodes[j].key, data: data, now: now)
        pump()
    }

    /// Replays a recorded message.
    mutating func inject(_ m: NetMessage) {
        queue.append(m)
        pump()
    }

    /// An ICMPv6 echo request from i to j (the "kernel" of j answers it if it reaches j's TUN).
    /// Returns whether the request and the reply arrived.
    @discardableResult
    mutating func ping(_ i: Int, _ j: Int, seq: UInt16) -> (request: Bool, reply: Bool) {
        let src = Address(key: nodes[i].key).bytes, dst = Address(key: nodes[j].key).bytes
        let request = echo(type: 128, src: src, dst: dst, seq: seq)
        let beforeJ = nodes[j].tun.count, beforeI = nodes[i].tun.count
        tunWrite(i, request)
        guard nodes[j].tun.count > beforeJ, nodes[j].tun.last == request else { return (false, false) }
        let reply = echo(type: 129, src: dst, dst: src, seq: seq)
        tunWrite(j, reply)
        return (true, nodes[i].tun.count > beforeI && nodes[i].tun.last == reply)
    }

    func echo(type: UInt8, src: IPv6Bytes, dst: IPv6Bytes, seq: UInt16) -> [UInt8] {
        var p: [UInt8] = [0x60, 0, 0, 0, 0, 64, 58, 64] + src.bytes + dst.bytes
        p += [type, 0, 0, 0, 0x12, 0x34, UInt8(seq >> 8), UInt8(seq & 0xff)]
        p += (0..<56).map { UInt8($0) }
        return p
    }

    /// TRAFFIC header fields of a logged message, if it is TRAFFIC.
    static func traffic(_ m: NetMessage) -> (UInt64, UInt64, UInt64)? {
        guard case .standard = m else { return nil }
        return m.payload.withUnsafeBytes { SessionWire.parseTrafficHeader($0) }.map { ($0.senderKeySeq, $0.receiverKeySeq, $0.nonce) }
    }
}
