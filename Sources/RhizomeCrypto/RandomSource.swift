import CSodium

/// Where randomness comes from. The protocol core takes one of these as a parameter so that a
/// simulation can replay a run from a seed; the node uses `SystemRandom`.
public protocol RandomSource {
    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer)
}

extension RandomSource {
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }

    public mutating func next() -> UInt64 {
        var v: UInt64 = 0
        withUnsafeMutableBytes(of: &v) { fill($0) }
        return v
    }
}

/// The operating system's CSPRNG through libsodium's `randombytes_buf`.
public struct SystemRandom: RandomSource, Sendable {
    public init() {}
    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        ensureSodium()
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        randombytes_buf(base, buffer.count)
    }
}

/// A deterministic generator (SplitMix64) for simulations and tests. Not for keys that matter.
public struct SeededRandom: RandomSource, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func nextWord() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        var i = 0
        while i < buffer.count {
            var w = nextWord()
            let n = min(8, buffer.count - i)
            withUnsafeBytes(of: &w) { src in
                for j in 0..<n { buffer[i + j] = src[j] }
            }
            i += n
        }
    }
}
