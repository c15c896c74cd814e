import Foundation
import NIOCore
import NIOPosix
import Testing
import RhizomeTestSupport
@preconcurrency @testable import RhizomeNode

/// The kernel filter on a quic socket whose engine tags its connection IDs: of datagrams sent to
/// it over loopback, only long headers of QUIC v1, v2 and version negotiation, and short headers
/// whose destination ID begins with the tag, reach the engine. Garbage, other versions, other
/// IDs and runts never leave the kernel, so a flood of them costs the node no wake-up.
@Suite(.live, .serialized) struct QuicSocketFilterTests {
    /// Records what the socket hands it; nothing else.
    final class RecordingEngine: QuicConnectionEngine, @unchecked Sendable {
        let connectionIDTag: UInt32?
        var received: [[UInt8]] = []
        init(tag: UInt32?) { connectionIDTag = tag }

        func connect(to remote: SocketAddress, now: NIODeadline) throws -> Int { 0 }
        func receive(_ datagram: UnsafeRawBufferPointer, from remote: SocketAddress, now: NIODeadline) {
            received.append(Array(datagram))
        }
        func send(_ bytes: ByteBuffer, on connection: Int) -> Bool { false }
        func bufferedBytes(_ connection: Int) -> Int { 0 }
        func close(_ connection: Int, reason: String, now: NIODeadline) {}
        func pollEvent() -> QuicEngineEvent? { nil }
        func pollTransmit(now: NIODeadline, _ emit: (UnsafeRawBufferPointer, SocketAddress, Int) -> Void) {}
        var nextTimeout: NIODeadline? { nil }
        func handleTimeout(now: NIODeadline) {}
        var connectionCount: Int { 0 }
        var droppedDatagrams: Int { 0 }
    }

    static let tag: UInt32 = 0xA1B2_C3D4
    static let v2: [UInt8] = [0x6b, 0x33, 0x43, 0xcf]

    /// A datagram: `head`, then `count` bytes of filler numbered from `seed`.
    static func datagram(_ head: [UInt8], _ count: Int, seed: UInt8 = 0) -> [UInt8] {
        head + (0..<count).map { UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ $0) }
    }

    /// What can be QUIC for this socket, in the order sent; the last one marks the end.
    static let kept: [[UInt8]] = [
        datagram([0x41, 0xA1, 0xB2, 0xC3, 0xD4], 40, seed: 1),           // short header, our tag
        datagram([0xC3, 0x00, 0x00, 0x00, 0x01, 8], 1200, seed: 2),     // v1 Initial-shaped
        datagram([0xD0] + v2 + [8], 60, seed: 3),                        // v2 long header
        datagram([0x80, 0x00, 0x00, 0x00, 0x00, 16], 40, seed: 4),      // version negotiation
        datagram([0x7f, 0xA1, 0xB2, 0xC3, 0xD4], 4, seed: 5),            // short, tag, then the end
    ]

    /// What cannot: the filter must drop each of these.
    static var dropped: [[UInt8]] {
        var out: [[UInt8]] = [
            datagram([0x41, 0xA1, 0xB2, 0xC3, 0xD5], 40),                 // short header, another ID
            datagram([0x41, 0xD4, 0xC3, 0xB2, 0xA1], 40),                 // the tag byte-swapped
            datagram([0xC0, 0x00, 0x00, 0x00, 0x02, 8], 1200),            // an unknown version
            datagram([0xC0, 0xff, 0x00, 0x00, 0x1d, 8], 1200),            // draft-29
            [0x41, 0xA1, 0xB2, 0xC3],                                     // runt: the tag cut short
            [0xC0, 0x00, 0x00],                                           // runt: the version cut short
        ]
        // Garbage from a fixed generator, steered off the kept forms.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<300 {
            func next() -> UInt8 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
            var d = (0..<(20 + Int(next()) * 5)).map { _ in next() }
            let word = UInt32(d[1]) << 24 | UInt32(d[2]) << 16 | UInt32(d[3]) << 8 | UInt32(d[4])
            if d[0] & 0x80 == 0 ? word == tag : [0, 1, 0x6b33_43cf].contains(word) { d[1] ^= 0xff }
            out.append(d)
        }
        return out
    }

    @Test(arguments: ["127.0.0.1", "::1"]) func onlyWhatCanBeQuicForThisSocketReachesTheEngine(host: String) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let engine = RecordingEngine(tag: Self.tag)
        let socket = try QuicSocket.bind(on: loop, local: try SocketAddress(ipAddress: host, port: 0), acceptsInbound: true,
                                         makeEngine: { _, _ in engine }).wait()
        defer { try? socket.udp?.close().wait() }
        let target = try #require(socket.localAddress)
        let sender = try DatagramBootstrap(group: group).bind(host: host, port: 0).wait()
        defer { try? sender.close().wait() }

        // Every dropped form before each kept one, so any leak lands in between.
        let dropped = Self.dropped
        var sent = 0
        for (i, keep) in Self.kept.enumerated() {
            for d in dropped[(i * dropped.count / Self.kept.count)..<((i + 1) * dropped.count / Self.kept.count)] {
                try sender.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: sender.allocator.buffer(bytes: d))).wait()
                sent += 1
            }
            try sender.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: sender.allocator.buffer(bytes: keep))).wait()
        }
        #expect(sent == dropped.count)
        let last = Self.kept.last!
        #expect(try QuicLinkTests.waitFor(5, on: loop) { engine.received.last == last }, "the last kept datagram arrived")
        let received = try loop.submit { engine.received }.wait()
        let exactlyTheKeptOnes = received == Self.kept
        #expect(exactlyTheKeptOnes, "the engine got \(received.count) datagrams, \(Self.kept.count) expected; the first few bytes of each: \(received.map { $0.prefix(6).map { String($0, radix: 16) } })")
    }

    /// An engine without a tag gets no filter: everything reaches it, as before.
    @Test func anUntaggedEngineSeesEverything() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let engine = RecordingEngine(tag: nil)
        let socket = try QuicSocket.bind(on: loop, local: try SocketAddress(ipAddress: "127.0.0.1", port: 0), acceptsInbound: true,
                                         makeEngine: { _, _ in engine }).wait()
        defer { try? socket.udp?.close().wait() }
        let target = try #require(socket.localAddress)
        let sender = try DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? sender.close().wait() }
        let all = Array(Self.dropped.prefix(6)) + Self.kept
        for d in all {
            try sender.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: sender.allocator.buffer(bytes: d))).wait()
        }
        #expect(try QuicLinkTests.waitFor(5, on: loop) { engine.received.count == all.count }, "all \(all.count) arrived")
        #expect(try loop.submit { engine.received }.wait() == all)
    }
}
