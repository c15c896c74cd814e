import RhizomeCrypto

/// The signed part of a notify (routing.md §3.7): "at time `seq` my coordinates were `path`".
/// It binds no key; the notify's `source` is the signer.
public struct NotifyInfo05: Hashable, Sendable {
    /// The signer's Unix time in seconds.
    public var seq: UInt64
    /// The signer's own coordinates.
    public var path: [PeerPort]
    public var sig: Signature

    public init(seq: UInt64, path: [PeerPort], sig: Signature) {
        self.seq = seq
        self.path = path
        self.sig = sig
    }

    public init(signedBy signer: SigningKeyPair, seq: UInt64, path: [PeerPort]) {
        self.init(seq: seq, path: path, sig: signer.sign(Self.signedBytes(seq: seq, path: path)))
    }

    /// `uv(seq) ‖ coords(path)` (zero-terminated).
    public static func signedBytes(seq: UInt64, path: [PeerPort]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Uvarint.encodedLength(seq) + Coords05.encodedLength(path))
        Uvarint.encode(seq, into: &out)
        Coords05.append(path, to: &out)
        return out
    }

    public func verify(key: PublicKey) -> Bool {
        Ed25519.verify(sig, message: Self.signedBytes(seq: seq, path: path), publicKey: key)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        seq = try reader.readUvarint()
        path = try Coords05.read(&reader)
        sig = try reader.readSignature()
    }

    public func encode(into out: inout [UInt8]) {
        Uvarint.encode(seq, into: &out)
        Coords05.append(path, to: &out)
        sig.append(to: &out)
    }
}

/// Type 7 (`pathNotify`, routing.md §3.7): a lookup's answer, tree-routed toward `path` (the
/// lookup's `from`) with a watermark. Relays change only the watermark.
public struct PathNotify05: WireMessage05, Hashable, Sendable {
    public static let wireType = WireType05.pathNotify

    /// Coordinates of the notify's destination.
    public var path: [PeerPort]
    /// The sending hop's tree distance to `path` (§4.8).
    public var watermark: UInt64
    /// The answering node (full key), signer of `info`.
    public var source: PublicKey
    /// The lookup's source.
    public var dest: PublicKey
    public var info: NotifyInfo05

    public init(path: [PeerPort], watermark: UInt64, source: PublicKey, dest: PublicKey, info: NotifyInfo05) {
        self.path = path
        self.watermark = watermark
        self.source = source
        self.dest = dest
        self.info = info
    }

    public init(from reader: inout WireReader) throws(WireError) {
        path = try Coords05.read(&reader)
        watermark = try reader.readUvarint()
        source = try reader.readKey()
        dest = try reader.readKey()
        info = try NotifyInfo05(from: &reader)
    }

    public func encode(into out: inout [UInt8]) {
        Coords05.append(path, to: &out)
        Uvarint.encode(watermark, into: &out)
        source.append(to: &out)
        dest.append(to: &out)
        info.encode(into: &out)
    }
}
