import Testing
@testable import RhizomeCrypto

@Suite struct CryptoTests {
    let alice = try! SigningKeyPair(seed: [UInt8](repeating: 1, count: 32))
    let bob = try! SigningKeyPair(seed: [UInt8](repeating: 2, count: 32))

    @Test func signaturesVerifyAndForgeriesDoNot() {
        let msg: [UInt8] = Array("tree hop".utf8)
        let sig = alice.sign(msg)
        #expect(Ed25519.verify(sig, message: msg, publicKey: alice.publicKey))
        #expect(!Ed25519.verify(sig, message: msg, publicKey: bob.publicKey))
        #expect(!Ed25519.verify(sig, message: msg + [0], publicKey: alice.publicKey))
        var bad = sig.bytes
        bad[10] ^= 0x01
        #expect(!Ed25519.verify(Signature(bytes: bad)!, message: msg, publicKey: alice.publicKey))
        // Deterministic (RFC 8032), as Go's crypto/ed25519.
        #expect(alice.sign(msg) == sig)
    }

    @Test func privateKeyLayoutIsSeedThenPublicKey() throws {
        let hex = alice.privateKeyHex
        #expect(hex.count == 128)
        #expect(hex.hasSuffix(alice.publicKey.hex))
        let again = try SigningKeyPair(privateKey: Hex.decode(hex)!)
        #expect(again.publicKey == alice.publicKey)
    }

    @Test func mismatchedPublicHalfIsRefused() {
        let raw = alice.seed + bob.publicKey.bytes
        #expect(throws: SigningKeyPair.KeyError.publicHalfMismatch(derived: alice.publicKey)) {
            try SigningKeyPair(privateKey: raw)
        }
        #expect(throws: SigningKeyPair.KeyError.incorrectLength(33)) {
            try SigningKeyPair(privateKey: [UInt8](repeating: 0, count: 33))
        }
    }

    @Test func boxRoundTripBothDirectionsWithCounterNonces() {
        let a = alice.curve25519PrivateKey, b = bob.curve25519PrivateKey
        let ab = BoxSharedKey(theirs: BoxPublicKey(ed25519: bob.publicKey)!, ours: a)!
        let ba = BoxSharedKey(theirs: BoxPublicKey(ed25519: alice.publicKey)!, ours: b)!
        #expect(ab.bytes == ba.bytes)
        let plain: [UInt8] = Array(0..<200).map { UInt8($0) }
        let sealed = ab.seal(plain, nonce: 7)
        #expect(sealed.count == plain.count + BoxSharedKey.overhead)
        #expect(ba.open(sealed, nonce: 7) == plain)
        #expect(ba.open(sealed, nonce: 8) == nil)
        var tampered = sealed
        tampered[20] ^= 0x80
        #expect(ba.open(tampered, nonce: 7) == nil)
        #expect(ba.open([1, 2, 3], nonce: 7) == nil)
        // Empty plaintext still carries a tag.
        #expect(ba.open(ab.seal([], nonce: 1), nonce: 1) == [])
    }

    @Test func lowOrderPeerKeyIsRefused() {
        // The identity point's ed25519 encoding (y = 1): libsodium refuses to convert it.
        var identity = [UInt8](repeating: 0, count: 32)
        identity[0] = 1
        #expect(BoxPublicKey(ed25519: PublicKey(bytes: identity)!) == nil)
        // An all-zero X25519 key gives an all-zero shared secret: refused.
        #expect(BoxSharedKey(theirs: BoxPublicKey(bytes: [UInt8](repeating: 0, count: 32))!, ours: alice.curve25519PrivateKey) == nil)
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equal([], []))
    }

    @Test func keyOrderIsBytewiseUnsigned() {
        let small = PublicKey(hex: "7f" + String(repeating: "ff", count: 31))!
        let large = PublicKey(hex: "80" + String(repeating: "00", count: 31))!
        #expect(small < large)
        #expect(PublicKey.zero < small)
        #expect(large.bit(0) && !small.bit(0) && small.bit(1))
    }

    @Test func hexRoundTripAndErrors() {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
        #expect(Hex.decode("00ABff") == [0x00, 0xab, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.firstInvalidCharacter("12z4") == "z")
    }

    @Test func seededRandomIsReproducible() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
        let x = a.bytes(40)
        #expect(x == b.bytes(40))
        #expect(x != c.bytes(40))
        var r1 = SeededRandom(seed: 9)
        var r2 = SeededRandom(seed: 9)
        #expect(SigningKeyPair.generate(using: &r1).publicKey == SigningKeyPair.generate(using: &r2).publicKey)
    }
}
