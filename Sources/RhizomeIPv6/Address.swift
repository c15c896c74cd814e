import RhizomeCrypto

/// A node's IPv6 address in 200::/8, derived from its key (yggdrasil `AddrForKey`), and the /64
/// subnet in 300::/8 that the same key routes (`SubnetForKey`).
///
/// Derivation: invert the key; count its leading one bits (`ones`, the key's leading zero bits);
/// drop those and the zero bit after them; the address is 0x02, `ones`, then the next 14 bytes of
/// what remains. The more leading zero bits a key has, the "stronger" (rarer) its address.
public struct Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var bytes: IPv6Bytes

    public static let prefix: UInt8 = 0x02

    public init(bytes: IPv6Bytes) { self.bytes = bytes }

    public init(key: PublicKey) {
        var out = IPv6Bytes()
        out[0] = Address.prefix
        let (ones, rest) = Address.stripLeadingOnes(of: key)
        out[1] = UInt8(truncatingIfNeeded: ones)
        for i in 0..<14 { out[2 + i] = rest[i] }
        bytes = out
    }

    /// Address validity as yggdrasil tests it: only the first byte is checked.
    public var isValid: Bool { bytes[0] == Address.prefix }

    /// The lookup key for this address: the key's first `ones + 1 + 112` bits, then one bits.
    public var partialKey: PartialKey { PartialKey(address: bytes, knownBits: 112) }

    public var description: String { bytes.description }
    public static func < (a: Address, b: Address) -> Bool { a.bytes < b.bytes }

    /// Inverted key bits after the leading ones and the zero that ends them, packed MSB-first.
    static func stripLeadingOnes(of key: PublicKey) -> (Int, [UInt8]) {
        var inverted = key.bytes
        for i in inverted.indices { inverted[i] = ~inverted[i] }
        var ones = 0
        while ones < 256 && bit(inverted, ones) { ones += 1 }
        var rest = [UInt8](repeating: 0, count: 32)
        var outBit = 0
        var i = ones + 1
        while i < 256 {
            if bit(inverted, i) { rest[outBit >> 3] |= 0x80 >> UInt8(outBit & 7) }
            outBit += 1
            i += 1
        }
        return (ones, rest)
    }

    @inline(__always)
    static func bit(_ bytes: [UInt8], _ i: Int) -> Bool {
        bytes[i >> 3] & (0x80 >> UInt8(i & 7)) != 0
    }
}

/// A node's routed /64 in 300::/8: the first 8 bytes of its address with the first byte 0x03.
public struct Subnet: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var prefix: UInt64

    public static let prefixByte: UInt8 = 0x03

    public init(prefix: UInt64) { self.prefix = prefix }

    public init(key: PublicKey) {
        let address = Address(key: key)
        var p = address.bytes.high
        p = (p & 0x00ff_ffff_ffff_ffff) | (UInt64(Subnet.prefixByte) << 56)
        prefix = p
    }

    /// The /64 containing `address` (any first byte; check `isValid`).
    public init(containing address: IPv6Bytes) { prefix = address.high }

    public var isValid: Bool { UInt8(prefix >> 56) == Subnet.prefixByte }

    /// The lookup key for this subnet: the key's first `ones + 1 + 48` bits, then one bits.
    public var partialKey: PartialKey { PartialKey(address: IPv6Bytes(high: prefix, low: 0), knownBits: 48) }

    /// Printed as yggdrasil prints it: `301:7559:82d9:4a84::/64`.
    public var description: String { IPv6Bytes(high: prefix, low: 0).description + "/64" }
    public static func < (a: Subnet, b: Subnet) -> Bool { a.prefix < b.prefix }
}

/// What a key lookup knows of the key it is looking for: a prefix of the key's bits
/// (`significantBits` of them) followed by one bits. Sent as the destination of a lookup, it is
/// the largest key that could own the address, so keyspace routing ends at a node whose key
/// shares the prefix, if one is online.
public struct PartialKey: Hashable, Sendable {
    /// The key's known bits, then all one bits (the value yggdrasil puts on the wire).
    public var key: PublicKey
    /// How many leading bits of `key` are known; the rest are one bits by construction.
    public var significantBits: Int

    /// Reverse of the address derivation (yggdrasil `GetKey`): byte 1 gives the leading zero count.
    init(address: IPv6Bytes, knownBits: Int) {
        let ones = Int(address[1])
        var b = [UInt8](repeating: 0, count: 32)
        func set(_ i: Int) { b[i >> 3] |= 0x80 >> UInt8(i & 7) }
        for i in 0..<min(ones, 256) { set(i) }
        for i in 0..<knownBits {
            let pos = ones + 1 + i
            if pos >= 256 { break }
            let srcByte = address[2 + (i >> 3)]
            if srcByte & (0x80 >> UInt8(i & 7)) != 0 { set(pos) }
        }
        for i in b.indices { b[i] = ~b[i] }
        key = PublicKey(bytes: b)!
        significantBits = min(256, ones + 1 + knownBits)
    }

    /// The mask of significant bits, MSB-first (ones where the key is known).
    public var mask: PublicKey {
        var words: [UInt64] = [0, 0, 0, 0]
        for w in 0..<4 {
            let bitsInWord = max(0, min(64, significantBits - w * 64))
            words[w] = bitsInWord == 0 ? 0 : (bitsInWord == 64 ? ~0 : ~(~UInt64(0) >> UInt64(bitsInWord)))
        }
        return PublicKey(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// True when `candidate` agrees with every known bit.
    public func matches(_ candidate: PublicKey) -> Bool {
        let m = mask
        return candidate.w0 & m.w0 == key.w0 & m.w0 && candidate.w1 & m.w1 == key.w1 & m.w1
            && candidate.w2 & m.w2 == key.w2 & m.w2 && candidate.w3 & m.w3 == key.w3 & m.w3
    }
}
