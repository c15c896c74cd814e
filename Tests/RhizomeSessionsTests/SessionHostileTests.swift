import Testing
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
@testable import RhizomeSessions

/// Issue 13: the session layer under forged and replayed traffic.
@Suite struct SessionManagerHostileTests {
    let a = V.node1, b = V.node2
    var A: PublicKey { a.publicKey }
    var B: PublicKey { b.publicKey }

    /// TRAFFIC with unknown key indices: answered by an INIT when no session (or authentication) fits.
    static let forged: [UInt8] = [3, 9, 9, 9] + [UInt8](repeating: 0, count: 60)

    /// Forged TRAFFIC from 10,000 random (valid) keys in a tight loop, 2,000 a simulated second:
    /// at most 200 INITs go out in any whole second, and no state grows past its bound.
    @Test(arguments: ProtocolVersion.allCases)
    func forgedTrafficFromRandomKeysIsRateLimited(_ version: ProtocolVersion) {
        var rng = SeededRandom(seed: 99)
        let keys = (0..<10_000).map { _ in SigningKeyPair.generate(using: &rng).publicKey }
        var m = SessionManager(keys: a, now: 0, unixTime: Mesh.unixStart, random: SeededRandom(seed: 7), version: version)
        var initsPerSecond: [Int: Int] = [:]
        for (i, key) in keys.enumerated() {
            let now = Double(i) * 0.0005
            m.receive(from: key, message: Self.forged, now: now)
            for case .send(_, let p) in m.takeActions() where p.first == SessionConstants.typeInit {
                initsPerSecond[Int(now), default: 0] += 1
            }
        }
        #expect(initsPerSecond.count == 5)
        #expect(initsPerSecond.values.allSatisfy { $0 <= InitRateLimiter.defaultGlobalLimit })
        // The budget is used, not starved: each second answers its 200.
        #expect(initsPerSecond.values.allSatisfy { $0 == InitRateLimiter.defaultGlobalLimit })
        #expect(m.counters.trafficWithoutSession == 10_000)
        #expect(m.counters.rateLimitedInits == 10_000 - 5 * 200)
        #expect(m.sessionCount == 0 && m.pendingCount == 0)
        #expect(m.initLimiter.trackedKeys <= 2 * InitRateLimiter.defaultGlobalLimit)
        #expect(m.initLimiter.order.count - m.initLimiter.orderHead <= 2 * InitRateLimiter.defaultGlobalLimit)
    }

    /// One key: at most one INIT a second, with or without a session.
    @Test func oneInitPerSecondPerKey() throws {
        var m = SessionManager(keys: a, now: 0, unixTime: Mesh.unixStart, random: SeededRandom(seed: 5))
        var sent = 0
        for k in 0..<30 {
            m.receive(from: B, message: Self.forged, now: Double(k) * 0.1)  // 3 s
            sent += m.takeActions().count
        }
        #expect(sent == 3)
        // With a session, TRAFFIC that does not authenticate: the same limit.
        var mesh = Mesh([a, b])
        mesh.sessionSend(0, to: 1, [2, 0xaa])
        mesh.sessionSend(1, to: 0, [2, 0xbb])
        var inits = 0
        for k in 0..<20 {
            mesh.nodes[0].sessions.receive(from: B, message: Self.forged, now: 10 + Double(k) * 0.1)
            inits += mesh.nodes[0].sessions.takeActions().count
        }
        #expect(inits == 2)
        #expect(mesh.nodes[0].sessions.counters.trafficTriggeringInit == 20)
        #expect(mesh.nodes[0].sessions.counters.rateLimitedInits == 18)
    }

    /// The limiter's table stays within `maxKeys` even when its global limit would let more through.
    @Test func limiterTableIsBounded() {
        var limiter = InitRateLimiter(globalLimit: 100_000, maxKeys: 64)
        var rng = SeededRandom(seed: 3)
        var allowed = 0
        for _ in 0..<1000 {
            let key = PublicKey(w0: rng.nextWord(), w1: rng.nextWord(), w2: rng.nextWord(), w3: rng.nextWord())
            if limiter.allow(key, now: 0.5) { allowed += 1 }
            #expect(limiter.trackedKeys <= 64)
        }
        #expect(allowed == 1000)
        // Entries past their second are forgotten.
        _ = limiter.allow(PublicKey.zero, now: 2)
        #expect(limiter.trackedKeys == 1)
    }

    func establishedPair(_ version: ProtocolVersion) -> Mesh {
        var mesh = Mesh([a, b], version: version)
        mesh.sessionSend(0, to: 1, [2, 0xaa])
        mesh.sessionSend(1, to: 0, [2, 0xbb])
        return mesh
    }

    /// A replayed TRAFFIC packet is refused at once in both versions (0.4 used to take it for up
    /// to a minute), across key rotations, while fresh traffic keeps flowing both ways.
    @Test(arguments: ProtocolVersion.allCases)
    func replayedTrafficIsRejected(_ version: ProtocolVersion) throws {
        var mesh = establishedPair(version)
        var deliveredA = mesh.nodes[0].other.count, deliveredB = mesh.nodes[1].other.count
        var replays = 0
        for t in stride(from: 1.0, through: 150, by: 7) {
            mesh.advance(to: t)
            mesh.sessionSend(1, to: 0, [2, UInt8(t)])
            let toA = try #require(mesh.log.last)
            mesh.sessionSend(0, to: 1, [2, UInt8(t) &+ 1])
            let toB = try #require(mesh.log.last)
            deliveredA += 1
            deliveredB += 1
            #expect(mesh.nodes[0].other.count == deliveredA && mesh.nodes[1].other.count == deliveredB)
            // A relay repeats both, a moment later.
            mesh.advance(to: t + 1)
            mesh.inject(toA)
            mesh.inject(toB)
            replays += 2
            #expect(mesh.nodes[0].other.count == deliveredA, "replay delivered to A at \(t)")
            #expect(mesh.nodes[1].other.count == deliveredB, "replay delivered to B at \(t)")
        }
        let dropped = mesh.nodes[0].sessions.counters.droppedReplayedTraffic + mesh.nodes[1].sessions.counters.droppedReplayedTraffic
        #expect(dropped == replays)
    }

    /// 0.4: packets reordered within the window are all delivered once; duplicates and packets
    /// older than the window are not. 0.5 (ironwood 743fe2f) keeps a strict high-water mark, so
    /// there only the newest of a reordered burst is delivered — as upstream.
    @Test(arguments: ProtocolVersion.allCases)
    func reorderingWithinTheWindow(_ version: ProtocolVersion) throws {
        var mesh = establishedPair(version)
        mesh.advance(to: 5)
        mesh.lose = { $0.from == self.B }
        var held: [NetMessage] = []
        for k in 0..<6 {
            mesh.sessionSend(1, to: 0, [2, UInt8(k)])
            held.append(mesh.log.last!)
        }
        mesh.lose = { _ in false }
        let before = mesh.nodes[0].other.count
        for i in [5, 1, 0, 3, 2, 4, 3, 5] { mesh.inject(held[i]) }
        let got = mesh.nodes[0].other.dropFirst(before).map { $0.data[1] }
        if version == .v04 {
            #expect(got == [5, 1, 0, 3, 2, 4])
            // Far older than the window: refused.
            mesh.lose = { $0.from == self.B }
            var burst: [NetMessage] = []
            for _ in 0..<(ReplayWindow.size + 10) {
                mesh.sessionSend(1, to: 0, [2, 0xee])
                burst.append(mesh.log.last!)
            }
            mesh.lose = { _ in false }
            let n = mesh.nodes[0].other.count
            mesh.inject(burst.last!)
            mesh.inject(burst[0])
            mesh.inject(burst[burst.count - 100])
            #expect(mesh.nodes[0].other.count == n + 2)
        } else {
            #expect(got == [5])
        }
    }
}

@Suite struct ReplayWindowTests {
    @Test func slidesAndRemembers() {
        var w = ReplayWindow()
        #expect(w.check(1))
        w.mark(1)
        #expect(!w.check(1) && w.check(2))
        w.mark(3000)
        #expect(w.check(2999) && !w.check(3000))
        #expect(!w.check(1) && !w.check(3000 - UInt64(ReplayWindow.size)))
        #expect(w.check(3000 - UInt64(ReplayWindow.size - 65)))
        // A jump of more than a window clears everything behind it.
        w.mark(2999)
        w.mark(10_000)
        #expect(!w.check(2999) && w.check(10_000 - 5))
        w.reset()
        #expect(w.check(10_000) && w.check(1))
    }
}
