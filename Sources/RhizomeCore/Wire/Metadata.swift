import RhizomeCrypto

/// The 38-byte header both sides write before the stream is handed to the router (spec §1.1):
/// ASCII `meta`, major 0, minor 4, then the sender's key. Not framed.
public struct Metadata: Hashable, Sendable {
    public static let length = Constants.metadataLength

    public var key: PublicKey
    public var majorVersion: UInt8
    public var minorVersion: UInt8

    /// Our own header: always the version we speak.
    public init(key: PublicKey) {
        self.key = key
        majorVersion = Constants.protocolMajorVersion
        minorVersion = Constants.protocolMinorVersion
    }

    public func encode(into out: inout [UInt8]) {
        out.append(contentsOf: Constants.metadataMagic)
        out.append(majorVersion)
        out.append(minorVersion)
        key.append(to: &out)
    }

    public var encoded: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.length)
        encode(into: &out)
        return out
    }

    /// Decodes exactly 38 bytes. Yggdrasil requires an exact version match, so anything but 0.4
    /// is rejected here (with the versions seen, for the log).
    public init(decoding bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count == Self.length else {
            throw .wrongLength(expected: Self.length, actual: bytes.count)
        }
        var reader = WireReader(bytes)
        let magic = try reader.readBytes(Constants.metadataMagic.count)
        guard magic.elementsEqual(Constants.metadataMagic) else { throw .badMagic }
        let major = try reader.readUInt8()
        let minor = try reader.readUInt8()
        guard major == Constants.protocolMajorVersion, minor == Constants.protocolMinorVersion else {
            throw .badVersion(major: major, minor: minor)
        }
        key = try reader.readKey()
        majorVersion = major
        minorVersion = minor
    }

    public init(decoding bytes: [UInt8]) throws(WireError) {
        let result = bytes.withUnsafeBytes { buf in
            Result { () throws(WireError) -> Metadata in try Metadata(decoding: buf) }
        }
        self = try result.get()
    }
}
