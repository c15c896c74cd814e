import CMallocCounter
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
@testable import RhizomeNodeCore
import Testing

/// The data path against the general path it shortcuts, and its promise of no allocation.
@Suite struct DataPathTests {
    /// Runs `body` on a fresh network of `count` nodes of the given version.
    static func withNetwork(_ version: ProtocolVersion, count: Int = 3, seed: UInt64,
                            _ body: (inout MemoryNetwork<Router>) throws -> Void,
                            _ body05: (inout MemoryNetwork<Router05>) throws -> Void) rethrows {
        switch version {
        case .v04:
            var net = MemoryNetwork(count: count, seed: seed)
            defer { net.free() }
            try body(&net)
        case .v05:
            var net = MemoryNetwork(count05: count, seed: seed)
            defer { net.free() }
            try body05(&net)
        }
    }

    /// A line 0 – 1 – 2, converged, with sessions open both ways between 0 and 2.
    static func makeLine<R>(_ net: inout MemoryNetwork<R>) {
        net.connect(0, 1, 1, 1)
        net.connect(1, 2, 2, 1)
        net.run(seconds: 10)
        // First packets each way: key lookup, INIT/ACK, then delivery.
        for (from, to) in [(0, 2), (2, 0)] {
            let p = ipv6Packet(from: net.address(from), to: net.address(to), payloadLength: 100)
            for _ in 0..<5 {
                p.withUnsafeBytes { net.nodes[from].tunPacket($0, now: net.now, io: net.ios[from]) }
                net.run(seconds: 0.5)
            }
        }
    }

    @Test(arguments: ProtocolVersion.allCases)
    func packetsCrossARelayBothWays(_ version: ProtocolVersion) throws {
        func check<R>(_ net: inout MemoryNetwork<R>) {
            Self.makeLine(&net)
            let largest = version == .v04 ? 53000 : 65000
            for (from, to) in [(0, 2), (2, 0)] {
                for size in [0, 1, 1200, 9000, largest] {
                    let p = ipv6Packet(from: net.address(from), to: net.address(to), payloadLength: size, fill: UInt8(size & 0xFF))
                    let before = net.ios[to].tunCount
                    p.withUnsafeBytes { net.nodes[from].tunPacket($0, now: net.now, io: net.ios[from]) }
                    net.pump()
                    #expect(net.ios[to].tunCount == before + 1, "packet of \(size) bytes \(from)→\(to)")
                    #expect(net.ios[to].lastTUNPacket == p)
                }
            }
            #expect(net.ios.allSatisfy { $0.closed.isEmpty })
        }
        Self.withNetwork(version, seed: 11, check, check)
    }

    /// Every step of the data path does exactly what the general path does from the same state:
    /// the same frames on the same links, the same packets on the TUN — from the first packet
    /// (lookups, handshakes; in 0.4 routing through keyspace as type 9) to the steady state (0.4:
    /// source routing as type 10; 0.5: greedy tree routing as type 9).
    @Test(arguments: ProtocolVersion.allCases)
    func dataPathAgreesWithGeneralPath(_ version: ProtocolVersion) throws {
        func check<R>(_ net: inout MemoryNetwork<R>) {
            net.connect(0, 1, 1, 1)
            net.connect(1, 2, 2, 1)
            net.run(seconds: 10)
            net.compareWithGeneralPath = true
            var tunReadMismatches = 0
            for round in 0..<40 {
                for (from, to) in [(0, 2), (2, 0)] {
                    let p = ipv6Packet(from: net.address(from), to: net.address(to), payloadLength: 64 + round)
                    var general = net.nodes[from]
                    let generalIO = MemoryIO(arenaSize: 1 << 20)
                    p.withUnsafeBytes { general.tunPacket(ipv6General: $0, now: net.now, io: generalIO) }
                    let io = net.ios[from]
                    let before = io.frames.count
                    p.withUnsafeBytes { net.nodes[from].tunPacket($0, now: net.now, io: io) }
                    let fast = Self.frames(io).dropFirst(before)
                    if !(Array(fast) == Self.frames(generalIO)) { tunReadMismatches += 1 }
                }
                net.run(seconds: 0.25)
            }
            #expect(tunReadMismatches == 0)
            #expect(net.mismatches.isEmpty, "\(net.mismatches.prefix(5))")
            #expect(net.comparedTUNWrites >= 70)
            let trafficTypes: [UInt8] = version == .v04 ? [9, 10] : [9]
            #expect(trafficTypes.allSatisfy { (net.comparedTypes[$0] ?? 0) > 0 }, "\(net.comparedTypes)")
        }
        Self.withNetwork(version, seed: 5, check, check)
    }

    @Test(arguments: ProtocolVersion.allCases)
    func dataPathAllocatesNothingPerPacket(_ version: ProtocolVersion) throws {
        func check<R>(_ net: inout MemoryNetwork<R>) {
            Self.makeLine(&net)
            let packets = [
                ipv6Packet(from: net.address(0), to: net.address(2), payloadLength: 1400),
                ipv6Packet(from: net.address(2), to: net.address(0), payloadLength: 1400),
            ]
            func roundTrip(_ n: Int) {
                for _ in 0..<n {
                    packets[0].withUnsafeBytes { net.nodes[0].tunPacket($0, now: net.now, io: net.ios[0]) }
                    net.pump()
                    packets[1].withUnsafeBytes { net.nodes[2].tunPacket($0, now: net.now, io: net.ios[2]) }
                    net.pump()
                    // The shell re-arms its timer after every batch.
                    for node in net.nodes { precondition(node.nextWakeup != nil) }
                    net.now += 0.0001
                }
            }
            roundTrip(200)  // warm up: paths found, tables and queues at their working size
            let delivered = (net.ios[0].tunCount, net.ios[2].tunCount)
            let before = rz_malloc_count()
            roundTrip(1000)
            let allocations = rz_malloc_count() - before
            #expect(net.ios[2].tunCount - delivered.1 == 1000)
            #expect(net.ios[0].tunCount - delivered.0 == 1000)
            #expect(net.ios[2].lastTUNPacket == packets[0])
            #expect(allocations == 0, "\(allocations) allocations for 2000 packets through 3 nodes")

            // The counter is live: an allocation on this thread is seen.
            #expect(rz_malloc_counter_active() == 1)
            let probeBefore = rz_malloc_count()
            let probe = [UInt8](repeating: 1, count: Int.random(in: 100...200))
            #expect(rz_malloc_count() > probeBefore && probe.count >= 100)
        }
        Self.withNetwork(version, seed: 11, check, check)
    }

    /// A malformed traffic frame takes the general path and closes only its link.
    @Test(arguments: ProtocolVersion.allCases)
    func malformedTrafficClosesTheLink(_ version: ProtocolVersion) throws {
        func check<R>(_ net: inout MemoryNetwork<R>) {
            Self.makeLine(&net)
            // 0.4: a type-10 route cut short, a truncated one, a truncated type-9 header.
            // 0.5: type-9 bodies whose coordinates or keys run past the end, and a type out of range.
            let frames: [[UInt8]] = version == .v04 ? [[10, 0x80], [10, 1, 2], [9, 1, 2, 3]] : [[9, 0x80], [9, 1, 0, 1], [9, 0, 0, 1, 2, 3], [10, 0]]
            for bad in frames {
                net.ios[1].closed.removeAll()
                bad.withUnsafeBytes { net.nodes[1].linkFrame($0, from: 2, now: net.now, scratch: net.scratch, io: net.ios[1]) }
                #expect(net.ios[1].closed.map(\.0) == [2], "frame \(bad)")
            }
        }
        Self.withNetwork(version, seed: 11, check, check)
    }

    static func frames(_ io: MemoryIO) -> [(LinkID, [UInt8])] {
        io.frames.map { ($0.link, Array(io.arena[$0.offset..<($0.offset + $0.length)])) }
    }
}

func == (a: [(LinkID, [UInt8])], b: [(LinkID, [UInt8])]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
}

extension NodeCore {
    /// A TUN read through the general path only (`IPv6Layer.handleOutgoing` and the action queues).
    mutating func tunPacket(ipv6General packet: UnsafeRawBufferPointer, now: Double, io: some NodeIO) {
        ipv6.handleOutgoing(Array(packet), now: now)
        drain(now: now, io: io)
    }
}
