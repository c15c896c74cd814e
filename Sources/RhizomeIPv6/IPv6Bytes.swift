/// Sixteen bytes of an IPv6 address held as two big-endian words (no heap), with RFC 5952 text.
public struct IPv6Bytes: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init() { high = 0; low = 0 }
    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 16 else { return nil }
        self.init()
        for (i, b) in bytes.enumerated() { self[i] = b }
    }

    public init(bytes raw: UnsafeRawBufferPointer, offset: Int) {
        high = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        low = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
    }

    public subscript(i: Int) -> UInt8 {
        get {
            precondition(i >= 0 && i < 16)
            let word = i < 8 ? high : low
            return UInt8(truncatingIfNeeded: word >> UInt64(56 - (i & 7) * 8))
        }
        set {
            precondition(i >= 0 && i < 16)
            let shift = UInt64(56 - (i & 7) * 8)
            let mask = ~(UInt64(0xff) << shift)
            if i < 8 { high = (high & mask) | (UInt64(newValue) << shift) } else { low = (low & mask) | (UInt64(newValue) << shift) }
        }
    }

    public var bytes: [UInt8] { (0..<16).map { self[$0] } }

    public static func < (a: IPv6Bytes, b: IPv6Bytes) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// RFC 5952: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`
    /// (the first such run on a tie), a lone zero group written `0`.
    public var description: String {
        let groups: [UInt16] = (0..<8).map { UInt16(self[2 * $0]) << 8 | UInt16(self[2 * $0 + 1]) }
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        if bestLen < 2 { bestStart = -1 }
        var out = ""
        i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLen
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[i], radix: 16)
            i += 1
        }
        return out
    }

    /// Parses textual IPv6 (RFC 4291 forms without an embedded IPv4 tail or zone).
    public init?(text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 || (parts.count >= 2 && text.contains("::")) else { return nil }
        var head: [UInt16] = [], tail: [UInt16] = []
        var seenGap = false
        var idx = 0
        var p = parts
        // "::x" and "x::" leave an empty string at the edge that belongs to the gap.
        if p.first == "" { guard p.count > 1, p[1] == "" else { return nil }; p.removeFirst() }
        if p.last == "" { guard p.count > 1, p[p.count - 2] == "" else { return nil }; p.removeLast() }
        while idx < p.count {
            let part = p[idx]
            if part.isEmpty {
                if seenGap { return nil }
                seenGap = true
            } else {
                guard part.count <= 4, let v = UInt16(part, radix: 16) else { return nil }
                if seenGap { tail.append(v) } else { head.append(v) }
            }
            idx += 1
        }
        let total = head.count + tail.count
        if seenGap { guard total < 8 else { return nil } } else { guard total == 8 else { return nil } }
        let groups = head + [UInt16](repeating: 0, count: 8 - total) + tail
        self.init()
        for (g, v) in groups.enumerated() {
            self[2 * g] = UInt8(v >> 8)
            self[2 * g + 1] = UInt8(v & 0xff)
        }
    }
}
