import Testing
import RhizomeCrypto
@testable import RhizomeCore

/// Malformed 0.5 input: each must be refused with a specific error (and so close the link),
/// never trap. routing.md §2.1, §2.3, §3.
@Suite struct V05WireNegativeTests {
    typealias V = V05Vectors
    typealias T = V05WireVectorTests

    static func message(_ bytes: [UInt8]) -> Result<Message05, WireError> {
        Result { () throws(WireError) -> Message05 in try Message05(decoding: bytes) }
    }

    /// type ‖ body of a captured frame.
    static func typeAndBody(_ id: String) -> [UInt8] {
        [T.frame(id)[T.frame(id).count - T.body(id).count - 1]] + T.body(id)
    }

    /// Every type except traffic must be consumed exactly.
    @Test(arguments: ["V05", "V06", "V07", "V08", "V09", "V10", "V11", "V12", "V13", "V14", "V15", "V17", "V19", "V23"])
    func trailingByteRejected(_ id: String) throws {
        let m = Self.typeAndBody(id)
        let type = WireType05(rawValue: m[0])!
        for extra: UInt8 in [0, 1, 0xff] {
            #expect(Self.message(m + [extra]) == .failure(.malformed05(type, .leftoverBytes(1))), "\(id) + \(extra)")
        }
    }

    /// Traffic takes trailing bytes as payload.
    @Test func trafficTakesTrailingBytesAsPayload() throws {
        let m = Self.typeAndBody("V20")
        guard case .success(.traffic(let t)) = Self.message(m + [0x42]) else { Issue.record("refused"); return }
        #expect(t.payload.count == 194 && t.payload.last == 0x42)
        // And an empty payload is fine.
        let header = Array(m.prefix(m.count - 193))
        guard case .success(.traffic(let e)) = Self.message(header) else { Issue.record("refused"); return }
        #expect(e.payload.isEmpty && e.watermark == 2)
    }

    /// No proper prefix of a body decodes (traffic: none shorter than its header).
    @Test(arguments: T.capturedIDs.filter { $0 != "V24" })
    func truncationsRejected(_ id: String) throws {
        let m = Self.typeAndBody(id)
        let type = WireType05(rawValue: m[0])!
        let minimum = type == .traffic ? m.count - (id == "V22" ? 157 : 193) : m.count
        for cut in 1..<minimum {
            let r = Self.message(Array(m.prefix(cut)))
            guard case .failure(.malformed05(let t, _)) = r else {
                Issue.record("\(id) cut at \(cut): \(r)")
                continue
            }
            #expect(t == type)
        }
        if type == .traffic {
            let body = Array(m[1..<minimum - 1])
            #expect(throws: WireError.self) { try body.withUnsafeBytes { try Traffic05Header.parse($0) } }
        }
    }

    @Test func bothBloomFlagsRejected() throws {
        var body = T.body("V12")  // flags0 all ones
        body[16 + 3] = 0x10       // word 27 flagged all-ones as well
        #expect(throws: WireError.bloomFlagsConflict(word: 27)) { try BloomFilter05(decoding: body) }
        #expect(Self.message([5] + body) == .failure(.malformed05(.bloom, .bloomFlagsConflict(word: 27))))
    }

    @Test func bloomNonCanonicalAcceptedAllOnesKept() throws {
        // Word 0 sent explicitly as zero, word 1 as all-ones via its flag, word 2 explicitly all-ones.
        var flags0 = [UInt8](repeating: 0xff, count: 16)
        var flags1 = [UInt8](repeating: 0, count: 16)
        flags0[0] = 0x1f  // words 0, 1, 2 not flagged zero
        flags1[0] = 0x40  // word 1 flagged all-ones
        let body = flags0 + flags1 + [UInt8](repeating: 0, count: 8) + [UInt8](repeating: 0xff, count: 8)
        let f = try BloomFilter05(decoding: body)
        #expect(f.words[0] == 0 && f.words[1] == .max && f.words[2] == .max && f.words[3...].allSatisfy { $0 == 0 })
        // Re-encoded canonically (shorter), and the same filter again.
        #expect(f.body.count == 32)
        #expect(try BloomFilter05(decoding: f.body) == f)
        // A word announced but missing.
        #expect(throws: WireError.truncated(needed: 8, available: 7)) { try BloomFilter05(decoding: Array(body.dropLast(1))) }
    }

    @Test func bloomMissingWordTruncated() throws {
        var body = T.body("V12")
        body[0] = 0x7f  // word 0 must now follow
        #expect(throws: WireError.truncated(needed: 8, available: 0)) { try BloomFilter05(decoding: body) }
        #expect(throws: WireError.truncated(needed: 16, available: 5)) { try BloomFilter05(decoding: [UInt8](repeating: 0, count: 21)) }
    }

    @Test func uvarintErrors() {
        // A sigReq whose nonce stops mid-uvarint.
        #expect(Self.message([2, 2, 0x80]) == .failure(.malformed05(.sigRequest, .uvarintTruncated)))
        // 10 bytes with a too-large final byte, and 11 bytes.
        let overflow: [UInt8] = [2, 1] + [UInt8](repeating: 0xff, count: 9) + [0x02]
        #expect(Self.message(overflow) == .failure(.malformed05(.sigRequest, .uvarintOverflow)))
        let eleven: [UInt8] = [2, 1] + [UInt8](repeating: 0x80, count: 10) + [0x00]
        #expect(Self.message(eleven) == .failure(.malformed05(.sigRequest, .uvarintOverflow)))
        // A non-minimal uvarint is accepted (as Go does) and re-encoded minimally.
        #expect(Self.message([2, 0x81, 0x00, 5]) == .success(.sigRequest(SigRequest05(seq: 1, nonce: 5))))
    }

    @Test func unterminatedCoordsRejected() {
        // A lookup whose `from` stops before its 0.
        let lookup = Self.typeAndBody("V15")
        #expect(Self.message(Array(lookup.dropLast())) == .failure(.malformed05(.pathLookup, .unterminatedCoords)))
        // Broken and notify with no coords at all.
        #expect(Self.message([8]) == .failure(.malformed05(.pathBroken, .unterminatedCoords)))
        #expect(Self.message([7]) == .failure(.malformed05(.pathNotify, .unterminatedCoords)))
        #expect(Self.message([9, 0]) == .failure(.malformed05(.traffic, .unterminatedCoords)))
        #expect(throws: WireError.unterminatedCoords) { try [UInt8]([1, 2]).withUnsafeBytes { try Traffic05Header.parse($0) } }
        // A coords list cut inside a uvarint.
        #expect(Self.message([8, 0x80]) == .failure(.malformed05(.pathBroken, .uvarintTruncated)))
    }

    @Test func framingErrors() throws {
        #expect(Self.message([]) == .failure(.emptyPacket))
        for t: UInt8 in [10, 11, 0x80, 0xff] {
            #expect(Self.message([t]) == .failure(.unknownType(t)))
        }
        // Zero length, oversize, overflowing prefix; incomplete prefix means "wait".
        #expect(throws: WireError.emptyPacket) { try [UInt8]([0, 1]).withUnsafeBytes { try Frame05.nextMessage(in: $0) } }
        #expect(throws: WireError.messageTooLong(131_071)) { try [UInt8]([0xff, 0xff, 0x07]).withUnsafeBytes { try Frame05.nextMessage(in: $0) } }
        #expect(throws: WireError.uvarintOverflow) {
            try ([UInt8](repeating: 0xff, count: 10) + [1]).withUnsafeBytes { try Frame05.nextMessage(in: $0) }
        }
        #expect(try [UInt8]([0x80, 0x80]).withUnsafeBytes { try Frame05.nextMessage(in: $0) } == nil)
        #expect(try [UInt8]().withUnsafeBytes { try Frame05.nextMessage(in: $0) } == nil)
        // A smaller configured limit is honoured.
        #expect(throws: WireError.messageTooLong(12)) { try [UInt8]([12]).withUnsafeBytes { try Frame05.nextMessage(in: $0, maxMessageLength: 11) } }
        // A whole frame whose prefix disagrees with its size.
        var f = T.frame("V05")
        f.append(0)
        #expect(throws: WireError.frameLengthMismatch(declared: 11, actual: 12)) { try Frame05.decode(frame: f) }
        #expect(throws: WireError.uvarintTruncated) { try Frame05.decode(frame: []) }
    }

    @Test func typesZeroAndOneIgnoreTheirBodies() {
        #expect(Self.message([0]) == .success(.dummy))
        #expect(Self.message([0, 0x70, 3]) == .success(.dummy))
        #expect(Self.message([1, 1, 2, 3]) == .success(.keepAlive))
    }

    @Test func badSignaturesFailChecks() throws {
        guard case .success(.announce(let a)) = Self.message(Self.typeAndBody("V10")),
              case .success(.sigResponse(let r)) = Self.message(Self.typeAndBody("V07")),
              case .success(.pathNotify(let n)) = Self.message(Self.typeAndBody("V17"))
        else { Issue.record("vectors did not decode"); return }
        #expect(a.check())
        // One flipped bit anywhere in either signature, or in a signed field.
        for i in [0, 31, 63] {
            var x = a
            var sig = x.sig.bytes; sig[i] ^= 1; x.sig = Signature(bytes: sig)!
            #expect(!x.check())
            var y = a
            var psig = y.psig.bytes; psig[i] ^= 0x80; y.psig = Signature(bytes: psig)!
            #expect(!y.check())
        }
        var seq = a; seq.seq += 1
        #expect(!seq.check())
        var swapped = a; swapped.parent = V.keyA
        #expect(!swapped.check())
        // Port 0 with key ≠ parent is refused even with both signatures valid.
        let res = SigResponse05(answering: SigRequest05(seq: 7, nonce: 9), node: V.keyB, port: 0, signer: V.pairC)
        let zero = Announcement05(signer: V.pairB, parent: V.keyC, response: res)
        #expect(Ed25519.verify(zero.sig, message: zero.signedBytes, publicKey: V.keyB))
        #expect(Ed25519.verify(zero.psig, message: zero.signedBytes, publicKey: V.keyC))
        #expect(!zero.check())

        var badRes = r; badRes.port = 2
        #expect(!badRes.verify(node: V.keyB, parent: V.keyC))
        #expect(!r.verify(node: V.keyC, parent: V.keyB))

        var info = n.info; info.seq += 1
        #expect(!info.verify(key: V.keyC))
        info = n.info; info.path = [1]
        #expect(!info.verify(key: V.keyC))
    }
}
