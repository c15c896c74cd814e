import CSodium

/// An ed25519 identity: the 64-byte secret key in yggdrasil's layout (32-byte seed ‖ public key),
/// which is also libsodium's `crypto_sign` secret-key layout.
public struct SigningKeyPair: Sendable {
    public let publicKey: PublicKey
    /// seed ‖ public key. Kept private; use `seed` or `secretKeyHex` where it must leave.
    private let secret: [UInt8]

    public enum KeyError: Error, Equatable, Sendable {
        /// The decoded private key is not 64 bytes.
        case incorrectLength(Int)
        /// The second half of a 64-byte private key is not the public key its seed derives.
        case publicHalfMismatch(derived: PublicKey)
    }

    /// Derives the pair from a 32-byte seed, as `crypto_sign_seed_keypair` does.
    public init(seed: [UInt8]) throws {
        ensureSodium()
        guard seed.count == 32 else { throw KeyError.incorrectLength(seed.count) }
        var pk = [UInt8](repeating: 0, count: 32)
        var sk = [UInt8](repeating: 0, count: 64)
        _ = crypto_sign_seed_keypair(&pk, &sk, seed)
        publicKey = PublicKey(bytes: pk)!
        secret = sk
    }

    /// Accepts a 64-byte private key (seed ‖ public). The public half must match the seed:
    /// yggdrasil 0.4.7 signs with whatever the second half says, which would give a node an
    /// identity it cannot prove, so we refuse such a key instead.
    public init(privateKey: [UInt8]) throws {
        guard privateKey.count == 64 else { throw KeyError.incorrectLength(privateKey.count) }
        try self.init(seed: Array(privateKey[0..<32]))
        let stated = PublicKey(bytes: privateKey[32..<64])!
        guard stated == publicKey else { throw KeyError.publicHalfMismatch(derived: publicKey) }
    }

    /// A fresh random identity.
    public static func generate<R: RandomSource>(using random: inout R) -> SigningKeyPair {
        try! SigningKeyPair(seed: random.bytes(32))
    }

    public static func generate() -> SigningKeyPair {
        var r = SystemRandom()
        return generate(using: &r)
    }

    public var seed: [UInt8] { Array(secret[0..<32]) }
    /// The 64-byte private key as yggdrasil's config stores it, in lowercase hex.
    public var privateKeyHex: String { Hex.encode(secret) }

    /// Signs `message` (pure ed25519, deterministic: identical to Go's crypto/ed25519).
    public func sign(_ message: UnsafeRawBufferPointer) -> Signature {
        var sig = [UInt8](repeating: 0, count: 64)
        secret.withUnsafeBufferPointer { sk in
            _ = crypto_sign_detached(&sig, nil, message.bindMemory(to: UInt8.self).baseAddress, UInt64(message.count), sk.baseAddress!)
        }
        return Signature(bytes: sig)!
    }

    public func sign(_ message: [UInt8]) -> Signature {
        message.withUnsafeBytes { sign($0) }
    }

    /// The X25519 private scalar for this identity (libsodium's clamped form; X25519 clamps anyway,
    /// so shared secrets equal ironwood's).
    public var curve25519PrivateKey: BoxSecretKey {
        var out = [UInt8](repeating: 0, count: 32)
        secret.withUnsafeBufferPointer { sk in
            _ = crypto_sign_ed25519_sk_to_curve25519(&out, sk.baseAddress!)
        }
        return BoxSecretKey(bytes: out)
    }
}

public enum Ed25519 {
    /// Verifies a detached signature. libsodium rejects small-order and non-canonical keys that Go
    /// accepts; no honest node has such a key.
    public static func verify(_ signature: Signature, message: UnsafeRawBufferPointer, publicKey: PublicKey) -> Bool {
        ensureSodium()
        var pk = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &pk) { pkBuf in
            publicKey.write(to: pkBuf)
            return signature.withUnsafeBytes { sig in
                crypto_sign_verify_detached(
                    sig.bindMemory(to: UInt8.self).baseAddress!,
                    message.bindMemory(to: UInt8.self).baseAddress, UInt64(message.count),
                    pkBuf.bindMemory(to: UInt8.self).baseAddress!) == 0
            }
        }
    }

    public static func verify(_ signature: Signature, message: [UInt8], publicKey: PublicKey) -> Bool {
        message.withUnsafeBytes { verify(signature, message: $0, publicKey: publicKey) }
    }
}
