import CMallocCounter
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
@testable import RhizomeNodeCore
import Testing

/// The data path against the general path it shortcuts, and its promise of no allocation.
@Suite struct DataPathTests {
    /// A line 0 – 1 – 2, converged, with sessions open both ways between 0 and 2.
    static func line() -> MemoryNetwork {
        var net = MemoryNetwork(count: 3, seed: 11)
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
        return net
    }

    @Test func packetsCrossARelayBothWays() throws {
        var net = Self.line()
        defer { net.free() }
        for (from, to) in [(0, 2), (2, 0)] {
            for size in [0, 1, 1200, 9000, 53000] {
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

    /// Every step of the data path does exactly what the general path does from the same state:
    /// the same frames on the same links, the same packets on the TUN — from the first packet
    /// (lookups, handshakes, routing through keyspace as type 9) to source routing (type 10).
    @Test func dataPathAgreesWithGeneralPath() throws {
        var net = MemoryNetwork(count: 3, seed: 5)
        defer { net.free() }
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
        #expect((net.comparedTypes[9] ?? 0) > 0 && (net.comparedTypes[10] ?? 0) > 0, "\(net.comparedTypes)")
    }

    @Test func dataPathAllocatesNothingPerPacket() throws {
        var net = Self.line()
        defer { net.free() }
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

    /// A malformed traffic frame takes the general path and closes only its link.
    @Test func malformedTrafficClosesTheLink() throws {
        var net = Self.line()
        defer { net.free() }
        for bad: [UInt8] in [[10, 0x80], [10, 1, 2], [9, 1, 2, 3]] {
            net.ios[1].closed.removeAll()
            bad.withUnsafeBytes { net.nodes[1].linkFrame($0, from: 2, now: net.now, scratch: net.scratch, io: net.ios[1]) }
            #expect(net.ios[1].closed.map(\.0) == [2], "frame \(bad)")
        }
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
