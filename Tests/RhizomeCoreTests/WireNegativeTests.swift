import Testing
import RhizomeCrypto
@testable import RhizomeCore

/// Inputs that must be rejected (each would close the link, spec §1.4) and signatures that must
/// not verify.
@Suite struct WireNegativeTests {
    typealias V = Vectors

    /// Decodes `type ‖ body` as a frame would be.
    func decode(_ type: WireType, _ body: [UInt8]) throws -> WireMessage {
        try WireMessage(decoding: [type.rawValue] + body)
    }

    func expectMalformed(_ type: WireType, _ body: [UInt8], _ reason: WireError,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: WireError.malformed(type, reason), sourceLocation: sourceLocation) {
            try decode(type, body)
        }
    }

    // MARK: framing

    @Test func emptyFrameIsAnError() throws {
        #expect(throws: WireError.emptyPacket) { try Frame.decode(frame: [0x00, 0x00]) }
        #expect(throws: WireError.emptyPacket) { try WireMessage(decoding: [UInt8]()) }
        let stream: [UInt8] = [0x00, 0x00, 0x00, 0x01, 0x00]
        #expect(throws: WireError.emptyPacket) {
            try stream.withUnsafeBytes { try Frame.nextMessage(in: $0) }
        }
        #expect(WireError.emptyPacket.description == "empty packet")
    }

    @Test func unknownTypesAreErrors() {
        for type: UInt8 in [11, 12, 0x7f, 0xff] {
            #expect(throws: WireError.unknownType(type)) { try Frame.decode(frame: [0x00, 0x01, type]) }
        }
    }

    @Test func lengthPrefixMustMatch() {
        #expect(throws: WireError.frameLengthMismatch(declared: 2, actual: 1)) {
            try Frame.decode(frame: [0x00, 0x02, 0x00])
        }
        #expect(throws: WireError.frameLengthMismatch(declared: 0x8a, actual: 0x8b)) {
            try Frame.decode(frame: V.tv2 + [0])
        }
        #expect(throws: WireError.truncated(needed: 2, available: 1)) { try Frame.decode(frame: [0x00]) }
    }

    @Test func incompleteFramesWaitForMoreBytes() throws {
        for cut in [0, 1, 2, 50, V.tv2.count - 1] {
            let partial = Array(V.tv2.prefix(cut))
            let next = try partial.withUnsafeBytes { try Frame.nextMessage(in: $0) }
            #expect(next == nil, "cut at \(cut)")
        }
    }

    @Test func oversizedMessagesAreNotEncoded() throws {
        guard case .tree(let ann) = try Frame.decode(frame: V.tv2) else { Issue.record("not a tree"); return }
        var big = ann
        big.hops = Array(repeating: ann.hops[0], count: 700)  // 40 + 700·97 > 65535
        var out: [UInt8] = [1, 2, 3]
        #expect(throws: WireError.messageTooLong(1 + 40 + 700 * 97)) { try Frame.append(big, to: &out) }
        #expect(out == [1, 2, 3])  // left as it was
        // The largest tree that fits: (65535 − 41) / 97 one-byte-port hops.
        big.hops = Array(repeating: ann.hops[0], count: (65535 - 41) / 97)
        try Frame.append(big, to: &out)
        #expect(out.count == 3 + 2 + 1 + 40 + 675 * 97)
    }

    // MARK: metadata

    @Test func metadataRejectsBadHeaders() {
        var badMagic = V.tv1A
        badMagic[0] = UInt8(ascii: "M")
        #expect(throws: WireError.badMagic) { try Metadata(decoding: badMagic) }
        var minor = V.tv1A
        minor[5] = 5
        #expect(throws: WireError.badVersion(major: 0, minor: 5)) { try Metadata(decoding: minor) }
        var major = V.tv1A
        major[4] = 1
        #expect(throws: WireError.badVersion(major: 1, minor: 4)) { try Metadata(decoding: major) }
        #expect(throws: WireError.wrongLength(expected: 38, actual: 37)) { try Metadata(decoding: Array(V.tv1A.dropLast())) }
        #expect(throws: WireError.wrongLength(expected: 38, actual: 39)) { try Metadata(decoding: V.tv1A + [0]) }
    }

    // MARK: truncated bodies

    @Test func truncatedTree() {
        let body = V.body(V.tv4)
        expectMalformed(.tree, Array(body.prefix(31)), .truncated(needed: 32, available: 31))
        expectMalformed(.tree, Array(body.prefix(39)), .truncated(needed: 8, available: 7))
        // A partial hop: key complete, signature cut short.
        expectMalformed(.tree, Array(body.prefix(40 + 32 + 1 + 63)), .truncated(needed: 64, available: 63))
        expectMalformed(.tree, Array(body.prefix(40 + 10)), .truncated(needed: 32, available: 10))
        // Port uvarint cut: key then a continuation byte at the end.
        expectMalformed(.tree, Array(body.prefix(72)) + [0x80], .uvarintTruncated)
        // Zero hops decodes (the link-up check rejects it later), but does not verify.
        #expect((try? TreeAnnouncement(decoding: Array(body.prefix(40))))?.verifySignatures() == false)
    }

    @Test func truncatedLabelsAndBootstraps() {
        let body = V.body(V.tv6)
        expectMalformed(.dhtBootstrap, Array(body.prefix(63)), .truncated(needed: 64, available: 63))
        expectMalformed(.dhtBootstrap, Array(body.prefix(64 + 32 + 32 + 7)), .truncated(needed: 8, available: 7))
        expectMalformed(.dhtBootstrap, Array(body.prefix(135)) , .truncated(needed: 8, available: 7))
    }

    @Test func truncatedAck() {
        let body = V.body(V.tv7)
        // bootLen says 137 but fewer bytes follow.
        expectMalformed(.dhtBootstrapAck, Array(body.prefix(100)), .lengthOutOfRange(declared: 137, available: 98))
        expectMalformed(.dhtBootstrapAck, [0x89], .uvarintTruncated)
        expectMalformed(.dhtBootstrapAck, [], .uvarintTruncated)
        expectMalformed(.dhtBootstrapAck, [UInt8](repeating: 0xff, count: 10), .uvarintOverflow)
        expectMalformed(.dhtBootstrapAck, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01] + body,
                        .lengthOutOfRange(declared: .max, available: body.count))
        // Token cut in its signature.
        expectMalformed(.dhtBootstrapAck, Array(body.prefix(2 + 137 + 10)), .truncated(needed: 64, available: 10))
        // bootLen one short: the bootstrap label loses its coords byte (still a valid encoding),
        // the token then starts one byte early and its label ends in 0x92, a cut-off uvarint.
        var short = body
        short[0] = 0x88
        expectMalformed(.dhtBootstrapAck, short, .uvarintTruncated)
    }

    @Test func truncatedSetupTeardownNotifyLookup() {
        expectMalformed(.dhtSetup, Array(V.body(V.tv8).prefix(70)), .truncated(needed: 8, available: 6))
        expectMalformed(.dhtSetup, Array(V.body(V.tv8).prefix(60)), .truncated(needed: 64, available: 60))
        expectMalformed(.pathNotify, Array(V.body(V.tv12).prefix(80)), .truncated(needed: 32, available: 16))
        let lookup = V.body(V.tv13)
        expectMalformed(.pathLookup, Array(lookup.prefix(200)), .lengthOutOfRange(declared: 232, available: 198))
        expectMalformed(.pathResponse, Array(V.body(V.tv14).prefix(20)), .truncated(needed: 32, available: 20))
        expectMalformed(.dhtTraffic, Array(V.body(V.tv10).prefix(64)), .truncated(needed: 1, available: 0))
        expectMalformed(.dhtTraffic, Array(V.body(V.tv10).prefix(40)), .truncated(needed: 32, available: 8))
        expectMalformed(.pathTraffic, [], .unterminatedRoute)
        expectMalformed(.pathTraffic, [0x01, 0x02], .unterminatedRoute)
        expectMalformed(.pathTraffic, [0x01, 0x00] + V.keyA.bytes, .truncated(needed: 32, available: 0))
    }

    @Test func teardownMustBeExactly80Bytes() {
        let body = V.body(V.tv17)
        for length in [0, 8, 79, 81, 160] {
            let input = length <= 80 ? Array(body.prefix(length)) : body + [UInt8](repeating: 7, count: length - 80)
            expectMalformed(.dhtTeardown, input, .wrongLength(expected: 80, actual: length))
        }
    }

    // MARK: leftover bytes and port-list rules

    @Test func labelCoordsEndAtTheFirstZero() throws {
        let body = V.body(V.tv6)
        // Like Go: a single trailing 0 is kept as part of the path...
        let withZero = try DHTBootstrap(decoding: body + [0])
        #expect(withZero.label.path == [1, 0])
        #expect(withZero.encoded == body + [0])
        #expect(!withZero.check())  // the signature covered [1] only
        // ...but anything after a 0 is left over.
        expectMalformed(.dhtBootstrap, body + [0, 5], .leftoverBytes(1))
        expectMalformed(.dhtBootstrap, body + [0, 0x80, 0x01], .leftoverBytes(2))
        // A bad uvarint in coords.
        expectMalformed(.dhtBootstrap, body + [0x80], .uvarintTruncated)
    }

    @Test func ackBootstrapMustFillItsLength() {
        let body = V.body(V.tv7)
        // Two extra bytes inside bootLen: `0 7` after the label's coords.
        var inner = Array(body[2..<139]) + [0, 7]
        inner = [0x8b, 0x01] + inner + Array(body[139...])
        expectMalformed(.dhtBootstrapAck, inner, .leftoverBytes(1))
        // Extra bytes after the token's label.
        expectMalformed(.dhtBootstrapAck, body + [0, 9, 9], .leftoverBytes(2))
    }

    @Test func lookupRpathRules() throws {
        let body = V.body(V.tv13)
        #expect(try PathLookup(decoding: body + [2, 0x89, 0x01]).rpath == [2, 137])
        expectMalformed(.pathLookup, body + [0], .zeroInRpath)
        expectMalformed(.pathLookup, body + [1, 0], .zeroInRpath)
        expectMalformed(.pathLookup, body + [0, 1], .zeroInRpath)
        expectMalformed(.pathLookup, body + [0x80, 0x00], .zeroInRpath)  // non-minimal 0 is still 0
        expectMalformed(.pathLookup, body + [1, 0x80], .uvarintTruncated)
        // The notify must fill exactly notifyLen bytes: one more declared byte becomes its label's.
        var longer = body + [5]
        longer[0] = 0xe9
        let decoded = try PathLookup(decoding: longer)
        #expect(decoded.notify.label.path == [5])
        #expect(!decoded.notify.check())
    }

    @Test func responseRouteAndRpathRules() throws {
        let from = V.keyB.bytes
        #expect(try PathResponse(decoding: from + [3, 2, 0, 7, 8]) == PathResponse(from: V.keyB, route: [3, 2], rpath: [7, 8]))
        expectMalformed(.pathResponse, from + [0, 1, 0], .zeroInRpath)
        expectMalformed(.pathResponse, from + [0, 0], .zeroInRpath)
        expectMalformed(.pathResponse, from + [1, 2], .unterminatedRoute)
        expectMalformed(.pathResponse, from, .unterminatedRoute)
        expectMalformed(.pathResponse, from + [0, 0xff], .uvarintTruncated)
    }

    @Test func trafficKindIsKeptVerbatim() throws {
        var body = V.body(V.tv10)
        body[64] = 0x77
        let traffic = try DHTTraffic(decoding: body)
        #expect(traffic.kind == TrafficKind(rawValue: 0x77))
        #expect(traffic.kind != .standard && traffic.kind != .outOfBand && traffic.kind != .dummy)
        #expect(traffic.encoded == body)
        // An empty payload is fine.
        let empty = try DHTTraffic(decoding: Array(body.prefix(65)))
        #expect(empty.payload.isEmpty)
    }

    @Test func dummyBodiesAreAcceptedAndIgnored() throws {
        #expect(try decode(.dummy, [0x70]) == .dummy(.keepalive))
        #expect(try decode(.dummy, [0x71, 0x05]) == .dummy(.keepalive))
        #expect(try decode(.dummy, [0x70, 0x09, 0x01, 0x02]) == .dummy(Dummy(priority: 9)))
    }

    // MARK: signatures

    func flipped(_ sig: Signature, bit: Int = 0) -> Signature {
        var raw = sig.bytes
        raw[bit / 8] ^= 1 << UInt8(bit % 8)
        return Signature(bytes: raw)!
    }

    @Test func flippedBitsBreakTreeSignatures() throws {
        guard case .tree(let ann) = try Frame.decode(frame: V.tv5) else { Issue.record("not a tree"); return }
        #expect(ann.verifySignatures())
        for hop in 0..<2 {
            for bit in [0, 100, 511] {
                var bad = ann
                bad.hops[hop].signature = flipped(ann.hops[hop].signature, bit: bit)
                #expect(!bad.verifySignatures(), "hop \(hop) bit \(bit)")
            }
        }
        var badSeq = ann
        badSeq.seq += 1
        #expect(!badSeq.verifySignatures())
        var badPort = ann
        badPort.hops[1].port = 2
        #expect(!badPort.verifySignatures())
        var badRoot = ann
        badRoot.root = V.keyC
        #expect(!badRoot.verifySignatures())
        // A flipped bit on the wire, as the live test in spec §7 did.
        var wire = V.tv5
        wire[wire.count - 1] ^= 0x01
        guard case .tree(let received) = try Frame.decode(frame: wire) else { Issue.record("not a tree"); return }
        #expect(!received.verifySignatures())
    }

    @Test func flippedBitsBreakLabelsTokensSetupsNotifies() throws {
        guard case .dhtSetup(let setup) = try Frame.decode(frame: V.tv8),
              case .pathNotify(let notify) = try Frame.decode(frame: V.tv12),
              case .dhtBootstrap(let boot) = try Frame.decode(frame: V.tv6)
        else { Issue.record("wrong types"); return }

        var label = boot.label
        label.signature = flipped(label.signature, bit: 7)
        #expect(!label.check())
        var otherKey = boot.label
        otherKey.key = V.keyC
        #expect(!otherKey.check())
        var otherPath = boot.label
        otherPath.path = [2]
        #expect(!otherPath.check())

        var token = setup.token
        token.signature = flipped(token.signature, bit: 300)
        #expect(!token.check())
        var tokenLabel = setup.token
        tokenLabel.dest.signature = flipped(tokenLabel.dest.signature)
        #expect(!tokenLabel.check())
        var tokenSource = setup.token
        tokenSource.source = V.keyC
        #expect(!tokenSource.check())

        var badSetup = setup
        badSetup.signature = flipped(setup.signature, bit: 42)
        #expect(!badSetup.check())
        var badSeq = setup
        badSeq.seq &+= 1
        #expect(!badSeq.check())
        var badToken = setup
        badToken.token.signature = flipped(setup.token.signature)
        #expect(!badToken.check())

        var badNotify = notify
        badNotify.signature = flipped(notify.signature, bit: 9)
        #expect(!badNotify.check())
        var badDest = notify
        badDest.dest = V.keyC
        #expect(!badDest.check())
        var badNotifyLabel = notify
        badNotifyLabel.label.seq += 1
        #expect(!badNotifyLabel.check())
    }

    // MARK: robustness

    /// Mutated and random inputs never crash, and whatever decodes re-encodes to something that
    /// decodes to the same value.
    @Test func fuzzedInputsNeverCrashAndRoundTrip() throws {
        var random = SeededRandom(seed: 0x5eed)
        var decodedCount = 0
        for (_, frame) in V.allFrames {
            let message = Array(frame.dropFirst(2))
            for _ in 0..<400 {
                var input = message
                switch random.nextWord() % 4 {
                case 0: // flip a byte
                    let i = Int(random.nextWord() % UInt64(input.count))
                    input[i] ^= UInt8(truncatingIfNeeded: random.nextWord() | 1)
                case 1: // truncate
                    input = Array(input.prefix(Int(random.nextWord() % UInt64(input.count + 1))))
                case 2: // append
                    input += random.bytes(Int(random.nextWord() % 12))
                default: // set a byte to a uvarint-relevant value
                    let i = Int(random.nextWord() % UInt64(input.count))
                    input[i] = [0x00, 0x80, 0xff, 0x01][Int(random.nextWord() % 4)]
                }
                if let decoded = try? WireMessage(decoding: input) {
                    decodedCount += 1
                    var body = [UInt8]()
                    decoded.encodeBody(into: &body)
                    #expect(try WireMessage(decoding: [decoded.wireType.rawValue] + body) == decoded)
                }
                // The traffic fast path must agree with the full decoder.
                if input.first == WireType.pathTraffic.rawValue {
                    let body = Array(input.dropFirst())
                    let header = try? PathTrafficHeader.parse(body)
                    let full = try? PathTraffic(decoding: body)
                    #expect((header == nil) == (full == nil))
                    if let header, let full {
                        #expect(header.firstPort == (full.route.first ?? 0))
                        #expect(Array(body[header.traffic.payloadRange]) == full.traffic.payload)
                    }
                }
            }
        }
        for _ in 0..<3000 {
            let input = random.bytes(Int(random.nextWord() % 300))
            _ = try? WireMessage(decoding: input)
            _ = try? Metadata(decoding: input)
            _ = try? PathTrafficHeader.parse(input)
            _ = try? TrafficHeader.parse(input)
        }
        #expect(decodedCount > 100)
    }
}
