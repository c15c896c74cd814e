import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
@testable import RhizomeNodeCore

/// A `NodeIO` over memory with every buffer allocated up front, so that a measurement of the
/// data path counts the data path's allocations only. Frames queue in one byte arena per node.
final class MemoryIO: NodeIO {
    struct QueuedFrame { var link: LinkID; var offset: Int; var length: Int }

    let arena: UnsafeMutableRawBufferPointer
    var used = 0
    var frames: [QueuedFrame] = []
    /// The last packet written to the TUN, and how many were.
    let tunPacket: UnsafeMutableRawBufferPointer
    var tunLength = 0
    var tunCount = 0
    var closed: [(LinkID, String)] = []
    var protocolMessages: [(PublicKey, [UInt8])] = []

    init(arenaSize: Int = 4 << 20) {
        arena = .allocate(byteCount: arenaSize, alignment: 16)
        tunPacket = .allocate(byteCount: 65536, alignment: 16)
        frames.reserveCapacity(4096)
    }

    deinit {
        arena.deallocate()
        tunPacket.deallocate()
    }

    func writeFrame(to link: LinkID, length: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> Bool {
        guard used + length <= arena.count else { return false }
        fill(UnsafeMutableRawBufferPointer(rebasing: arena[used..<(used + length)]))
        frames.append(QueuedFrame(link: link, offset: used, length: length))
        used += length
        return true
    }

    func closeLink(_ link: LinkID, reason: String) { closed.append((link, reason)) }

    func writeToTUN(_ packet: UnsafeRawBufferPointer) {
        UnsafeMutableRawBufferPointer(rebasing: tunPacket[0..<packet.count]).copyMemory(from: packet)
        tunLength = packet.count
        tunCount += 1
    }

    func deliverProtocol(_ data: [UInt8], from key: PublicKey) { protocolMessages.append((key, data)) }

    var lastTUNPacket: [UInt8] { Array(tunPacket[0..<tunLength]) }

    func reset() {
        used = 0
        frames.removeAll(keepingCapacity: true)
    }
}

/// Nodes joined by in-memory links; `pump` delivers queued frames until the network is quiet.
/// Frames go through `NodeCore.linkFrame`, the data path (which hands non-traffic frames to the
/// general path), unless `generalPathOnly` is set.
struct MemoryNetwork<R: RoutingLayer> {
    struct End: Hashable { var node: Int; var link: LinkID }

    var nodes: [NodeCore<R>]
    let ios: [MemoryIO]
    var wires: [End: End] = [:]
    var now: Double = 0
    let scratch: UnsafeMutableRawBufferPointer
    /// Frames in flight: copied out of a node's arena before delivery (delivery may queue more).
    let inFlight: UnsafeMutableRawBufferPointer

    /// When set, every delivery is also made through the general path on a copy of the receiving
    /// node, and any difference in what the two do is recorded in `mismatches`.
    var compareWithGeneralPath = false
    var mismatches: [String] = []
    var comparedTypes: [UInt8: Int] = [:]
    var comparedTUNWrites = 0

    /// - Parameter makeRouter: the routing layer of node `i` with its keys, at time 0 and Unix time
    ///   `MemoryNetwork.unixTime`.
    init(count: Int, seed: UInt64, version: ProtocolVersion, makeRouter: (Int, SigningKeyPair) -> R) {
        var random = SeededRandom(seed: seed)
        nodes = (0..<count).map { i in
            let keys = SigningKeyPair.generate(using: &random)
            var core = NodeCore(router: makeRouter(i, keys), version: version, keys: keys, now: 0,
                                unixTime: MemoryNetworkClock.unixTime, random: SeededRandom(seed: seed &+ UInt64(i) &+ 1))
            core.ipv6.setMTU(65535)
            return core
        }
        ios = (0..<count).map { _ in MemoryIO() }
        scratch = .allocate(byteCount: NodeCore<R>.scratchSize, alignment: 16)
        inFlight = .allocate(byteCount: R.maxFrameLength, alignment: 16)
    }

    func free() {
        scratch.deallocate()
        inFlight.deallocate()
    }

    /// Links node `a` and node `b` with link ids `a.link` / `b.link`.
    mutating func connect(_ a: Int, _ la: LinkID, _ b: Int, _ lb: LinkID) {
        wires[End(node: a, link: la)] = End(node: b, link: lb)
        wires[End(node: b, link: lb)] = End(node: a, link: la)
        nodes[a].linkUp(la, key: nodes[b].localKey, priority: 0, now: now, io: ios[a])
        nodes[b].linkUp(lb, key: nodes[a].localKey, priority: 0, now: now, io: ios[b])
    }

    /// Delivers queued frames until none is left. Returns the number delivered.
    @discardableResult
    mutating func pump(generalPathOnly: Bool = false) -> Int {
        var delivered = 0
        var busy = true
        while busy {
            busy = false
            for i in 0..<nodes.count {
                let io = ios[i]
                var f = 0
                while f < io.frames.count {
                    let frame = io.frames[f]
                    f += 1
                    guard let to = wires[End(node: i, link: frame.link)] else { continue }
                    let bytes = UnsafeMutableRawBufferPointer(rebasing: inFlight[0..<frame.length])
                    bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: io.arena[frame.offset..<(frame.offset + frame.length)]))
                    if compareWithGeneralPath {
                        compare(UnsafeRawBufferPointer(bytes), to: to)
                    } else if generalPathOnly {
                        nodes[to.node].router.receive(frame: UnsafeRawBufferPointer(bytes), from: to.link, now: now)
                        nodes[to.node].drain(now: now, io: ios[to.node])
                    } else {
                        nodes[to.node].linkFrame(UnsafeRawBufferPointer(bytes), from: to.link, now: now, scratch: scratch, io: ios[to.node])
                    }
                    delivered += 1
                    busy = true
                }
                io.reset()
            }
        }
        return delivered
    }

    /// Delivers `frame` through both paths, from identical states, and compares the results.
    mutating func compare(_ frame: UnsafeRawBufferPointer, to end: End) {
        var general = nodes[end.node]
        let generalIO = MemoryIO(arenaSize: 1 << 20)
        general.router.receive(frame: frame, from: end.link, now: now)
        general.drain(now: now, io: generalIO)
        let io = ios[end.node]
        let framesBefore = io.frames.count, tunBefore = io.tunCount
        nodes[end.node].linkFrame(frame, from: end.link, now: now, scratch: scratch, io: io)
        comparedTypes[frame[0], default: 0] += 1
        let fast = io.frames[framesBefore...].map { ($0.link, Array(io.arena[$0.offset..<($0.offset + $0.length)])) }
        let slow = generalIO.frames.map { ($0.link, Array(generalIO.arena[$0.offset..<($0.offset + $0.length)])) }
        if !(fast.count == slow.count && zip(fast, slow).allSatisfy({ $0.0 == $1.0 && $0.1 == $1.1 })) {
            mismatches.append("frames out of node \(end.node) for a type-\(frame[0]) frame differ")
        }
        if io.tunCount - tunBefore != generalIO.tunCount {
            mismatches.append("TUN writes of node \(end.node) for a type-\(frame[0]) frame differ")
        } else if generalIO.tunCount > 0 {
            comparedTUNWrites += 1
            if io.lastTUNPacket != generalIO.lastTUNPacket { mismatches.append("TUN packets of node \(end.node) differ") }
        }
    }

    /// Advances time in steps, running due timers and delivering frames.
    mutating func run(seconds: Double, step: Double = 0.25) {
        let end = now + seconds
        while now < end {
            now += step
            for i in 0..<nodes.count where (nodes[i].nextWakeup ?? .infinity) <= now {
                nodes[i].tick(now: now, io: ios[i])
            }
            pump()
        }
    }

    func address(_ i: Int) -> IPv6Bytes { Address(key: nodes[i].localKey).bytes }
}

enum MemoryNetworkClock {
    static let unixTime: Double = 1_800_000_000
}

extension MemoryNetwork where R == Router {
    /// 0.4.7 nodes.
    init(count: Int, seed: UInt64) {
        self.init(count: count, seed: seed, version: .v04) { i, keys in
            Router(keys: keys, now: 0, unixTime: MemoryNetworkClock.unixTime, setupSeqStart: UInt64(i) << 32)
        }
    }
}

extension MemoryNetwork where R == Router05 {
    /// 0.5 nodes.
    init(count05: Int, seed: UInt64) {
        self.init(count: count05, seed: seed, version: .v05) { i, keys in
            Router05(keys: keys, now: 0, unixTime: MemoryNetworkClock.unixTime, random: SeededRandom(seed: seed &* 31 &+ UInt64(i)))
        }
    }
}

/// An IPv6 packet (version 6, next header 59 "no next header") from `src` to `dst`.
func ipv6Packet(from src: IPv6Bytes, to dst: IPv6Bytes, payloadLength: Int, fill: UInt8 = 0xAB) -> [UInt8] {
    var p = [UInt8](repeating: 0, count: 40 + payloadLength)
    p[0] = 0x60
    p[4] = UInt8(payloadLength >> 8)
    p[5] = UInt8(payloadLength & 0xFF)
    p[6] = 59
    p[7] = 64
    for i in 0..<16 {
        p[8 + i] = src[i]
        p[24 + i] = dst[i]
    }
    for i in 40..<p.count { p[i] = fill &+ UInt8(truncatingIfNeeded: i) }
    return p
}
