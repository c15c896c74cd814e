/// MurmurHash3_x64_128 (Austin Appleby's reference algorithm), the hash behind the 0.5 bloom
/// filters (routing.md §4.9.2). Blocks are read as little-endian u64 pairs; results are returned in
/// the reference order (h1, h2). Allocation-free.
public enum MurmurHash3 {
    private static let c1: UInt64 = 0x87c3_7b91_1142_53d5
    private static let c2: UInt64 = 0x4cf5_ad43_2745_937f

    @inline(__always)
    private static func fmix(_ k: UInt64) -> UInt64 {
        var k = k
        k ^= k >> 33
        k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    @inline(__always)
    private static func mixK1(_ k: UInt64) -> UInt64 {
        var k = k &* c1
        k = (k << 31) | (k >> 33)
        return k &* c2
    }

    @inline(__always)
    private static func mixK2(_ k: UInt64) -> UInt64 {
        var k = k &* c2
        k = (k << 33) | (k >> 31)
        return k &* c1
    }

    /// The 128-bit hash of `data` with `seed`, as (h1, h2).
    public static func x64_128(_ data: UnsafeRawBufferPointer, seed: UInt32 = 0) -> (UInt64, UInt64) {
        let length = data.count
        let blocks = length / 16
        var h1 = UInt64(seed)
        var h2 = UInt64(seed)

        for i in 0..<blocks {
            let k1 = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: i * 16, as: UInt64.self))
            let k2 = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt64.self))
            h1 ^= mixK1(k1)
            h1 = (h1 << 27) | (h1 >> 37)
            h1 &+= h2
            h1 = h1 &* 5 &+ 0x52dc_e729
            h2 ^= mixK2(k2)
            h2 = (h2 << 31) | (h2 >> 33)
            h2 &+= h1
            h2 = h2 &* 5 &+ 0x3849_5ab5
        }

        // Tail: up to 15 bytes, little-endian into k1 (bytes 0–7) and k2 (bytes 8–14).
        let tail = blocks * 16
        let rest = length & 15
        var k1: UInt64 = 0
        var k2: UInt64 = 0
        if rest > 8 {
            for j in stride(from: rest - 1, through: 8, by: -1) {
                k2 ^= UInt64(data[tail + j]) << UInt64((j - 8) * 8)
            }
            h2 ^= mixK2(k2)
        }
        if rest > 0 {
            for j in stride(from: min(rest, 8) - 1, through: 0, by: -1) {
                k1 ^= UInt64(data[tail + j]) << UInt64(j * 8)
            }
            h1 ^= mixK1(k1)
        }

        h1 ^= UInt64(length)
        h2 ^= UInt64(length)
        h1 &+= h2
        h2 &+= h1
        h1 = fmix(h1)
        h2 = fmix(h2)
        h1 &+= h2
        h2 &+= h1
        return (h1, h2)
    }

    public static func x64_128(_ data: [UInt8], seed: UInt32 = 0) -> (UInt64, UInt64) {
        data.withUnsafeBytes { x64_128($0, seed: seed) }
    }
}
