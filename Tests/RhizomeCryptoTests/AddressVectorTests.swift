import Foundation
import Testing
import RhizomeCrypto
@testable import RhizomeIPv6

/// Every entry of shared/spec/vectors/addresses.json (copied to Vectors/): outputs of Debian's
/// yggdrasil 0.4.7 for address, subnet, lookup keys and ed25519→X25519 conversion.
struct AddressVector: Decodable, Sendable {
    let private_key: String
    let public_key: String
    let address: String
    let subnet: String
    let address_hex: String
    let subnet_hex: String
    let leading_zero_bits_of_key: Int
    let lookup_key_for_address: String
    let lookup_key_for_subnet: String
    let x25519_public_libsodium: String
    let x25519_private_libsodium_clamped: String
}

enum Vectors {
    static let all: [AddressVector] = {
        struct File: Decodable { let vectors: [AddressVector] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/addresses.json")
        let data = try! Data(contentsOf: url)
        return try! JSONDecoder().decode(File.self, from: data).vectors
    }()
}

@Suite struct AddressVectorTests {
    @Test func vectorFileHasEntries() {
        #expect(Vectors.all.count >= 32)
    }

    @Test(arguments: Vectors.all.indices)
    func addressAndSubnetMatchYggdrasil(index: Int) throws {
        let v = Vectors.all[index]
        let keys = try SigningKeyPair(privateKey: Hex.decode(v.private_key)!)
        #expect(keys.publicKey.hex == v.public_key)
        let address = Address(key: keys.publicKey)
        #expect(Hex.encode(address.bytes.bytes) == v.address_hex)
        #expect(address.description == v.address)
        #expect(Int(address.bytes[1]) == v.leading_zero_bits_of_key)
        let subnet = Subnet(key: keys.publicKey)
        #expect(subnet.description == v.subnet)
        #expect(Hex.encode(IPv6Bytes(high: subnet.prefix, low: 0).bytes.prefix(8)) == v.subnet_hex)
        #expect(address.isValid && subnet.isValid)
    }

    @Test(arguments: Vectors.all.indices)
    func lookupKeysMatch(index: Int) throws {
        let v = Vectors.all[index]
        let key = PublicKey(hex: v.public_key)!
        let address = Address(key: key)
        let subnet = Subnet(key: key)
        #expect(address.partialKey.key.hex == v.lookup_key_for_address)
        #expect(subnet.partialKey.key.hex == v.lookup_key_for_subnet)
        // The owner's key agrees with every known bit; the round trip gives the same address.
        #expect(address.partialKey.matches(key))
        #expect(subnet.partialKey.matches(key))
        #expect(Address(key: address.partialKey.key) == address)
        #expect(Subnet(key: subnet.partialKey.key) == subnet)
        #expect(address.partialKey.significantBits == Int(address.bytes[1]) + 1 + 112)
        #expect(subnet.partialKey.significantBits == Int(address.bytes[1]) + 1 + 48)
    }

    @Test(arguments: Vectors.all.indices)
    func curve25519ConversionMatchesLibsodiumVectors(index: Int) throws {
        let v = Vectors.all[index]
        let keys = try SigningKeyPair(privateKey: Hex.decode(v.private_key)!)
        #expect(Hex.encode(BoxPublicKey(ed25519: keys.publicKey)!.bytes) == v.x25519_public_libsodium)
        #expect(Hex.encode(keys.curve25519PrivateKey.bytes) == v.x25519_private_libsodium_clamped)
        #expect(keys.curve25519PrivateKey.publicKey == BoxPublicKey(ed25519: keys.publicKey))
    }

    @Test func partialKeyRejectsAKeyThatDiffersInAKnownBit() {
        let key = PublicKey(hex: Vectors.all[0].public_key)!
        let pk = Address(key: key).partialKey
        var other = key
        other.w1 ^= 1 << 40   // bit 87: well inside the 113+ known bits
        #expect(!pk.matches(other))
        var unknownBitFlipped = key
        unknownBitFlipped.w3 ^= 1  // the last bit is never known
        #expect(pk.matches(unknownBitFlipped))
    }

    @Test func textFormFollowsRFC5952() {
        #expect(IPv6Bytes(text: "210:91ed:f089:671b:8aac:3b77:7791:0")!.description == "210:91ed:f089:671b:8aac:3b77:7791:0")
        #expect(IPv6Bytes(text: "300:976e:9c96:72fe::1")!.description == "300:976e:9c96:72fe::1")
        #expect(IPv6Bytes(text: "::")!.description == "::")
        #expect(IPv6Bytes(text: "::1")!.description == "::1")
        #expect(IPv6Bytes(text: "fe80::")!.description == "fe80::")
        #expect(IPv6Bytes(text: "1:0:0:2:0:0:0:3")!.description == "1:0:0:2::3")
        #expect(IPv6Bytes(text: "1:0:0:2:0:0:3:4")!.description == "1::2:0:0:3:4")
        #expect(IPv6Bytes(text: "1:2:3:4:5:6:7") == nil)
        #expect(IPv6Bytes(text: "1::2::3") == nil)
        #expect(IPv6Bytes(text: "12345::") == nil)
        #expect(IPv6Bytes(text: "g::") == nil)
    }
}
