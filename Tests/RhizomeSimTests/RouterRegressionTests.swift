import RhizomeCore
import RhizomeCrypto
import Testing

/// Router bugs the simulator found, pinned down with hand-made frames on a single router.
@Suite struct RouterRegressionTests {
    static func frame<M: WireMessageBody>(_ m: M) -> [UInt8] {
        var out = [M.wireType.rawValue]
        m.encode(into: &out)
        return out
    }

    /// Key pairs sorted by public key (smallest first).
    static func sortedKeys(_ n: Int, seed: UInt64) -> [SigningKeyPair] {
        var rng = SeededRandom(seed: seed)
        return (0..<n).map { _ in SigningKeyPair.generate(using: &rng) }.sorted { $0.publicKey < $1.publicKey }
    }

    static func sent(_ actions: [RouterAction], type: WireType) -> [[UInt8]] {
        actions.compactMap { if case .send(_, let f) = $0, f.first == type.rawValue { return f } else { return nil } }
    }

    /// A setup whose destination label's coordinates lead to us, but names another node (a stale
    /// label), must be torn down, not kept as our `next`. (Router treated tree lookup "here" as
    /// "we are the destination"; ironwood's `_handleSetup` refuses any nil next hop unless the
    /// destination key is ours.)
    @Test func setupForAnotherNodeEndingHereIsTornDown() throws {
        let k = Self.sortedKeys(3, seed: 1)
        let (a, source, other) = (k[0], k[1], k[2])
        var router = Router(keys: a, now: 0, unixTime: 1.8e9, setupSeqStart: 1)
        router.linkUp(1, key: source.publicKey, priority: 0, now: 0)
        _ = router.takeActions()
        // `other`'s label carries our root, seq and our (empty) coordinates.
        let label = TreeLabel(signedBy: other, root: a.publicKey, seq: router.rootSeq, path: [])
        let token = DHTSetupToken(signedBy: other, source: source.publicKey, dest: label)
        router.receive(frame: Self.frame(DHTSetup(signedBy: source, seq: 7, token: token)), from: 1, now: 0.1)
        let actions = router.takeActions()
        #expect(Self.sent(actions, type: .dhtTeardown).count == 1)
        #expect(router.successor == nil)
        #expect(router.tableSizes.dht == 0)
        // Control: the same setup addressed to us is kept.
        let own = DHTSetupToken(signedBy: a, source: source.publicKey,
                                dest: TreeLabel(signedBy: a, root: a.publicKey, seq: router.rootSeq, path: []))
        router.receive(frame: Self.frame(DHTSetup(signedBy: source, seq: 8, token: own)), from: 1, now: 0.2)
        #expect(Self.sent(router.takeActions(), type: .dhtTeardown).isEmpty)
        #expect(router.successor == source.publicKey)
    }

    /// The tree switches away (new root) and back (old root, same seq) while our old path to the
    /// same predecessor survives on the old tree. The ack from that predecessor must give us a
    /// valid `prev` again. (Ironwood keeps the old path, then drops its own new setup as a
    /// duplicate of it: `prev` stays empty and the node bootstraps every second until the root's
    /// seq changes.)
    @Test func predecessorRecoversAfterTreeSwitchesBack() throws {
        let k = Self.sortedKeys(4, seed: 2)
        let (r0, r, p, x) = (k[0], k[1], k[2], k[3])
        let link: LinkID = 1
        var router = Router(keys: x, now: 0, unixTime: 1.8e9, setupSeqStart: 100)
        router.linkUp(link, key: p.publicKey, priority: 0, now: 0)
        _ = router.takeActions()

        func announce(root: SigningKeyPair, seq: UInt64, now: Double) {
            let ann = TreeAnnouncement(root: root.publicKey, seq: seq)
                .appendingHop(next: p.publicKey, port: 1, signedBy: root)
                .appendingHop(next: x.publicKey, port: 1, signedBy: p)
            router.receive(frame: Self.frame(ann), from: link, now: now)
        }
        func ack(root: SigningKeyPair, seq: UInt64, now: Double) -> [RouterAction] {
            let bootstrap = DHTBootstrap(label: TreeLabel(signedBy: x, root: root.publicKey, seq: seq, path: router.coords))
            let token = DHTSetupToken(signedBy: p, source: x.publicKey,
                                      dest: TreeLabel(signedBy: p, root: root.publicKey, seq: seq, path: [1]))
            router.receive(frame: Self.frame(DHTBootstrapAck(bootstrap: bootstrap, response: token)), from: link, now: now)
            return router.takeActions()
        }

        // Tree A (root r, seq 1000): path to p.
        announce(root: r, seq: 1000, now: 1)
        _ = router.takeActions()
        #expect(Self.sent(ack(root: r, seq: 1000, now: 1.1), type: .dhtSetup).count == 1)
        #expect(router.predecessor == p.publicKey)

        // Tree B (better root r0): a second path to p; the first one stays (same destination).
        announce(root: r0, seq: 2000, now: 2)
        _ = router.takeActions()
        let setups = Self.sent(ack(root: r0, seq: 2000, now: 2.1), type: .dhtSetup)
        let setupB = try DHTSetup(decoding: Array(try #require(setups.first).dropFirst()))
        #expect(router.predecessor == p.publicKey)
        #expect(router.tableSizes.dht == 2)

        // Tree B's path is torn down by p, then p falls back to tree A (bad news, hold-down).
        router.receive(frame: Self.frame(setupB.teardown), from: link, now: 3)
        announce(root: r, seq: 1000, now: 3.1)
        router.tick(now: 3.1 + Constants.badNewsHoldDown + 0.1)
        _ = router.takeActions()
        #expect(router.root == r.publicKey && router.rootSeq == 1000)
        #expect(router.predecessor == nil)

        // p acknowledges again on tree A: we must end up with a valid predecessor.
        let actions = ack(root: r, seq: 1000, now: 11)
        #expect(Self.sent(actions, type: .dhtSetup).count == 1)
        #expect(router.predecessor == p.publicKey)
    }
}
