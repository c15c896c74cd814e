import Testing
import RhizomeCrypto
@testable import RhizomeCore

/// Router05 values wired back to back in memory, delivering frames in order with no delay, on a
/// fake clock. With `compare` on, every traffic frame and local send is also run through the
/// general path from the same state, and any difference from the data path is recorded.
struct Mesh05 {
    var routers: [Router05]
    /// (node, link) → (peer node, peer link)
    var wires: [[LinkID: (Int, LinkID)]]
    var delivered: [(node: Int, source: PublicKey, payload: [UInt8])] = []
    var closed: [(node: Int, link: LinkID, reason: String)] = []
    var learned: [(node: Int, key: PublicKey)] = []
    var now: Double = 0
    var compare = false
    var mismatches: [String] = []
    var compared: [String: Int] = [:]

    init(keys: [SigningKeyPair], limits: Router05.Limits = .init()) {
        routers = keys.enumerated().map { i, k in
            var r = Router05(keys: k, now: 0, unixTime: 1_800_000_000, random: SeededRandom(seed: UInt64(i) &+ 77))
            r.limits = limits
            return r
        }
        wires = Array(repeating: [:], count: keys.count)
    }

    static func link(_ to: Int) -> LinkID { 1000 + to }
    func key(_ i: Int) -> PublicKey { routers[i].localKey }
    func index(of key: PublicKey) -> Int? { routers.firstIndex { $0.localKey == key } }

    mutating func connect(_ a: Int, _ b: Int) {
        let la = Self.link(b), lb = Self.link(a)
        wires[a][la] = (b, lb)
        wires[b][lb] = (a, la)
        routers[a].linkUp(la, key: key(b), priority: 0, now: now)
        routers[b].linkUp(lb, key: key(a), priority: 0, now: now)
        run()
    }

    mutating func cut(_ a: Int, _ b: Int) {
        let la = Self.link(b), lb = Self.link(a)
        wires[a][la] = nil
        wires[b][lb] = nil
        routers[a].linkDown(la, now: now)
        routers[b].linkDown(lb, now: now)
        run()
    }

    /// Performs queued actions until quiet (bounded).
    mutating func run(maxSteps: Int = 1_000_000) {
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
                        if let (peer, peerLink) = wires[i][link] { arrive(frame, at: peer, on: peerLink) }
                    case .deliver(let source, let payload):
                        delivered.append((i, source, payload))
                    case .learnedKey(let key):
                        learned.append((i, key))
                    case .deliverOutOfBand:
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

    mutating func arrive(_ frame: [UInt8], at node: Int, on link: LinkID) {
        guard compare, frame.first == WireType05.traffic.rawValue else {
            return routers[node].receive(frame: frame, from: link, now: now)
        }
        var general = routers[node]
        let base = general.actions.count
        general.receive(frame: frame, from: link, now: now)
        let expected = general.actions[base...].map { "\($0)" }
        var fast = routers[node]
        let disposition = frame.withUnsafeBytes { fast.receiveTraffic(frame: $0, from: link, now: now) }
        switch disposition {
        case .forwardRewriting:
            let (out, bytes) = frame.withUnsafeBytes { disposition.forwardedFrame(from: $0)! }
            fast.actions.append(.send(link: out, frame: bytes))
            compared["forward", default: 0] += 1
        case .deliver(let source, let payload):
            fast.actions.append(.deliver(source: source, payload: Array(frame[payload])))
            compared["deliver", default: 0] += 1
        case .handled:
            compared["handled", default: 0] += 1
        case .forward:
            mismatches.append("0.4 forward disposition")
        }
        let got = fast.actions[base...].map { "\($0)" }
        if got != expected { mismatches.append("node \(node): fast \(got) general \(expected)") }
        routers[node] = fast
    }

    mutating func send(_ payload: [UInt8], from a: Int, to b: Int) {
        let dest = key(b)
        guard compare else {
            routers[a].sendTraffic(payload: payload, to: dest, now: now)
            return run()
        }
        var general = routers[a]
        let base = general.actions.count
        general.sendTraffic(payload: payload, to: dest, now: now)
        var fast = routers[a]
        if let plan = fast.planTraffic(to: dest, payloadLength: payload.count, now: now) {
            var frame = [UInt8](repeating: 0, count: plan.headerLength + payload.count)
            frame.withUnsafeMutableBytes { plan.writeHeader(into: $0) }
            frame.replaceSubrange(plan.headerLength..., with: payload)
            fast.actions.append(.send(link: plan.link, frame: frame))
            compared["plan", default: 0] += 1
        } else {
            fast.sendTraffic(payload: payload, to: dest, now: now)
            compared["unplanned", default: 0] += 1
        }
        let expected = general.actions[base...].map { "\($0)" }
        let got = fast.actions[base...].map { "\($0)" }
        if got != expected { mismatches.append("send \(a)→\(b): fast \(got) general \(expected)") }
        routers[a] = fast
        run()
    }

    /// Advances the clock in steps, running timers.
    mutating func advance(_ seconds: Double, step: Double = 0.25) {
        let end = now + seconds
        while now < end {
            now += step
            for i in routers.indices where (routers[i].nextWakeup ?? .infinity) <= now { routers[i].tick(now: now) }
            run()
        }
    }

    /// Every node agrees on the root, and its coordinates are its parent's plus the port its
    /// parent gave it.
    func checkTree(root: PublicKey, sourceLocation: SourceLocation = #_sourceLocation) {
        for (i, r) in routers.enumerated() {
            #expect(r.rootKey == root, "node \(i)", sourceLocation: sourceLocation)
            guard let parent = r.parentKey else {
                Issue.record("node \(i) has no announcement", sourceLocation: sourceLocation)
                continue
            }
            if parent == r.localKey {
                #expect(r.coords.isEmpty, sourceLocation: sourceLocation)
                continue
            }
            guard let p = index(of: parent), let port = routers[p].peerStatus.first(where: { $0.key == r.localKey })?.port else {
                Issue.record("node \(i)'s parent is not a peer", sourceLocation: sourceLocation)
                continue
            }
            #expect(r.coords == routers[p].coords + [port], "node \(i)", sourceLocation: sourceLocation)
        }
    }
}

@Suite struct Router05Tests {
    static func keys(_ n: Int, seed: UInt64 = 7) -> [SigningKeyPair] {
        var r = SeededRandom(seed: seed)
        return (0..<n).map { _ in SigningKeyPair.generate(using: &r) }
    }

    static func frames(_ actions: [RouterAction]) -> [(LinkID, [UInt8])] {
        actions.compactMap { if case .send(let l, let f) = $0 { return (l, f) }; return nil }
    }

    @Test func lineConvergesToTheSmallestKey() {
        let keys = Self.keys(5)
        var mesh = Mesh05(keys: keys)
        for i in 0..<4 { mesh.connect(i, i + 1) }
        mesh.advance(10)
        mesh.checkTree(root: keys.map(\.publicKey).min()!)
        let rootIndex = mesh.index(of: keys.map(\.publicKey).min()!)!
        for (i, r) in mesh.routers.enumerated() { #expect(r.coords.count == abs(i - rootIndex)) }
        // Each node stores the announcements of its own and its peers' ancestries.
        for r in mesh.routers { #expect(r.routingEntries >= r.coords.count + 1) }
    }

    @Test func randomGraphConvergesAndEveryPairExchangesTraffic() {
        let n = 20
        let keys = Self.keys(n, seed: 21)
        var mesh = Mesh05(keys: keys)
        var rng = SeededRandom(seed: 5)
        var edges = Set<[Int]>()
        for i in 1..<n { edges.insert([Int(rng.nextWord() % UInt64(i)), i]) }
        while edges.count < n + 10 {
            let a = Int(rng.nextWord() % UInt64(n)), b = Int(rng.nextWord() % UInt64(n))
            if a != b { edges.insert([min(a, b), max(a, b)]) }
        }
        for e in edges.sorted(by: { $0.lexicographicallyPrecedes($1) }) { mesh.connect(e[0], e[1]) }
        mesh.advance(30)
        mesh.checkTree(root: keys.map(\.publicKey).min()!)
        #expect(mesh.closed.isEmpty)
        // The first packet to each destination waits with the rumor for the notify.
        for a in 0..<n { for b in 0..<n where a != b { mesh.send([UInt8(a), UInt8(b)], from: a, to: b) } }
        mesh.advance(1)
        var missing = 0
        for a in 0..<n {
            for b in 0..<n where a != b {
                if !mesh.delivered.contains(where: { $0.node == b && $0.source == keys[a].publicKey && $0.payload == [UInt8(a), UInt8(b)] }) {
                    missing += 1
                }
            }
        }
        #expect(missing == 0)
        #expect(mesh.learned.count >= n * (n - 1))
        // Path entries hold the destination's coordinates.
        for a in 0..<n {
            for entry in mesh.routers[a].pathEntries {
                #expect(entry.path == mesh.routers[mesh.index(of: entry.key)!].coords)
            }
        }
    }

    @Test func aCutLinkRecoversThroughBrokenLookupAndNotify() {
        let keys = Self.keys(6, seed: 33)
        var mesh = Mesh05(keys: keys)
        for i in 0..<6 { mesh.connect(i, (i + 1) % 6) }
        mesh.advance(20)
        let root = keys.map(\.publicKey).min()!
        mesh.checkTree(root: root)
        // Traffic from the node farthest from the root to the root's ring neighbour across it.
        let r = mesh.index(of: root)!
        let a = (r + 3) % 6, b = (r + 1) % 6
        mesh.send([1], from: a, to: b)
        mesh.advance(1)
        #expect(mesh.delivered.contains { $0.node == b && $0.payload == [1] })
        // Cut the root–b tree edge: b re-attaches through the other side of the ring.
        mesh.cut(r, b)
        mesh.advance(15)
        mesh.checkTree(root: root)
        var delivered = false
        for round in 0..<10 where !delivered {
            mesh.send([2, UInt8(round)], from: a, to: b)
            mesh.advance(1)
            delivered = mesh.delivered.contains { $0.node == b && $0.payload.first == 2 }
        }
        #expect(delivered)
        #expect(mesh.routers.map(\.counters.trafficBroken).reduce(0, +) > 0)
        #expect(mesh.routers[a].pathEntries.first { $0.key == keys[b].publicKey }?.path == mesh.routers[b].coords)
    }

    /// Spec A.1: the first frames on a new link are the sigReq (seq = ours + 1) and the empty bloom.
    @Test func linkUpSendsSigRequestThenEmptyBloom() throws {
        let keys = Self.keys(2, seed: 9)
        var r = Router05(keys: keys[0], now: 0, unixTime: 1e9, random: SeededRandom(seed: 1))
        #expect(r.takeActions().isEmpty)
        #expect(r.linkUp(4, key: keys[1].publicKey, priority: 0, now: 0) == 1)
        let sent = Self.frames(r.takeActions())
        try #require(sent.count == 2)
        #expect(sent.allSatisfy { $0.0 == 4 })
        let request = try SigRequest05(decoding: Array(sent[0].1.dropFirst()))
        #expect(sent[0].1.first == WireType05.sigRequest.rawValue && request.seq == 2)
        #expect(sent[1].1 == [5] + [UInt8](repeating: 0xff, count: 16) + [UInt8](repeating: 0, count: 16))
        // The nonce comes from the injected source: the same seed gives the same frames.
        var again = Router05(keys: keys[0], now: 0, unixTime: 1e9, random: SeededRandom(seed: 1))
        again.linkUp(4, key: keys[1].publicKey, priority: 0, now: 0)
        #expect(Self.frames(again.takeActions()).map(\.1) == sent.map(\.1))
    }

    @Test func portsArePerKeyLowestFreeAndReused() {
        var r = Router05(keys: Self.keys(1)[0], now: 0, unixTime: 1e9, random: SeededRandom(seed: 1))
        let others = Self.keys(3, seed: 99).map(\.publicKey)
        #expect(r.linkUp(1, key: others[0], priority: 0, now: 0) == 1)
        #expect(r.linkUp(2, key: others[1], priority: 0, now: 0) == 2)
        #expect(r.linkUp(3, key: others[0], priority: 0, now: 0) == 1)  // second link, same key
        r.linkDown(1, now: 0)
        #expect(r.linkUp(4, key: others[2], priority: 0, now: 0) == 3)  // port 1 still held by link 3
        r.linkDown(3, now: 0)
        #expect(r.linkUp(5, key: others[0], priority: 0, now: 0) == 1)
    }

    @Test func malformedFramesCloseOnlyThatLink() {
        let keys = Self.keys(3, seed: 3)
        var mesh = Mesh05(keys: keys)
        mesh.connect(0, 1)
        mesh.connect(1, 2)
        mesh.advance(5)
        var badAnnouncement = Announcement05(rootSigner: keys[0], seq: 9, nonce: 1).frame
        badAnnouncement[100] ^= 1
        let nonRootPortZero = Announcement05(
            signer: keys[0], parent: keys[2].publicKey,
            response: SigResponse05(seq: 9, nonce: 1, port: 0, psig: keys[2].sign(
                SigResponse05.signedBytes(node: keys[0].publicKey, parent: keys[2].publicKey, seq: 9, nonce: 1, port: 0)))).frame
        let badSigRes = SigResponse05(seq: 1, nonce: 1, port: 1, psig: keys[2].sign([1])).frame
        let bad: [[UInt8]] = [
            [], [10], [0xff], [2], [2, 1, 1, 0], [3, 1, 1, 1], badSigRes, badAnnouncement, nonRootPortZero,
            [5] + [UInt8](repeating: 0xff, count: 32), [6, 1], [7, 0], [8, 0, 1], [9, 1, 2],
        ]
        let link = Mesh05.link(0)
        for frame in bad {
            var m = mesh
            m.routers[1].receive(frame: frame, from: link, now: m.now)
            let closes = m.routers[1].actions.compactMap { a -> LinkID? in if case .close(let l, _) = a { return l }; return nil }
            #expect(closes == [link], "frame \(frame.prefix(4)) should close link \(link) only")
            m.run()
            m.send([9], from: 2, to: 1)
            m.advance(1)
            #expect(m.delivered.contains { $0.node == 1 && $0.payload == [9] }, "node 1 still reachable after \(frame.prefix(4))")
        }
        for frame: [UInt8] in [[0], [0, 1, 2], [1], [1, 1]] {
            var m = mesh
            m.routers[1].receive(frame: frame, from: link, now: m.now)
            #expect(m.routers[1].actions.isEmpty)
        }
    }

    /// §4.4, first matching row wins.
    @Test func announcementAcceptanceRule() {
        var r = Router05(keys: Self.keys(1)[0], now: 0, unixTime: 1e9, random: SeededRandom(seed: 1))
        let ks = Self.keys(4, seed: 50).map(\.publicKey)
        let key = ks[3]
        let parents = Array(ks[0..<3]).sorted()
        let sig = Signature(bytes: [UInt8](repeating: 0, count: 64))!
        func ann(_ seq: UInt64, _ parent: Int, _ nonce: UInt64) -> Announcement05 {
            Announcement05(key: key, parent: parents[parent], seq: seq, nonce: nonce, port: 1, psig: sig, sig: sig)
        }
        let table: [(Announcement05, Router05.UpdateResult, String)] = [
            (ann(5, 1, 10), .accepted, "no stored info"),
            (ann(4, 0, 0), .rejected, "older seq"),
            (ann(6, 1, 10), .accepted, "newer seq"),
            (ann(6, 2, 0), .rejected, "same seq, higher parent"),
            (ann(6, 0, 10), .accepted, "same seq, lower parent"),
            (ann(6, 0, 9), .accepted, "same seq and parent, lower nonce"),
            (ann(6, 0, 9), .rejected, "identical"),
            (ann(6, 0, 11), .rejected, "same seq and parent, higher nonce"),
        ]
        for (a, expected, label) in table {
            #expect(r.update(a, now: 0) == expected, "\(label)")
        }
        let stored = r.treeEntries.first { $0.key == key }
        #expect(stored?.seq == 6 && stored?.parent == parents[0] && stored.map { _ in true } == true)
    }

    /// A peer floods announcements about random keys, and lookups go out for random keys: the
    /// tables stay within their limits, and a new root appearing during the flood is still adopted.
    @Test func tablesStayBoundedUnderAFlood() {
        var limits = Router05.Limits()
        limits.infos = 40
        limits.rumors = 16
        limits.paths = 16
        limits.pendingInfos = 8
        let keys = Self.keys(3, seed: 61).sorted { $0.publicKey > $1.publicKey }  // node 2 has the smallest key
        var mesh = Mesh05(keys: keys, limits: limits)
        mesh.connect(0, 1)
        mesh.advance(5)
        let link = Mesh05.link(1)
        var rng = SeededRandom(seed: 8)
        for i in 0..<300 {
            let junk = SigningKeyPair.generate(using: &rng)
            mesh.routers[0].receive(frame: Announcement05(rootSigner: junk, seq: 1, nonce: UInt64(i)).frame, from: link, now: mesh.now)
            mesh.routers[0].lookup(SigningKeyPair.generate(using: &rng).publicKey, now: mesh.now)
            if i % 50 == 0 { mesh.advance(1) }
        }
        mesh.run()
        #expect(mesh.closed.isEmpty)
        let sizes = mesh.routers[0].tableSizes
        #expect(sizes.infos <= limits.infos + 4)
        #expect(sizes.rumors <= limits.rumors && sizes.pending <= limits.pendingInfos)
        #expect(mesh.routers[0].counters.droppedInfosFull > 0 && mesh.routers[0].counters.rumorsEvicted > 0)
        // A smaller key joins behind the peer: its announcement comes root first, is held back,
        // and is taken once the peer's own announcement shows it on the peer's ancestry.
        mesh.connect(1, 2)
        mesh.advance(5)
        mesh.checkTree(root: keys[2].publicKey)
        // Junk expires after 5 minutes.
        mesh.advance(310, step: 5)
        #expect(mesh.routers[0].routingEntries == 3)
        #expect(mesh.routers[0].tableSizes.rumors == 0)
    }

    /// The data path decides exactly as the general path from the same state, for local sends,
    /// relayed traffic and delivery.
    @Test func dataPathAgreesWithGeneralPath() {
        var mesh = Mesh05(keys: Self.keys(4, seed: 12))
        for i in 0..<3 { mesh.connect(i, i + 1) }
        mesh.advance(10)
        mesh.compare = true
        for round in 0..<10 {
            for (a, b) in [(0, 3), (3, 0), (1, 3), (2, 0)] {
                mesh.send([UInt8](repeating: UInt8(round), count: 10 + round), from: a, to: b)
            }
            mesh.advance(0.5)
        }
        // A cut makes forwarding fail (broken): the general path takes those frames.
        mesh.cut(1, 2)
        for round in 0..<6 {
            mesh.send([7, UInt8(round)], from: 0, to: 3)
            mesh.advance(1)
        }
        #expect(mesh.mismatches.isEmpty, "\(mesh.mismatches.prefix(3))")
        #expect((mesh.compared["plan"] ?? 0) > 20 && (mesh.compared["forward"] ?? 0) > 20, "\(mesh.compared)")
        #expect((mesh.compared["deliver"] ?? 0) > 20 && (mesh.compared["unplanned"] ?? 0) > 0, "\(mesh.compared)")
        #expect(mesh.delivered.filter { $0.payload.count >= 10 }.count == 40)
    }

    /// Vectors V05/V07: given C's key, C's answer to B's captured sigReq is the captured sigRes.
    @Test func sigResponseToCapturedRequestMatchesCapture() throws {
        var c = Router05(keys: V05Vectors.pairC, now: 0, unixTime: 1e9, random: SeededRandom(seed: 1))
        #expect(c.linkUp(7, key: V05Vectors.keyB, priority: 0, now: 0) == 1)
        _ = c.takeActions()
        let request = try #require(V05Vectors.frames["V05"]).dropFirst()  // 1-byte length prefix
        c.receive(frame: Array(request), from: 7, now: 0)
        let sent = Self.frames(c.takeActions())
        #expect(sent.map(\.1) == [Array(try #require(V05Vectors.frames["V07"]).dropFirst())])
        // B accepts C's captured root announcement (V09) without closing the link.
        var b = Router05(keys: V05Vectors.pairB, now: 0, unixTime: 1e9, random: SeededRandom(seed: 2))
        b.linkUp(3, key: V05Vectors.keyC, priority: 0, now: 0)
        _ = b.takeActions()
        let v09 = try #require(V05Vectors.frames["V09"])
        b.receive(frame: Array(v09.dropFirst(2)), from: 3, now: 0)  // 2-byte length prefix
        #expect(!b.takeActions().contains { if case .close = $0 { return true }; return false })
        #expect(b.treeEntries.contains { $0.key == V05Vectors.keyC && $0.parent == V05Vectors.keyC && $0.seq == 1 })
    }
}
