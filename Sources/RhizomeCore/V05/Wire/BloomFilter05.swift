import RhizomeCrypto

/// Type 5 (routing.md §3.5, §4.9): an 8192-bit bloom filter (k = 8) of transformed keys, as
/// bits-and-blooms `bloom/v3` v3.7.0 hashes it. Bit `i` is bit `i mod 64` (LSB = 0) of word `i div 64`.
///
/// Wire form: `flags0` (16 bytes; word j is 0), `flags1` (16 bytes; word j is all ones), bit
/// `0x80 >> (j mod 8)` of byte `j div 8`; then every other word, in order, big-endian.
public struct BloomFilter05: WireMessage05, Hashable, Sendable {
    public static let wireType = WireType05.bloom
    public static let wordCount = 128
    public static let bitCount = 8192
    public static let hashCount = 8
    static let flagBytes = wordCount / 8

    /// 128 words. Other lengths are read as zero-padded / truncated by `encode`.
    public var words: [UInt64]

    public init(words: [UInt64]) { self.words = words }

    public static let empty = BloomFilter05(words: [UInt64](repeating: 0, count: wordCount))

    public var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// The 8 bit positions (hash order) for `x`, an already transformed key. Allocation-free.
    public static func locations(_ x: PublicKey) -> (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) {
        // x ‖ 0x01 in a stack buffer; hash the first 32 bytes, then all 33.
        var buf: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        let (a, b, c, d) = withUnsafeMutableBytes(of: &buf) { raw -> (UInt64, UInt64, UInt64, UInt64) in
            x.write(to: raw)
            raw[32] = 1
            let (h0, h1) = MurmurHash3.x64_128(UnsafeRawBufferPointer(rebasing: raw[0..<32]))
            let (h2, h3) = MurmurHash3.x64_128(UnsafeRawBufferPointer(rebasing: raw[0..<33]))
            return (h0, h1, h2, h3)
        }
        let m = UInt64(bitCount - 1)
        return (a & m, (b &+ 1 &* d) & m, (a &+ 2 &* d) & m, (b &+ 3 &* c) & m,
                (a &+ 4 &* c) & m, (b &+ 5 &* d) & m, (a &+ 6 &* d) & m, (b &+ 7 &* c) & m)
    }

    /// The locations as an array (tests and debugging).
    public static func locationList(_ x: PublicKey) -> [Int] {
        let l = locations(x)
        return [l.0, l.1, l.2, l.3, l.4, l.5, l.6, l.7].map { Int($0) }
    }

    @inline(__always)
    private mutating func set(_ loc: UInt64) {
        words[Int(loc >> 6)] |= 1 << (loc & 63)
    }

    @inline(__always)
    private func test(_ loc: UInt64) -> Bool {
        words[Int(loc >> 6)] & (1 << (loc & 63)) != 0
    }

    /// Adds `x` (already transformed, `KeyTransform05.subnetKey`).
    public mutating func insert(_ x: PublicKey) {
        normalise()
        let l = Self.locations(x)
        set(l.0); set(l.1); set(l.2); set(l.3); set(l.4); set(l.5); set(l.6); set(l.7)
    }

    /// Whether `x` (already transformed) may have been inserted.
    public func contains(_ x: PublicKey) -> Bool {
        guard words.count == Self.wordCount else { return false }
        let l = Self.locations(x)
        return test(l.0) && test(l.1) && test(l.2) && test(l.3)
            && test(l.4) && test(l.5) && test(l.6) && test(l.7)
    }

    /// Bitwise OR (bloom `Merge`).
    public mutating func formUnion(_ o: BloomFilter05) {
        normalise()
        for j in 0..<min(Self.wordCount, o.words.count) { words[j] |= o.words[j] }
    }

    public func union(_ o: BloomFilter05) -> BloomFilter05 {
        var r = self
        r.formUnion(o)
        return r
    }

    private mutating func normalise() {
        if words.count != Self.wordCount {
            words = Array(words.prefix(Self.wordCount)) + [UInt64](repeating: 0, count: max(0, Self.wordCount - words.count))
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let flags0 = try reader.readBytes(Self.flagBytes)
        let flags1 = try reader.readBytes(Self.flagBytes)
        var words = [UInt64](repeating: 0, count: Self.wordCount)
        for j in 0..<Self.wordCount {
            let mask = UInt8(0x80) >> UInt8(j & 7)
            let zero = flags0[j >> 3] & mask != 0
            let ones = flags1[j >> 3] & mask != 0
            switch (zero, ones) {
            case (true, true): throw .bloomFlagsConflict(word: j)
            case (true, false): words[j] = 0
            case (false, true): words[j] = .max
            case (false, false): words[j] = try reader.readUInt64()
            }
        }
        self.words = words
    }

    /// The canonical encoding: flags for every 0 and all-ones word.
    public func encode(into out: inout [UInt8]) {
        var flags0 = [UInt8](repeating: 0, count: Self.flagBytes)
        var flags1 = [UInt8](repeating: 0, count: Self.flagBytes)
        for j in 0..<Self.wordCount {
            let w = j < words.count ? words[j] : 0
            let mask = UInt8(0x80) >> UInt8(j & 7)
            if w == 0 { flags0[j >> 3] |= mask } else if w == .max { flags1[j >> 3] |= mask }
        }
        out.append(contentsOf: flags0)
        out.append(contentsOf: flags1)
        for j in 0..<Self.wordCount {
            let w = j < words.count ? words[j] : 0
            if w != 0 && w != .max { WireWriter.appendUInt64(w, to: &out) }
        }
    }
}
