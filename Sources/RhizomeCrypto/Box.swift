import CSodium

/// An X25519 public key as used by crypto_box.
public struct BoxPublicKey: Hashable, Sendable {
    public let bytes: [UInt8]
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    /// The X25519 key of an ed25519 identity (`crypto_sign_ed25519_pk_to_curve25519`). Nil for keys
    /// libsodium rejects (small order, non-canonical): no honest node has one.
    public init?(ed25519 key: PublicKey) {
        ensureSodium()
        var out = [UInt8](repeating: 0, count: 32)
        let ed = key.bytes
        guard crypto_sign_ed25519_pk_to_curve25519(&out, ed) == 0 else { return nil }
        bytes = out
    }
}

/// An X25519 secret scalar.
public struct BoxSecretKey: Sendable {
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32)
        self.bytes = bytes
    }

    public var publicKey: BoxPublicKey {
        ensureSodium()
        var out = [UInt8](repeating: 0, count: 32)
        _ = crypto_scalarmult_base(&out, bytes)
        return BoxPublicKey(bytes: out)!
    }
}

public struct BoxKeyPair: Sendable {
    public let publicKey: BoxPublicKey
    public let secretKey: BoxSecretKey

    public init(secretKey: BoxSecretKey) {
        self.secretKey = secretKey
        self.publicKey = secretKey.publicKey
    }

    public static func generate<R: RandomSource>(using random: inout R) -> BoxKeyPair {
        BoxKeyPair(secretKey: BoxSecretKey(bytes: random.bytes(32)))
    }
}

/// A precomputed crypto_box key (X25519 then HSalsa20), used with XSalsa20-Poly1305 and an
/// explicit 64-bit counter nonce: 16 zero bytes followed by the counter in big-endian, the layout
/// ironwood uses. Output layout is tag ‖ ciphertext ("easy" layout), 16 bytes longer than the input.
public struct BoxSharedKey: Sendable {
    public static let overhead = Int(crypto_box_MACBYTES)
    private var key: (UInt64, UInt64, UInt64, UInt64)

    /// Nil when libsodium refuses the peer key (its X25519 output is all zero: a low-order key).
    public init?(theirs: BoxPublicKey, ours: BoxSecretKey) {
        ensureSodium()
        key = (0, 0, 0, 0)
        let rc = withUnsafeMutableBytes(of: &key) { k in
            crypto_box_beforenm(k.bindMemory(to: UInt8.self).baseAddress!, theirs.bytes, ours.bytes)
        }
        guard rc == 0 else { return nil }
    }

    public var bytes: [UInt8] { withUnsafeBytes(of: key) { Array($0) } }

    @inline(__always)
    static func withNonce<R>(_ counter: UInt64, _ body: (UnsafePointer<UInt8>) -> R) -> R {
        var nonce = (UInt64(0), UInt64(0), counter.bigEndian)
        return withUnsafeBytes(of: &nonce) { body($0.bindMemory(to: UInt8.self).baseAddress!) }
    }

    /// Seals `plaintext` into `output`, which must hold `plaintext.count + overhead` bytes.
    /// May alias (in-place encryption is supported by libsodium).
    public func seal(_ plaintext: UnsafeRawBufferPointer, nonce: UInt64, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= plaintext.count + Self.overhead)
        var k = key
        withUnsafeBytes(of: &k) { kb in
            Self.withNonce(nonce) { n in
                _ = crypto_box_easy_afternm(
                    output.bindMemory(to: UInt8.self).baseAddress!,
                    plaintext.bindMemory(to: UInt8.self).baseAddress, UInt64(plaintext.count),
                    n, kb.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
    }

    /// Opens `ciphertext` into `output` (`ciphertext.count - overhead` bytes). False if the tag
    /// does not verify or the input is shorter than a tag.
    public func open(_ ciphertext: UnsafeRawBufferPointer, nonce: UInt64, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard ciphertext.count >= Self.overhead, output.count >= ciphertext.count - Self.overhead else { return false }
        var k = key
        return withUnsafeBytes(of: &k) { kb in
            Self.withNonce(nonce) { n in
                crypto_box_open_easy_afternm(
                    output.bindMemory(to: UInt8.self).baseAddress!,
                    ciphertext.bindMemory(to: UInt8.self).baseAddress!, UInt64(ciphertext.count),
                    n, kb.bindMemory(to: UInt8.self).baseAddress!) == 0
            }
        }
    }

    /// Encrypts `message` in place and writes its 16-byte tag to `tag` (which must not overlap
    /// it): the data path's seal, with the tag placed where the wire format wants it and no copy.
    public func sealInPlace(_ message: UnsafeMutableRawBufferPointer, tag: UnsafeMutableRawBufferPointer, nonce: UInt64) {
        precondition(tag.count >= Self.overhead)
        var k = key
        withUnsafeBytes(of: &k) { kb in
            Self.withNonce(nonce) { n in
                let m = message.baseAddress!.assumingMemoryBound(to: UInt8.self)
                _ = crypto_box_detached_afternm(
                    m, tag.baseAddress!.assumingMemoryBound(to: UInt8.self), m, UInt64(message.count),
                    n, kb.bindMemory(to: UInt8.self).baseAddress!)
            }
        }
    }

    /// Opens a box in the "easy" layout (tag ‖ ciphertext) into `output`, which must hold
    /// `box.count - overhead` bytes and must not overlap `box` (the receive path decrypts straight
    /// from the link's read buffer into a caller-owned buffer). False if the tag does not verify.
    public func open(detached box: UnsafeRawBufferPointer, nonce: UInt64, into output: UnsafeMutableRawBufferPointer) -> Bool {
        guard box.count >= Self.overhead, output.count >= box.count - Self.overhead else { return false }
        var k = key
        return withUnsafeBytes(of: &k) { kb in
            Self.withNonce(nonce) { n in
                let b = box.baseAddress!.assumingMemoryBound(to: UInt8.self)
                return crypto_box_open_detached_afternm(
                    output.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafeMutablePointer(mutating: b), b + Self.overhead, b,
                    UInt64(box.count - Self.overhead), n, kb.bindMemory(to: UInt8.self).baseAddress!) == 0
            }
        }
    }

    public func seal(_ plaintext: [UInt8], nonce: UInt64) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: plaintext.count + Self.overhead)
        plaintext.withUnsafeBytes { p in out.withUnsafeMutableBytes { seal(p, nonce: nonce, into: $0) } }
        return out
    }

    public func open(_ ciphertext: [UInt8], nonce: UInt64) -> [UInt8]? {
        guard ciphertext.count >= Self.overhead else { return nil }
        var out = [UInt8](repeating: 0, count: ciphertext.count - Self.overhead)
        let ok = ciphertext.withUnsafeBytes { c in out.withUnsafeMutableBytes { open(c, nonce: nonce, into: $0) } }
        return ok ? out : nil
    }
}
