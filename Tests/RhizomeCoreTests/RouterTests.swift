import Testing
import RhizomeCrypto
@testable import RhizomeCore

/// A few routers wired back to back in memory, delivering frames in order with no delay.
struct MiniMesh {
    var routers: [Router]
    /// (node, link) → (peer node, peer link)
    var wires: [[LinkID: (Int, LinkID)]]
    var delivered: [(node: Int, source: PublicKey, payload: [UInt8])] = []
    var closed: [(node: Int, link: LinkID, reason: String)] = []
    var now: Double = 0

    init(keys: [SigningKeyPair]) {
        routers = keys.enumerated().map { Router(keys: $1, now: 0, unixTime: 1_800_000_000, setupSeqStart: UInt64($0) << 32) }
        wires = Array(repeating: [:], count: keys.count)
    }

    mutating func connect(_ a: Int, _ b: Int) {
        let la = 100 + b, lb = 100 + a
        wires[a][la] = (b, lb)
        wires[b][lb] = (a, la)
        routers[a].linkUp(la, key: routers[b].localKey, priority: 0, now: now)
        routers[b].linkUp(lb, key: routers[a].localKey, priority: 0, now: now)
        run()
    }

    /// Delivers queued frames until quiet (bounded).
    mutating func run(maxSteps: Int = 100_000) {
        var steps = 0
        var progress = true
        while progress && steps < maxSteps {
            progress = false
            for i in routers.indices {
                for action in routers[i].takeActions() {
                    progress = true
                    steps += 1
                    switch action {
                    case .send(let link, let frame):
                        if let (peer, peerLink) = wires[i][link] { routers[peer].receive(frame: frame, from: peerLink, now: now) }
                    case .deliver(let source, let payload):
                        delivered.append((i, source, payload))
                    case .deliverOutOfBand, .learnedKey:
                        break
                    case .close(let link, let reason):
                        closed.append((i, link, reason))
                        if let (peer, peerLink) = wires[i][link] {
                            wires[i][link] = nil
                            wires[peer][peerLink] = nil
                            routers[i].linkDown(link, now: now)
                            routers[peer].linkDown(peerLink, now: now)
                        }
                    }
                }
            }
        }
    }

    /// Advances the clock in steps, running timers.
    mutating func advance(_ seconds: Double, step: Double = 0.25) {
        let end = now + seconds
        while now < end {
            now += step
            for i in routers.indices { routers[i].tick(now: now) }
            run()
        }
    }
}

@Suite struct RouterTests {
    static func keys(_ n: Int, seed: UInt64 = 7) -> [SigningKeyPair] {
        var r = SeededRandom(seed: seed)
        return (0..<n).map { _ in SigningKeyPair.generate(using: &r) }
    }

    @Test func lineConvergesToTheSmallestRootAndTrueDHTPredecessors() {
        let keys = Self.keys(5)
        var mesh = MiniMesh(keys: keys)
        for i in 0..<4 { mesh.connect(i, i + 1) }
        mesh.advance(5)
        let smallest = keys.map(\.publicKey).min()!
        for r in mesh.routers { #expect(r.root == smallest) }
        let sorted = keys.map(\.publicKey).sorted()
        for r in mesh.routers {
            let i = sorted.firstIndex(of: r.localKey)!
            #expect(r.predecessor == (i == 0 ? nil : sorted[i - 1]))
        }
        // Coordinates: the root has none; each other node is one hop further than its parent.
        let rootIndex = mesh.routers.firstIndex { $0.isRoot }!
        for (i, r) in mesh.routers.enumerated() { #expect(r.coords.count == abs(i - rootIndex)) }
    }

    @Test func trafficIsDeliveredEndToEndAndThenSourceRouted() {
        var mesh = MiniMesh(keys: Self.keys(4, seed: 11))
        for i in 0..<3 { mesh.connect(i, i + 1) }
        mesh.advance(5)
        let a = 0, b = 3
        mesh.routers[a].send(payload: [1, 2, 3], to: mesh.routers[b].localKey, kind: .standard, now: mesh.now)
        mesh.routers[b].send(payload: [4], to: mesh.routers[a].localKey, kind: .standard, now: mesh.now)
        mesh.run()
        #expect(mesh.delivered.contains { $0.node == b && $0.payload == [1, 2, 3] && $0.source == mesh.routers[a].localKey })
        #expect(mesh.delivered.contains { $0.node == a && $0.payload == [4] })
        mesh.advance(2)
        mesh.routers[a].send(payload: [5], to: mesh.routers[b].localKey, kind: .standard, now: mesh.now)
        mesh.run()
        // After traffic both ways the pathfinder has found a source route of three hops.
        #expect(mesh.routers[a].pathEntries.first { $0.key == mesh.routers[b].localKey }?.path.count == 4)
        #expect(mesh.delivered.filter { $0.node == b && $0.payload == [5] }.count == 1)
    }

    @Test func malformedFramesCloseOnlyThatLink() {
        var mesh = MiniMesh(keys: Self.keys(3, seed: 3))
        mesh.connect(0, 1)
        mesh.connect(1, 2)
        mesh.advance(3)
        let bad: [[UInt8]] = [[], [11], [0xff, 1, 2], [1, 0, 0], [5] + [UInt8](repeating: 0, count: 79), [9, 1, 2, 3]]
        for frame in bad {
            var m = mesh
            m.routers[1].receive(frame: frame, from: 100 + 0, now: m.now)
            let actions = m.routers[1].takeActions()
            let closes = actions.compactMap { a -> LinkID? in if case .close(let l, _) = a { return l }; return nil }
            #expect(closes == [100], "frame \(frame.prefix(4)) should close link 100 only")
            for a in actions { m.routers[1].actions.append(a) }
            m.run()
            // Node 1 still routes between 2 and itself.
            m.routers[2].send(payload: [9], to: m.routers[1].localKey, kind: .standard, now: m.now)
            m.run()
            #expect(m.delivered.contains { $0.node == 1 && $0.payload == [9] })
        }
    }

    @Test func forgedTreeSignatureClosesTheLink() {
        var mesh = MiniMesh(keys: Self.keys(2, seed: 5))
        mesh.connect(0, 1)
        mesh.advance(1)
        var ann = TreeAnnouncement(root: mesh.routers[0].localKey, seq: 99)
            .appendingHop(next: mesh.routers[1].localKey, port: 1, signedBy: Self.keys(2, seed: 5)[0])
        var sig = ann.hops[0].signature.bytes
        sig[3] ^= 1
        ann.hops[0].signature = Signature(bytes: sig)!
        var frame: [UInt8] = [WireType.tree.rawValue]
        ann.encode(into: &frame)
        mesh.routers[1].receive(frame: frame, from: 100, now: mesh.now)
        let actions = mesh.routers[1].takeActions()
        #expect(actions.contains { if case .close(100, let r) = $0 { return r.contains("signature") }; return false })
    }

    @Test func portsAreLowestFreeAndReused() {
        var r = Router(keys: Self.keys(1)[0], now: 0, unixTime: 1e9, setupSeqStart: 0)
        let others = Self.keys(4, seed: 99)
        #expect(r.linkUp(1, key: others[0].publicKey, priority: 0, now: 0) == 1)
        #expect(r.linkUp(2, key: others[1].publicKey, priority: 0, now: 0) == 2)
        #expect(r.linkUp(3, key: others[2].publicKey, priority: 0, now: 0) == 3)
        r.linkDown(1, now: 0)
        #expect(r.linkUp(4, key: others[3].publicKey, priority: 0, now: 0) == 1)
    }

    @Test func priorityDummyRaisesTheLinkPriority() {
        var mesh = MiniMesh(keys: Self.keys(2, seed: 8))
        mesh.connect(0, 1)
        mesh.routers[0].receive(frame: [0, 0x70, 7], from: 101, now: 0)
        #expect(mesh.routers[0].peerStatus.first?.priority == 7)
        mesh.routers[0].receive(frame: [0, 0x70, 3], from: 101, now: 0)
        #expect(mesh.routers[0].peerStatus.first?.priority == 7)
    }

    @Test func rootRefreshesItsSequenceNumber() {
        var mesh = MiniMesh(keys: Self.keys(2, seed: 4))
        mesh.connect(0, 1)
        mesh.advance(1)
        let before = mesh.routers[0].rootSeq
        mesh.advance(Constants.treeAnnounce + 2, step: 30)
        #expect(mesh.routers[0].rootSeq > before)
        #expect(mesh.routers[0].root == mesh.routers[1].root)
        #expect(mesh.routers[0].rootSeq == mesh.routers[1].rootSeq)
    }
}
