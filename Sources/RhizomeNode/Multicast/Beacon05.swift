import RhizomeCrypto

/// A yggdrasil 0.5 multicast beacon (node-sessions-admin.md §3.5, 104 bytes): version 0.5, the
/// sender's key, its multicast TLS listener's port, and BLAKE2b-512(key = the interface password,
/// message = the key) behind a u16 length. The listener's address is not in it: receivers dial
/// the UDP source address.
public struct Beacon05: Equatable, Sendable {
    static let length = 104
    /// Everything before the hash.
    static let fixedLength = 40
    static let major: UInt16 = 0
    static let minor: UInt16 = 5

    public var key: PublicKey
    public var port: UInt16
    public var hash: [UInt8]

    public init(key: PublicKey, port: UInt16, password: [UInt8]) {
        self.key = key
        self.port = port
        hash = Blake2b.hash512(key, password: password)
    }

    public var encoded: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.fixedLength + hash.count)
        func u16(_ v: UInt16) { out.append(UInt8(v >> 8)); out.append(UInt8(v & 0xff)) }
        u16(Self.major)
        u16(Self.minor)
        key.append(to: &out)
        u16(port)
        u16(UInt16(hash.count))
        out += hash
        return out
    }

    /// Decodes a received datagram: version exactly 0.5 and a hash that fits in it (0.5.12 trusts
    /// the length and can crash; 0.5.14 checks it, as we do). Trailing bytes are ignored, as in Go.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= Self.fixedLength,
              UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == Self.major,
              UInt16(bytes[2]) << 8 | UInt16(bytes[3]) == Self.minor,
              let key = PublicKey(bytes: bytes[4..<36]) else { return nil }
        let hashLength = Int(bytes[38]) << 8 | Int(bytes[39])
        guard Self.fixedLength + hashLength <= bytes.count else { return nil }
        self.key = key
        port = UInt16(bytes[36]) << 8 | UInt16(bytes[37])
        hash = Array(bytes[Self.fixedLength..<Self.fixedLength + hashLength])
    }

    /// Whether the sender used our password for this interface (constant time).
    public func matches(password: [UInt8]) -> Bool {
        ConstantTime.equal(hash, Blake2b.hash512(key, password: password))
    }
}
