import RhizomeCrypto

/// Type 8 (`pathBroken`, routing.md §3.8): sent back toward a traffic source's coordinates when a
/// hop cannot make progress toward the destination. Unsigned.
public struct PathBroken05: WireMessage05, Hashable, Sendable {
    public static let wireType = WireType05.pathBroken

    /// Coordinates of the original traffic's source (its `from`).
    public var path: [PeerPort]
    /// The sending hop's tree distance to `path`.
    public var watermark: UInt64
    /// The original traffic's source (this message's receiver).
    public var source: PublicKey
    /// The original traffic's destination.
    public var dest: PublicKey

    public init(path: [PeerPort], watermark: UInt64, source: PublicKey, dest: PublicKey) {
        self.path = path
        self.watermark = watermark
        self.source = source
        self.dest = dest
    }

    public init(from reader: inout WireReader) throws(WireError) {
        path = try Coords05.read(&reader)
        watermark = try reader.readUvarint()
        source = try reader.readKey()
        dest = try reader.readKey()
    }

    public func encode(into out: inout [UInt8]) {
        Coords05.append(path, to: &out)
        Uvarint.encode(watermark, into: &out)
        source.append(to: &out)
        dest.append(to: &out)
    }
}
