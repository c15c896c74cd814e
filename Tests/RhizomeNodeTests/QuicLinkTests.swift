import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing
import RhizomeTestSupport
import RhizomeCore
import RhizomeCrypto
@preconcurrency @testable import RhizomeNode

/// The NIO side of quic:// links, driven by a plaintext stand-in engine over loopback UDP: two
/// link managers link through `QuicSocket` and `QuicStreamChannel` and run the usual 0.5
/// handshake and framing on the stream; closing one end ends the link at the other; the engine
/// is made only when a quic peer or listener needs it; a 0.4 node skips quic.
@Suite(.live, .serialized) struct QuicLinkTests {
    /// Stands in for the QUIC engine: datagrams `[kind][connection id: 8][payload]`, no crypto,
    /// no loss recovery (loopback does not lose). Enough to exercise the shell's driving of an
    /// engine: connect/accept events, stream data both ways, closes, garbage dropped.
    final class PlainEngine: QuicConnectionEngine {
        enum Kind: UInt8 { case open = 1, opened, data, close }
        struct Connection {
            var remote: SocketAddress
            var wireID: UInt64
            var initiator: Bool
            var open = false
        }
        let acceptsInbound: Bool
        private var connections: [Int: Connection] = [:]
        private var events: [QuicEngineEvent] = []
        private var out: [(SocketAddress, [UInt8])] = []
        private var next = 1
        private(set) var droppedDatagrams = 0

        init(acceptsInbound: Bool) { self.acceptsInbound = acceptsInbound }

        private func datagram(_ kind: Kind, _ c: Connection, _ payload: [UInt8] = []) {
            var d = [kind.rawValue]
            withUnsafeBytes(of: c.wireID.bigEndian) { d += $0 }
            out.append((c.remote, d + payload))
        }

        func connect(to remote: SocketAddress, now: NIODeadline) throws -> Int {
            let h = next
            next += 1
            connections[h] = Connection(remote: remote, wireID: .random(in: 1...UInt64.max), initiator: true)
            datagram(.open, connections[h]!)
            return h
        }

        func receive(_ d: UnsafeRawBufferPointer, from remote: SocketAddress, now: NIODeadline) {
            guard d.count >= 9, let kind = Kind(rawValue: d[0]) else { droppedDatagrams += 1; return }
            let wireID = d.loadUnaligned(fromByteOffset: 1, as: UInt64.self).bigEndian
            let payload = Array(d[9...])
            let found = connections.first { $0.value.wireID == wireID && $0.value.remote == remote }?.key
            switch (kind, found) {
            case (.open, nil):
                guard acceptsInbound else { droppedDatagrams += 1; return }
                let h = next
                next += 1
                connections[h] = Connection(remote: remote, wireID: wireID, initiator: false, open: true)
                datagram(.opened, connections[h]!)
                events.append(.accepted(h, remote: remote))
            case (.opened, let h?):
                guard connections[h]!.initiator, !connections[h]!.open else { return }
                connections[h]!.open = true
                events.append(.connected(h, remote: remote))
            case (.data, let h?):
                var b = ByteBufferAllocator().buffer(capacity: payload.count)
                b.writeBytes(payload)
                events.append(.data(h, b))
            case (.close, let h?):
                connections[h] = nil
                events.append(.closed(h, reason: String(decoding: payload, as: UTF8.self)))
            default:
                droppedDatagrams += 1
            }
        }

        func send(_ bytes: ByteBuffer, on h: Int) -> Bool {
            guard let c = connections[h], c.open else { return false }
            var rest = bytes
            while rest.readableBytes > 0, let chunk = rest.readBytes(length: min(rest.readableBytes, 1200)) {
                datagram(.data, c, chunk)
            }
            return true
        }

        func bufferedBytes(_ h: Int) -> Int { 0 }

        func close(_ h: Int, reason: String, now: NIODeadline) {
            guard let c = connections.removeValue(forKey: h) else { return }
            datagram(.close, c, Array(reason.utf8))
        }

        func pollEvent() -> QuicEngineEvent? { events.isEmpty ? nil : events.removeFirst() }

        func pollTransmit(now: NIODeadline, _ emit: (UnsafeRawBufferPointer, SocketAddress, Int) -> Void) {
            let due = out
            out.removeAll()
            for (to, bytes) in due { bytes.withUnsafeBytes { emit($0, to, 0) } }
        }

        var nextTimeout: NIODeadline? { nil }
        func handleTimeout(now: NIODeadline) {}
        var connectionCount: Int { connections.count }
    }

    final class Events: LinkEvents, @unchecked Sendable {
        var up: [PeerLink] = []
        var down: [String?] = []
        var frames: [[UInt8]] = []
        func linkUp(_ link: PeerLink) -> Bool { up.append(link); return true }
        func linkFrame(_ link: PeerLink, _ frame: ByteBuffer) { frames.append(Array(frame.readableBytesView)) }
        func linkReadComplete() {}
        func linkDown(_ link: PeerLink, reason: String?) { down.append(reason) }
    }

    final class Node: @unchecked Sendable {
        let keys = SigningKeyPair.generate()
        let events = Events()
        var manager: LinkManager!
        var enginesMade = 0
        var factoriesMade = 0

        func start(on loop: EventLoop, version: ProtocolVersion = .v05) {
            manager = LinkManager(eventLoop: loop, localKey: keys.publicKey, allowedKeys: [], tls: { [keys] in try TLSIdentity(keys: keys) },
                                  log: Logger(label: "quic-test"), version: version, keys: version == .v05 ? keys : nil)
            manager.events = events
            manager.makeQuic = { [self] in
                factoriesMade += 1
                return { [self] _, inbound in
                    enginesMade += 1
                    return PlainEngine(acceptsInbound: inbound)
                }
            }
        }
    }

    static func waitFor(_ seconds: Double, on loop: EventLoop, _ condition: @escaping @Sendable () -> Bool) throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try loop.submit(condition).wait() { return true }
            usleep(20_000)
        }
        return try loop.submit(condition).wait()
    }

    @Test func linkComesUpCarriesFramesAndEndsOnClose() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let a = Node(), b = Node()
        let port = try loop.flatSubmit { () -> EventLoopFuture<SocketAddress> in
            a.start(on: loop)
            b.start(on: loop)
            return a.manager.listen(try! PeerURI("quic://127.0.0.1:0?priority=3", role: .listen))
        }.wait().port!
        // Nothing made for b yet: it has no quic peer.
        #expect(try loop.submit { a.factoriesMade == 1 && a.enginesMade == 1 && b.factoriesMade == 0 }.wait())
        try loop.submit { try b.manager.addPeer(PeerURI("quic://127.0.0.1:\(port)"), fromConfig: true) }.wait()
        #expect(try Self.waitFor(5, on: loop) { a.events.up.count == 1 && b.events.up.count == 1 })
        let (aLink, bLink) = try loop.submit { (a.events.up[0], b.events.up[0]) }.wait()
        #expect(aLink.remoteKey == b.keys.publicKey && bLink.remoteKey == a.keys.publicKey)
        #expect(aLink.inbound && !bLink.inbound)
        #expect(bLink.name == "quic://127.0.0.1:\(port)")
        #expect(aLink.name.hasPrefix("quic://127.0.0.1:") && aLink.name != bLink.name)
        #expect(aLink.scheme == .quic && aLink.priority == 3 && bLink.priority == 3)
        #expect(try loop.submit { b.factoriesMade == 1 && b.enginesMade == 1 }.wait())

        // Frames both ways, one larger than a datagram; byte counters count them.
        let big = [UInt8](repeating: 0, count: 1) + (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        try loop.submit {
            bLink.handler!.write(frame: UnsafeRawBufferPointer(start: [UInt8]([0x09, 1, 2, 3]), count: 4))
            big.withUnsafeBytes { bLink.handler!.write(frame: $0) }
            bLink.flush()
            aLink.handler!.write(frame: UnsafeRawBufferPointer(start: [UInt8]([0x01, 0x01]), count: 2))
            aLink.flush()
        }.wait()
        #expect(try Self.waitFor(5, on: loop) { a.events.frames.contains(big) && b.events.frames.contains([0x01, 0x01]) })
        #expect(try loop.submit { a.events.frames.contains([0x09, 1, 2, 3]) && aLink.bytesReceived >= 5005 && bLink.bytesSent >= 5005 }.wait())

        // Garbage at the listener is dropped by the engine; the link stays.
        let garbage = try DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        for _ in 0..<50 {
            var buffer = garbage.allocator.buffer(capacity: 32)
            buffer.writeBytes([UInt8](repeating: 0xAB, count: 32))
            try garbage.writeAndFlush(AddressedEnvelope(remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: port), data: buffer)).wait()
        }
        try garbage.close().wait()
        usleep(200_000)
        #expect(try loop.submit { a.events.down.isEmpty && b.events.down.isEmpty }.wait())

        // b closes its side: a sees the link go, b re-dials and both are linked again.
        try loop.submit { bLink.close(reason: "test") }.wait()
        #expect(try Self.waitFor(5, on: loop) { a.events.down.count == 1 && b.events.down.count == 1 })
        #expect(try Self.waitFor(5, on: loop) { a.events.up.count == 2 && b.events.up.count == 2 })
        // Each dial had its own socket: a second engine on b.
        #expect(try loop.submit { b.enginesMade == 2 && b.factoriesMade == 1 }.wait())
        try loop.flatSubmit { a.manager.stop().and(b.manager.stop()).map { _ in } }.wait()
    }

    @Test func unreachablePeerBacksOffAndVersion04SkipsQuic() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let a = Node(), old = Node()
        try loop.submit {
            a.start(on: loop)
            old.start(on: loop, version: .v04)
            // Nobody listens: the dial times out after 5 s and is retried.
            try a.manager.addPeer(PeerURI("quic://127.0.0.1:9"), fromConfig: true)
            #expect(throws: ConfigError.self) { try old.manager.addPeer(PeerURI("quic://127.0.0.1:9"), fromConfig: true) }
        }.wait()
        #expect(try Self.waitFor(8, on: loop) {
            a.manager.configuredPeerStatus.first?.lastError?.contains("dial quic 127.0.0.1:9") == true
        })
        #expect(try loop.submit { old.factoriesMade == 0 && a.events.up.isEmpty }.wait())
        try loop.flatSubmit { a.manager.stop().and(old.manager.stop()).map { _ in } }.wait()
    }

    /// A fake carrier that refuses writes while `full`.
    final class Carrier: QuicStreamChannel.Carrier {
        var full = false
        var sent: [[UInt8]] = []
        var closed: [Int] = []
        var forgotten: [Int] = []
        func send(_ bytes: ByteBuffer, on connection: Int) -> Bool {
            guard !full else { return false }
            sent.append(Array(bytes.readableBytesView))
            return true
        }
        func close(_ connection: Int, reason: String) { closed.append(connection) }
        func forget(_ connection: Int) { forgotten.append(connection) }
    }

    final class Recorder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var log: [String] = []
        func channelActive(context: ChannelHandlerContext) { log.append("active") }
        func channelInactive(context: ChannelHandlerContext) { log.append("inactive") }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { log.append("read \(unwrapInboundIn(data).readableBytes)") }
        func channelWritabilityChanged(context: ChannelHandlerContext) { log.append("writable \(context.channel.isWritable)") }
        func errorCaught(context: ChannelHandlerContext, error: Error) { log.append("error \(error)") }
    }

    @Test func streamChannelQueuesRefusedWritesInOrderAndClosesOnce() throws {
        let loop = EmbeddedEventLoop()
        let carrier = Carrier()
        let recorder = Recorder()
        let channel = QuicStreamChannel(eventLoop: loop, connection: 7, carrier: carrier, local: nil,
                                        remote: try SocketAddress(ipAddress: "10.0.0.2", port: 4000), parent: nil)
        try channel.pipeline.syncOperations.addHandler(recorder)
        channel.activate()
        #expect(channel.isActive && channel.isWritable)
        var b = channel.allocator.buffer(capacity: 4)
        b.writeBytes([1, 2, 3])
        channel.received(b)
        carrier.full = true
        let first = channel.write(NIOAny(ByteBuffer(bytes: [1])))
        channel.writeAndFlush(NIOAny(ByteBuffer(bytes: [2])), promise: nil)
        #expect(!channel.isWritable && carrier.sent.isEmpty)
        carrier.full = false
        channel.engineWritable()
        #expect(channel.isWritable && carrier.sent == [[1], [2]])
        loop.run()
        #expect(try first.wait() == ())
        #expect(throws: ChannelError.operationUnsupported) { try channel.setOption(.socketOption(.tcp_nodelay), value: 1).wait() }
        #expect(try channel.getOption(.autoRead).wait() == true)
        // The peer closes: the pipeline hears why, then the channel goes inactive; closing again fails.
        channel.connectionClosed(reason: "timeout: no recent network activity")
        loop.run()
        #expect(recorder.log == ["active", "read 3", "writable false", "writable true", "error timeout: no recent network activity", "inactive"])
        #expect(carrier.closed.isEmpty && carrier.forgotten == [7])
        #expect(throws: ChannelError.self) { try channel.close().wait() }
        #expect(!channel.isActive)
        try channel.closeFuture.wait()
    }
}
