import Testing
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
@testable import RhizomeSessions

/// Yggdrasil 0.5.12 / ironwood 743fe2f sessions (v05 spec §4): the captured and derived vectors of
/// node-session.json, and the 0.5 RECEIVE rules next to 0.4's.
@Suite struct Session05VectorTests {
    let a = V5.a, b = V5.b
    var A: PublicKey { a.publicKey }
    var B: PublicKey { b.publicKey }

    @Test func staticKeysConvert() {
        #expect(BoxPublicKey(ed25519: A)?.bytes == V5.aX25519Public)
        #expect(BoxPublicKey(ed25519: B)?.bytes == V5.bX25519Public)
    }

    /// Every captured INIT/ACK opens with the recipient's static key, verifies against the
    /// sender, and carries the recorded fields; the box keys are the recorded ones.
    @Test(arguments: V5.firstContactHandshakes + V5.restartHandshakes)
    func capturedHandshakeOpens(_ c: V5.CapturedHandshake) throws {
        let recipient = c.fromA ? b : a
        let sender = c.fromA ? A : B
        #expect(c.payload.count == SessionConstants.handshakeSize && c.payload[0] == c.type)
        if let boxKey = c.boxKey {
            let e = try #require(BoxPublicKey(bytes: Array(c.payload[1..<33])))
            #expect(BoxSharedKey(theirs: e, ours: recipient.curve25519PrivateKey)?.bytes == boxKey)
        }
        let h = try #require(c.payload.withUnsafeBytes {
            SessionWire.openHandshake($0, ourStatic: recipient.curve25519PrivateKey, sender: sender)
        })
        #expect(h.current.bytes == c.current && h.next.bytes == c.next)
        #expect(h.keySeq == c.keySeq && h.seq == c.seq)
        // Claimed by the other node, it fails the signature check.
        #expect(c.payload.withUnsafeBytes {
            SessionWire.openHandshake($0, ourStatic: recipient.curve25519PrivateKey, sender: c.fromA ? B : A)
        } == nil)
    }

    /// §4.4 #1–#3 into a 0.5 manager for B: the captured INIT makes a session and an ACK with
    /// keySeq 1 and the same seq; the captured ACK from A is then ignored (same second).
    @Test func capturedInitAndAckDriveA05Manager() throws {
        let initA = V5.firstContactHandshakes[0], ackA = V5.firstContactHandshakes[2]
        var mgr = SessionManager(keys: b, now: 0, unixTime: Double(initA.seq) + 0.7, random: SeededRandom(seed: 1), version: .v05)
        mgr.receive(from: A, message: initA.payload, now: 0)
        let actions = mgr.takeActions()
        try #require(actions.count == 1)
        guard case .send(A, let ack) = actions[0] else { Issue.record("no ACK: \(actions)"); return }
        let h = try #require(openHandshake(.standard(from: B, to: A, payload: ack), recipient: a))
        #expect(ack[0] == 2 && h.keySeq == 1 && h.seq == initA.seq)
        let s = try #require(mgr.sessions[A])
        #expect(s.current.bytes == initA.current && s.next.bytes == initA.next && s.remoteKeySeq == 0 && s.localKeySeq == 1)
        mgr.receive(from: A, message: ackA.payload, now: 0.003)
        #expect(mgr.counters.ignoredOldHandshake == 1 && mgr.takeActions().isEmpty)
        // The first captured TRAFFIC is A→B 1,1 nonce 1 with a 153-byte box (105 bytes of data).
        let header = try #require(V5.firstTraffic.withUnsafeBytes { SessionWire.parseTrafficHeader($0) })
        #expect(header.senderKeySeq == 1 && header.receiverKeySeq == 1 && header.nonce == 1)
        #expect(V5.firstTraffic.count - header.boxOffset == 153)
        // B's session maps it to "fromNext and toSend" (it cannot open it: Go's session keys are
        // not recorded) and answers with an INIT, as Go would with the wrong keys.
        mgr.receive(from: A, message: V5.firstTraffic, now: 0.004)
        #expect(mgr.counters.trafficTriggeringInit == 1)
    }

    /// derived_init: the INIT and ACK byte for byte, from the codec and from a 0.5 manager.
    @Test func derivedInitReproduces() throws {
        let recipient = try #require(BoxPublicKey(ed25519: B))
        let e = pair(V5.initEphemeralPrivate), c = pair(V5.initCurrentPrivate), n = pair(V5.initNextPrivate)
        #expect(c.publicKey.bytes == V5.initCurrent && n.publicKey.bytes == V5.initNext)
        var h = Handshake(current: c.publicKey, next: n.publicKey, keySeq: 0, seq: V5.initSeq)
        #expect(SessionWire.sealHandshake(type: 1, h, signer: a, recipient: recipient, ephemeral: e) == V5.initPayload)
        h.keySeq = 1
        #expect(SessionWire.sealHandshake(type: 2, h, signer: a, recipient: recipient, ephemeral: e) == V5.ackPayload)

        var mgr = SessionManager(keys: a, now: 3, unixTime: Double(V5.initSeq) + 0.2,
                                 random: ScriptedRandom([V5.initCurrentPrivate, V5.initNextPrivate, V5.initEphemeralPrivate]),
                                 version: .v05)
        try mgr.send(to: B, data: [1, 2, 3], now: 3)
        #expect(mgr.takeActions() == [.send(to: B, payload: V5.initPayload)])
    }

    /// derived_traffic: the message byte for byte, and its decryption by a 0.5 session in the
    /// ordinary state (a replay of it is dropped).
    @Test func derivedTrafficReproducesAndDecrypts() throws {
        let s = pair(V5.trafficSendPrivate), r = pair(V5.trafficRemoteCurrentPrivate)
        #expect(s.publicKey.bytes == V5.trafficSendPublic && r.publicKey.bytes == V5.trafficRemoteCurrentPublic)
        let shared = try #require(BoxSharedKey(theirs: r.publicKey, ours: s.secretKey))
        #expect(shared.bytes == V5.trafficShared)
        let next = try #require(BoxPublicKey(bytes: V5.trafficSenderNext))
        let msg = V5.trafficData.withUnsafeBytes {
            SessionWire.sealTraffic(TrafficSeal(localKeySeq: 1, remoteKeySeq: 1, nonce: 1, nextPublic: next, shared: shared), data: $0)
        }
        #expect(msg == V5.trafficPayload)

        var rng = SeededRandom(seed: 4)
        let seed = Handshake(current: s.publicKey, next: next, keySeq: 0, seq: 10)
        var session = Session(remote: A, remoteStatic: nil, from: seed, generation: 1, now: 0, random: &rng)
        session.remoteKeySeq = 1
        session.localKeySeq = 2
        session.recv = r
        session.fixShared(recvNonce: 0, sendNonce: 0)
        var outcome = msg.withUnsafeBytes { session.receiveArray($0, now: 1, version: .v05, random: &rng) }
        guard case .deliver(let data) = outcome else { Issue.record("not delivered: \(outcome)"); return }
        #expect(data == V5.trafficData)
        #expect(session.recvNonce == 1 && session.rotated == nil)
        outcome = msg.withUnsafeBytes { session.receiveArray($0, now: 2, version: .v05, random: &rng) }
        guard case .replay = outcome else { Issue.record("replay accepted: \(outcome)"); return }
    }
}

/// The captured sequences of node-session.json replayed between two 0.5 nodes (session layer
/// under the IPv6 layer; key lookups answered at once by a path notify).
@Suite struct Session05SequenceTests {
    let a = V5.a, b = V5.b
    var A: PublicKey { a.publicKey }
    var B: PublicKey { b.publicKey }
    let T = UInt64(Mesh.unixStart)

    /// Echo request or reply of `size` bytes in total.
    func echo(type: UInt8, from i: Int, to j: Int, size: Int, mesh: Mesh) -> [UInt8] {
        let src = Address(key: mesh.nodes[i].key).bytes, dst = Address(key: mesh.nodes[j].key).bytes
        let payload = size - 40
        var p: [UInt8] = [0x60, 0, 0, 0, UInt8(payload >> 8), UInt8(payload & 0xff), 58, 64] + src.bytes + dst.bytes
        p += [type, 0, 0, 0] + [UInt8](repeating: 0x5a, count: payload - 4)
        return p
    }

    func header(_ m: NetMessage) -> (fromA: Bool, a: UInt64, b: UInt64, n: UInt64, inner: Int)? {
        guard let (x, y, n) = Mesh.traffic(m) else { return nil }
        let headerLength = m.payload.withUnsafeBytes { SessionWire.parseTrafficHeader($0)!.boxOffset }
        return (m.from == A, x, y, n, m.payload.count - headerLength - 48)
    }

    /// captured_first_contact: lookup, INIT, ACK, ACK, then every captured TRAFFIC header (row,
    /// key indices, nonce) and length, in order; then a second session after both timed out.
    @Test func capturedFirstContactReproduces() throws {
        var mesh = Mesh([a, b], version: .v05)
        #expect(mesh.ping(0, 1, seq: 1) == (true, true))
        let log = mesh.log
        try #require(log.count == 6)
        #expect(log[0] == .lookup(from: A, target: Address(key: B).partialKey.key))
        let initA = try #require(openHandshake(log[1], recipient: b))
        let ackB = try #require(openHandshake(log[2], recipient: a))
        let ackA = try #require(openHandshake(log[3], recipient: b))
        #expect(isStandard(log[1], type: 1, from: A) && initA.keySeq == 0 && initA.seq == T)
        #expect(isStandard(log[2], type: 2, from: B) && ackB.keySeq == 1 && ackB.seq == T)
        #expect(isStandard(log[3], type: 2, from: A) && ackA.keySeq == 1 && ackA.seq == T)
        #expect(mesh.nodes[1].sessions.counters.ignoredOldHandshake == 1)

        // The rest of the first session as session data of the captured lengths, from the
        // captured sender. (The capture's last two are the second session's, checked below.)
        let secondStart = try #require(V5.firstContactTraffic.indices.dropFirst().first { V5.firstContactTraffic[$0].n == 1 && V5.firstContactTraffic[$0].a == 1 })
        let captured = Array(V5.firstContactTraffic[..<secondStart])
        #expect(captured.count == 25)
        var produced = [header(log[4])!, header(log[5])!]
        for (k, c) in captured.enumerated().dropFirst(2) {
            mesh.advance(to: 1 + Double(k) * 0.1)
            mesh.sessionSend(c.fromA ? 0 : 1, to: c.fromA ? 1 : 0, [2] + [UInt8](repeating: 0, count: c.inner - 1))
            produced.append(header(mesh.log.last!)!)
        }
        #expect(produced.count == captured.count)
        for (p, c) in zip(produced, captured) {
            #expect(p.fromA == c.fromA && p.a == c.a && p.b == c.b && p.n == c.n && p.inner == c.inner,
                    "produced \(p), captured \(c)")
        }
        // 0.5 state: A took B's 2,1 packets in the ordinary row, moving recvNonce every time;
        // B took A's 2,2 packets through "fromNext and toSend" without rotating.
        let sa = try #require(mesh.nodes[0].sessions.sessions[B]), sb = try #require(mesh.nodes[1].sessions.sessions[A])
        #expect(sa.recvNonce == 12 && sa.localKeySeq == 2 && sa.remoteKeySeq == 2)
        #expect(sb.nextSendNonce == 12 && sb.localKeySeq == 2 && sb.remoteKeySeq == 1)
        #expect(mesh.nodes[0].sessions.counters.trafficTriggeringInit == 0 && mesh.nodes[1].sessions.counters.trafficTriggeringInit == 0)

        // 250 s later (sessions and key caches gone): the same opening again.
        mesh.advance(to: 250)
        #expect(mesh.nodes[0].sessions.sessionCount == 0 && mesh.nodes[0].ipv6.cacheCount == 0)
        let start = mesh.log.count
        #expect(mesh.ping(0, 1, seq: 2) == (true, true))
        let again = Array(mesh.log[start...])
        try #require(again.count == 6)
        guard case .lookup = again[0] else { Issue.record("no lookup: \(again[0])"); return }
        #expect([1, 2, 2].enumerated().allSatisfy { isStandard(again[$0.offset + 1], type: UInt8($0.element), from: $0.offset == 1 ? B : A) })
        let second = V5.firstContactTraffic[secondStart...].map { ($0.fromA, $0.a, $0.b, $0.n, $0.inner) }
        #expect(second.count == 2)
        for (m, c) in zip(again[4...], second) {
            let p = header(m)!
            #expect(p.fromA == c.0 && p.a == c.1 && p.b == c.2 && p.n == c.3 && p.inner == c.4)
        }
    }

    /// captured_rotation_after_60s: pings every 5 s; B rotates on the first A→B packet more than
    /// 60 s after its previous rotation, A on B's next packet. Headers are the same in 0.4; the
    /// nonce state differs.
    @Test(arguments: ProtocolVersion.allCases)
    func capturedRotationAfter60sReproduces(_ version: ProtocolVersion) throws {
        var mesh = Mesh([a, b], version: version)
        let times = [0.0, 5.005, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 61.435, 66.44, 71.675, 76.795]
        var pairs: [((UInt64, UInt64, UInt64), (UInt64, UInt64, UInt64))] = []
        for (k, t) in times.enumerated() {
            mesh.advance(to: t)
            let r = mesh.ping(0, 1, seq: UInt16(k))
            #expect(r == (true, true))
            let traffic = mesh.log.compactMap(Mesh.traffic)
            pairs.append((traffic[traffic.count - 2], traffic[traffic.count - 1]))
            if t == 55 {
                let sa = mesh.nodes[0].sessions.sessions[B]!, sb = mesh.nodes[1].sessions.sessions[A]!
                // 0.5 moves every row's high-water mark; 0.4 only the ordinary one, and only
                // when the throttle allows.
                #expect(sa.recvNonce == (version == .v05 ? 12 : 1))
                #expect(sb.nextSendNonce == (version == .v05 ? 11 : 0))
                #expect(sa.rotated == 0 && sb.rotated == 0)
            }
        }
        var expected: [((UInt64, UInt64, UInt64), (UInt64, UInt64, UInt64))] = [((1, 1, 1), (2, 1, 1))]
        for k in 1...11 { expected.append(((2, 2, UInt64(k)), (2, 1, UInt64(k + 1)))) }
        expected += [((2, 2, 12), (3, 2, 1)), ((3, 3, 1), (3, 2, 2)), ((3, 3, 2), (3, 2, 3)), ((3, 3, 3), (3, 2, 4))]
        #expect(pairs.count == expected.count)
        for (p, e) in zip(pairs, expected) { #expect(p.0 == e.0 && p.1 == e.1, "\(p) vs \(e)") }
        // Both rotated at 61.435 (B on A's packet, A on B's answer) and not since.
        #expect(mesh.nodes[1].sessions.sessions[A]!.rotated == 61.435)
        #expect(mesh.nodes[0].sessions.sessions[B]!.rotated == 61.435)
        // After the lookup (0.4: lookup and response) and INIT, ACK, ACK: only TRAFFIC.
        #expect(mesh.log.dropFirst(version == .v05 ? 4 : 5).allSatisfy { $0.payload.first == 3 })
    }

    /// captured_restart_recovery: B restarts (IfMTU 1280) while A holds a session. The two
    /// handshake rounds, the two lost pings, then traffic 4,1 / 2,4 with a Packet Too Big for a
    /// 2048-byte echo and the fragments that follow.
    @Test func capturedRestartRecoveryReproduces() throws {
        var mesh = Mesh([a, b], version: .v05)
        #expect(mesh.ping(0, 1, seq: 1) == (true, true))
        mesh.advance(to: 3)
        mesh.nodes[1] = Node(keys: b, now: 3, unixTime: Mesh.unixStart + 3, seed: 77, version: .v05)
        mesh.nodes[1].ipv6.setMTU(1280)

        mesh.advance(to: 4)
        var start = mesh.log.count
        #expect(mesh.ping(0, 1, seq: 2) == (false, false))
        var log = Array(mesh.log[start...])
        try #require(log.count == 4)
        #expect(Mesh.traffic(log[0])! == (2, 2, 1) && log[0].from == A)
        let initB = try #require(openHandshake(log[1], recipient: a))
        let ackA = try #require(openHandshake(log[2], recipient: b))
        let ackB = try #require(openHandshake(log[3], recipient: a))
        #expect(isStandard(log[1], type: 1, from: B) && initB.keySeq == 0 && initB.seq == T + 4)
        #expect(isStandard(log[2], type: 2, from: A) && ackA.keySeq == 3 && ackA.seq == T + 4)
        #expect(isStandard(log[3], type: 2, from: B) && ackB.keySeq == 1 && ackB.seq == T + 4)
        #expect(mesh.nodes[0].sessions.counters.ignoredOldHandshake == 1)

        mesh.advance(to: 5)
        start = mesh.log.count
        #expect(mesh.ping(0, 1, seq: 3) == (false, false))
        log = Array(mesh.log[start...])
        try #require(log.count == 3)
        #expect(Mesh.traffic(log[0])! == (3, 0, 2) && log[0].from == A)
        let init2 = try #require(openHandshake(log[1], recipient: a))
        let ack2 = try #require(openHandshake(log[2], recipient: b))
        #expect(isStandard(log[1], type: 1, from: B) && init2.keySeq == 1 && init2.seq == T + 5)
        #expect(init2.current == ackB.current && init2.next == ackB.next)
        #expect(isStandard(log[2], type: 2, from: A) && ack2.keySeq == 4 && ack2.seq == T + 5)

        mesh.advance(to: 6)
        start = mesh.log.count
        #expect(mesh.ping(0, 1, seq: 4) == (true, true))
        #expect(mesh.log[start...].map { Mesh.traffic($0)! }.elementsEqual([(4, 1, 3), (2, 4, 1)]) { $0 == $1 })

        // ping -s 2000: B (MTU 1280) answers with a 560-byte Packet Too Big; A's kernel then
        // sends two fragments, which B's kernel answers.
        mesh.advance(to: 8)
        start = mesh.log.count
        mesh.tunWrite(0, echo(type: 128, from: 0, to: 1, size: 2048, mesh: mesh))
        let ptb = try #require(mesh.nodes[0].tun.last)
        #expect(ptb.count == 560 && ptb[40] == 2 && Array(ptb[44..<48]) == [0, 0, 5, 0])
        mesh.advance(to: 8.5)
        mesh.tunWrite(0, echo(type: 128, from: 0, to: 1, size: 1280, mesh: mesh))
        mesh.tunWrite(0, echo(type: 128, from: 0, to: 1, size: 824, mesh: mesh))
        mesh.tunWrite(1, echo(type: 129, from: 1, to: 0, size: 1280, mesh: mesh))
        mesh.tunWrite(1, echo(type: 129, from: 1, to: 0, size: 824, mesh: mesh))
        let tail = mesh.log[start...].map { header($0)! }
        let want: [(Bool, UInt64, UInt64, UInt64, Int)] = [
            (true, 4, 1, 4, 2049), (false, 2, 4, 2, 561),
            (true, 4, 1, 5, 1281), (true, 4, 1, 6, 825), (false, 2, 4, 3, 1281), (false, 2, 4, 4, 825),
        ]
        #expect(tail.count == want.count)
        for (p, w) in zip(tail, want) {
            #expect(p.fromA == w.0 && p.a == w.1 && p.b == w.2 && p.n == w.3 && p.inner == w.4, "\(p) vs \(w)")
        }
        #expect(mesh.nodes[1].sessions.counters.trafficWithoutSession == 1)
        #expect(mesh.nodes[1].sessions.counters.trafficTriggeringInit == 1)
        #expect(mesh.nodes[1].ipv6.counters.packetTooBigSent == 1)
    }
}

/// A receiving session with known remote keys, and TRAFFIC messages sealed for each RECEIVE row.
struct RowFixture {
    enum Row: CaseIterable { case ordinary, nextSend, nextRecv }

    var session: Session
    /// The remote's private keys behind the session's `current` and `next`.
    var remoteCurrent: BoxKeyPair
    var remoteNext: BoxKeyPair
    var rng = SeededRandom(seed: 8)
    let version: ProtocolVersion

    init(version: ProtocolVersion) {
        self.version = version
        remoteCurrent = BoxKeyPair.generate(using: &rng)
        remoteNext = BoxKeyPair.generate(using: &rng)
        let h = Handshake(current: remoteCurrent.publicKey, next: remoteNext.publicKey, keySeq: 5, seq: 100)
        session = Session(remote: V5.a.publicKey, remoteStatic: nil, from: h, generation: 1, now: 0, random: &rng)
        session.seq = 100
        session.remoteKeySeq = 5
        session.localKeySeq = 7
        session.fixShared(recvNonce: 0, sendNonce: 0)
    }

    /// A message the remote would send that falls in `row` of the session's current state;
    /// `innerKey` is the remote's advertised next key (defaults to a fixed fresh key).
    func message(_ row: Row, nonce: UInt64, data: [UInt8], innerKey: BoxPublicKey? = nil) -> [UInt8] {
        let r = session.remoteKeySeq, l = session.localKeySeq
        let (x, y, theirs, ours): (UInt64, UInt64, BoxKeyPair, BoxPublicKey) = switch row {
        case .ordinary: (r, l - 1, remoteCurrent, session.recv.publicKey)
        case .nextSend: (r + 1, l, remoteNext, session.send.publicKey)
        case .nextRecv: (r + 1, l - 1, remoteNext, session.recv.publicKey)
        }
        let shared = BoxSharedKey(theirs: ours, ours: theirs.secretKey)!
        let inner = innerKey ?? remoteNext.publicKey
        return data.withUnsafeBytes {
            SessionWire.sealTraffic(TrafficSeal(localKeySeq: x, remoteKeySeq: y, nonce: nonce, nextPublic: inner, shared: shared), data: $0)
        }
    }

    mutating func receive(_ msg: [UInt8], now: Double) -> ArrayOutcome {
        msg.withUnsafeBytes { session.receiveArray($0, now: now, version: version, random: &rng) }
    }
}

extension ArrayOutcome {
    var delivered: [UInt8]? { if case .deliver(let d) = self { d } else { nil } }
    var isReplay: Bool { if case .replay = self { true } else { false } }
    var isSendInit: Bool { if case .sendInit = self { true } else { false } }
}

/// RECEIVE row by row in both versions (v05 spec §4.3 against 0.4.7-S §4.6, §4.9).
@Suite struct Session05ReceiveTests {
    /// Within the throttle window, each row decrypts; a replayed or older nonce is dropped in 0.5
    /// (every row has a high-water mark). ironwood 0.4 would accept both in the two next rows (and
    /// in the ordinary row while throttled); our 0.4 replay window drops the replay and accepts the
    /// older, unseen nonce (reordering).
    @Test(arguments: RowFixture.Row.allCases, ProtocolVersion.allCases)
    func replaysPerRow(_ row: RowFixture.Row, _ version: ProtocolVersion) {
        var f = RowFixture(version: version)
        f.session.rotated = 0  // rotated just now: no ROTATE within the next minute
        let m5 = f.message(row, nonce: 5, data: [2, 5])
        let m3 = f.message(row, nonce: 3, data: [2, 3])
        let m6 = f.message(row, nonce: 6, data: [2, 6])
        #expect(f.receive(m5, now: 10).delivered == [2, 5])
        let again = f.receive(m5, now: 11), older = f.receive(m3, now: 12)
        switch version {
        case .v05:
            #expect(again.isReplay && older.isReplay)
        case .v04:
            // The replay window: a duplicate is dropped, an older unseen nonce is reordering.
            #expect(again.isReplay && older.delivered == [2, 3])
        }
        #expect(f.receive(m6, now: 13).delivered == [2, 6])
        // No rotation happened, and `rotated` was not restamped.
        #expect(f.session.localKeySeq == 7 && f.session.remoteKeySeq == 5 && f.session.rotated == 0)
        let marks = (f.session.recvNonce, f.session.nextSendNonce, f.session.nextRecvNonce)
        switch (version, row) {
        case (.v05, .ordinary): #expect(marks == (6, 0, 0))
        case (.v05, .nextSend): #expect(marks == (0, 6, 0))
        case (.v05, .nextRecv): #expect(marks == (0, 0, 6))
        case (.v04, _): #expect(marks == (0, 0, 0))
        }
    }

    /// 0.5: the ordinary row never touches `rotated`; 0.4 stamps it on any success the throttle
    /// lets through.
    @Test(arguments: ProtocolVersion.allCases)
    func ordinaryRowAndTheThrottleStamp(_ version: ProtocolVersion) {
        var f = RowFixture(version: version)
        #expect(f.receive(f.message(.ordinary, nonce: 1, data: [2]), now: 3).delivered == [2])
        #expect(f.session.recvNonce == 1)
        #expect(f.session.rotated == (version == .v05 ? nil : 3))
        #expect(f.receive(f.message(.ordinary, nonce: 2, data: [2]), now: 4).delivered == [2])
        #expect(f.session.recvNonce == (version == .v05 ? 2 : 1))
    }

    /// 0.5 ROTATE: at most once per 60 s; the next rows keep decrypting (and moving their marks)
    /// in between; the first next-row packet after the window rotates.
    @Test(arguments: [RowFixture.Row.nextSend, .nextRecv])
    func rotationIsThrottled(_ row: RowFixture.Row) throws {
        var f = RowFixture(version: .v05)
        var keys = SeededRandom(seed: 31)
        let third = BoxKeyPair.generate(using: &keys), fourth = BoxKeyPair.generate(using: &keys)
        let oldNext = f.remoteNext.publicKey, oldSend = f.session.send.publicKey
        let oldNextLocal = f.session.nextLocal.publicKey
        f.session.sendNonce = 9
        // Never rotated: the first next-row packet rotates.
        #expect(f.receive(f.message(row, nonce: 4, data: [2, 1], innerKey: third.publicKey), now: 1).delivered == [2, 1])
        #expect(f.session.current == oldNext && f.session.next == third.publicKey)
        #expect(f.session.remoteKeySeq == 6 && f.session.localKeySeq == 8)
        #expect(f.session.recv.publicKey == oldSend && f.session.send.publicKey == oldNextLocal)
        #expect(f.session.recvNonce == 4 && f.session.sendNonce == 0)
        #expect(f.session.nextSendNonce == 0 && f.session.nextRecvNonce == 0)
        #expect(f.session.rotated == 1)
        f.remoteCurrent = f.remoteNext
        f.remoteNext = third

        // 30 s later, a next-row packet: decrypted, mark moved, no rotation.
        #expect(f.receive(f.message(row, nonce: 1, data: [2, 2], innerKey: fourth.publicKey), now: 31).delivered == [2, 2])
        #expect(f.session.localKeySeq == 8 && f.session.rotated == 1)
        #expect((row == .nextSend ? f.session.nextSendNonce : f.session.nextRecvNonce) == 1)
        // The same packet again: replay.
        #expect(f.receive(f.message(row, nonce: 1, data: [2, 2], innerKey: fourth.publicKey), now: 32).isReplay)
        // Exactly 60 s after the rotation: still throttled ("more than 60 s").
        #expect(f.receive(f.message(row, nonce: 2, data: [2, 3], innerKey: fourth.publicKey), now: 61).delivered == [2, 3])
        #expect(f.session.localKeySeq == 8)
        // After 60 s: rotates, recvNonce := n.
        #expect(f.receive(f.message(row, nonce: 3, data: [2, 4], innerKey: fourth.publicKey), now: 61.5).delivered == [2, 4])
        #expect(f.session.localKeySeq == 9 && f.session.remoteKeySeq == 7 && f.session.rotated == 61.5)
        #expect(f.session.current == third.publicKey && f.session.next == fourth.publicKey)
        #expect(f.session.recvNonce == 3 && f.session.nextSendNonce == 0 && f.session.nextRecvNonce == 0)
        // The first indices (5, 6) no longer match: an INIT, not a delivery.
        #expect(f.receive([3, 5, 6, 100] + [UInt8](repeating: 0, count: 60), now: 62).isSendInit)
    }

    /// "Recompute shared keys" (UPDATE here) zeroes the next-row marks, so the remote's fresh
    /// keys start again at nonce 1.
    @Test func updateResetsTheNextNonces() throws {
        var f = RowFixture(version: .v05)
        f.session.rotated = 0
        #expect(f.receive(f.message(.nextSend, nonce: 5, data: [2]), now: 5).delivered == [2])
        #expect(f.receive(f.message(.nextRecv, nonce: 7, data: [2]), now: 5).delivered == [2])
        #expect(f.session.nextSendNonce == 5 && f.session.nextRecvNonce == 7)
        var keys = SeededRandom(seed: 51)
        let c = BoxKeyPair.generate(using: &keys), n = BoxKeyPair.generate(using: &keys)
        let h = Handshake(current: c.publicKey, next: n.publicKey, keySeq: 20, seq: 101)
        #expect(f.session.update(with: h, now: 6, random: &keys))
        #expect(f.session.nextSendNonce == 0 && f.session.nextRecvNonce == 0 && f.session.recvNonce == 0)
        f.remoteCurrent = c
        f.remoteNext = n
        #expect(f.receive(f.message(.nextSend, nonce: 1, data: [2, 9]), now: 7).delivered == [2, 9])
        #expect(f.receive(f.message(.ordinary, nonce: 1, data: [2, 8]), now: 7).delivered == [2, 8])
    }
}

/// The manager in 0.5 mode: MTU, and the data path under the same rules as the general path.
@Suite struct SessionManager05Tests {
    let a = V5.a, b = V5.b
    var A: PublicKey { a.publicKey }
    var B: PublicKey { b.publicKey }

    @Test func mtuIs130914() throws {
        #expect(SessionConstants.networkMTU05 == 130993)
        #expect(SessionConstants.mtu(.v05) == 130914 && SessionConstants.mtu(.v04) == 53050)
        var m = SessionManager(keys: a, now: 0, unixTime: Mesh.unixStart, random: SeededRandom(seed: 1), version: .v05)
        #expect(m.mtu == 130914 && m.version == .v05)
        #expect(throws: SessionError.oversized(130915)) {
            try m.send(to: B, data: [UInt8](repeating: 1, count: 130915), now: 0)
        }
        try m.send(to: B, data: [UInt8](repeating: 1, count: 130914), now: 0)
        #expect(m.takeActions().count == 1)
        // Over an established session the largest message fits 0.5's network MTU.
        var mesh = Mesh([a, b], version: .v05)
        mesh.sessionSend(0, to: 1, [2, 1])
        try mesh.nodes[0].sessions.send(to: B, data: [UInt8](repeating: 7, count: 130914), now: 0)
        guard case .send(_, let p)? = mesh.nodes[0].sessions.takeActions().first else { Issue.record("nothing sent"); return }
        #expect(p.count <= SessionConstants.networkMTU05)
        guard case .dropped = mesh.nodes[0].sessions.sealTraffic(to: B, dataLength: 130915, now: 0) else {
            Issue.record("oversize sealed"); return
        }
        guard case .sealed = mesh.nodes[0].sessions.sealTraffic(to: B, dataLength: 130914, now: 0) else {
            Issue.record("not sealed"); return
        }
    }

    /// `openTraffic` applies the version's rules: a replay through "fromNext and toSend" is
    /// dropped in 0.5 (high-water mark) and in 0.4 (our replay window; ironwood 0.4 delivers it).
    @Test(arguments: ProtocolVersion.allCases)
    func dataPathFollowsTheVersion(_ version: ProtocolVersion) throws {
        var mesh = Mesh([a, b], version: version)
        mesh.sessionSend(0, to: 1, [2, 0xaa])
        mesh.sessionSend(1, to: 0, [2, 0xbb])
        mesh.advance(to: 10)
        mesh.sessionSend(0, to: 1, [2, 1])
        let sent = try #require(mesh.log.last)
        #expect(Mesh.traffic(sent)! == (2, 2, 1))
        #expect(mesh.nodes[1].other.last!.data == [2, 1])
        var out = [UInt8](repeating: 0, count: sent.payload.count)
        let range = out.withUnsafeMutableBytes { o in
            sent.payload.withUnsafeBytes { mesh.nodes[1].sessions.openTraffic(from: A, message: $0, into: o, now: 20) }
        }
        #expect(range == nil)
        #expect(mesh.nodes[1].sessions.counters.droppedReplayedTraffic == 1)
        #expect(mesh.nodes[1].sessions.takeActions().isEmpty)
        // A fresh packet opens on the data path in both versions.
        mesh.lose = { _ in true }
        mesh.sessionSend(0, to: 1, [2, 2])
        let fresh = try #require(mesh.log.last)
        let r2 = out.withUnsafeMutableBytes { o in
            fresh.payload.withUnsafeBytes { mesh.nodes[1].sessions.openTraffic(from: A, message: $0, into: o, now: 21) }
        }
        #expect(r2.map { Array(out[$0]) } == [2, 2])
        #expect(mesh.nodes[1].sessions.sessions[A]!.nextSendNonce == (version == .v05 ? 2 : 0))
    }
}
