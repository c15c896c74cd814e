import RhizomeCrypto

/// Type 4 (`routerAnnounce`, routing.md §3.4): one node's signed place in the tree. Built by the
/// node from its chosen parent's `SigResponse05` (psig) plus its own countersignature (sig), both
/// over the same bytes. A root announces itself: parent = key, port 0, psig = sig.
public struct Announcement05: WireMessage05, Hashable, Sendable {
    public static let wireType = WireType05.announce

    public var key: PublicKey
    public var parent: PublicKey
    public var seq: UInt64
    public var nonce: UInt64
    public var port: PeerPort
    public var psig: Signature
    public var sig: Signature

    public init(
        key: PublicKey, parent: PublicKey, seq: UInt64, nonce: UInt64, port: PeerPort,
        psig: Signature, sig: Signature
    ) {
        self.key = key
        self.parent = parent
        self.seq = seq
        self.nonce = nonce
        self.port = port
        self.psig = psig
        self.sig = sig
    }

    /// Our announcement under `parent`, countersigning its response.
    public init(signer: SigningKeyPair, parent: PublicKey, response: SigResponse05) {
        let bytes = SigResponse05.signedBytes(
            node: signer.publicKey, parent: parent, seq: response.seq, nonce: response.nonce, port: response.port)
        self.init(
            key: signer.publicKey, parent: parent, seq: response.seq, nonce: response.nonce,
            port: response.port, psig: response.psig, sig: signer.sign(bytes))
    }

    /// A root's self-announcement: parent = key, port 0, psig = sig.
    public init(rootSigner signer: SigningKeyPair, seq: UInt64, nonce: UInt64) {
        let key = signer.publicKey
        let s = signer.sign(SigResponse05.signedBytes(node: key, parent: key, seq: seq, nonce: nonce, port: 0))
        self.init(key: key, parent: key, seq: seq, nonce: nonce, port: 0, psig: s, sig: s)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        key = try reader.readKey()
        parent = try reader.readKey()
        seq = try reader.readUvarint()
        nonce = try reader.readUvarint()
        port = try reader.readUvarint()
        psig = try reader.readSignature()
        sig = try reader.readSignature()
    }

    public func encode(into out: inout [UInt8]) {
        key.append(to: &out)
        parent.append(to: &out)
        Uvarint.encode(seq, into: &out)
        Uvarint.encode(nonce, into: &out)
        Uvarint.encode(port, into: &out)
        psig.append(to: &out)
        sig.append(to: &out)
    }

    /// `key ‖ parent ‖ uv(seq) ‖ uv(nonce) ‖ uv(port)`, signed by both `sig` and `psig`.
    public var signedBytes: [UInt8] {
        SigResponse05.signedBytes(node: key, parent: parent, seq: seq, nonce: nonce, port: port)
    }

    /// The receipt check (failure closes the link): port 0 only for a root (key == parent), `sig`
    /// verifies with `key` and `psig` with `parent`. Nothing else is checked.
    public func check() -> Bool {
        if port == 0 && key != parent { return false }
        let bytes = signedBytes
        return Ed25519.verify(sig, message: bytes, publicKey: key)
            && Ed25519.verify(psig, message: bytes, publicKey: parent)
    }

    /// True for a root's self-announcement.
    public var isRoot: Bool { key == parent }
}
