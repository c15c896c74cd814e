import RhizomeCrypto

/// Type 2 (`routerSigReq`, routing.md §3.2): asks a peer to sign `(seq, nonce)` as our prospective
/// parent. `seq` is our announcement seq + 1, `nonce` a random u64.
public struct SigRequest05: WireMessage05, Hashable, Sendable {
    public static let wireType = WireType05.sigRequest

    public var seq: UInt64
    public var nonce: UInt64

    public init(seq: UInt64, nonce: UInt64) {
        self.seq = seq
        self.nonce = nonce
    }

    public init(from reader: inout WireReader) throws(WireError) {
        seq = try reader.readUvarint()
        nonce = try reader.readUvarint()
    }

    public func encode(into out: inout [UInt8]) {
        Uvarint.encode(seq, into: &out)
        Uvarint.encode(nonce, into: &out)
    }
}
