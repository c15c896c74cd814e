import RhizomeCrypto

/// Type 3 (`routerSigRes`, routing.md §3.3): a peer's answer to our `SigRequest05`, adding the
/// port it uses for us and its signature (`psig`) as our prospective parent.
public struct SigResponse05: WireMessage05, Hashable, Sendable {
    public static let wireType = WireType05.sigResponse

    public var seq: UInt64
    public var nonce: UInt64
    public var port: PeerPort
    public var psig: Signature

    public init(seq: UInt64, nonce: UInt64, port: PeerPort, psig: Signature) {
        self.seq = seq
        self.nonce = nonce
        self.port = port
        self.psig = psig
    }

    /// Answers `request` from `node` as its parent `signer`, with our port for `node`.
    public init(answering request: SigRequest05, node: PublicKey, port: PeerPort, signer: SigningKeyPair) {
        let bytes = Self.signedBytes(
            node: node, parent: signer.publicKey, seq: request.seq, nonce: request.nonce, port: port)
        self.init(seq: request.seq, nonce: request.nonce, port: port, psig: signer.sign(bytes))
    }

    public init(from reader: inout WireReader) throws(WireError) {
        seq = try reader.readUvarint()
        nonce = try reader.readUvarint()
        port = try reader.readUvarint()
        psig = try reader.readSignature()
    }

    public func encode(into out: inout [UInt8]) {
        Uvarint.encode(seq, into: &out)
        Uvarint.encode(nonce, into: &out)
        Uvarint.encode(port, into: &out)
        psig.append(to: &out)
    }

    /// `node ‖ parent ‖ uv(seq) ‖ uv(nonce) ‖ uv(port)`: what `psig` (and both signatures of an
    /// announcement) sign. `node` is the requester (child), `parent` the responder.
    public static func signedBytes(
        node: PublicKey, parent: PublicKey, seq: UInt64, nonce: UInt64, port: PeerPort
    ) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(2 * PublicKey.byteCount + 3 * Uvarint.maxLength)
        node.append(to: &out)
        parent.append(to: &out)
        Uvarint.encode(seq, into: &out)
        Uvarint.encode(nonce, into: &out)
        Uvarint.encode(port, into: &out)
        return out
    }

    /// The requester's check (failure closes the link): `psig` by `parent` over the signed bytes
    /// with `node` = our own key.
    public func verify(node: PublicKey, parent: PublicKey) -> Bool {
        Ed25519.verify(
            psig, message: Self.signedBytes(node: node, parent: parent, seq: seq, nonce: nonce, port: port),
            publicKey: parent)
    }
}
