import RhizomeCrypto

/// Type 6 (`pathLookup`, routing.md §3.6): multicast along tree edges toward peers whose bloom
/// filter matches `dest`. Relayed unchanged.
public struct PathLookup05: WireMessage05, Hashable, Sendable {
    public static let wireType = WireType05.pathLookup

    /// The node looking (full key).
    public var source: PublicKey
    /// The key looked for; may be a partial key (address-derived, trailing bits 1).
    public var dest: PublicKey
    /// The source's coordinates when it sent the lookup: where the notify goes.
    public var from: [PeerPort]

    public init(source: PublicKey, dest: PublicKey, from: [PeerPort]) {
        self.source = source
        self.dest = dest
        self.from = from
    }

    public init(from reader: inout WireReader) throws(WireError) {
        source = try reader.readKey()
        dest = try reader.readKey()
        from = try Coords05.read(&reader)
    }

    public func encode(into out: inout [UInt8]) {
        source.append(to: &out)
        dest.append(to: &out)
        Coords05.append(from, to: &out)
    }
}
