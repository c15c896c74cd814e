import RhizomeCrypto

/// One signed link of a tree announcement's chain (spec §2.3): the signer (the root for hop 0,
/// else the previous hop's `next`) vouches that its port `port` leads to `next`.
public struct TreeHop: Hashable, Sendable {
    public var next: PublicKey
    public var port: PeerPort
    public var signature: Signature

    public init(next: PublicKey, port: PeerPort, signature: Signature) {
        self.next = next
        self.port = port
        self.signature = signature
    }
}

/// Type 1: a tree announcement (ironwood `treeInfo`): the root, its seq, and the chain of hops
/// from the root down to the receiver.
public struct TreeAnnouncement: WireMessageBody {
    public static let wireType = WireType.tree
    /// root + seq.
    public static let minimumLength = PublicKey.byteCount + 8

    public var root: PublicKey
    public var seq: UInt64
    public var hops: [TreeHop]

    public init(root: PublicKey, seq: UInt64, hops: [TreeHop] = []) {
        self.root = root
        self.seq = seq
        self.hops = hops
    }

    /// Who sent the announcement: the signer of the last hop (`hops[n-2].next`, or the root when
    /// there are fewer than two hops). Must equal the key of the link it arrived on.
    public var sender: PublicKey {
        hops.count >= 2 ? hops[hops.count - 2].next : root
    }

    /// The node the chain leads to (the last hop's `next`, or the root). Must be the receiver.
    public var destination: PublicKey {
        hops.last?.next ?? root
    }

    /// The ports from the root down to `destination`: its tree coordinates.
    public var coords: [PeerPort] { hops.map(\.port) }

    /// `root ‖ seq ‖ (next_j ‖ uvarint(port_j)) for j in 0..<count`, the cumulative prefix that
    /// excludes earlier signatures.
    private func appendSignedPrefix(hopCount: Int, to out: inout [UInt8]) {
        root.append(to: &out)
        WireWriter.appendUInt64(seq, to: &out)
        for hop in hops.prefix(hopCount) {
            hop.next.append(to: &out)
            Uvarint.encode(hop.port, into: &out)
        }
    }

    /// The bytes that hop `index` is signed over (spec §2.3, `signed_i`). `index` must be a valid
    /// hop index.
    public func bytesForSignature(upTo index: Int) -> [UInt8] {
        precondition(hops.indices.contains(index), "hop index out of range")
        var out = [UInt8]()
        appendSignedPrefix(hopCount: index + 1, to: &out)
        return out
    }

    /// True when there is at least one hop and every hop's signature verifies under its signer
    /// (receiver check 1 of §2.3; an empty chain is invalid as in Go). The signed prefix is built
    /// once, incrementally.
    public func verifySignatures() -> Bool {
        guard !hops.isEmpty else { return false }
        var message = [UInt8]()
        message.reserveCapacity(Self.minimumLength + hops.count * (PublicKey.byteCount + Uvarint.maxLength))
        root.append(to: &message)
        WireWriter.appendUInt64(seq, to: &message)
        var signer = root
        for hop in hops {
            hop.next.append(to: &message)
            Uvarint.encode(hop.port, into: &message)
            guard Ed25519.verify(hop.signature, message: message, publicKey: signer) else { return false }
            signer = hop.next
        }
        return true
    }

    /// The announcement to send to one peer (ironwood `treeInfo.add`): this state plus a hop to
    /// `next` through our port `port`, signed by `signer`, which must be `destination`'s key pair
    /// (i.e. our own: a root's state has no hops; a non-root's ends at itself).
    public func appendingHop(next: PublicKey, port: PeerPort, signedBy signer: SigningKeyPair) -> TreeAnnouncement {
        var message = [UInt8]()
        appendSignedPrefix(hopCount: hops.count, to: &message)
        next.append(to: &message)
        Uvarint.encode(port, into: &message)
        var result = self
        result.hops.append(TreeHop(next: next, port: port, signature: signer.sign(message)))
        return result
    }

    public init(from reader: inout WireReader) throws(WireError) {
        root = try reader.readKey()
        seq = try reader.readUInt64()
        hops = []
        while !reader.isAtEnd {
            let next = try reader.readKey()
            let port = try reader.readUvarint()
            let signature = try reader.readSignature()
            hops.append(TreeHop(next: next, port: port, signature: signature))
        }
    }

    public func encode(into out: inout [UInt8]) {
        root.append(to: &out)
        WireWriter.appendUInt64(seq, to: &out)
        for hop in hops {
            hop.next.append(to: &out)
            Uvarint.encode(hop.port, into: &out)
            hop.signature.append(to: &out)
        }
    }
}
