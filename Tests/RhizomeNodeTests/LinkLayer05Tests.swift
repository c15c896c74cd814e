import NIOCore
import NIOEmbedded
import Testing
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
@testable import RhizomeNode

/// The 0.5 link layer on EmbeddedChannels: handshake, framing, keepalive and timeout
/// (routing.md §1–§2, node-sessions-admin.md §2.5).
@Suite struct LinkLayer05Tests {
    static let a = try! SigningKeyPair(seed: [UInt8](repeating: 0xA1, count: 32))
    static let b = try! SigningKeyPair(seed: [UInt8](repeating: 0xB2, count: 32))

    /// One side's handshake and what it reported.
    final class Side {
        var remote: LinkHandshakeHandler.Remote?
        var leftover: ByteBuffer?
        var failure: Error?
        let channel = EmbeddedChannel()

        init(version: ProtocolVersion, keys: SigningKeyPair, priority: UInt8 = 0, password: String = "") throws {
            let credentials = LinkHandshakeHandler.Credentials(signer: keys, priority: priority, password: Array(password.utf8))
            let handler = LinkHandshakeHandler(version: version, localKey: keys.publicKey, credentials: credentials,
                                               onComplete: { [unowned self] _, remote, leftover in
                                                   self.remote = remote
                                                   self.leftover = leftover
                                               }, onFailure: { [unowned self] in self.failure = $0 })
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        }

        /// Everything the side has written so far.
        func written() throws -> [UInt8] {
            var out: [UInt8] = []
            while var chunk = try channel.readOutbound(as: ByteBuffer.self) {
                out += chunk.readBytes(length: chunk.readableBytes)!
            }
            return out
        }

        func receive(_ bytes: [UInt8]) throws {
            try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
        }

        var failureText: String { failure.map { "\($0)" } ?? "" }
    }

    // MARK: handshake

    @Test func handshakeCompletesBothWaysWithTheLargerPriorityAvailable() throws {
        let x = try Side(version: .v05, keys: Self.a, priority: 3, password: "swordfish")
        let y = try Side(version: .v05, keys: Self.b, priority: 1, password: "swordfish")
        let fromX = try x.written(), fromY = try y.written()
        #expect(fromX == Metadata05.encode(signer: Self.a, priority: 3, password: Array("swordfish".utf8)))
        #expect(fromX.count == 123)
        // Y's block arrives with the first frame behind it: that frame is left over for the framer.
        try x.receive(fromY + [0x01, 0x01])
        try y.receive(fromX)
        #expect(x.remote?.key == Self.b.publicKey)
        #expect(x.remote?.priority == 1)
        #expect(y.remote?.key == Self.a.publicKey)
        #expect(y.remote?.priority == 3)
        #expect(x.leftover.map { Array($0.readableBytesView) } == [0x01, 0x01])
        #expect(x.failure == nil && y.failure == nil)
        #expect(x.channel.isActive)
    }

    @Test func handshakeByteByByte() throws {
        let x = try Side(version: .v05, keys: Self.a)
        let block = Metadata05.encode(signer: Self.b, priority: 7, password: [])
        for byte in block.dropLast() { try x.receive([byte]) }
        #expect(x.remote == nil && x.failure == nil)
        try x.receive([block.last!])
        #expect(x.remote?.key == Self.b.publicKey)
        #expect(x.remote?.priority == 7)
    }

    @Test func wrongPasswordIsRefusedAndSaysSo() throws {
        let x = try Side(version: .v05, keys: Self.a, password: "sekrit")
        try x.receive(Metadata05.encode(signer: Self.b, priority: 0, password: Array("wrong".utf8)))
        #expect(x.remote == nil)
        #expect(x.failureText == "password does not match remote side")
        #expect((x.failure as? LinkHandshakeHandler.Failure)?.isRefusal == true)
        #expect(!x.channel.isActive)
    }

    @Test func aVersion04PeerIsNamedOnBothSides() throws {
        // 0.5 node hearing a 0.4.7 preamble.
        let x = try Side(version: .v05, keys: Self.a)
        try x.receive(Metadata(key: Self.b.publicKey).encoded)
        #expect(x.failureText.contains("incompatible version (local 0.5, remote 0.4)"))
        #expect(!x.channel.isActive)
        // 0.4 node hearing a 0.5 block.
        let y = try Side(version: .v04, keys: Self.b)
        #expect(try y.written() == Metadata(key: Self.b.publicKey).encoded)
        try y.receive(Metadata05.encode(signer: Self.a, priority: 0, password: []))
        #expect(y.failureText.contains("incompatible version (local 0.4, remote 0.5)"))
        #expect(!y.channel.isActive)
    }

    @Test func handshakeTimesOutAfterSixSeconds() throws {
        let x = try Side(version: .v05, keys: Self.a)
        try x.receive(Array(Metadata05.encode(signer: Self.b, priority: 0, password: []).prefix(50)))
        x.channel.embeddedEventLoop.advanceTime(by: .milliseconds(5900))
        #expect(x.failure == nil)
        x.channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(x.failureText.contains("timeout"))
        #expect(!x.channel.isActive)
    }

    // MARK: framing

    static func decoderChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(version: .v05),
                                                                           maximumBufferSize: FrameDecoder.maximumBufferSize(.v05)))
        return channel
    }

    @Test func uvarintFrameSplitAcrossReads() throws {
        let channel = try Self.decoderChannel()
        let body: [UInt8] = [4] + (0..<199).map { UInt8(truncatingIfNeeded: $0) }
        let stream = Uvarint.encode(200) + body + [0x01, 0x01]
        #expect(Array(stream.prefix(2)) == [0xc8, 0x01])
        try channel.writeInbound(channel.allocator.buffer(bytes: stream[0..<1]))
        try channel.writeInbound(channel.allocator.buffer(bytes: stream[1..<3]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        try channel.writeInbound(channel.allocator.buffer(bytes: stream[3...]))
        let frame = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(Array(frame.readableBytesView) == body)
        let keepalive = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(Array(keepalive.readableBytesView) == [0x01])
    }

    @Test func largestFrameWaitsAndOneMoreIsRefused() throws {
        let ok = try Self.decoderChannel()
        try ok.writeInbound(ok.allocator.buffer(bytes: Uvarint.encode(131_070) + [9, 0, 0]))
        #expect(try ok.readInbound(as: ByteBuffer.self) == nil)
        let over = try Self.decoderChannel()
        #expect(throws: FrameDecoder.FramingError.self) {
            try over.writeInbound(over.allocator.buffer(bytes: Uvarint.encode(131_071) + [9]))
        }
    }

    @Test func zeroLengthAndOverlongUvarintAreRefused() throws {
        let zero = try Self.decoderChannel()
        #expect(throws: FrameDecoder.FramingError.self) { try zero.writeInbound(zero.allocator.buffer(bytes: [0x00, 0x01])) }
        let long = try Self.decoderChannel()
        #expect(throws: FrameDecoder.FramingError.self) {
            try long.writeInbound(long.allocator.buffer(bytes: [UInt8](repeating: 0xff, count: 10) + [0x01]))
        }
        // Nine continuation bytes are not yet an error: the tenth decides.
        let pending = try Self.decoderChannel()
        try pending.writeInbound(pending.allocator.buffer(bytes: [UInt8](repeating: 0x80, count: 9)))
        #expect(try pending.readInbound(as: ByteBuffer.self) == nil)
    }

    // MARK: link handler

    /// A 0.5 (or 0.4) link handler on an embedded channel.
    final class Link {
        let channel = EmbeddedChannel()
        let handler: LinkHandler
        let link: PeerLink

        init(version: ProtocolVersion) throws {
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            link = PeerLink(id: 1, remoteKey: LinkLayer05Tests.b.publicKey, priority: 0, name: "test", inbound: false,
                            scheme: .tcp, channel: channel, key: LinkKey(scheme: "tcp", interface: "", remote: "x"), dialed: nil)
            handler = LinkHandler(link: link, version: version, onFrame: { _, _ in }, onReadComplete: {}, onClose: { _, _ in })
            link.handler = handler
            try channel.pipeline.syncOperations.addHandler(handler)
        }

        func receive(_ frame: [UInt8]) {
            channel.pipeline.fireChannelRead(NIOAny(channel.allocator.buffer(bytes: frame)))
        }

        @discardableResult
        func send(_ frame: [UInt8]) -> Bool {
            let sent = handler.writeFrame(length: frame.count) { $0.copyMemory(from: UnsafeRawBufferPointer(start: frame, count: frame.count)) }
            handler.flush()
            return sent
        }

        func written() throws -> [UInt8] {
            var out: [UInt8] = []
            while var chunk = try channel.readOutbound(as: ByteBuffer.self) {
                out += chunk.readBytes(length: chunk.readableBytes)!
            }
            return out
        }

        func advance(_ ms: Int64) { channel.embeddedEventLoop.advanceTime(by: .milliseconds(ms)) }
    }

    @Test func framesGoOutWithAUvarintPrefix() throws {
        let l = try Link(version: .v05)
        let big = [UInt8](repeating: 4, count: 300)
        l.send(big)
        #expect(try l.written() == Uvarint.encode(300) + big)
        #expect(l.link.bytesSent == 302)
        // Above 131070 bytes nothing is sent.
        #expect(!l.send([UInt8](repeating: 9, count: 131_071)))
        #expect(try l.written().isEmpty)
    }

    @Test func idleLinkIsSilentAndStaysUp() throws {
        let l = try Link(version: .v05)
        l.advance(30_000)
        #expect(try l.written().isEmpty)
        #expect(l.channel.isActive)
    }

    @Test func keepaliveOneSecondAfterAProtocolFrame() throws {
        let l = try Link(version: .v05)
        l.receive([4, 1, 2, 3])
        l.advance(999)
        #expect(try l.written().isEmpty)
        l.advance(2)
        #expect(try l.written() == [0x01, 0x01])
        // A keepalive received asks for nothing.
        l.receive([1])
        l.advance(5000)
        #expect(try l.written().isEmpty)
    }

    @Test func sendingCancelsThePendingKeepalive() throws {
        let l = try Link(version: .v05)
        l.receive([5, 0])
        l.advance(500)
        l.send([1])
        #expect(try l.written() == [0x01, 0x01])
        l.advance(2000)
        #expect(try l.written().isEmpty)
        // A later protocol frame asks again; the timer re-arms for the new due time.
        l.receive([2, 0])
        l.advance(1001)
        #expect(try l.written() == [0x01, 0x01])
    }

    @Test func noReplyThreeSecondsAfterSendingClosesTheLink() throws {
        let l = try Link(version: .v05)
        l.send([2, 1, 1])
        l.advance(2000)
        l.send([4, 0])  // does not extend the deadline
        l.advance(999)
        #expect(l.channel.isActive)
        l.advance(2)
        #expect(!l.channel.isActive)
        #expect(l.handler.closeReason?.contains("read timeout") == true)
    }

    @Test func anyReceivedFrameClearsTheDeadline() throws {
        let l = try Link(version: .v05)
        l.send([2, 1, 1])
        l.advance(2500)
        l.receive([1])
        l.advance(10_000)
        #expect(l.channel.isActive)
        // Keepalives we send arm nothing.
        l.send([1])
        l.advance(10_000)
        #expect(l.channel.isActive)
    }

    @Test func onlyType9IsTrafficToDropWhenTheBufferIsFull() throws {
        let l5 = try Link(version: .v05)
        l5.channel.isWritable = false
        #expect(!l5.send([9, 0]))
        #expect(l5.send([10, 0]))
        #expect(l5.send([4, 0]))
        let l4 = try Link(version: .v04)
        l4.channel.isWritable = false
        #expect(!l4.send([9, 0]))
        #expect(!l4.send([10, 0]))
        #expect(l4.send([4, 0]))
        #expect(try l4.written().prefix(2) == [0x00, 0x02])
    }
}

/// The 104-byte 0.5 multicast beacon against node-multicast-beacons.json.
@Suite struct Beacon05Tests {
    /// (public key, port, password, beacon) copied from the vector file.
    static let vectors: [(key: String, port: UInt16, password: String, bytes: String)] = [
        ("d8b0f4440338148a44431e7c29d7465013dd291a3a3d8837f28b7067aba79a8b", 41237, "",
         "00000005d8b0f4440338148a44431e7c29d7465013dd291a3a3d8837f28b7067aba79a8ba11500405413feefbee445d43518340a064f243572da2b0ed7a84c03074e7b5d29edf2e9e275143d0812f1fa859b1c052141a08fe18c508035b13abc6e95050bf0a8d446"),
        ("57458833db9ab14481c6f68533224ee30fc8e93e952dc7e08851cfbe1df2aa16", 38559, "",
         "0000000557458833db9ab14481c6f68533224ee30fc8e93e952dc7e08851cfbe1df2aa16969f004095926a11835e183b43559debc39f70c1ecc8e674434c2dc12fe83a5c3466c53f5d83daccaf201fc9ccb3a0db29b74c7a0a0f78275a57667ebe43fce6196dcf75"),
        ("d8b0f4440338148a44431e7c29d7465013dd291a3a3d8837f28b7067aba79a8b", 38343, "mcpw",
         "00000005d8b0f4440338148a44431e7c29d7465013dd291a3a3d8837f28b7067aba79a8b95c7004050bf9e7fab2cdba666b5b2353446f56dbbf03c9c1bc0b183444dfdf38c8a95f7f4f96ccc056aaa5b1b16c62dbb4e5105976e19051cd0dcb223fb03c99af53620"),
        ("57458833db9ab14481c6f68533224ee30fc8e93e952dc7e08851cfbe1df2aa16", 38889, "mcpw",
         "0000000557458833db9ab14481c6f68533224ee30fc8e93e952dc7e08851cfbe1df2aa1697e90040f674b85812a7f0ba4b558e941e4a2e946619b7d13be37217ca27943cb76e226e8c3fb8c6f7235e91ecca36598f92cf999eb63b1114fa031f0c08fc7434eb135f"),
    ]

    @Test(arguments: vectors.indices)
    func encodesAndDecodesTheCapturedBeacon(index: Int) throws {
        let v = Self.vectors[index]
        let key = PublicKey(hex: v.key)!
        let password = Array(v.password.utf8)
        let ours = Beacon05(key: key, port: v.port, password: password)
        #expect(Hex.encode(ours.encoded) == v.bytes)
        #expect(ours.encoded.count == Beacon05.length)
        let heard = try #require(Beacon05(Hex.decode(v.bytes)!))
        #expect(heard == ours)
        #expect(heard.matches(password: password))
        #expect(!heard.matches(password: Array("other".utf8)))
        if !password.isEmpty { #expect(!heard.matches(password: [])) }
    }

    @Test func refusesOtherVersionsAndShortOrInconsistentBeacons() {
        let good = Hex.decode(Self.vectors[0].bytes)!
        var minor4 = good
        minor4[3] = 4
        #expect(Beacon05(minor4) == nil)
        #expect(Beacon05(Array(good.prefix(39))) == nil)
        #expect(Beacon05(Array(good.prefix(103))) == nil)  // hash length 64 no longer fits
        var longHash = good
        longHash[38] = 0xff
        #expect(Beacon05(longHash) == nil)
        // A 0.4.7 beacon (50 bytes: key, address, port) is not a 0.5 one.
        let old = Beacon(key: PublicKey(hex: Self.vectors[0].key)!, address: IPv6Bytes(text: "fe80::1")!, port: 1).encoded
        #expect(Beacon05(old) == nil)
    }
}
