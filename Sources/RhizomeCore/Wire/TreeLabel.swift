import RhizomeCrypto

/// A node's signed statement of where it sits in the tree (ironwood `treeLabel`, spec §2.4):
/// the destination of tree-routed messages, embedded in bootstraps, tokens and notifies.
///
/// Always the last thing in the range it is decoded from, because `path` has no terminator.
public struct TreeLabel: WireDecodable, WireEncodable, Hashable, Sendable {
    /// sig + key + root + seq, before the coords.
    public static let fixedLength = Signature.byteCount + 2 * PublicKey.byteCount + 8

    public var signature: Signature
    /// The labelled node. Not covered by `signature`.
    public var key: PublicKey
    public var root: PublicKey
    public var seq: UInt64
    /// The labelled node's coordinates. As in Go, a decoded path may end in a single 0 (the
    /// reader stops at it); honest nodes never produce one.
    public var path: [PeerPort]

    public init(signature: Signature, key: PublicKey, root: PublicKey, seq: UInt64, path: [PeerPort]) {
        self.signature = signature
        self.key = key
        self.root = root
        self.seq = seq
        self.path = path
    }

    /// Builds and signs our own label (ironwood `dhtree._getLabel`).
    public init(signedBy signer: SigningKeyPair, root: PublicKey, seq: UInt64, path: [PeerPort]) {
        key = signer.publicKey
        self.root = root
        self.seq = seq
        self.path = path
        signature = signer.sign(Self.bytesForSignature(root: root, seq: seq, path: path))
    }

    static func bytesForSignature(root: PublicKey, seq: UInt64, path: [PeerPort]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(PublicKey.byteCount + 8 + WireWriter.portsLength(path))
        root.append(to: &out)
        WireWriter.appendUInt64(seq, to: &out)
        WireWriter.appendPorts(path, to: &out)
        return out
    }

    /// `root ‖ seq ‖ uvarint ports` — note: the labelled key is not part of it.
    public var bytesForSignature: [UInt8] { Self.bytesForSignature(root: root, seq: seq, path: path) }

    /// The label's signature verifies under `key`.
    public func check() -> Bool {
        Ed25519.verify(signature, message: bytesForSignature, publicKey: key)
    }

    public var encodedLength: Int { Self.fixedLength + WireWriter.portsLength(path) }

    public init(from reader: inout WireReader) throws(WireError) {
        signature = try reader.readSignature()
        key = try reader.readKey()
        root = try reader.readKey()
        seq = try reader.readUInt64()
        path = try reader.readCoords()
        try reader.expectEnd()
    }

    public func encode(into out: inout [UInt8]) {
        signature.append(to: &out)
        key.append(to: &out)
        root.append(to: &out)
        WireWriter.appendUInt64(seq, to: &out)
        WireWriter.appendPorts(path, to: &out)
    }
}
