import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
import RhizomeNodeCore

// A fixed workload for the data path, for instruction counts (Benchmarks/datapath-instructions
// runs it under callgrind): nodes in memory, a line 0 – 1 (– 2 with --relay), converged, sessions
// open; then N packets of S bytes each way between the ends, through NodeCore's data path only
// (TUN read → seal → route → frame, frame → route → open → TUN). Deterministic: seeded keys and
// randomness, a simulated clock. Output is a checksum of what arrived, so the work is not elided.
//
//   rhizome-datapath-bench --version 0.5|0.4 [--packets N] [--size S] [--relay] [--setup-only]

/// Frames queue in one preallocated arena per node; the TUN keeps the last packet.
final class BenchIO: NodeIO {
    struct Queued { var link: LinkID; var offset: Int; var length: Int }
    let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
    var used = 0
    var frames: [Queued] = []
    var tunCount = 0
    var tunBytes = 0
    var checksum: UInt64 = 0

    init() { frames.reserveCapacity(4096) }

    func writeFrame(to link: LinkID, length: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> Bool {
        guard used + length <= arena.count else { return false }
        fill(UnsafeMutableRawBufferPointer(rebasing: arena[used..<(used + length)]))
        frames.append(Queued(link: link, offset: used, length: length))
        used += length
        return true
    }

    func closeLink(_ link: LinkID, reason: String) { fatalError("link \(link) closed: \(reason)") }

    func writeToTUN(_ packet: UnsafeRawBufferPointer) {
        tunCount += 1
        tunBytes += packet.count
        checksum = checksum &* 31 &+ UInt64(packet[packet.count - 1])
    }

    func deliverProtocol(_ data: [UInt8], from key: PublicKey) {}
}

struct Bench<R: RoutingLayer> {
    struct End: Hashable { var node: Int; var link: LinkID }
    var nodes: [NodeCore<R>]
    let ios: [BenchIO]
    var wires: [End: End] = [:]
    var now: Double = 0
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: NodeCore<R>.scratchSize, alignment: 16)
    let inFlight = UnsafeMutableRawBufferPointer.allocate(byteCount: R.maxFrameLength, alignment: 16)

    init(count: Int, version: ProtocolVersion, makeRouter: (Int, SigningKeyPair) -> R) {
        var random = SeededRandom(seed: 7)
        nodes = (0..<count).map { i in
            let keys = SigningKeyPair.generate(using: &random)
            var core = NodeCore(router: makeRouter(i, keys), version: version, keys: keys, now: 0,
                                unixTime: 1_800_000_000, random: SeededRandom(seed: 100 + UInt64(i)))
            core.ipv6.setMTU(65535)
            return core
        }
        ios = (0..<count).map { _ in BenchIO() }
    }

    mutating func connect(_ a: Int, _ la: LinkID, _ b: Int, _ lb: LinkID) {
        wires[End(node: a, link: la)] = End(node: b, link: lb)
        wires[End(node: b, link: lb)] = End(node: a, link: la)
        nodes[a].linkUp(la, key: nodes[b].localKey, priority: 0, now: now, io: ios[a])
        nodes[b].linkUp(lb, key: nodes[a].localKey, priority: 0, now: now, io: ios[b])
    }

    /// Delivers queued frames until the network is quiet.
    mutating func pump() {
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
                    nodes[to.node].linkFrame(UnsafeRawBufferPointer(bytes), from: to.link, now: now, scratch: scratch, io: ios[to.node])
                    busy = true
                }
                io.used = 0
                io.frames.removeAll(keepingCapacity: true)
            }
        }
    }

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

    mutating func send(_ packet: [UInt8], from: Int) {
        packet.withUnsafeBytes { nodes[from].tunPacket($0, now: now, io: ios[from]) }
        pump()
    }

    /// Builds the line, converges it, opens sessions both ways; then `packets` each way.
    mutating func main(relay: Bool, packets: Int, size: Int, setupOnly: Bool) -> (Int, Int, UInt64) {
        connect(0, 1, 1, 1)
        if relay { connect(1, 2, 2, 1) }
        let far = relay ? 2 : 1
        run(seconds: 10)
        let there = ipv6Packet(from: address(0), to: address(far), size: size)
        let back = ipv6Packet(from: address(far), to: address(0), size: size)
        for _ in 0..<5 {
            send(there, from: 0)
            run(seconds: 0.5)
            send(back, from: far)
            run(seconds: 0.5)
        }
        // Warm up tables and queues at their working size.
        for _ in 0..<200 {
            send(there, from: 0)
            send(back, from: far)
        }
        let before = ios[far].tunCount + ios[0].tunCount
        if !setupOnly {
            for k in 0..<packets {
                send(there, from: 0)
                send(back, from: far)
                // The clock moves as in a busy daemon; timers run when due.
                if k & 1023 == 1023 {
                    now += 0.01
                    for i in 0..<nodes.count where (nodes[i].nextWakeup ?? .infinity) <= now {
                        nodes[i].tick(now: now, io: ios[i])
                    }
                    pump()
                }
            }
        }
        let delivered = ios[far].tunCount + ios[0].tunCount - before
        return (delivered, ios[far].tunBytes + ios[0].tunBytes, ios[far].checksum &+ ios[0].checksum)
    }
}

/// An IPv6 packet (next header 59) of `size` bytes in all.
func ipv6Packet(from src: IPv6Bytes, to dst: IPv6Bytes, size: Int) -> [UInt8] {
    let payloadLength = max(0, size - 40)
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
    for i in 40..<p.count { p[i] = UInt8(truncatingIfNeeded: i &* 7) }
    return p
}

var version = ProtocolVersion.v05
var packets = 200_000
var size = 1400
var relay = false
var setupOnly = false
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--version":
        switch args.popFirst() {
        case "0.4": version = .v04
        case "0.5": version = .v05
        default: fatalError("--version 0.4 or 0.5")
        }
    case "--packets": packets = Int(args.popFirst() ?? "") ?? packets
    case "--size": size = Int(args.popFirst() ?? "") ?? size
    case "--relay": relay = true
    case "--setup-only": setupOnly = true
    default: fatalError("unknown argument \(arg)")
    }
}

let count = relay ? 3 : 2
let result: (Int, Int, UInt64)
switch version {
case .v04:
    var bench = Bench<Router>(count: count, version: .v04) { i, keys in
        Router(keys: keys, now: 0, unixTime: 1_800_000_000, setupSeqStart: UInt64(i) << 32)
    }
    result = bench.main(relay: relay, packets: packets, size: size, setupOnly: setupOnly)
case .v05:
    var bench = Bench<Router05>(count: count, version: .v05) { i, keys in
        Router05(keys: keys, now: 0, unixTime: 1_800_000_000, random: SeededRandom(seed: 200 + UInt64(i)))
    }
    result = bench.main(relay: relay, packets: packets, size: size, setupOnly: setupOnly)
}
let expected = setupOnly ? 0 : 2 * packets
guard result.0 == expected else { fatalError("delivered \(result.0) packets, expected \(expected)") }
print("version \(version) packets \(result.0) bytes \(result.1) checksum \(result.2)")
