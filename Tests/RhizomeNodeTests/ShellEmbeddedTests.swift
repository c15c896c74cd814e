import Logging
import NIOCore
import NIOEmbedded
import Testing
import RhizomeCore
import RhizomeCrypto
@testable import RhizomeNode

// Issue 13, item 4: the NIO shell on EmbeddedChannels, without root or sockets. These fill what
// LinkLayer05Tests (0.5 handshake and framing basics), LinkStallTests and AdminLimitTests leave
// out: 0.4 framing and handshake, hostile 0.5 blocks, SOCKS replies, the admin connection.

/// Everything a channel has written so far, as bytes.
func writtenBytes(_ channel: EmbeddedChannel) throws -> [UInt8] {
    var out: [UInt8] = []
    while var chunk = try channel.readOutbound(as: ByteBuffer.self) { out += chunk.readBytes(length: chunk.readableBytes)! }
    return out
}

/// Every frame (or byte run) that reached the end of the channel's pipeline.
func readFrames(_ channel: EmbeddedChannel) throws -> [[UInt8]] {
    var out: [[UInt8]] = []
    while let frame = try channel.readInbound(as: ByteBuffer.self) { out.append(Array(frame.readableBytesView)) }
    return out
}

@Suite struct FrameDecoderShellTests {
    static func decoder(_ version: ProtocolVersion) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(version: version),
                                                                           maximumBufferSize: FrameDecoder.maximumBufferSize(version)))
        return channel
    }

    static func feed(_ channel: EmbeddedChannel, _ bytes: some Sequence<UInt8>) throws {
        try channel.writeInbound(channel.allocator.buffer(bytes: Array(bytes)))
    }

    /// 0.4: a u16 prefix; a frame split at every byte, and three frames in one read.
    @Test func version04FramesSplitAndBatched() throws {
        let c = try Self.decoder(.v04)
        let body: [UInt8] = [WireType.tree.rawValue] + (0..<299).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let stream: [UInt8] = [0x01, 0x2c] + body
        for byte in stream.dropLast() {
            try Self.feed(c, [byte])
            #expect(try readFrames(c).isEmpty)
        }
        try Self.feed(c, [stream.last!])
        #expect(try readFrames(c) == [body])
        try Self.feed(c, [0x00, 0x01, 0x00, 0x00, 0x02, 0x09, 0x0a, 0x00, 0x01, 0x05])
        #expect(try readFrames(c) == [[0x00], [0x09, 0x0a], [0x05]])
        #expect(try c.finish().isClean)
    }

    /// 0.4: the largest frame (65535 bytes) passes; a zero length closes with "empty packet".
    @Test func version04LargestFrameAndZeroLength() throws {
        let c = try Self.decoder(.v04)
        let body = [UInt8](repeating: 0x42, count: 65_535)
        try Self.feed(c, [0xff, 0xff] + body.prefix(40_000))
        #expect(try readFrames(c).isEmpty)
        try Self.feed(c, body.dropFirst(40_000))
        #expect(try readFrames(c) == [body])
        let zero = try Self.decoder(.v04)
        do {
            try Self.feed(zero, [0x00, 0x00, 0x01])
            Issue.record("zero length accepted")
        } catch let e as FrameDecoder.FramingError {
            #expect("\(e)" == "empty packet")
        }
    }

    /// 0.5 uvarint prefixes at their edges: 127 (one byte), 128 (two), a non-minimal encoding
    /// (accepted, as Go's binary.Uvarint does), a non-minimal zero (empty), and 2^63 (oversized,
    /// not malformed).
    @Test func version05UvarintEdges() throws {
        let c = try Self.decoder(.v05)
        let b127 = [UInt8](repeating: 7, count: 127), b128 = [UInt8](repeating: 8, count: 128)
        try Self.feed(c, [0x7f] + b127 + [0x80, 0x01] + b128 + [0x81, 0x00, 0x01])
        #expect(try readFrames(c) == [b127, b128, [0x01]])
        let zero = try Self.decoder(.v05)
        #expect(throws: FrameDecoder.FramingError.self) { try Self.feed(zero, [0x80, 0x00, 0x01]) }
        let huge = try Self.decoder(.v05)
        do {
            try Self.feed(huge, [UInt8](repeating: 0x80, count: 9) + [0x01])
            Issue.record("2^63 accepted")
        } catch let e as FrameDecoder.FramingError {
            guard case .oversized(let n) = e else { Issue.record("\(e)"); return }
            #expect(n == 1 << 63)
            #expect("\(e)" == "oversized message: length 9223372036854775808 exceeds 131070")
        }
        // The largest 0.5 frame, delivered whole once its last byte arrives.
        let big = try Self.decoder(.v05)
        let body = [UInt8](repeating: 9, count: 131_070)
        try Self.feed(big, Uvarint.encode(131_070) + body.dropLast())
        #expect(try readFrames(big).isEmpty)
        try Self.feed(big, [9])
        #expect(try readFrames(big) == [body])
    }

    /// A framing error behind a link handler closes the link, with the error as the reason,
    /// and does not reach the end of the pipeline (the node's other links are untouched).
    @Test(arguments: ProtocolVersion.allCases)
    func framingErrorClosesTheLink(_ version: ProtocolVersion) throws {
        let l = try LinkLayer05Tests.Link(version: version)
        try l.channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(FrameDecoder(version: version), maximumBufferSize: FrameDecoder.maximumBufferSize(version)),
            position: .first)
        let oversize: [UInt8] = version == .v04 ? [0x00, 0x00] : Uvarint.encode(131_071)
        try l.channel.writeInbound(l.channel.allocator.buffer(bytes: oversize + [0x09]))
        #expect(!l.channel.isActive)
        #expect(l.handler.closeReason == (version == .v04 ? "empty packet" : "oversized message: length 131071 exceeds 131070"))
    }
}

@Suite struct HandshakeShellTests {
    typealias Side = LinkLayer05Tests.Side
    static let a = LinkLayer05Tests.a, b = LinkLayer05Tests.b

    /// 0.4: we send exactly our 38-byte preamble; theirs split over reads completes it, and the
    /// bytes after it (the first frames) are handed on untouched.
    @Test func version04CompletesAndPassesOnLeftover() throws {
        let x = try Side(version: .v04, keys: Self.a)
        #expect(try x.written() == Array("meta".utf8) + [0, 4] + Self.a.publicKey.bytes)
        let theirs = Metadata(key: Self.b.publicKey).encoded
        try x.receive(Array(theirs.prefix(20)))
        #expect(x.remote == nil && x.failure == nil)
        try x.receive(Array(theirs.dropFirst(20)) + [0x00, 0x01, 0x00])
        #expect(x.remote?.key == Self.b.publicKey)
        #expect(x.remote?.priority == 0)
        #expect(x.leftover.map { Array($0.readableBytesView) } == [0x00, 0x01, 0x00])
        #expect(x.failure == nil && x.channel.isActive)
    }

    /// 0.4: another magic, another version, a short preamble then EOF, and the 6 s deadline.
    @Test func version04Refusals() throws {
        var bad = Metadata(key: Self.b.publicKey).encoded
        bad[0] = UInt8(ascii: "M")
        let x = try Side(version: .v04, keys: Self.a)
        try x.receive(bad)
        guard case .incompatible(.badMagic)? = x.failure as? LinkHandshakeHandler.Failure else {
            Issue.record("\(String(describing: x.failure))"); return
        }
        #expect(!x.channel.isActive)

        var v03 = Metadata(key: Self.b.publicKey).encoded
        v03[5] = 3
        let y = try Side(version: .v04, keys: Self.a)
        try y.receive(v03)
        #expect(y.failureText == "remote node incompatible version (\(WireError.badVersion(major: 0, minor: 3)))")
        #expect((y.failure as? LinkHandshakeHandler.Failure)?.isRefusal == true)

        let z = try Side(version: .v04, keys: Self.a)
        try z.receive(Array(Metadata(key: Self.b.publicKey).encoded.prefix(37)))
        #expect(z.failure == nil)
        try z.channel.close().wait()
        #expect(z.failureText == "connection closed during the handshake")
        #expect(z.remote == nil)

        let t = try Side(version: .v04, keys: Self.a)
        t.channel.embeddedEventLoop.advanceTime(by: .milliseconds(5_999))
        #expect(t.failure == nil && t.channel.isActive)
        t.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(t.failureText == "read handshake: i/o timeout")
        #expect(!t.channel.isActive)
    }

    /// A completed handshake cancels its deadline: nothing fails at 6 s.
    @Test func completedHandshakeHasNoDeadline() throws {
        let x = try Side(version: .v05, keys: Self.a)
        try x.receive(Metadata05.encode(signer: Self.b, priority: 2, password: []))
        #expect(x.remote?.key == Self.b.publicKey)
        x.channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(x.failure == nil && x.channel.isActive)
    }

    /// 0.5 blocks an attacker could send: a flipped signature bit (reads as another password,
    /// as in 0.5.12), a valid signature over another minor version, another magic, a declared
    /// length below a signature, and a TLV that overruns the block.
    @Test func version05HostileBlocks() throws {
        let good = Metadata05.encode(signer: Self.b, priority: 0, password: [])
        func refusal(_ block: [UInt8]) throws -> LinkHandshakeHandler.Failure? {
            let x = try Side(version: .v05, keys: Self.a)
            try x.receive(block)
            #expect(x.remote == nil)
            #expect(!x.channel.isActive)
            return x.failure as? LinkHandshakeHandler.Failure
        }
        var badSig = good
        badSig[good.count - 1] ^= 0x01
        #expect(try refusal(badSig)?.description == "password does not match remote side")
        var v06 = good
        #expect(Array(v06[12..<18]) == [0, 1, 0, 2, 0, 5])  // the minor-version TLV
        v06[17] = 6  // the signature covers the key and password only
        #expect(try refusal(v06)?.description == "remote node incompatible version (local 0.5, remote 0.6)")
        var magic = good
        magic[3] = UInt8(ascii: "x")
        #expect(try refusal(magic)?.description == "invalid handshake, remote side is not Yggdrasil")
        // A header declaring 10 bytes: refused from the header alone, before any body arrives.
        #expect(try refusal(Array("meta".utf8) + [0x00, 0x0a])?.description
                == "remote node incompatible version (local 0.5, remote 0.10): handshake length 10 < 64")
        var overrun = good
        overrun[8] = 0x01  // the major-version TLV claims 258 bytes
        #expect(try refusal(overrun)?.description.hasPrefix("invalid handshake length: TLV 0 declares 258 bytes") == true)
    }

    /// 0.5: a peer may send a block longer than 123 bytes (unknown TLVs); it is read to its
    /// declared end and what follows in the same read is the first frame.
    @Test func version05LongerBlockAndLeftover() throws {
        // Rebuild b's block with an unknown TLV (type 9, 3 bytes) before the signature.
        let good = Metadata05.encode(signer: Self.b, priority: 4, password: Array("pw".utf8))
        let tlvs = Array(good[6..<(good.count - 64)]) + [0x00, 0x09, 0x00, 0x03, 0xaa, 0xbb, 0xcc]
        let body = tlvs + Array(good.suffix(64))
        let block = Array("meta".utf8) + [UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
        let x = try Side(version: .v05, keys: Self.a, password: "pw")
        try x.receive(Array(block.prefix(100)))
        #expect(x.remote == nil && x.failure == nil)
        try x.receive(Array(block.dropFirst(100)) + [0x02, 0x01, 0x00, 0x05])
        #expect(x.remote?.key == Self.b.publicKey)
        #expect(x.remote?.priority == 4)
        #expect(x.leftover.map { Array($0.readableBytesView) } == [0x02, 0x01, 0x00, 0x05])
    }
}

@Suite struct SOCKSClientShellTests {
    /// Ends a dial the test left waiting (an unfulfilled promise is a leak NIO traps on).
    struct TestEnded: Error {}

    final class Proxy {
        let channel = EmbeddedChannel()
        let handler: SOCKSClientHandler
        let done: EventLoopPromise<Void>
        var result: Result<Void, Error>?

        init(target: String = "192.0.2.1:9999", userInfo: String? = nil, timeout: TimeAmount = .seconds(10)) throws {
            done = channel.embeddedEventLoop.makePromise(of: Void.self)
            handler = try! SOCKSClientHandler(target: target, userInfo: userInfo, done: done, timeout: timeout)
            done.futureResult.whenComplete { [weak self] in self?.result = $0 }
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1080)).wait()
        }

        func reply(_ bytes: [UInt8]) throws { try channel.writeInbound(channel.allocator.buffer(bytes: bytes)) }
        func written() throws -> [UInt8] { try writtenBytes(channel) }
        var failure: String? {
            if case .failure(let e)? = result { return "\(e)" }
            return nil
        }
        var connected: Bool { if case .success? = result { return true }; return false }

        deinit { done.fail(TestEnded()) }
    }

    static let greeting: [UInt8] = [0x05, 0x02, 0x00, 0x02]
    static let connectV4: [UInt8] = [0x05, 0x01, 0x00, 0x01, 192, 0, 2, 1, 0x27, 0x0f]
    static let successV4: [UInt8] = [0x05, 0x00, 0x00, 0x01, 10, 0, 0, 1, 0x04, 0x38]

    @Test func noAuthenticationConnectsAndPassesOnTheLinkBytes() throws {
        let p = try Proxy()
        #expect(try p.written() == Self.greeting)
        try p.reply([0x05, 0x00])
        #expect(try p.written() == Self.connectV4)
        // The success reply with the peer's metadata right behind it, in one read.
        try p.reply(Self.successV4 + Array("meta".utf8))
        #expect(p.connected)
        #expect(try readFrames(p.channel).isEmpty)  // held until the link handshake is in place
        p.handler.release()
        #expect(try readFrames(p.channel) == [Array("meta".utf8)])
        // Gone from the pipeline: later bytes pass straight through.
        try p.reply([1, 2, 3])
        #expect(try readFrames(p.channel) == [[1, 2, 3]])
        #expect(try p.written().isEmpty)
    }

    /// CONNECT requests for each address form, byte for byte.
    @Test func connectRequestsForEachAddressForm() throws {
        let cases: [(String, [UInt8])] = [
            ("[2001:db8::7]:443", [0x05, 0x01, 0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x07, 0x01, 0xbb]),
            ("peer.example:12345", [0x05, 0x01, 0x00, 0x03, 12] + Array("peer.example".utf8) + [0x30, 0x39]),
            ("10.1.2.3:1", [0x05, 0x01, 0x00, 0x01, 10, 1, 2, 3, 0x00, 0x01]),
        ]
        for (target, request) in cases {
            let p = try Proxy(target: target)
            _ = try p.written()
            try p.reply([0x05, 0x00])
            #expect(try p.written() == request, "\(target)")
        }
        let loop = EmbeddedEventLoop()
        let done = loop.makePromise(of: Void.self)
        #expect(throws: SOCKSClientHandler.Failure.self) { _ = try SOCKSClientHandler(target: "no-port", userInfo: nil, done: done) }
        done.fail(TestEnded())
    }

    /// RFC 1929: user and password go out as given; a refusal fails the dial.
    @Test func usernamePasswordExchange() throws {
        let p = try Proxy(userInfo: "alice:s3cr:et")
        _ = try p.written()
        try p.reply([0x05, 0x02])
        #expect(try p.written() == [0x01, 5] + Array("alice".utf8) + [7] + Array("s3cr:et".utf8))
        try p.reply([0x01, 0x00])
        #expect(try p.written() == Self.connectV4)
        try p.reply(Self.successV4)
        #expect(p.connected)

        let refused = try Proxy(userInfo: "bob:wrong")
        _ = try refused.written()
        try refused.reply([0x05, 0x02, 0x01, 0x01])
        #expect(refused.failure == "SOCKS proxy: authentication refused")
        #expect(!refused.channel.isActive)
        // The proxy asked for credentials we do not have: empty ones are offered, as 0.4.7 does.
        let none = try Proxy()
        _ = try none.written()
        try none.reply([0x05, 0x02])
        #expect(try none.written() == [0x01, 0x00, 0x00])
    }

    @Test func methodRefusalAndNonSOCKS5Proxies() throws {
        for (reply, message) in [([UInt8]([0x05, 0xff]), "no acceptable authentication method"),
                                 ([0x05, 0x01], "no acceptable authentication method"),
                                 ([0x04, 0x00], "not a SOCKS5 proxy"),
                                 (Array("HTTP/1.1 400".utf8), "not a SOCKS5 proxy")] {
            let p = try Proxy()
            _ = try p.written()
            try p.reply(reply)
            #expect(p.failure == "SOCKS proxy: \(message)", "\(reply)")
            #expect(try p.written().isEmpty)
            #expect(!p.channel.isActive)
        }
    }

    /// Every non-zero CONNECT status is a refusal naming the code, once the whole reply is in.
    @Test(arguments: UInt8(1)...UInt8(9))
    func connectReplyCodes(_ code: UInt8) throws {
        let p = try Proxy()
        try p.reply([0x05, 0x00])
        var reply = Self.successV4
        reply[1] = code
        try p.reply(Array(reply.prefix(9)))
        #expect(p.result == nil)
        try p.reply([reply[9]])
        #expect(p.failure == "SOCKS proxy: CONNECT refused (code \(code))")
        #expect(!p.channel.isActive)
    }

    /// A success reply bound to a domain name (or IPv6) is read to its end, a byte at a time.
    @Test func domainAndIPv6BoundAddresses() throws {
        let domain: [UInt8] = [0x05, 0x00, 0x00, 0x03, 9] + Array("proxy.lan".utf8) + [0x1f, 0x90]
        let v6: [UInt8] = [0x05, 0x00, 0x00, 0x04] + [UInt8](repeating: 0xfe, count: 16) + [0x00, 0x50]
        for reply in [domain, v6] {
            let p = try Proxy()
            try p.reply([0x05, 0x00])
            for byte in reply.dropLast() {
                try p.reply([byte])
                #expect(p.result == nil)
            }
            try p.reply([reply.last!, 0xee])
            #expect(p.connected)
            p.handler.release()
            #expect(try readFrames(p.channel) == [[0xee]])
        }
    }

    @Test func garbageTruncationAndSilence() throws {
        // An unknown address type is refused from the first five bytes.
        let bad = try Proxy()
        try bad.reply([0x05, 0x00, 0x05, 0x00, 0x00, 0x02, 0x00])
        #expect(bad.failure == "SOCKS proxy: bad reply address type 2")
        // A reply cut short by the proxy closing.
        let cut = try Proxy()
        try cut.reply([0x05, 0x00, 0x05, 0x00, 0x00, 0x01, 10, 0])
        #expect(cut.result == nil)
        try cut.channel.close().wait()
        #expect(cut.failure == "SOCKS proxy: connection closed")
        // More than 4096 bytes before the exchange is over is not a proxy.
        let flood = try Proxy()
        try flood.reply([0x05, 0x00] + [UInt8](repeating: 0x05, count: 4095))
        #expect(flood.failure == "SOCKS proxy: reply too long")
        // Silence after the method reply: the deadline counts from the connect.
        let silent = try Proxy(timeout: .milliseconds(400))
        try silent.reply([0x05, 0x00])
        silent.channel.embeddedEventLoop.advanceTime(by: .milliseconds(399))
        #expect(silent.result == nil)
        silent.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(silent.failure == "SOCKS proxy: i/o timeout (no answer within 400 ms)")
        #expect(!silent.channel.isActive)
        // A finished exchange is not failed by its deadline.
        let ok = try Proxy(timeout: .milliseconds(400))
        try ok.reply([0x05, 0x00] + Self.successV4)
        ok.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(ok.connected && ok.channel.isActive)
    }

    /// The pure parser: every proper prefix of a reply is "incomplete", never a verdict.
    @Test func parserWaitsForWholeReplies() {
        let replies: [(SOCKSReply.Stage, [UInt8], SOCKSReply)] = [
            (.method, [0x05, 0x00], .noAuthentication),
            (.method, [0x05, 0x02], .usernamePassword),
            (.authentication, [0x01, 0x00], .authenticated),
            (.connect, Self.successV4, .connected),
            (.connect, [0x05, 0x00, 0x00, 0x03, 0] + [0, 1], .connected),
            (.connect, [0x05, 0x00, 0x00, 0x03, 255] + [UInt8](repeating: 0x61, count: 255) + [0, 1], .connected),
        ]
        for (stage, bytes, expected) in replies {
            for n in 0..<bytes.count { #expect(SOCKSReply.parse(stage, bytes.prefix(n)) == nil, "\(bytes.prefix(n))") }
            let parsed = SOCKSReply.parse(stage, bytes + [0x99])
            #expect(parsed?.reply == expected)
            #expect(parsed?.length == bytes.count)
        }
        #expect(SOCKSReply.parse(.connect, [0x05, 0x00, 0x00, 0x03, 255] + [0, 1])?.length == nil)
        #expect(SOCKSReply.maxReplyLength == 4 + 1 + 255 + 2)
    }
}

@Suite struct AdminConnectionShellTests {
    final class Client {
        let channel = EmbeddedChannel()
        let server: AdminServer

        init(version: ProtocolVersion) throws {
            server = AdminServer(eventLoop: channel.embeddedEventLoop, log: Logger(label: "admin-shell"))
            server.version = version
            server.register("echo", "Returns its arguments", sync: { args in .object(args) })
            try channel.pipeline.syncOperations.addHandler(AdminConnectionHandler(server: server))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9001)).wait()
        }

        func send(_ text: String) throws { try channel.writeInbound(channel.allocator.buffer(string: text)) }
        func received() throws -> String { String(decoding: try writtenBytes(channel), as: UTF8.self) }
    }

    static func echoReply04(_ n: Int) -> String {
        "{\n  \"status\": \"success\",\n  \"request\": null,\n  \"response\": {\n    \"n\": \(n)\n  }\n}\n"
    }

    static let notFound04 = "{\n  \"status\": \"error\",\n  \"error\": \"Failed to find request\",\n  \"request\": null,\n  \"response\": null\n}\n"

    /// A request split at every byte is answered once, after its last byte.
    @Test func requestSplitAcrossReads() throws {
        let c = try Client(version: .v04)
        let request = #"{"request":"echo","keepalive":true,"arguments":{"n":1}}"#
        for ch in request.dropLast() {
            try c.send(String(ch))
            #expect(try c.received() == "")
        }
        try c.send("}")
        #expect(try c.received() == Self.echoReply04(1))
        #expect(c.channel.isActive)  // keepalive
    }

    /// Several requests in one read are answered in order; the one without keepalive closes.
    @Test func severalRequestsInOneRead() throws {
        let c = try Client(version: .v04)
        try c.send(#"{"request":"echo","keepalive":true,"arguments":{"n":1}} {"request":"echo","keepalive":true,"arguments":{"n":2}}"#
                   + "\n" + #"{"request":"echo","arguments":{"n":3}}{"request":"echo","arguments":{"n":4}}"#)
        #expect(try c.received() == Self.echoReply04(1) + Self.echoReply04(2) + Self.echoReply04(3))
        #expect(!c.channel.isActive)
    }

    /// Non-JSON: the 0.4.7 reply, then the connection closes.
    @Test func nonJSONIsAnsweredAndClosed() throws {
        let c = try Client(version: .v04)
        try c.send("{not json}")
        #expect(try c.received() == Self.notFound04)
        #expect(!c.channel.isActive)
        // A partial value when the client half-closes gets the same reply.
        let d = try Client(version: .v04)
        try d.send(#"{"request":"ec"#)
        d.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try d.received() == Self.notFound04)
    }

    /// More than `maxRequestBytes` without a complete value: one error reply, the rest is read and dropped,
    /// and the connection closes after 2 s.
    @Test(arguments: ProtocolVersion.allCases)
    func oversizeRequest(_ version: ProtocolVersion) throws {
        let c = try Client(version: version)
        let chunk = "[" + String(repeating: "1,", count: 64 * 1024)
        var sent = 0
        while sent <= AdminServer.maxRequestBytes {
            try c.send(chunk)
            sent += chunk.utf8.count
        }
        let echo = version == .v04 ? "null" : "{\n    \"request\": \"\"\n  }"
        #expect(try c.received() == "{\n  \"status\": \"error\",\n  \"error\": \"request larger than \(AdminServer.maxRequestBytes) bytes\",\n  \"request\": \(echo),\n  \"response\": null\n}\n")
        try c.send(#"{"request":"echo","arguments":{"n":1}}"#)
        #expect(try c.received() == "")
        #expect(c.channel.isActive)
        c.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!c.channel.isActive)
    }

    /// 0.5: the reply echoes the parsed request, through the connection handler.
    @Test func version05EnvelopeThroughTheHandler() throws {
        let c = try Client(version: .v05)
        try c.send(#"{"request":"echo","arguments":{"n":5},"keepalive":true}"#)
        #expect(try c.received() == "{\n  \"status\": \"success\",\n  \"request\": {\n    \"request\": \"echo\",\n    \"arguments\": {\n      \"n\": 5\n    },\n    \"keepalive\": true\n  },\n  \"response\": {\n    \"n\": 5\n  }\n}\n")
        try c.send("[1]")
        #expect(try c.received() == "{\n  \"status\": \"error\",\n  \"error\": \"Failed to unmarshal request\",\n  \"request\": {\n    \"request\": \"\"\n  },\n  \"response\": null\n}\n")
        #expect(!c.channel.isActive)
    }
}
