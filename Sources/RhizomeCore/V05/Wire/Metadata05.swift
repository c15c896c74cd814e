import RhizomeCrypto

/// The 0.5 link preamble (routing.md §1.2, node-sessions-admin.md §2.5): ASCII `meta`, a u16
/// count of the bytes that follow, four TLVs (major 0, minor 5, key, priority) and an Ed25519
/// signature over BLAKE2b-512(key = link password, message = sender's key). Not framed.
///
/// We send exactly the canonical 123-byte block and decode strictly, as 0.5.14 does (routing.md
/// §7): exact TLV lengths, no bytes after the last TLV. Errors name the reason, so a log says why
/// two nodes did not peer (wrong password, or a 0.4 node at the other end).
public struct Metadata05: Hashable, Sendable {
    /// The canonical block: 6 header bytes, 53 TLV bytes, 64 signature bytes.
    public static let length = 123
    /// `meta` and the u16 length that says how many bytes follow.
    public static let headerLength = 6
    public static let majorVersion: UInt16 = 0
    public static let minorVersion: UInt16 = 5
    static let magic: [UInt8] = Array("meta".utf8)
    static let signatureLength = 64

    /// TLV type numbers (yggdrasil-go `version.go`); other types are skipped.
    enum Field: UInt16 {
        case majorVersion = 0, minorVersion = 1, publicKey = 2, priority = 3
        /// The one value length each known field must have.
        var valueLength: Int {
            switch self {
            case .majorVersion, .minorVersion: return 2
            case .publicKey: return 32
            case .priority: return 1
            }
        }
    }

    public var key: PublicKey
    /// The sender's configured priority for this link (TLV 3; 0 when absent).
    public var priority: UInt8

    public enum DecodeError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The first four bytes are not `meta`.
        case notYggdrasil
        /// The length field is below 64: the preamble of an older node. A 0.4 node's
        /// `meta 00 04 <key>` reads as length 4; its bytes 4 and 5 are that node's version.
        case olderPreamble(length: Int, major: UInt8, minor: UInt8)
        /// A TLV's length runs past the TLV area, a known TLV has the wrong length, or 1–3 bytes
        /// remain after the last TLV.
        case invalidLength(String)
        /// No key TLV: nothing to check the signature with.
        case missingKey
        /// The signature does not verify over BLAKE2b(our password, their key).
        case passwordMismatch
        /// A valid block with another version (checked after the signature, as 0.5 does).
        case incompatibleVersion(major: UInt16, minor: UInt16)

        public var description: String {
            switch self {
            case .notYggdrasil: return "invalid handshake, remote side is not Yggdrasil"
            case .olderPreamble(let length, let major, let minor):
                return "remote node incompatible version (local 0.5, remote \(major).\(minor)): handshake length \(length) < 64"
            case .invalidLength(let why): return "invalid handshake length: \(why)"
            case .missingKey: return "invalid hash length: the handshake carries no public key"
            case .passwordMismatch: return "password does not match remote side"
            case .incompatibleVersion(let major, let minor):
                return "remote node incompatible version (local 0.5, remote \(major).\(minor))"
            }
        }
    }

    public init(key: PublicKey, priority: UInt8) {
        self.key = key
        self.priority = priority
    }

    // MARK: encoding

    /// The canonical block for our key, our priority for this link and the link password. The
    /// same inputs always give the same bytes (Ed25519 is deterministic).
    /// - Precondition: `password.count <= 64` (configuration checks enforce it).
    public static func encode(signer: SigningKeyPair, priority: UInt8, password: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(length)
        out += magic
        appendUInt16(UInt16(length - headerLength), to: &out)
        appendTLV(.majorVersion, to: &out) { appendUInt16(majorVersion, to: &$0) }
        appendTLV(.minorVersion, to: &out) { appendUInt16(minorVersion, to: &$0) }
        appendTLV(.publicKey, to: &out) { signer.publicKey.append(to: &$0) }
        appendTLV(.priority, to: &out) { $0.append(priority) }
        signer.sign(Blake2b.hash512(signer.publicKey, password: password)).append(to: &out)
        assert(out.count == length)
        return out
    }

    private static func appendUInt16(_ v: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(v >> 8))
        out.append(UInt8(v & 0xff))
    }

    private static func appendTLV(_ field: Field, to out: inout [UInt8], value: (inout [UInt8]) -> Void) {
        appendUInt16(field.rawValue, to: &out)
        appendUInt16(UInt16(field.valueLength), to: &out)
        value(&out)
    }

    // MARK: decoding

    /// Reads the 6-byte header and returns how many bytes follow it (at least 64). A receiver
    /// reads exactly that many more and passes them to `init(body:password:)`.
    public static func bodyLength(header: UnsafeRawBufferPointer) throws(DecodeError) -> Int {
        guard header.count >= headerLength, header.prefix(4).elementsEqual(magic) else { throw .notYggdrasil }
        let declared = Int(header[4]) << 8 | Int(header[5])
        guard declared >= signatureLength else {
            throw .olderPreamble(length: declared, major: header[4], minor: header[5])
        }
        return declared
    }

    /// Decodes the bytes after the header (TLVs, then the signature), checking the signature
    /// against BLAKE2b(`password`, key) — our own password for this link — before the version.
    public init(body: UnsafeRawBufferPointer, password: [UInt8]) throws(DecodeError) {
        guard body.count >= Self.signatureLength else { throw .olderPreamble(length: body.count, major: 0, minor: 0) }
        let tlvEnd = body.count - Self.signatureLength
        var major: UInt16?
        var minor: UInt16?
        var key: PublicKey?
        var priority: UInt8 = 0
        var at = 0
        while tlvEnd - at >= 4 {
            let type = UInt16(body[at]) << 8 | UInt16(body[at + 1])
            let valueLength = Int(body[at + 2]) << 8 | Int(body[at + 3])
            at += 4
            guard valueLength <= tlvEnd - at else {
                throw .invalidLength("TLV \(type) declares \(valueLength) bytes, \(tlvEnd - at) left")
            }
            let value = UnsafeRawBufferPointer(rebasing: body[at..<at + valueLength])
            at += valueLength
            guard let field = Field(rawValue: type) else { continue }
            guard valueLength == field.valueLength else {
                throw .invalidLength("TLV \(type) has \(valueLength) bytes, expected \(field.valueLength)")
            }
            // A repeated field: the later one wins, as in yggdrasil-go.
            switch field {
            case .majorVersion: major = UInt16(value[0]) << 8 | UInt16(value[1])
            case .minorVersion: minor = UInt16(value[0]) << 8 | UInt16(value[1])
            case .publicKey: key = PublicKey(bytes: value)
            case .priority: priority = value[0]
            }
        }
        guard at == tlvEnd else { throw .invalidLength("\(tlvEnd - at) bytes after the last TLV") }
        guard let key else { throw .missingKey }
        let signature = Signature(bytes: UnsafeRawBufferPointer(rebasing: body[tlvEnd...]))!
        guard Ed25519.verify(signature, message: Blake2b.hash512(key, password: password), publicKey: key) else {
            throw .passwordMismatch
        }
        guard major == Self.majorVersion, minor == Self.minorVersion else {
            throw .incompatibleVersion(major: major ?? 0, minor: minor ?? 0)
        }
        self.key = key
        self.priority = priority
    }

    /// Decodes a whole block (header included); it must be exactly as long as it declares.
    public init(decoding block: [UInt8], password: [UInt8]) throws(DecodeError) {
        let result = block.withUnsafeBytes { raw in
            Result { () throws(DecodeError) -> Metadata05 in
                let bodyLength = try Metadata05.bodyLength(header: raw)
                guard raw.count == Metadata05.headerLength + bodyLength else {
                    throw .invalidLength("block of \(raw.count) bytes declares \(Metadata05.headerLength + bodyLength)")
                }
                return try Metadata05(body: UnsafeRawBufferPointer(rebasing: raw[Metadata05.headerLength...]), password: password)
            }
        }
        self = try result.get()
    }
}
