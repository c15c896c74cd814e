import Testing
import RhizomeCrypto
@testable import RhizomeCore

/// The 0.5.12 routing-layer codecs against the captured frames (routing.md Appendix A.2) and the
/// derived vectors (A.4): every frame decodes to the recorded fields, re-encodes byte for byte,
/// and every signature verifies and is reproduced from the seeds.
@Suite struct V05WireVectorTests {
    typealias V = V05Vectors

    static let capturedIDs = (5...24).map { "V" + ($0 < 10 ? "0" : "") + String($0) }

    static func frame(_ id: String) -> [UInt8] { V.frames[id]! }

    static func decode(_ id: String) throws -> Message05 { try Frame05.decode(frame: frame(id)) }

    static func body(_ id: String) -> [UInt8] {
        let f = frame(id)
        let (_, prefix) = try! f.withUnsafeBytes { try Frame05.decodePrefix($0) }!
        return Array(f[(prefix + 1)...])
    }

    // MARK: every frame

    @Test(arguments: capturedIDs)
    func capturedFrameRoundTrips(_ id: String) throws {
        let f = Self.frame(id)
        let m = try Self.decode(id)
        #expect(m.wireType.rawValue == f[f.count - m.frame.count], "\(id): type byte")
        #expect(try Frame05.encode(m) == f, "\(id): re-encoding differs")
        // Through the typed encoder as well.
        var typed = [UInt8]()
        switch m {
        case .sigRequest(let x): try Frame05.append(x, to: &typed)
        case .sigResponse(let x): try Frame05.append(x, to: &typed)
        case .announce(let x): try Frame05.append(x, to: &typed)
        case .bloom(let x): try Frame05.append(x, to: &typed)
        case .pathLookup(let x): try Frame05.append(x, to: &typed)
        case .pathNotify(let x): try Frame05.append(x, to: &typed)
        case .pathBroken(let x): try Frame05.append(x, to: &typed)
        case .traffic(let x): try Frame05.append(x, to: &typed)
        case .keepAlive: typed = Frame05.keepAlive
        case .dummy: Issue.record("no dummy was captured")
        }
        #expect(typed == f, "\(id): typed encoding differs")
    }

    /// All frames back to back, reassembled as a stream.
    @Test func capturedStreamReassembles() throws {
        var stream = [UInt8]()
        for id in Self.capturedIDs { stream += Self.frame(id) }
        var offset = 0
        var decoded = [Message05]()
        while offset < stream.count {
            let rest = Array(stream[offset...])
            let range = try rest.withUnsafeBytes { try Frame05.nextMessage(in: $0) }
            guard let range else { Issue.record("incomplete at \(offset)"); return }
            // One byte short of the frame: not yet complete.
            let short = try Array(rest[..<(range.upperBound - 1)]).withUnsafeBytes { try Frame05.nextMessage(in: $0) }
            #expect(short == nil)
            decoded.append(try Message05(decoding: Array(rest[range])))
            offset += range.upperBound
        }
        #expect(decoded.count == Self.capturedIDs.count)
        #expect(try decoded.map { try Frame05.encode($0) } == Self.capturedIDs.map(Self.frame))
    }

    // MARK: types 2–4

    @Test func sigRequests() throws {
        #expect(try Self.decode("V05") == .sigRequest(SigRequest05(seq: 2, nonce: 3_085_912_865_641_646_064)))
        #expect(try Self.decode("V06") == .sigRequest(SigRequest05(seq: 3, nonce: 16_926_318_854_548_593_659)))
        #expect(Self.body("V06").count == 11)  // a 10-byte nonce
    }

    @Test func sigResponseV07VerifiesAndIsReproduced() throws {
        guard case .sigResponse(let r) = try Self.decode("V07") else { Issue.record("not a sigRes"); return }
        #expect(r.seq == 2 && r.nonce == 3_085_912_865_641_646_064 && r.port == 1)
        let signed = SigResponse05.signedBytes(node: V.keyB, parent: V.keyC, seq: r.seq, nonce: r.nonce, port: r.port)
        #expect(signed == V.bytes(V.keyB.hex + V.keyC.hex + "02f08f83a3ecacd7e92a01"))
        #expect(r.verify(node: V.keyB, parent: V.keyC))
        #expect(!r.verify(node: V.keyA, parent: V.keyC))
        // C answering B's V05 request, re-signed from C's seed.
        guard case .sigRequest(let req) = try Self.decode("V05") else { Issue.record("not a sigReq"); return }
        #expect(SigResponse05(answering: req, node: V.keyB, port: 1, signer: V.pairC) == r)
    }

    @Test(arguments: [
        ("V08", V05Vectors.keyB, V05Vectors.keyB, UInt64(1), UInt64(12_250_452_352_024_237_388), PeerPort(0)),
        ("V09", V05Vectors.keyC, V05Vectors.keyC, 1, 5_666_863_070_589_954_345, 0),
        ("V10", V05Vectors.keyB, V05Vectors.keyC, 2, 3_085_912_865_641_646_064, 1),
        ("V11", V05Vectors.keyA, V05Vectors.keyB, 2, 11_080_281_607_623_359_600, 2),
    ])
    func announcementFields(_ id: String, _ key: PublicKey, _ parent: PublicKey, _ seq: UInt64, _ nonce: UInt64, _ port: PeerPort) throws {
        guard case .announce(let a) = try Self.decode(id) else { Issue.record("\(id) not an announcement"); return }
        #expect(a.key == key && a.parent == parent && a.seq == seq && a.nonce == nonce && a.port == port)
        #expect(a.check(), "\(id) fails its check")
        #expect(a.isRoot == (port == 0))
        var expectedSigned = key.bytes + parent.bytes
        Uvarint.encode(seq, into: &expectedSigned)
        Uvarint.encode(nonce, into: &expectedSigned)
        Uvarint.encode(port, into: &expectedSigned)
        #expect(a.signedBytes == expectedSigned)
        #expect(Frame05.prefixLength(forMessageLength: 1 + a.body.count) == 2)
    }

    @Test func announcementsReSignedFromSeeds() throws {
        guard case .announce(let v08) = try Self.decode("V08"), case .announce(let v09) = try Self.decode("V09"),
              case .announce(let v10) = try Self.decode("V10"), case .announce(let v11) = try Self.decode("V11"),
              case .sigResponse(let v07) = try Self.decode("V07")
        else { Issue.record("wrong types"); return }
        // Roots: psig == sig.
        #expect(v08.psig == v08.sig && v09.psig == v09.sig)
        #expect(Announcement05(rootSigner: V.pairB, seq: v08.seq, nonce: v08.nonce) == v08)
        #expect(Announcement05(rootSigner: V.pairC, seq: v09.seq, nonce: v09.nonce) == v09)
        // B under C: C's psig is V07's, B countersigns.
        #expect(v10.psig == v07.psig)
        #expect(Announcement05(signer: V.pairB, parent: V.keyC, response: v07) == v10)
        // A under B: B's response (port 2) to A's request, then A's countersignature.
        let res = SigResponse05(answering: SigRequest05(seq: v11.seq, nonce: v11.nonce), node: V.keyA, port: 2, signer: V.pairB)
        #expect(res.psig == v11.psig)
        #expect(Announcement05(signer: V.pairA, parent: V.keyB, response: res) == v11)
    }

    // MARK: type 5 and hashing

    @Test func bloomFilters() throws {
        guard case .bloom(let v12) = try Self.decode("V12"), case .bloom(let v13) = try Self.decode("V13"),
              case .bloom(let v14) = try Self.decode("V14")
        else { Issue.record("wrong types"); return }
        #expect(v12 == .empty && v12.isEmpty && v12.words.count == 128)
        var b = BloomFilter05.empty
        b.insert(V.transformedB)
        #expect(b == v13 && !b.isEmpty)
        #expect(v13.words[14] == 0x8000_0000_0000 && v13.words[116] == 0x8_0000_0000_0000 && v13.words[88] == 0x200_0000)
        #expect(v13.words.filter { $0 != 0 }.count == 8)
        #expect(Self.setBits(v13) == V.bitsB)
        var c = BloomFilter05.empty
        c.insert(V.transformedC)
        #expect(b.union(c) == v14)
        #expect(Self.setBits(v14) == (V.bitsB + V.bitsC).sorted())
        #expect(v14.contains(V.transformedB) && v14.contains(V.transformedC) && !v14.contains(V.transformedA))
        #expect(!v13.contains(V.transformedC))
        var m = v13
        m.formUnion(c)
        #expect(m == v14)
        // The derived encoding example equals V13's body.
        #expect(v13.body == Self.body("V13"))
    }

    static func setBits(_ f: BloomFilter05) -> [Int] {
        (0..<BloomFilter05.bitCount).filter { f.words[$0 / 64] & (1 << UInt64($0 % 64)) != 0 }
    }

    @Test(arguments: [
        ("081751d2edbfdfffffffffffffffffffffffffffffffffffffffffffffffffff",
         UInt64(0xef93_470f_6911_8b47), UInt64(0x5631_355f_94d4_ed78), UInt64(0x5b30_bbc9_3f84_b344), UInt64(0xb8c6_7644_d23d_b750),
         [2887, 1224, 6631, 1860, 6231, 520, 5927, 5204]),
        ("12a3d601988a4fffffffffffffffffffffffffffffffffffffffffffffffffff",
         0xf115_9a1f_c34f_7d33, 0x1832_4818_6c3f_1570, 0x0bf1_4721_d9b0_8caf, 0xfac9_2dae_165b_7c73,
         [7475, 4579, 5657, 7037, 4079, 943, 2021, 3641]),
        ("065d5faf2dc03fffffffffffffffffffffffffffffffffffffffffffffffffff",
         0x1a9e_f60f_e9fd_1aeb, 0x9f85_2679_402f_445f, 0xa13d_9fa7_8a1b_6927, 0xaf37_661b_c086_f78a,
         [6891, 7145, 2559, 8148, 8071, 6673, 2087, 1136]),
    ])
    func murmurAndLocations(_ hex: String, _ h0: UInt64, _ h1: UInt64, _ h2: UInt64, _ h3: UInt64, _ locations: [Int]) {
        let x = V.bytes(hex)
        let a = MurmurHash3.x64_128(x)
        let b = MurmurHash3.x64_128(x + [1])
        #expect(a.0 == h0 && a.1 == h1)
        #expect(b.0 == h2 && b.1 == h3)
        #expect(BloomFilter05.locationList(PublicKey(bytes: x)!) == locations)
    }

    /// The reference implementation's published values (empty input, short tails, a 16-byte block).
    @Test func murmurReferenceValues() {
        #expect(MurmurHash3.x64_128([UInt8]()) == (0, 0))
        let hello = Array("hello".utf8)
        #expect(MurmurHash3.x64_128(hello) == (0xcbd8_a7b3_41bd_9b02, 0x5b1e_906a_48ae_1d19))
        let fox = Array("The quick brown fox jumps over the lazy dog".utf8)
        #expect(MurmurHash3.x64_128(fox) == (0xe34b_bc7b_bc07_1b6c, 0x7a43_3ca9_c49a_9347))
    }

    /// Every tail length (0–15) and one or two blocks, against Python's mmh3 `hash64(…, 0)` for the
    /// bytes `(i·37 + 11) mod 256`.
    static let murmurPattern: [(Int, UInt64, UInt64)] = [
        (0, 0x0000000000000000, 0x0000000000000000),
        (1, 0x932fc7cce617f1e7, 0x7a434b816c4508dc),
        (2, 0xcff7e5ae5471b39d, 0x8549c3b277c47536),
        (3, 0x6afac0b8de81a4b1, 0x0cdcf4fb816ab243),
        (4, 0xd3a4eed1b81f9f72, 0x8f4cf22ad9a420cd),
        (5, 0xb0330f40087f990b, 0xad93f9759963f50b),
        (6, 0x32d1f10b04077a12, 0x4b5791ad3829937e),
        (7, 0x8340cc686662983b, 0xa08f38dfaa7ff6f9),
        (8, 0xf0b144007f89ced7, 0xd02221832d7af9a1),
        (9, 0xdbb3088eaec8a0b1, 0xcbde24182efe09a9),
        (10, 0x7fc82ef8fd4f371e, 0x7a1ac716596298b0),
        (11, 0xce105a4d0920d564, 0xc5c7129b727fc1d6),
        (12, 0x11eea59fafc3bbb8, 0xde304d589b0ddbf8),
        (13, 0x3c0bc0c7790cc4e7, 0xf34ba40d12f9b27e),
        (14, 0x4af05278beeea171, 0x27302e3cea75fb09),
        (15, 0x2906f047b67f83ff, 0x49ca338fe7701fac),
        (16, 0xda9c66580c5ef0fb, 0x885aae87bb6c5ff7),
        (17, 0x78b8ee9a775e07d1, 0xe36790301698fce0),
        (18, 0x5022ece9b605f7d8, 0x16d1b21eec8d67ac),
        (19, 0x40591a6345e2fd5e, 0x3d2b31d643027caf),
        (20, 0xf85aeb21888559f3, 0xa65eec4ab46824ee),
        (21, 0x2c128c13418db6f3, 0x93818c98df190fa8),
        (22, 0xc0ffc3389f035072, 0x6dfadfaec1dcf534),
        (23, 0x01b7d4fb84dc53aa, 0x5ad5c324b9edfa99),
        (24, 0x8372e2feeb61eb1c, 0xe8f405aaf3f01b03),
        (25, 0xed9e2943729d5da2, 0x704bb843bd5ff913),
        (26, 0x9fcd422e337cdec4, 0x628fa90e86818db5),
        (27, 0x454a6a1202a0fd74, 0xe3a5ff0398ea8b76),
        (28, 0xc2ea419f1d4c02de, 0x82b2e058cfa3ecda),
        (29, 0x2ab2e5425a3cf241, 0xbef6e3ba00dbfc06),
        (30, 0xfde530955c73468b, 0x3e2a6a483ba0dd7c),
        (31, 0xb1ca061ed4c5532f, 0xcb6926489e7b3763),
        (32, 0xaf7374eb8efe799b, 0x3a5200924dcdd6ff),
        (33, 0x08b88a88c3099ba9, 0x15c06fbdb5df8af9),
    ]

    @Test func murmurEveryTailLength() {
        for (n, h1, h2) in Self.murmurPattern {
            let x = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            let h = MurmurHash3.x64_128(x)
            #expect(h.0 == h1 && h.1 == h2, "length \(n)")
        }
    }

    @Test func keyTransform() {
        #expect(KeyTransform05.subnetKey(V.keyA) == V.transformedA)
        #expect(KeyTransform05.subnetKey(V.keyB) == V.transformedB)
        #expect(KeyTransform05.subnetKey(V.keyC) == V.transformedC)
        // The partial key from C's address (V15's dest) transforms like C's full key.
        let partial = PublicKey(hex: "065d5faf2dc03cfa871deeb0f1c747ffffffffffffffffffffffffffffffffff")!
        #expect(KeyTransform05.subnetKey(partial) == V.transformedC)
        // Idempotent; leading zero words; the all-zero key keeps everything.
        #expect(KeyTransform05.subnetKey(V.transformedA) == V.transformedA)
        let deep = PublicKey(w0: 0, w1: 0x0000_0000_0001_2345, w2: 0x6789_abcd_ef01_2345, w3: 0x1111)
        // z = 64 + 47 = 111; keep 160 bits: w0, w1, and the top 32 bits of w2.
        #expect(KeyTransform05.subnetKey(deep) == PublicKey(w0: 0, w1: 0x0000_0000_0001_2345, w2: 0x6789_abcd_ffff_ffff, w3: .max))
        #expect(KeyTransform05.subnetKey(.zero) == .zero)
    }

    // MARK: types 6–9

    @Test func lookups() throws {
        let expected = PathLookup05(
            source: V.keyA, dest: PublicKey(hex: "065d5faf2dc03cfa871deeb0f1c747ffffffffffffffffffffffffffffffffff")!,
            from: [1, 2])
        #expect(try Self.decode("V15") == .pathLookup(expected))
        #expect(Self.frame("V15") == Self.frame("V16"))
        #expect(KeyTransform05.subnetKey(expected.dest) == V.transformedC)
    }

    @Test func notifies() throws {
        guard case .pathNotify(let v17) = try Self.decode("V17"), case .pathNotify(let v18) = try Self.decode("V18"),
              case .pathNotify(let v19) = try Self.decode("V19")
        else { Issue.record("wrong types"); return }
        #expect(v17.path == [1, 2] && v17.watermark == 2 && v17.source == V.keyC && v17.dest == V.keyA)
        #expect(v17.info.seq == 1_795_878_690 && v17.info.path == [])
        #expect(NotifyInfo05.signedBytes(seq: v17.info.seq, path: v17.info.path) == V.bytes("a2deabd80600"))
        #expect(v17.info.verify(key: V.keyC) && !v17.info.verify(key: V.keyA))
        #expect(NotifyInfo05(signedBy: V.pairC, seq: 1_795_878_690, path: []) == v17.info)
        // The relay changed only the watermark.
        var relayed = v17
        relayed.watermark = 1
        #expect(relayed == v18)
        #expect(v19.path == [] && v19.watermark == 2 && v19.source == V.keyA && v19.dest == V.keyC)
        #expect(NotifyInfo05.signedBytes(seq: v19.info.seq, path: v19.info.path) == V.bytes("a2deabd806010200"))
        #expect(v19.info.verify(key: V.keyA))
        #expect(NotifyInfo05(signedBy: V.pairA, seq: 1_795_878_690, path: [1, 2]) == v19.info)
    }

    @Test(arguments: [
        ("V20", [PeerPort](), [PeerPort(1), 2], V05Vectors.keyA, V05Vectors.keyC, UInt64(2), 193),
        ("V21", [], [1, 2], V05Vectors.keyA, V05Vectors.keyC, 1, 193),
        ("V22", [1, 2], [], V05Vectors.keyC, V05Vectors.keyA, 2, 157),
    ])
    func traffic(_ id: String, _ path: [PeerPort], _ from: [PeerPort], _ source: PublicKey, _ dest: PublicKey, _ wm: UInt64, _ payloadLength: Int) throws {
        guard case .traffic(let t) = try Self.decode(id) else { Issue.record("\(id) not traffic"); return }
        #expect(t.path == path && t.from == from && t.source == source && t.dest == dest && t.watermark == wm)
        #expect(t.payload.count == payloadLength)
        let body = Self.body(id)
        #expect(Array(body.suffix(payloadLength)) == t.payload)
        #expect(Traffic05.headerLength(path: path, from: from, watermark: wm) == body.count - payloadLength)
        // The allocation-free parse agrees with the full decode.
        let h = try body.withUnsafeBytes { try Traffic05Header.parse($0) }
        #expect(h.source == source && h.dest == dest && h.watermark == wm)
        #expect(Array(body[h.pathRange]) == Coords05.encoded(path))
        #expect(Array(body[h.fromRange]) == Coords05.encoded(from))
        #expect(Array(body[h.watermarkRange]) == Uvarint.encode(wm))
        #expect(h.payloadRange == (body.count - payloadLength)..<body.count)
        // Tree distances straight from the wire bytes (A [1,2], B [1], C []).
        for coords: [PeerPort] in [[], [1], [1, 2], [1, 3], [2]] {
            let fromWire = body.withUnsafeBytes { Coords05.distance(wire: UnsafeRawBufferPointer(rebasing: $0[h.pathRange]), coords) }
            #expect(fromWire == Coords05.distance(path, coords))
        }
    }

    @Test func relayedTrafficDiffersOnlyInTheWatermark() throws {
        let a = Self.body("V20"), b = Self.body("V21")
        let h = try a.withUnsafeBytes { try Traffic05Header.parse($0) }
        var rewritten = a
        rewritten[h.watermarkRange.lowerBound] = 1
        #expect(rewritten == b)
    }

    @Test func broken() throws {
        #expect(try Self.decode("V23") == .pathBroken(PathBroken05(path: [], watermark: 1, source: V.keyC, dest: V.keyA)))
    }

    @Test func keepAlive() throws {
        #expect(Self.frame("V24") == Frame05.keepAlive)
        #expect(try Self.decode("V24") == .keepAlive)
        #expect(Message05.keepAlive.frame == [1])
    }

    // MARK: the Python peer's frames (A.4), accepted by the real node

    @Test func pythonPeerFrames() throws {
        let m = try V.peerFrames.map { try Frame05.decode(frame: $0) }
        #expect(try m.map { try Frame05.encode($0) } == V.peerFrames)
        guard case .sigResponse(let res) = m[0], case .sigRequest(let req) = m[1], case .announce(let ann) = m[2]
        else { Issue.record("wrong types"); return }
        #expect(res.seq == 3 && res.nonce == 2_489_411_407_099_613_838 && res.port == 1)
        #expect(res.verify(node: V.keyB, parent: V.peerKey))
        let peer = try SigningKeyPair(seed: V.peerSeed)
        #expect(peer.publicKey == V.peerKey)
        #expect(SigResponse05(answering: SigRequest05(seq: 3, nonce: res.nonce), node: V.keyB, port: 1, signer: peer) == res)
        #expect(req == SigRequest05(seq: 1, nonce: 123_456_789))
        #expect(ann == Announcement05(rootSigner: peer, seq: 1, nonce: 42) && ann.check())

        let back = try V.nodeToPeerFrames.map { try Frame05.decode(frame: $0) }
        #expect(try back.map { try Frame05.encode($0) } == V.nodeToPeerFrames)
        #expect(back[1] == .bloom(.empty))
        for case .announce(let a) in back { #expect(a.check()) }
        guard case .sigResponse(let answer) = back[4] else { Issue.record("not a sigRes"); return }
        #expect(answer.port == 2 && answer.verify(node: V.peerKey, parent: V.keyB))
    }

    // MARK: uvarints, coords, framing

    @Test(arguments: [
        (UInt64(0), "00"), (1, "01"), (127, "7f"), (128, "8001"), (300, "ac02"), (131_070, "feff07"),
        (1_795_878_690, "a2deabd806"), (9_223_372_036_854_775_808, "80808080808080808001"),
        (18_446_744_073_709_551_615, "ffffffffffffffffff01"),
    ])
    func uvarints(_ value: UInt64, _ hex: String) throws {
        #expect(Uvarint.encode(value) == V.bytes(hex))
        #expect(try Uvarint.decode(V.bytes(hex)) == (value, hex.count / 2))
        #expect(Uvarint.encodedLength(value) == hex.count / 2)
    }

    @Test func coordsEncoding() throws {
        #expect(Coords05.encoded([]) == [0])
        #expect(Coords05.encoded([1, 2]) == [1, 2, 0])
        #expect(Coords05.encoded([300]) == [0xac, 0x02, 0])
        for c: [PeerPort] in [[], [1], [1, 2], [300, 1, .max]] {
            #expect(Coords05.encodedLength(c) == Coords05.encoded(c).count)
            let back = try Coords05.encoded(c).withUnsafeBytes { buf throws(WireError) in
                var r = WireReader(buf)
                let v = try Coords05.read(&r)
                try r.expectEnd()
                return v
            }
            #expect(back == c)
        }
    }

    /// Coords forwarded as they came must be in the shortest encoding (the general path
    /// re-encodes them): an overlong uvarint, such as `c8 00` for 72 or `80 00` for the
    /// terminator, is the only way to fail.
    @Test func coordsCanonicalEncoding() {
        func canonical(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { Coords05.isCanonical($0) } }
        #expect(canonical([0]) && canonical([1, 2, 0]) && canonical([0x80, 0x01, 0]) && canonical([0xff, 0x7f, 0]))
        #expect(canonical([0x80, 0x80, 0x80, 0x80, 0x66, 0]))
        #expect(!canonical([0xc8, 0x00, 0]) && !canonical([0x80, 0x00]) && !canonical([1, 0xff, 0x80, 0x00, 0]))
        for port: UInt64 in [1, 72, 127, 128, 16_383, 16_384, 1 << 40, .max] {
            var bytes: [UInt8] = []
            Uvarint.encode(port, into: &bytes)
            bytes.append(0)
            #expect(canonical(bytes), "\(port)")
        }
    }

    @Test func treeDistance() {
        // C [], B [1], A [1, 2] (Appendix A).
        #expect(Coords05.distance([], [1, 2]) == 2)
        #expect(Coords05.distance([1], [1, 2]) == 1)
        #expect(Coords05.distance([1, 2], [1, 2]) == 0)
        #expect(Coords05.distance([1, 3], [1, 2]) == 2)
        #expect(Coords05.distance([2, 1], [1, 2]) == 4)
        var rng = SeededRandom(seed: 5)
        for _ in 0..<500 {
            let a = (0..<Int(rng.next() % 5)).map { _ in PeerPort(rng.next() % 3 + 1) * (rng.next() % 8 == 0 ? 1000 : 1) }
            let b = (0..<Int(rng.next() % 5)).map { _ in PeerPort(rng.next() % 3 + 1) }
            #expect(Coords05.distance(a, b) == Coords05.distance(b, a))
            let wire = Coords05.encoded(a)
            #expect(wire.withUnsafeBytes { Coords05.distance(wire: $0, b) } == Coords05.distance(a, b))
        }
    }

    @Test func framePrefixes() throws {
        // Prefix sizes change at 128 and 16384 bytes of message.
        for bodyLength in [0, 126, 127, 128, 16382, 16383, 16384, Frame05.maxMessageLength - 1] {
            let body = [UInt8](repeating: 0xab, count: bodyLength)
            let f = try body.withUnsafeBytes { buf throws(WireError) -> [UInt8] in
                var out: [UInt8] = [0xee]  // something before, which must stay
                try Frame05.append(type: .traffic, body: buf, to: &out)
                return out
            }
            #expect(f[0] == 0xee)
            let frame = Array(f.dropFirst())
            #expect(Array(frame.prefix(Frame05.prefixLength(forMessageLength: bodyLength + 1))) == Uvarint.encode(UInt64(bodyLength + 1)))
            let range = try frame.withUnsafeBytes { try Frame05.nextMessage(in: $0) }
            #expect(range?.count == bodyLength + 1 && range?.upperBound == frame.count)
            #expect(frame[range!.lowerBound] == 9)
        }
        // The receiver limit: 131070 accepted, 131071 refused (routing.md §2.1).
        #expect(try Uvarint.encode(131_070).withUnsafeBytes { try Frame05.decodePrefix($0) }! == (131_070, 3))
        #expect(throws: WireError.messageTooLong(131_071)) {
            try Uvarint.encode(131_071).withUnsafeBytes { try Frame05.decodePrefix($0) }
        }
        // A message of 131071 bytes is not sent, and leaves the output as it was.
        var out: [UInt8] = [7]
        #expect(throws: WireError.messageTooLong(131_071)) {
            try Frame05.appendFrame(type: .traffic, to: &out) { $0 += [UInt8](repeating: 0, count: 131_070) }
        }
        #expect(out == [7])
    }
}

extension Coords05 {
    static func encoded(_ c: [PeerPort]) -> [UInt8] {
        var out = [UInt8]()
        append(c, to: &out)
        return out
    }
}
