import Testing
import RhizomeCore
import RhizomeCrypto
@testable import RhizomeSessions

/// Hands out scripted byte strings first (each must match the requested length), then falls back
/// to a seeded generator.
struct ScriptedRandom: RandomSource, Sendable {
    var script: [[UInt8]]
    var fallback = SeededRandom(seed: 99)
    init(_ script: [[UInt8]]) { self.script = script }
    mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard !script.isEmpty else { return fallback.fill(buffer) }
        let next = script.removeFirst()
        precondition(next.count == buffer.count, "scripted \(next.count) bytes, asked for \(buffer.count)")
        next.withUnsafeBytes { buffer.copyMemory(from: $0) }
    }
}

func pair(_ secret: [UInt8]) -> BoxKeyPair { BoxKeyPair(secretKey: BoxSecretKey(bytes: secret)) }

@Suite struct SessionWireTests {
    /// §12.6: a real INIT from the Debian binary opens with #02's key and verifies with #01's.
    @Test func realInitDecryptsAndVerifies() throws {
        let ours = V.node2.curve25519PrivateKey
        let e = BoxPublicKey(bytes: V.realE)!
        #expect(BoxSharedKey(theirs: e, ours: ours)?.bytes == V.realBoxKey)
        let h = try #require(V.realInit.withUnsafeBytes { SessionWire.openHandshake($0, ourStatic: ours, sender: V.node1.publicKey) })
        #expect(h.current.bytes == V.realCurrent)
        #expect(h.next.bytes == V.realNext)
        #expect(h.keySeq == 0)
        #expect(h.seq == 1_795_313_119)

        // The signature is checked against the claimed sender, and any bit flip is refused.
        #expect(V.realInit.withUnsafeBytes { SessionWire.openHandshake($0, ourStatic: ours, sender: V.node2.publicKey) } == nil)
        #expect(V.realInit.withUnsafeBytes { SessionWire.openHandshake($0, ourStatic: V.node1.curve25519PrivateKey, sender: V.node1.publicKey) } == nil)
        for index in [1, 40, 100, 192] {
            var bad = V.realInit
            bad[index] ^= 0x01
            #expect(bad.withUnsafeBytes { SessionWire.openHandshake($0, ourStatic: ours, sender: V.node1.publicKey) } == nil)
        }
        #expect(Array(V.realInit.dropLast()).withUnsafeBytes { SessionWire.openHandshake($0, ourStatic: ours, sender: V.node1.publicKey) } == nil)

        // Through the manager: a valid INIT creates a session and is answered with an ACK.
        var b = SessionManager(keys: V.node2, now: 0, unixTime: 1_795_313_200, random: SeededRandom(seed: 1))
        b.receive(from: V.node1.publicKey, message: V.realInit, now: 0)
        #expect(b.hasSession(with: V.node1.publicKey))
        let actions = b.takeActions()
        #expect(actions.count == 1)
        guard case let .send(to, payload)? = actions.first else { return }
        #expect(to == V.node1.publicKey)
        #expect(payload.count == 193 && payload[0] == 0x02)
        let ack = try #require(payload.withUnsafeBytes { SessionWire.openHandshake($0, ourStatic: V.node1.curve25519PrivateKey, sender: V.node2.publicKey) })
        #expect(ack.keySeq == 1 && ack.seq == 1_795_313_200)
    }

    /// §12.7: the deterministic INIT (and ACK) byte for byte, from the codec and from the manager.
    @Test func deterministicInitReproduces() throws {
        let recipient = try #require(BoxPublicKey(ed25519: V.node2.publicKey))
        #expect(recipient.bytes == V.recipientX)
        let e = pair(V.ephPriv), c = pair(V.curPriv), n = pair(V.nextPriv)
        #expect(e.publicKey.bytes == V.ephPub && c.publicKey.bytes == V.curPub && n.publicKey.bytes == V.nextPub)
        #expect(BoxSharedKey(theirs: recipient, ours: e.secretKey)?.bytes == V.beforenm)
        let h = Handshake(current: c.publicKey, next: n.publicKey, keySeq: 0, seq: 1_700_000_000)
        let initMsg = SessionWire.sealHandshake(type: 1, h, signer: V.node1, recipient: recipient, ephemeral: e)
        #expect(initMsg == V.detInit)
        let ackMsg = SessionWire.sealHandshake(type: 2, h, signer: V.node1, recipient: recipient, ephemeral: e)
        #expect(ackMsg == [2] + V.detInit.dropFirst())
        // The signature inside is the vector's.
        #expect(V.node1.sign(V.ephPub + V.curPub + V.nextPub + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x65, 0x53, 0xf1, 0x00]).bytes == V.detSig)
        // And it opens to the same fields.
        let opened = V.detInit.withUnsafeBytes { SessionWire.openHandshake($0, ourStatic: V.node2.curve25519PrivateKey, sender: V.node1.publicKey) }
        #expect(opened == h)

        // The manager draws current, next, then the one-time key, and uses Unix seconds as seq.
        var a = SessionManager(keys: V.node1, now: 5, unixTime: 1_700_000_000.75,
                               random: ScriptedRandom([V.curPriv, V.nextPriv, V.ephPriv]))
        try a.send(to: V.node2.publicKey, data: [2, 0], now: 5)
        #expect(a.takeActions() == [.send(to: V.node2.publicKey, payload: V.detInit)])
        #expect(a.pendingCount == 1)
    }

    /// §12.7: the deterministic TRAFFIC messages byte for byte, and their decryption by a session
    /// in the matching state.
    @Test func deterministicTrafficReproducesAndDecrypts() throws {
        let s = pair(V.sendPriv), r = pair(V.recvPriv)
        #expect(s.publicKey.bytes == V.sendPub && r.publicKey.bytes == V.recvPub)
        let shared = try #require(BoxSharedKey(theirs: r.publicKey, ours: s.secretKey))
        #expect(shared.bytes == V.sharedKey)
        let next = BoxPublicKey(bytes: V.senderNextPub)!
        let m1 = V.inner.withUnsafeBytes {
            SessionWire.sealTraffic(TrafficSeal(localKeySeq: 1, remoteKeySeq: 1, nonce: 1, nextPublic: next, shared: shared), data: $0)
        }
        #expect(m1 == V.traffic1)
        let m2 = V.inner.withUnsafeBytes {
            SessionWire.sealTraffic(TrafficSeal(localKeySeq: 300, remoteKeySeq: 299, nonce: 70000, nextPublic: next, shared: shared), data: $0)
        }
        #expect(m2 == V.traffic2)
        #expect(Array(m2.prefix(8)) == V.header2)
        let parsed = try #require(m2.withUnsafeBytes { SessionWire.parseTrafficHeader($0) })
        #expect(parsed.senderKeySeq == 300 && parsed.receiverKeySeq == 299 && parsed.nonce == 70000 && parsed.boxOffset == 8)

        // Receiver in the ordinary state for message 1: remoteKeySeq 1 (sender's key s is
        // `current`), localKeySeq 2 (our key r is `recv`, index 1).
        var rng = SeededRandom(seed: 3)
        let seed = Handshake(current: s.publicKey, next: next, keySeq: 0, seq: 10)
        var session = Session(remote: V.node1.publicKey, remoteStatic: nil, from: seed, generation: 1, now: 0, random: &rng)
        session.remoteKeySeq = 1
        session.localKeySeq = 2
        session.recv = r
        session.fixShared(recvNonce: 0, sendNonce: 0)
        var outcome = V.traffic1.withUnsafeBytes { session.receiveArray($0, now: 1, random: &rng) }
        guard case .deliver(let data) = outcome else { Issue.record("not delivered: \(outcome)"); return }
        #expect(data == V.inner)
        #expect(session.recvNonce == 1 && session.rotated == 1)
        // Same nonce again: a replay in the ordinary case.
        outcome = V.traffic1.withUnsafeBytes { session.receiveArray($0, now: 2, random: &rng) }
        guard case .replay = outcome else { Issue.record("replay accepted: \(outcome)"); return }

        // Receiver that sees message 1 as "fromNext and toSend": s is its `next`, r its `send`.
        var rotating = Session(remote: V.node1.publicKey, remoteStatic: nil, from: seed, generation: 2, now: 0, random: &rng)
        rotating.next = s.publicKey
        rotating.send = r
        rotating.localKeySeq = 1
        rotating.fixShared(recvNonce: 0, sendNonce: 5)
        let oldNextLocal = rotating.nextLocal.publicKey
        outcome = V.traffic1.withUnsafeBytes { rotating.receiveArray($0, now: 1, random: &rng) }
        guard case .deliver(let data2) = outcome else { Issue.record("not delivered: \(outcome)"); return }
        #expect(data2 == V.inner)
        // ROTATE: current := next, next := inner key, both key indices advance, nonces (n, 0).
        #expect(rotating.current == s.publicKey && rotating.next == next)
        #expect(rotating.remoteKeySeq == 1 && rotating.localKeySeq == 2)
        #expect(rotating.recv.publicKey == r.publicKey && rotating.send.publicKey == oldNextLocal)
        #expect(rotating.recvNonce == 1 && rotating.sendNonce == 0)
        #expect(rotating.recvShared?.bytes == V.sharedKey)
    }

    @Test func malformedTrafficHeadersAreRejected() {
        let base = V.traffic1
        #expect(Array(base.prefix(51)).withUnsafeBytes { SessionWire.parseTrafficHeader($0) } == nil)
        var wrongType = base
        wrongType[0] = 0x04
        #expect(wrongType.withUnsafeBytes { SessionWire.parseTrafficHeader($0) } == nil)
        // An 11-byte uvarint overflows.
        let overflow: [UInt8] = [3] + [UInt8](repeating: 0xff, count: 10) + [1] + [UInt8](repeating: 0, count: 60)
        #expect(overflow.withUnsafeBytes { SessionWire.parseTrafficHeader($0) } == nil)
        // A non-minimal uvarint (81 00 = 1) is accepted, as Go does.
        let nonMinimal: [UInt8] = [3, 0x81, 0x00, 1, 1] + [UInt8](repeating: 0, count: 48)
        let parsed = nonMinimal.withUnsafeBytes { SessionWire.parseTrafficHeader($0) }
        #expect(parsed?.senderKeySeq == 1 && parsed?.boxOffset == 5)
    }
}

/// `Session.receive`'s outcome with the delivered data copied out of the output buffer.
enum ArrayOutcome {
    case deliver([UInt8]), sendInit, malformed, replay, shortPlaintext
}

extension Session {
    mutating func receiveArray(
        _ msg: UnsafeRawBufferPointer, now: Double, version: ProtocolVersion = .v04, random: inout SeededRandom
    ) -> ArrayOutcome {
        var out = [UInt8](repeating: 0, count: msg.count)
        let outcome = out.withUnsafeMutableBytes { receive(msg, into: $0, now: now, version: version, random: &random) }
        switch outcome {
        case .deliver(let range): return .deliver(Array(out[range]))
        case .sendInit: return .sendInit
        case .malformed: return .malformed
        case .replay: return .replay
        case .shortPlaintext: return .shortPlaintext
        }
    }
}
