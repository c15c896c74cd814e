import RhizomeCrypto

/// Type 2: a non-root node asks the keyspace for its predecessor by tree-routing its own label
/// (spec §2.5). The body is exactly one label.
public struct DHTBootstrap: WireMessageBody {
    public static let wireType = WireType.dhtBootstrap

    public var label: TreeLabel

    public init(label: TreeLabel) { self.label = label }

    public func check() -> Bool { label.check() }

    public init(from reader: inout WireReader) throws(WireError) {
        label = try TreeLabel(from: &reader)
    }

    public func encode(into out: inout [UInt8]) { label.encode(into: &out) }
}

/// The destination's permission for `source` to install a DHT path to it (spec §2.6).
public struct DHTSetupToken: WireDecodable, WireEncodable, Hashable, Sendable {
    /// By `dest.key`, over `source ‖ encoded dest label` (label signature included).
    public var signature: Signature
    public var source: PublicKey
    public var dest: TreeLabel

    public init(signature: Signature, source: PublicKey, dest: TreeLabel) {
        self.signature = signature
        self.source = source
        self.dest = dest
    }

    /// Signs a token for `source`; `signer` must own `dest.key` (the acknowledging node).
    public init(signedBy signer: SigningKeyPair, source: PublicKey, dest: TreeLabel) {
        self.source = source
        self.dest = dest
        signature = signer.sign(Self.bytesForSignature(source: source, dest: dest))
    }

    static func bytesForSignature(source: PublicKey, dest: TreeLabel) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(PublicKey.byteCount + dest.encodedLength)
        source.append(to: &out)
        dest.encode(into: &out)
        return out
    }

    public var bytesForSignature: [UInt8] { Self.bytesForSignature(source: source, dest: dest) }

    /// Token signature valid under `dest.key` and the dest label valid.
    public func check() -> Bool {
        Ed25519.verify(signature, message: bytesForSignature, publicKey: dest.key) && dest.check()
    }

    public var encodedLength: Int { Signature.byteCount + PublicKey.byteCount + dest.encodedLength }

    public init(from reader: inout WireReader) throws(WireError) {
        signature = try reader.readSignature()
        source = try reader.readKey()
        dest = try TreeLabel(from: &reader)
    }

    public func encode(into out: inout [UInt8]) {
        signature.append(to: &out)
        source.append(to: &out)
        dest.encode(into: &out)
    }
}

/// Type 3: the predecessor's answer to a bootstrap (spec §2.7): the bootstrap, length-prefixed
/// by a uvarint because a label has no terminator, then a token for the bootstrapping node.
/// Unsigned itself.
public struct DHTBootstrapAck: WireMessageBody {
    public static let wireType = WireType.dhtBootstrapAck

    public var bootstrap: DHTBootstrap
    public var response: DHTSetupToken

    public init(bootstrap: DHTBootstrap, response: DHTSetupToken) {
        self.bootstrap = bootstrap
        self.response = response
    }

    public func check() -> Bool { bootstrap.check() && response.check() }

    public init(from reader: inout WireReader) throws(WireError) {
        let bootLength = try reader.readUvarint()
        bootstrap = try DHTBootstrap(decoding: reader.readBytes(declaredLength: bootLength))
        response = try DHTSetupToken(from: &reader)
    }

    public func encode(into out: inout [UInt8]) {
        Uvarint.encode(UInt64(bootstrap.label.encodedLength), into: &out)
        bootstrap.encode(into: &out)
        response.encode(into: &out)
    }
}

/// Type 4: the source installs a path to its predecessor hop by hop (spec §2.8). Checked at every
/// hop; a bad signature closes the link.
public struct DHTSetup: WireMessageBody {
    public static let wireType = WireType.dhtSetup

    /// By `token.source`, over `seq ‖ encoded token`.
    public var signature: Signature
    public var seq: UInt64
    public var token: DHTSetupToken

    public init(signature: Signature, seq: UInt64, token: DHTSetupToken) {
        self.signature = signature
        self.seq = seq
        self.token = token
    }

    /// Signs a setup; `signer` must own `token.source`.
    public init(signedBy signer: SigningKeyPair, seq: UInt64, token: DHTSetupToken) {
        self.seq = seq
        self.token = token
        signature = signer.sign(Self.bytesForSignature(seq: seq, token: token))
    }

    static func bytesForSignature(seq: UInt64, token: DHTSetupToken) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(8 + token.encodedLength)
        WireWriter.appendUInt64(seq, to: &out)
        token.encode(into: &out)
        return out
    }

    public var bytesForSignature: [UInt8] { Self.bytesForSignature(seq: seq, token: token) }

    /// Token valid and the setup signature valid under `token.source`.
    public func check() -> Bool {
        token.check() && Ed25519.verify(signature, message: bytesForSignature, publicKey: token.source)
    }

    /// The teardown that removes the path this setup installs.
    public var teardown: DHTTeardown {
        DHTTeardown(seq: seq, key: token.source, root: token.dest.root, rootSeq: token.dest.seq)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        signature = try reader.readSignature()
        seq = try reader.readUInt64()
        token = try DHTSetupToken(from: &reader)
    }

    public func encode(into out: inout [UInt8]) {
        signature.append(to: &out)
        WireWriter.appendUInt64(seq, to: &out)
        token.encode(into: &out)
    }
}

/// Type 5: removes a DHT path (spec §2.9). Unsigned, exactly 80 bytes.
public struct DHTTeardown: WireMessageBody {
    public static let wireType = WireType.dhtTeardown
    public static let length = 8 + 2 * PublicKey.byteCount + 8

    /// The setup seq of the path.
    public var seq: UInt64
    /// The path's source key.
    public var key: PublicKey
    public var root: PublicKey
    public var rootSeq: UInt64

    public init(seq: UInt64, key: PublicKey, root: PublicKey, rootSeq: UInt64) {
        self.seq = seq
        self.key = key
        self.root = root
        self.rootSeq = rootSeq
    }

    public init(from reader: inout WireReader) throws(WireError) {
        guard reader.remaining == Self.length else {
            throw .wrongLength(expected: Self.length, actual: reader.remaining)
        }
        seq = try reader.readUInt64()
        key = try reader.readKey()
        root = try reader.readKey()
        rootSeq = try reader.readUInt64()
    }

    public func encode(into out: inout [UInt8]) {
        WireWriter.appendUInt64(seq, to: &out)
        key.append(to: &out)
        root.append(to: &out)
        WireWriter.appendUInt64(rootSeq, to: &out)
    }
}
