import RhizomeCrypto

/// Type 6: "here is where I am" (spec §2.10), tree-routed to `dest`, which answers with a lookup.
public struct PathNotify: WireMessageBody {
    public static let wireType = WireType.pathNotify

    /// By `label.key`, over `dest ‖ encoded label` — byte-identical to what a token for source
    /// `dest` signs, so the two signatures coincide.
    public var signature: Signature
    public var dest: PublicKey
    public var label: TreeLabel

    public init(signature: Signature, dest: PublicKey, label: TreeLabel) {
        self.signature = signature
        self.dest = dest
        self.label = label
    }

    /// Signs a notify; `signer` must own `label.key`.
    public init(signedBy signer: SigningKeyPair, dest: PublicKey, label: TreeLabel) {
        self.dest = dest
        self.label = label
        signature = signer.sign(DHTSetupToken.bytesForSignature(source: dest, dest: label))
    }

    public var bytesForSignature: [UInt8] { DHTSetupToken.bytesForSignature(source: dest, dest: label) }

    /// Label valid and the notify signature valid under `label.key`.
    public func check() -> Bool {
        label.check() && Ed25519.verify(signature, message: bytesForSignature, publicKey: label.key)
    }

    public var encodedLength: Int { Signature.byteCount + PublicKey.byteCount + label.encodedLength }

    public init(from reader: inout WireReader) throws(WireError) {
        signature = try reader.readSignature()
        dest = try reader.readKey()
        label = try TreeLabel(from: &reader)
    }

    public func encode(into out: inout [UInt8]) {
        signature.append(to: &out)
        dest.append(to: &out)
        label.encode(into: &out)
    }
}

/// Type 7: the reply to a notify, routed back to the notifier through keyspace, collecting the
/// reverse path as it goes (spec §2.11).
public struct PathLookup: WireMessageBody {
    public static let wireType = WireType.pathLookup

    public var notify: PathNotify
    /// Ports appended by each receiving node (its port for the arrival link). Never contains 0.
    public var rpath: [PeerPort]

    public init(notify: PathNotify, rpath: [PeerPort] = []) {
        self.notify = notify
        self.rpath = rpath
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let notifyLength = try reader.readUvarint()
        notify = try PathNotify(decoding: reader.readBytes(declaredLength: notifyLength))
        rpath = try reader.readRpath()
    }

    public func encode(into out: inout [UInt8]) {
        Uvarint.encode(UInt64(notify.encodedLength), into: &out)
        notify.encode(into: &out)
        WireWriter.appendPorts(rpath, to: &out)
    }
}

/// Type 8: the source route back to the requester (spec §2.12). Unsigned.
public struct PathResponse: WireMessageBody {
    public static let wireType = WireType.pathResponse

    /// The node the lookup reached, whose path is being reported.
    public var from: PublicKey
    /// The ports still to follow toward the requester, *without* the terminating 0, which
    /// `encode` always writes (the spec's `[1, 0]` is `route == [1]` here). Must not contain 0.
    public var route: [PeerPort]
    /// Ports collected on the way back. Never contains 0.
    public var rpath: [PeerPort]

    public init(from: PublicKey, route: [PeerPort], rpath: [PeerPort] = []) {
        self.from = from
        self.route = route
        self.rpath = rpath
    }

    public init(from reader: inout WireReader) throws(WireError) {
        from = try reader.readKey()
        route = try reader.readRoute()
        rpath = try reader.readRpath()
    }

    public func encode(into out: inout [UInt8]) {
        from.append(to: &out)
        WireWriter.appendPorts(route, to: &out)
        out.append(0)
        WireWriter.appendPorts(rpath, to: &out)
    }
}
