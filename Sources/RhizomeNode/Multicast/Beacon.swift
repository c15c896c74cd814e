import RhizomeCrypto
import RhizomeIPv6

/// A multicast discovery beacon (yggdrasil 0.4.7, 50 bytes): the sender's key, the link-local
/// address of its TLS listener, and that listener's port (big-endian).
public struct Beacon: Equatable, Sendable {
    static let group = "ff02::114"
    static let port: UInt16 = 9001
    static let length = 50

    public var key: PublicKey
    public var address: IPv6Bytes
    public var port: UInt16

    public var encoded: [UInt8] {
        var out = key.bytes
        out += address.bytes
        out += [UInt8(port >> 8), UInt8(port & 0xff)]
        return out
    }

    /// Decodes as 0.4.7 reads beacons: key first, port last, the address in between.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == Self.length, let key = PublicKey(bytes: bytes[0..<32]),
              let address = IPv6Bytes(bytes: bytes[32..<48]) else { return nil }
        self.key = key
        self.address = address
        self.port = UInt16(bytes[48]) << 8 | UInt16(bytes[49])
    }

    public init(key: PublicKey, address: IPv6Bytes, port: UInt16) {
        self.key = key
        self.address = address
        self.port = port
    }
}
