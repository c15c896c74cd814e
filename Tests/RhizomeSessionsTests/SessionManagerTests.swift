import Testing
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
@testable import RhizomeSessions

/// Opens a logged INIT/ACK as its recipient would.
func openHandshake(_ m: NetMessage, recipient: SigningKeyPair) -> Handshake? {
    m.payload.withUnsafeBytes { SessionWire.openHandshake($0, ourStatic: recipient.curve25519PrivateKey, sender: m.from) }
}

func isStandard(_ m: NetMessage, type: UInt8, from: PublicKey) -> Bool {
    guard case .standard = m else { return false }
    return m.from == from && m.payload.first == type
}

@Suite struct SessionManagerTests {
    let a = V.node1, b = V.node2
    var A: PublicKey { a.publicKey }
    var B: PublicKey { b.publicKey }
    let T = UInt64(Mesh.unixStart)

    /// §4.7: lookup → response → INIT → ACK → ACK treated as INIT → TRAFFIC both ways, then the
    /// ratchet once 60 s have passed since the last rotation.
    @Test func capturedHandshakeAndRatchetSequence() throws {
        var mesh = Mesh([a, b])
        let first = mesh.ping(0, 1, seq: 1)
        #expect(first.request && first.reply)
        let log = mesh.log
        try #require(log.count == 7)
        // 1, 2: key lookup and response (out of band).
        guard case .outOfBand(A, Address(key: B).partialKey.key, _) = log[0] else { Issue.record("1: \(log[0])"); return }
        guard case .outOfBand(B, A, _) = log[1] else { Issue.record("2: \(log[1])"); return }
        // 3: INIT A→B, keySeq 0, seq T (the buffer's keys cA, nA).
        #expect(isStandard(log[2], type: 1, from: A))
        let initA = try #require(openHandshake(log[2], recipient: b))
        #expect(initA.keySeq == 0 && initA.seq == T)
        // 4: ACK B→A, keySeq 1, seq T.
        #expect(isStandard(log[3], type: 2, from: B))
        let ackB = try #require(openHandshake(log[3], recipient: a))
        #expect(ackB.keySeq == 1 && ackB.seq == T)
        // 5: ACK A→B (A had no session: B's ACK was handled as an INIT): keySeq 1, current = nA.
        #expect(isStandard(log[4], type: 2, from: A))
        let ackA = try #require(openHandshake(log[4], recipient: b))
        #expect(ackA.keySeq == 1 && ackA.seq == T && ackA.current == initA.next)
        // B ignored it: same second.
        #expect(mesh.nodes[1].sessions.counters.ignoredOldHandshake == 1)
        // 6: the buffered ping, 1,1 nonce 1; 7: the reply, 2,1 nonce 1 (B rotated on 6).
        #expect(Mesh.traffic(log[5])! == (1, 1, 1) && log[5].from == A)
        #expect(Mesh.traffic(log[6])! == (2, 1, 1) && log[6].from == B)
        // The IPv6 packet in 6 was 104 bytes: TRAFFIC = 4 + 16 + 32 + 1 + 104.
        #expect(log[5].payload.count == 4 + 153)

        // 8, 9…: A→B 2,2 nonce 1, 2, 3…; B→A 2,1 nonce 2, 3…
        for (k, t) in [0.0, 10, 20, 30, 40, 50, 60].enumerated() {
            mesh.advance(to: t)
            let start = mesh.log.count
            let r = mesh.ping(0, 1, seq: UInt16(2 + k))
            #expect(r.request && r.reply)
            #expect(mesh.log.count == start + 2)
            #expect(Mesh.traffic(mesh.log[start])! == (2, 2, UInt64(k + 1)))
            #expect(Mesh.traffic(mesh.log[start + 1])! == (2, 1, UInt64(k + 2)))
        }
        // A kept recvNonce at 1 (throttled), B took every A→B packet through "fromNext and toSend".
        #expect(mesh.nodes[0].sessions.sessions[B]!.recvNonce == 1)
        #expect(mesh.nodes[1].sessions.sessions[A]!.localKeySeq == 2)

        // More than 60 s after the rotations: B→A 3,2 nonce 1, then A→B 3,3 nonce 1.
        mesh.advance(to: 70)
        var start = mesh.log.count
        var r = mesh.ping(0, 1, seq: 100)
        #expect(r.request && r.reply)
        #expect(Mesh.traffic(mesh.log[start])! == (2, 2, 8))
        #expect(Mesh.traffic(mesh.log[start + 1])! == (3, 2, 1))
        mesh.advance(to: 71)
        start = mesh.log.count
        r = mesh.ping(0, 1, seq: 101)
        #expect(r.request && r.reply)
        #expect(Mesh.traffic(mesh.log[start])! == (3, 3, 1))
        #expect(Mesh.traffic(mesh.log[start + 1])! == (3, 2, 2))
        // No INIT was needed after the handshake.
        #expect(mesh.log.dropFirst(5).allSatisfy { $0.payload.first == 3 })

        // getSessions.
        let summaries = mesh.nodes[0].sessions.sessionSummaries(now: 71)
        #expect(summaries.map(\.key) == [B])
        #expect(summaries[0].uptime == 71)
        #expect(summaries[0].bytesSent == 10 * 105 && summaries[0].bytesReceived == 10 * 105)
    }

    /// §4.7 restart: B restarts while A holds a session; traffic resumes within a few packets.
    @Test func restartedPeerResynchronises() {
        var mesh = Mesh([a, b])
        #expect(mesh.ping(0, 1, seq: 1) == (true, true))
        mesh.advance(to: 5)
        #expect(mesh.ping(0, 1, seq: 2) == (true, true))
        // B restarts: new state, same keys, one second later.
        mesh.advance(to: 6)
        mesh.nodes[1] = Node(keys: b, now: 6, unixTime: Mesh.unixStart + 6, seed: 77)
        var results: [Bool] = []
        for k in 0..<6 {
            mesh.advance(to: 7 + Double(k))
            results.append(mesh.ping(0, 1, seq: UInt16(10 + k)).reply)
        }
        // As captured: two pings lost, then everything gets through.
        #expect(results == [false, false, true, true, true, true])
        #expect(mesh.nodes[1].sessions.counters.trafficWithoutSession == 1)
        #expect(mesh.nodes[1].sessions.counters.trafficTriggeringInit == 1)
    }

    /// Two managers only: A sends session data to B; B answers; then B keeps sending one way.
    func establishedPair() -> Mesh {
        var mesh = Mesh([a, b])
        mesh.sessionSend(0, to: 1, [2, 0xaa])
        mesh.sessionSend(1, to: 0, [2, 0xbb])
        return mesh
    }

    /// ironwood 0.4 accepts replays within the throttle window (§4.9: recvNonce moves at most once
    /// a minute); our replay window drops them at once, and after the window too.
    @Test func replayAfterTheThrottleWindowIsDropped() throws {
        var mesh = establishedPair()
        #expect(mesh.nodes[0].other.count == 1 && mesh.nodes[1].other.count == 1)
        mesh.advance(to: 10)
        mesh.sessionSend(1, to: 0, [2, 1])
        let early = try #require(mesh.log.last)
        #expect(Mesh.traffic(early)! == (2, 1, 2))
        // Same minute: ironwood would deliver the replay again (recvNonce is still 1); we do not.
        mesh.advance(to: 20)
        mesh.inject(early)
        #expect(mesh.nodes[0].other.count == 2)
        #expect(mesh.nodes[0].sessions.sessions[B]!.recvNonce == 1)
        #expect(mesh.nodes[0].sessions.counters.droppedReplayedTraffic == 1)
        for t in [30.0, 40, 50, 60, 70] {
            mesh.advance(to: t)
            mesh.sessionSend(1, to: 0, [2, UInt8(t)])
        }
        #expect(mesh.nodes[0].other.count == 7)
        let late = try #require(mesh.log.last)
        #expect(Mesh.traffic(late)! == (2, 1, 7))
        #expect(mesh.nodes[0].sessions.sessions[B]!.recvNonce == 7)
        mesh.advance(to: 71)
        mesh.inject(late)
        mesh.inject(early)
        #expect(mesh.nodes[0].other.count == 7)
        #expect(mesh.nodes[0].sessions.counters.droppedReplayedTraffic == 3)
        // Fresh traffic still flows.
        mesh.sessionSend(1, to: 0, [2, 0xcc])
        #expect(mesh.nodes[0].other.last!.data == [2, 0xcc])
    }

    @Test func tamperedTrafficTriggersAnInitAndIsNotDelivered() throws {
        var mesh = establishedPair()
        mesh.advance(to: 5)
        mesh.lose = { _ in true }
        mesh.sessionSend(1, to: 0, [2, 1, 2, 3])
        var tampered = try #require(mesh.log.last)
        guard case .standard(let f, let t, var p) = tampered else { return }
        p[p.count - 1] ^= 0x01
        tampered = .standard(from: f, to: t, payload: p)
        mesh.lose = { _ in false }
        let before = mesh.log.count
        var capture = mesh
        capture.nodes[0].sessions.receive(from: B, message: p, now: 5)
        let reaction = capture.nodes[0].sessions.takeActions()
        #expect(reaction.count == 1)
        guard case let .send(to, initMsg)? = reaction.first else { return }
        #expect(to == B && initMsg.count == 193 && initMsg[0] == 1)
        let h = try #require(openHandshake(.standard(from: A, to: B, payload: initMsg), recipient: b))
        #expect(h.seq == T + 5 && h.keySeq == mesh.nodes[0].sessions.sessions[B]!.localKeySeq)

        mesh.inject(tampered)
        #expect(mesh.nodes[0].other.count == 1)
        #expect(mesh.nodes[0].sessions.counters.trafficTriggeringInit == 1)
        #expect(isStandard(mesh.log[before], type: 1, from: A))
        // B takes the newer INIT and ACKs; A updates; data flows both ways again.
        #expect(isStandard(mesh.log[before + 1], type: 2, from: B))
        mesh.sessionSend(1, to: 0, [2, 9])
        // UPDATE does not roll the send nonce back: B sent nonces 1 and 2 before.
        #expect(Mesh.traffic(mesh.log.last!)?.2 == 3)
        mesh.sessionSend(0, to: 1, [2, 8])
        // A's nonce restarted at its rotation (on B's first packet) and has not been used since.
        #expect(Mesh.traffic(mesh.log.last!)?.2 == 1)
        #expect(mesh.nodes[0].other.last!.data == [2, 9])
        #expect(mesh.nodes[1].other.last!.data == [2, 8])
    }

    @Test func trafficWithUnknownKeyIndicesTriggersAnInit() {
        var mesh = establishedPair()
        var m = SessionManager(keys: a, now: 0, unixTime: Mesh.unixStart, random: SeededRandom(seed: 5))
        m.receive(from: B, message: [3, 9, 9, 9] + [UInt8](repeating: 0, count: 60), now: 0)
        // No session: a throw-away INIT, nothing kept.
        #expect(m.counters.trafficWithoutSession == 1 && m.sessionCount == 0 && m.pendingCount == 0)
        guard case .send(B, let p)? = m.takeActions().first else { Issue.record("no INIT"); return }
        #expect(p.count == 193 && p[0] == 1)
        // With a session: unknown indices → INIT with the session's keys.
        mesh.nodes[0].sessions.receive(from: B, message: [3, 9, 9, 9] + [UInt8](repeating: 0, count: 60), now: 0)
        #expect(mesh.nodes[0].sessions.counters.trafficTriggeringInit == 1)
        // Too short, and empty/dummy/unknown types: silent.
        mesh.nodes[0].sessions.receive(from: B, message: [3, 1, 1, 1] + [UInt8](repeating: 0, count: 47), now: 0)
        mesh.nodes[0].sessions.receive(from: B, message: [], now: 0)
        mesh.nodes[0].sessions.receive(from: B, message: [0, 1, 2], now: 0)
        mesh.nodes[0].sessions.receive(from: B, message: [7], now: 0)
        mesh.nodes[0].sessions.receive(from: B, message: [1] + [UInt8](repeating: 0, count: 192), now: 0)
        let actions = mesh.nodes[0].sessions.takeActions()
        #expect(actions.count == 1)
        #expect(mesh.nodes[0].sessions.counters.droppedMalformedTraffic == 1)
        #expect(mesh.nodes[0].sessions.counters.droppedOther == 3)
        #expect(mesh.nodes[0].sessions.counters.droppedBadHandshake == 1)
    }

    @Test func oversizeSendIsRefused() throws {
        var m = SessionManager(keys: a, now: 0, unixTime: Mesh.unixStart, random: SeededRandom(seed: 1))
        #expect(SessionConstants.mtu == 53050)
        #expect(throws: SessionError.oversized(53051)) {
            try m.send(to: B, data: [UInt8](repeating: 1, count: 53051), now: 0)
        }
        #expect(m.takeActions().isEmpty && m.pendingCount == 0)
        try m.send(to: B, data: [UInt8](repeating: 1, count: 53050), now: 0)
        #expect(m.takeActions().count == 1)
        // Over an established session the largest message fits the network MTU.
        var mesh = establishedPair()
        try mesh.nodes[0].sessions.send(to: B, data: [UInt8](repeating: 7, count: 53050), now: 0)
        guard case .send(_, let p)? = mesh.nodes[0].sessions.takeActions().first else { Issue.record("nothing sent"); return }
        #expect(p.count <= Constants.networkMTU)
        #expect(throws: SessionError.oversized(53051)) {
            try mesh.nodes[0].sessions.send(to: B, data: [UInt8](repeating: 1, count: 53051), now: 0)
        }
    }

    @Test func idleSessionsAndPendingBuffersExpire() throws {
        var mesh = establishedPair()
        #expect(mesh.nodes[0].sessions.sessionCount == 1 && mesh.nodes[1].sessions.sessionCount == 1)
        mesh.advance(to: 59.9)
        #expect(mesh.nodes[0].sessions.sessionCount == 1)
        mesh.advance(to: 60)
        #expect(mesh.nodes[0].sessions.sessionCount == 0 && mesh.nodes[1].sessions.sessionCount == 0)
        #expect(mesh.nodes[0].sessions.nextWakeup == nil)

        // A pending buffer: only the latest packet is kept; each send repeats the INIT's keys, with
        // the current second as seq (HandshakeRetryTests).
        var m = SessionManager(keys: a, now: 0, unixTime: Mesh.unixStart, random: SeededRandom(seed: 1))
        try m.send(to: B, data: [2, 1], now: 0)
        try m.send(to: B, data: [2, 2], now: 1.5)
        let inits = m.takeActions().compactMap { action -> Handshake? in
            guard case .send(_, let p) = action else { return nil }
            return openHandshake(.standard(from: A, to: B, payload: p), recipient: b)
        }
        try #require(inits.count == 2)
        #expect(inits[0].current == inits[1].current && inits[0].next == inits[1].next && inits[1].keySeq == 0)
        #expect(inits[0].seq == T && inits[1].seq == T + 1)
        #expect(m.buffers[B]!.data == [2, 2])
        m.tick(now: 61)
        #expect(m.pendingCount == 1)
        m.tick(now: 61.5)
        #expect(m.pendingCount == 0 && m.nextWakeup == nil)
    }

    @Test func onlyTheLatestPendingPacketIsDeliveredAfterTheHandshake() {
        var mesh = Mesh([a, b])
        mesh.lose = { $0.from == A }  // hold A's INITs back
        mesh.sessionSend(0, to: 1, [2, 1])
        mesh.sessionSend(0, to: 1, [2, 2])
        mesh.lose = { _ in false }
        mesh.sessionSend(0, to: 1, [2, 3])
        #expect(mesh.nodes[1].other.map(\.data) == [[2, 3]])
        #expect(mesh.nodes[0].sessions.pendingCount == 0)
    }

    @Test func tablesAreBoundedByEvictingTheLeastRecentlyActive() throws {
        var rng = SeededRandom(seed: 11)
        let others = (0..<3).map { _ in SigningKeyPair.generate(using: &rng) }
        var m = SessionManager(keys: a, now: 0, unixTime: Mesh.unixStart, random: SeededRandom(seed: 2), maxSessions: 2, maxBuffers: 2)
        for (i, k) in others.enumerated() {
            var peer = SessionManager(keys: k, now: 0, unixTime: Mesh.unixStart, random: SeededRandom(seed: UInt64(20 + i)))
            try peer.send(to: A, data: [2], now: Double(i))
            guard case .send(_, let initMsg)? = peer.takeActions().first else { Issue.record("no INIT"); return }
            m.receive(from: k.publicKey, message: initMsg, now: Double(i))
        }
        #expect(m.sessionCount == 2)
        #expect(m.counters.evictedSessions == 1)
        #expect(!m.hasSession(with: others[0].publicKey) && m.hasSession(with: others[2].publicKey))

        var n = SessionManager(keys: a, now: 0, unixTime: Mesh.unixStart, random: SeededRandom(seed: 3), maxSessions: 2, maxBuffers: 2)
        try n.send(to: others[0].publicKey, data: [1], now: 0)
        try n.send(to: others[1].publicKey, data: [1], now: 1)
        try n.send(to: others[0].publicKey, data: [1], now: 2)  // refreshed: others[1] is now the oldest
        try n.send(to: others[2].publicKey, data: [1], now: 3)
        #expect(n.pendingCount == 2 && n.counters.evictedBuffers == 1)
        #expect(n.buffers[others[1].publicKey] == nil && n.buffers[others[0].publicKey] != nil)
    }
}
