import Testing
import RhizomeCrypto
@testable import RhizomeCore

/// Link metadata blocks captured from yggdrasil 0.5.12 (shared/spec/v05/vectors), copied verbatim.
enum Metadata05Vectors {
    /// (label, Ed25519 seed, priority, password, block): every block of
    /// node-link-metadata.json and routing-captured.json V01–V04, copied verbatim.
    static let blocks: [(label: String, seed: String, priority: UInt8, password: String, block: String)] = [
        ("node-link-metadata: A -> B on tcp://10.56.0.1:7001 (no passw", "fd38bd2742f878deb2601e3188dda3788e404d18d91034dd9d2ed59b21883c60", 0, "",
         "6d65746100750000000200000001000200050002002075b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f000030001005e343514e871311cea56bbe1c2eb0f447d4a88b766b34bd7b52616167a2c1e8f6b92e6316249cba04c9e451058c86d02109ad02e89bf29d3f0c8ed8b7c68300b"),
        ("node-link-metadata: B -> A on tcp://10.56.0.1:7001 (no passw", "fca66804ff333b04590cc25b387a4e2b8781e428ec84cefb37df88498bc7fa48", 0, "",
         "6d65746100750000000200000001000200050002002026e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f04840003000100fed4ead828c16ff3b673ee423566f17bf0176be6e505161e4a144bd63c5368235c78e6b5ee3c15b7bbe050983ab9ccac6cd1c2ffcf5b045a29aefc4d721b6f0c"),
        ("node-link-metadata: A -> B on listener tcp://10.56.0.1:7002?", "fd38bd2742f878deb2601e3188dda3788e404d18d91034dd9d2ed59b21883c60", 0, "sekrit",
         "6d65746100750000000200000001000200050002002075b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0000300010017e2bdc17a55251ffb4cc52396ae3e74dad16bbed5086b81340e232d36b67262f1381854f28dcc200c2379579203f8f6656833d828e911da5ca7528222d18e09"),
        ("node-link-metadata: B -> A dialled with ?password=sekrit", "fca66804ff333b04590cc25b387a4e2b8781e428ec84cefb37df88498bc7fa48", 0, "sekrit",
         "6d65746100750000000200000001000200050002002026e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484000300010099bb3556549358ffeb156b71e8ee38624a875bab73ff66c306be119c490e268fd9da9395f8f9313d9b11e6b95b474909c8d926b41736b794584e7b9d7d199505"),
        ("node-link-metadata: B -> A dialled with ?password=wrong (A r", "fca66804ff333b04590cc25b387a4e2b8781e428ec84cefb37df88498bc7fa48", 0, "wrong",
         "6d65746100750000000200000001000200050002002026e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f048400030001002de73239a68d4675c542b0ca41358db8c2629e369325090490d0bf569572a192a72fc5e3c0f19cd5a6bca102b518a4ab0a999a9e01e15b18fe6ccf9fd735ef0e"),
        ("node-link-metadata: DERIVED (not captured): node A, priority", "fd38bd2742f878deb2601e3188dda3788e404d18d91034dd9d2ed59b21883c60", 3, "sekrit",
         "6d65746100750000000200000001000200050002002075b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0000300010317e2bdc17a55251ffb4cc52396ae3e74dad16bbed5086b81340e232d36b67262f1381854f28dcc200c2379579203f8f6656833d828e911da5ca7528222d18e09"),
        ("routing-captured V01 B -> C", "1fcb23a824473fea485282407391384e5fd0ab3e7269c44fddd52ce113aa0cca", 0, "swordfish",
         "6d65746100750000000200000001000200050002002012a3d601988a425d19d5ec8a60f07169f7f165def127ceba483a1591b7330e5f0003000100c415a9f47ee132091f4e4ca85de964237eb2366436af6d2f3e9c53dc28f4b7d209cb1330459d9dd1404acd4d746ed55ec3c141e86f37da53164ebdbfd69a9808"),
        ("routing-captured V02 C -> B", "11bb25f28cde3ad96b2990d235ee18c1d40b9deb8ac663b6bd4fcaeb8109376d", 0, "swordfish",
         "6d657461007500000002000000010002000500020020065d5faf2dc03cfa871deeb0f1c745822221adc380cb83fdaa10e52a88df53680003000100e387127a147ff8e6695ced245269ab30970d9d60941c216556348942180b449d3d64bd583559dbfd05fb7d0b25528a0f514f14234fe385b75c2f8de97d10e703"),
        ("routing-captured V03 A -> B", "2b9c3a53eaf43e73bfba7c102af062e23066b99aeda9eb7a986617613c24d818", 3, "",
         "6d657461007500000002000000010002000500020020081751d2edbfdeecd67e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b840003000103092e43d0b2a83b90572f0266664b1d9778600cf11a77c46ab4d18c116deb927896ed1b44bd374df7c56aa28049c029aba45227104ef46a6c4103d933d1d6f003"),
        ("routing-captured V04 B -> A", "1fcb23a824473fea485282407391384e5fd0ab3e7269c44fddd52ce113aa0cca", 0, "",
         "6d65746100750000000200000001000200050002002012a3d601988a425d19d5ec8a60f07169f7f165def127ceba483a1591b7330e5f0003000100c5b965468f0d45e2e7374b2ae97b0a7eb08cd8770ca03e7f8b6ef3254004fc35e32e3f317834e391ae80fc627f532996e6f4ae4e195cf47b6a44844b304f8100"),
    ]

    static func bytes(_ hex: String) -> [UInt8] { Hex.decode(hex)! }
}

@Suite struct Metadata05Tests {
    typealias E = Metadata05.DecodeError

    /// A canonical block of node A (node-link-metadata.json), no password.
    static let signer = try! SigningKeyPair(seed: Metadata05Vectors.bytes(Metadata05Vectors.blocks[0].seed))
    static let block = Metadata05.encode(signer: signer, priority: 0, password: [])

    @Test(arguments: Metadata05Vectors.blocks.indices)
    func encodesCapturedBlockByteForByte(index: Int) throws {
        let v = Metadata05Vectors.blocks[index]
        let signer = try SigningKeyPair(seed: Metadata05Vectors.bytes(v.seed))
        let ours = Metadata05.encode(signer: signer, priority: v.priority, password: Array(v.password.utf8))
        #expect(ours.count == Metadata05.length)
        #expect(Hex.encode(ours) == v.block, "\(v.label)")
    }

    @Test(arguments: Metadata05Vectors.blocks.indices)
    func decodesCapturedBlockWithItsPasswordOnly(index: Int) throws {
        let v = Metadata05Vectors.blocks[index]
        let block = Metadata05Vectors.bytes(v.block)
        let decoded = try Metadata05(decoding: block, password: Array(v.password.utf8))
        #expect(decoded.key == (try SigningKeyPair(seed: Metadata05Vectors.bytes(v.seed))).publicKey)
        #expect(decoded.priority == v.priority)
        #expect(throws: E.passwordMismatch) { try Metadata05(decoding: block, password: Array("other".utf8)) }
        if !v.password.isEmpty {
            #expect(throws: E.passwordMismatch) { try Metadata05(decoding: block, password: []) }
        }
    }

    @Test func headerGivesTheBodyLength() throws {
        let length = try Self.block.withUnsafeBytes { try Metadata05.bodyLength(header: UnsafeRawBufferPointer(rebasing: $0[0..<6])) }
        #expect(length == 117)
    }

    @Test func aVersion04PreambleIsNamedAsSuch() {
        // 0.4.7's `meta 00 04 <key>`: bytes 4-5 read as length 4.
        let preamble = Array("meta".utf8) + [0, 4] + Self.signer.publicKey.bytes
        #expect(throws: E.olderPreamble(length: 4, major: 0, minor: 4)) { try Metadata05(decoding: preamble, password: []) }
        let text = E.olderPreamble(length: 4, major: 0, minor: 4).description
        #expect(text.contains("incompatible version (local 0.5, remote 0.4)"))
    }

    @Test func notMetaIsNotYggdrasil() {
        var block = Self.block
        block[0] = UInt8(ascii: "M")
        #expect(throws: E.notYggdrasil) { try Metadata05(decoding: block, password: []) }
        #expect(E.notYggdrasil.description == "invalid handshake, remote side is not Yggdrasil")
    }

    @Test func otherMinorVersionIsRefusedAfterTheSignature() {
        // The signature covers only the hashed key, so a changed minor still verifies.
        var block = Self.block
        block[17] = 4
        #expect(throws: E.incompatibleVersion(major: 0, minor: 4)) { try Metadata05(decoding: block, password: []) }
        #expect(E.incompatibleVersion(major: 0, minor: 4).description.contains("incompatible version (local 0.5, remote 0.4)"))
        // ... but a wrong password is reported first.
        #expect(throws: E.passwordMismatch) { try Metadata05(decoding: block, password: [1]) }
        block[11] = 1
        #expect(throws: E.incompatibleVersion(major: 1, minor: 4)) { try Metadata05(decoding: block, password: []) }
    }

    /// Rebuilds a block from TLV bytes and A's signature over the unkeyed hash.
    static func block(tlvs: [UInt8]) -> [UInt8] {
        let body = tlvs + Array(Self.block.suffix(64))
        return Array("meta".utf8) + [UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
    }
    static let canonicalTLVs = Array(block[6..<59])

    @Test func rebuiltCanonicalBlockDecodes() throws {
        #expect(Self.block(tlvs: Self.canonicalTLVs) == Self.block)
        #expect(try Metadata05(decoding: Self.block(tlvs: Self.canonicalTLVs), password: []).key == Self.signer.publicKey)
    }

    @Test func unknownTLVIsSkipped() throws {
        let decoded = try Metadata05(decoding: Self.block(tlvs: Self.canonicalTLVs + [0, 9, 0, 3, 1, 2, 3]), password: [])
        #expect(decoded.key == Self.signer.publicKey)
    }

    @Test func missingPriorityIsZeroAndRepeatedFieldTakesTheLast() throws {
        let withoutPriority = Array(Self.canonicalTLVs[0..<48])
        #expect(try Metadata05(decoding: Self.block(tlvs: withoutPriority), password: []).priority == 0)
        let twice = Self.canonicalTLVs + [0, 3, 0, 1, 7]
        #expect(try Metadata05(decoding: Self.block(tlvs: twice), password: []).priority == 7)
    }

    @Test func strictLengthsAs0514() {
        let tlvs = Self.canonicalTLVs
        // Bytes left after the last TLV.
        #expect(throws: E.self) { try Metadata05(decoding: Self.block(tlvs: tlvs + [0, 0]), password: []) }
        // A TLV whose length runs past the TLV area.
        #expect(throws: E.self) { try Metadata05(decoding: Self.block(tlvs: tlvs + [0, 9, 0, 9, 1]), password: []) }
        // A priority TLV of two bytes, a major version of one byte.
        #expect(throws: E.self) { try Metadata05(decoding: Self.block(tlvs: Array(tlvs[0..<48]) + [0, 3, 0, 2, 0, 0]), password: []) }
        #expect(throws: E.self) { try Metadata05(decoding: Self.block(tlvs: [0, 0, 0, 1, 0] + Array(tlvs[6...])), password: []) }
        // A block longer than it declares.
        #expect(throws: E.self) { try Metadata05(decoding: Self.block + [0], password: []) }
        // Length field below 64 but "meta": an older preamble.
        #expect(throws: E.olderPreamble(length: 63, major: 0, minor: 63)) {
            try Metadata05(decoding: Array("meta".utf8) + [0, 63] + [UInt8](repeating: 0, count: 63), password: [])
        }
    }

    @Test func missingKeyIsReported() {
        let noKey = Array(Self.canonicalTLVs[0..<12]) + Array(Self.canonicalTLVs[48...])
        #expect(throws: E.missingKey) { try Metadata05(decoding: Self.block(tlvs: noKey), password: []) }
    }
}
