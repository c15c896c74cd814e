/// A 32-byte ed25519 public key: a node's identity on the network.
///
/// Stored as four big-endian words so that comparison, hashing and copying never touch the heap,
/// and `<` is the byte-wise (lexicographic) order that the DHT uses for keyspace.
public struct PublicKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 32

    public var w0: UInt64
    public var w1: UInt64
    public var w2: UInt64
    public var w3: UInt64

    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Reads exactly 32 bytes; nil if the buffer is shorter.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 32 else { return nil }
        w0 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        let array = Array(bytes)
        self = array.withUnsafeBytes { PublicKey(bytes: $0)! }
    }

    /// Parses 64 hex characters (either case).
    public init?(hex: String) {
        guard let raw = Hex.decode(hex), raw.count == 32 else { return nil }
        self.init(bytes: raw)
    }

    public static let zero = PublicKey(w0: 0, w1: 0, w2: 0, w3: 0)

    /// Writes the 32 bytes at `offset` of `buffer`, which must have room.
    @inline(__always)
    public func write(to buffer: UnsafeMutableRawBufferPointer, at offset: Int = 0) {
        buffer.storeBytes(of: w0.bigEndian, toByteOffset: offset, as: UInt64.self)
        buffer.storeBytes(of: w1.bigEndian, toByteOffset: offset + 8, as: UInt64.self)
        buffer.storeBytes(of: w2.bigEndian, toByteOffset: offset + 16, as: UInt64.self)
        buffer.storeBytes(of: w3.bigEndian, toByteOffset: offset + 24, as: UInt64.self)
    }

    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { write(to: $0) }
        return out
    }

    public func append(to out: inout [UInt8]) {
        withUnsafeBytes(of: w0.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: w1.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: w2.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: w3.bigEndian) { out.append(contentsOf: $0) }
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public static func < (a: PublicKey, b: PublicKey) -> Bool {
        if a.w0 != b.w0 { return a.w0 < b.w0 }
        if a.w1 != b.w1 { return a.w1 < b.w1 }
        if a.w2 != b.w2 { return a.w2 < b.w2 }
        return a.w3 < b.w3
    }

    /// Bit `i` (0 = most significant bit of byte 0).
    @inline(__always)
    public func bit(_ i: Int) -> Bool {
        let word: UInt64
        switch i >> 6 {
        case 0: word = w0
        case 1: word = w1
        case 2: word = w2
        default: word = w3
        }
        return (word >> UInt64(63 - (i & 63))) & 1 == 1
    }
}
