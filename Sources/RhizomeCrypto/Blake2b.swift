import CSodium

/// BLAKE2b-512 (RFC 7693) through libsodium's `crypto_generichash`. Yggdrasil 0.5 uses it with the
/// link or multicast password as the BLAKE2b key (keyed mode, not a prefix and not HMAC) over a
/// node's public key: the digest is what the link metadata signs and what beacons carry.
public enum Blake2b {
    /// Digest length used by yggdrasil 0.5 (BLAKE2b's largest).
    public static let digestLength = 64
    /// Longest key BLAKE2b accepts; 0.5 refuses longer passwords at configuration time.
    public static let maxKeyLength = 64

    /// The 64-byte digest of `message`, keyed with `key` (unkeyed when `key` is empty).
    /// - Precondition: `key.count <= maxKeyLength` (configuration checks enforce it).
    public static func hash512(_ message: UnsafeRawBufferPointer, key: [UInt8] = []) -> [UInt8] {
        ensureSodium()
        precondition(key.count <= maxKeyLength, "BLAKE2b keys are at most 64 bytes")
        var out = [UInt8](repeating: 0, count: digestLength)
        key.withUnsafeBufferPointer { k in
            _ = crypto_generichash(&out, digestLength,
                                   message.bindMemory(to: UInt8.self).baseAddress, UInt64(message.count),
                                   k.isEmpty ? nil : k.baseAddress, k.count)
        }
        return out
    }

    public static func hash512(_ message: [UInt8], key: [UInt8] = []) -> [UInt8] {
        message.withUnsafeBytes { hash512($0, key: key) }
    }

    /// BLAKE2b-512 of a public key keyed with a password: the value 0.5 link metadata signs and
    /// 0.5 multicast beacons carry.
    public static func hash512(_ key: PublicKey, password: [UInt8]) -> [UInt8] {
        hash512(key.bytes, key: password)
    }
}
