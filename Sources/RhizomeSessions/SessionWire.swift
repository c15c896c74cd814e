import RhizomeCore
import RhizomeCrypto

/// Sizes, types and timers of ironwood's encrypted layer (spec sessions-and-ipv6.md §4.1, §9).
/// Durations are in seconds.
public enum SessionConstants {
    public static let typeDummy: UInt8 = 0x00
    public static let typeInit: UInt8 = 0x01
    public static let typeAck: UInt8 = 0x02
    public static let typeTraffic: UInt8 = 0x03

    /// INIT and ACK: type ‖ E ‖ tag ‖ box(sig ‖ current ‖ next ‖ keySeq ‖ seq).
    public static let handshakeSize = 1 + 32 + 16 + 64 + 32 + 32 + 8 + 8
    /// Smallest TRAFFIC message: type, three one-byte uvarints, tag, next key.
    public static let trafficMinimumSize = 1 + 1 + 1 + 1 + 16 + 32
    /// Largest TRAFFIC overhead: the minimum plus 9 more bytes for each uvarint.
    public static let trafficMaximumOverhead = trafficMinimumSize + 3 * 9
    /// Largest `data` a SEND accepts in 0.4: the network MTU minus the worst-case TRAFFIC overhead (53050).
    public static let mtu = Constants.networkMTU - trafficMaximumOverhead
    /// 0.5's network-layer MTU (v05 spec §4.2): ironwood's peer frame limit 131070 (yggdrasil
    /// sets 2 × 65535) minus a traffic frame header with empty paths (type, two path
    /// terminators, two keys, 10-byte watermark, payload type: 77 bytes).
    public static let networkMTU05 = 2 * 65535 - 77
    /// Largest `data` a SEND accepts in 0.5 (130914).
    public static let mtu05 = networkMTU05 - trafficMaximumOverhead

    /// Largest `data` a SEND accepts in `version`.
    public static func mtu(_ version: ProtocolVersion) -> Int {
        switch version {
        case .v04: mtu
        case .v05: mtu05
        }
    }

    /// A session not used (send, successful receive, accepted update) for this long is deleted.
    public static let sessionTimeout: Double = 60
    /// A pending-init buffer lives this long after the last packet was buffered.
    public static let bufferTimeout: Double = 60
    /// An ACK is re-sent for a repeated INIT at most this often per session (`handleHandshake`).
    public static let ackResendInterval: Double = 1
    /// 0.4: success actions of RECEIVE (rotation, recvNonce) run at most once per this interval.
    /// 0.5: ROTATE runs at most once per this interval.
    public static let rotationThrottle: Double = 60
}

/// The decrypted, verified content of an INIT or ACK (§4.3).
struct Handshake: Equatable, Sendable {
    /// The sender's session key with index `keySeq`.
    var current: BoxPublicKey
    /// The sender's session key with index `keySeq + 1`.
    var next: BoxPublicKey
    var keySeq: UInt64
    /// Unix seconds when built.
    var seq: UInt64
}

enum SessionWire {
    /// Builds an INIT (`type` 0x01) or ACK (0x02) for `recipient` (its static X25519 key), signed by
    /// `signer`, boxed with the one-time pair `ephemeral` and nonce 0 (§4.3). Nil if libsodium
    /// refuses the recipient key (low order).
    static func sealHandshake(
        type: UInt8, _ h: Handshake, signer: SigningKeyPair, recipient: BoxPublicKey, ephemeral: BoxKeyPair
    ) -> [UInt8]? {
        guard let shared = BoxSharedKey(theirs: recipient, ours: ephemeral.secretKey) else { return nil }
        // Layout being filled: type ‖ E ‖ [tag ‖ sig ‖ current ‖ next ‖ keySeq ‖ seq]; the bracket
        // is sealed in place. Signed bytes = E ‖ current ‖ next ‖ keySeq ‖ seq = out[1..<33] ‖ out[113..<193].
        var out = [UInt8]()
        out.reserveCapacity(SessionConstants.handshakeSize)
        out.append(type)
        out.append(contentsOf: ephemeral.publicKey.bytes)
        out.append(contentsOf: repeatElement(0, count: BoxSharedKey.overhead + Signature.byteCount))
        out.append(contentsOf: h.current.bytes)
        out.append(contentsOf: h.next.bytes)
        appendBigEndian(h.keySeq, to: &out)
        appendBigEndian(h.seq, to: &out)
        var signed = [UInt8]()
        signed.reserveCapacity(112)
        signed.append(contentsOf: out[1..<33])
        signed.append(contentsOf: out[113..<193])
        let sig = signer.sign(signed)
        out.withUnsafeMutableBytes { raw in
            sig.withUnsafeBytes { s in
                UnsafeMutableRawBufferPointer(rebasing: raw[49..<113]).copyMemory(from: s)
            }
            shared.seal(UnsafeRawBufferPointer(rebasing: raw[49...]), nonce: 0,
                        into: UnsafeMutableRawBufferPointer(rebasing: raw[33...]))
        }
        return out
    }

    /// Opens and verifies an INIT/ACK from `sender` with our static X25519 secret. Nil on a wrong
    /// size, a box that does not open, or a bad signature (all silent drops in ironwood).
    static func openHandshake(_ msg: UnsafeRawBufferPointer, ourStatic: BoxSecretKey, sender: PublicKey) -> Handshake? {
        guard msg.count == SessionConstants.handshakeSize else { return nil }
        guard let ephemeral = BoxPublicKey(bytes: Array(msg[1..<33])),
              let shared = BoxSharedKey(theirs: ephemeral, ours: ourStatic) else { return nil }
        // Plaintext goes after a copy of E so the signed bytes are contiguous: E ‖ sig ‖ rest.
        var buf = [UInt8](repeating: 0, count: 32 + 144)
        let ok = buf.withUnsafeMutableBytes { b in
            b.copyMemory(from: UnsafeRawBufferPointer(rebasing: msg[1..<33]))
            return shared.open(UnsafeRawBufferPointer(rebasing: msg[33...]), nonce: 0,
                               into: UnsafeMutableRawBufferPointer(rebasing: b[32...]))
        }
        guard ok else { return nil }
        return buf.withUnsafeBytes { b -> Handshake? in
            let sig = Signature(bytes: UnsafeRawBufferPointer(rebasing: b[32..<96]))!
            var signed = [UInt8]()
            signed.reserveCapacity(112)
            signed.append(contentsOf: b[0..<32])
            signed.append(contentsOf: b[96..<176])
            guard Ed25519.verify(sig, message: signed, publicKey: sender) else { return nil }
            return Handshake(
                current: BoxPublicKey(bytes: Array(b[96..<128]))!,
                next: BoxPublicKey(bytes: Array(b[128..<160]))!,
                keySeq: UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 160, as: UInt64.self)),
                seq: UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 168, as: UInt64.self)))
        }
    }

    /// header ‖ box(nextPublic ‖ data) (§4.4), built in one allocation and sealed in place.
    static func sealTraffic(_ seal: TrafficSeal, data: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: seal.overhead + data.count) { buf, count in
            let message = UnsafeMutableRawBufferPointer(buf)
            if data.count > 0 {
                UnsafeMutableRawBufferPointer(rebasing: message[seal.overhead...]).copyMemory(from: data)
            }
            seal.seal(message)
            count = buf.count
        }
    }

    /// The three header uvarints of a TRAFFIC message and where the box starts. Nil when the
    /// message is shorter than 52 bytes, not TRAFFIC, or a uvarint is truncated or overflows.
    static func parseTrafficHeader(_ msg: UnsafeRawBufferPointer) -> (senderKeySeq: UInt64, receiverKeySeq: UInt64, nonce: UInt64, boxOffset: Int)? {
        guard msg.count >= SessionConstants.trafficMinimumSize, msg[0] == SessionConstants.typeTraffic else { return nil }
        do throws(WireError) {
            let a = try Uvarint.decode(msg, at: 1)
            let b = try Uvarint.decode(msg, at: 1 + a.length)
            let n = try Uvarint.decode(msg, at: 1 + a.length + b.length)
            return (a.value, b.value, n.value, 1 + a.length + b.length + n.length)
        } catch {
            return nil
        }
    }

    static func appendBigEndian(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) }
    }
}

/// One TRAFFIC message's worth of session state, taken from the session when the message is
/// sent (the nonce is consumed then): everything needed to build the message wherever the caller
/// wants it — in the data path, directly inside a link's send buffer.
public struct TrafficSeal: Sendable {
    let localKeySeq: UInt64
    let remoteKeySeq: UInt64
    let nonce: UInt64
    let nextPublic: BoxPublicKey
    let shared: BoxSharedKey

    /// Type byte and the three uvarints.
    public var headerLength: Int {
        1 + Uvarint.encodedLength(localKeySeq) + Uvarint.encodedLength(remoteKeySeq) + Uvarint.encodedLength(nonce)
    }

    /// Bytes the message adds before the data: header, tag and the 32-byte next key.
    public var overhead: Int { headerLength + BoxSharedKey.overhead + 32 }

    /// Fills in a TRAFFIC message: `message` is `overhead + data.count` bytes with the data
    /// already in its last bytes. Writes header, tag and next key and encrypts next key ‖ data in
    /// place.
    public func seal(_ message: UnsafeMutableRawBufferPointer) {
        precondition(message.count >= overhead)
        let header = headerLength
        message[0] = SessionConstants.typeTraffic
        var at = 1
        at += Uvarint.encode(localKeySeq, into: UnsafeMutableRawBufferPointer(rebasing: message[at...]))
        at += Uvarint.encode(remoteKeySeq, into: UnsafeMutableRawBufferPointer(rebasing: message[at...]))
        at += Uvarint.encode(nonce, into: UnsafeMutableRawBufferPointer(rebasing: message[at...]))
        let boxStart = header + BoxSharedKey.overhead
        nextPublic.bytes.withUnsafeBytes {
            UnsafeMutableRawBufferPointer(rebasing: message[boxStart..<(boxStart + 32)]).copyMemory(from: $0)
        }
        shared.sealInPlace(UnsafeMutableRawBufferPointer(rebasing: message[boxStart...]),
                           tag: UnsafeMutableRawBufferPointer(rebasing: message[header..<boxStart]), nonce: nonce)
    }
}
