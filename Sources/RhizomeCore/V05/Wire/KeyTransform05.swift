import RhizomeCrypto

/// The key transform Yggdrasil gives ironwood for bloom filters and lookups (routing.md §4.9.3):
/// `GetKey(SubnetForKey(key))`.
public enum KeyTransform05 {
    /// Keep the bits a /64 subnet encodes — the `z` leading zero bits, the first one bit and the
    /// 48 bits after it — and set every later bit to 1. A partial key derived from an address or
    /// subnet transforms to the same value as the full key.
    public static func subnetKey(_ key: PublicKey) -> PublicKey {
        let z: Int
        if key.w0 != 0 { z = key.w0.leadingZeroBitCount }
        else if key.w1 != 0 { z = 64 + key.w1.leadingZeroBitCount }
        else if key.w2 != 0 { z = 128 + key.w2.leadingZeroBitCount }
        else { z = 192 + key.w3.leadingZeroBitCount }
        let keep = min(256, z + 1 + 48)

        @inline(__always) func fill(_ w: UInt64, _ index: Int) -> UInt64 {
            let kept = keep - 64 * index
            if kept >= 64 { return w }
            if kept <= 0 { return .max }
            return w | (UInt64.max >> UInt64(kept))
        }
        return PublicKey(w0: fill(key.w0, 0), w1: fill(key.w1, 1), w2: fill(key.w2, 2), w3: fill(key.w3, 3))
    }
}
