import Testing
import RhizomeCrypto
@testable import RhizomeCore

/// Greedy forwarding must not pick a peer whose place in the tree is unknown. Empty coordinates
/// mean "the root", but a brand-new peer also has none until its announcements arrive, and its
/// first announcement is often as the root of its own one-node tree: measured from either, it
/// looks like the root, so traffic for the root (or near it) would be sent to it and lost.
@Suite struct Router05NextHopTests {
    /// R – B – A with R (the smallest key) the root, A two hops below it, A holding a path entry
    /// for R; N is a node with a larger key, not yet linked to anything.
    static func chain() -> (mesh: Mesh05, r: Int, b: Int, a: Int, n: Int) {
        let keys = Router05Tests.keys(4, seed: 41)
        let order = keys.indices.sorted { keys[$0].publicKey < keys[$1].publicKey }
        let (r, b, a, n) = (order[0], order[1], order[2], order[3])
        var mesh = Mesh05(keys: keys)
        mesh.connect(r, b)
        mesh.connect(b, a)
        mesh.advance(10)
        #expect(mesh.routers[a].rootKey == keys[r].publicKey)
        #expect(mesh.routers[a].coords.count == 2)
        mesh.send([0], from: a, to: r)
        mesh.advance(1)
        #expect(mesh.delivered.contains { $0.node == r && $0.payload == [0] })
        #expect(mesh.routers[a].path(to: keys[r].publicKey) == [])
        return (mesh, r, b, a, n)
    }

    /// Where A's next packet for R leaves, decided on a copy of A.
    static func nextLink(_ mesh: Mesh05, from a: Int, to r: Int) -> LinkID? {
        var copy = mesh.routers[a]
        return copy.planTraffic(to: mesh.key(r), payloadLength: 1, now: mesh.now)?.link
    }

    @Test func aPeerWithNoAnnouncementYetIsNotANextHop() {
        let (start, r, b, a, n) = Self.chain()
        var mesh = start
        // The link's handshake frames (sigReq, sigRes, bloom) pass; neither end has ticked since,
        // so A has no announcement from N, but already a latency sample that makes N cheap.
        mesh.connect(a, n)
        #expect(mesh.routers[a].infos[mesh.key(n)] == nil)
        #expect(Self.nextLink(mesh, from: a, to: r) == Mesh05.link(b))
        mesh.send([1], from: a, to: r)
        #expect(mesh.delivered.contains { $0.node == r && $0.payload == [1] })
    }

    @Test func aNewcomerStillRootOfItsOwnTreeIsNotANextHop() {
        let (start, r, b, a, n) = Self.chain()
        var mesh = start
        mesh.connect(a, n)
        // N's maintenance runs before A's: not knowing A's tree yet, N announces itself as a root.
        mesh.now = max(mesh.now, mesh.routers[n].nextWakeup ?? mesh.now)
        mesh.routers[n].tick(now: mesh.now)
        mesh.run()
        #expect(mesh.routers[a].infos[mesh.key(n)]?.parent == mesh.key(n))
        #expect(Self.nextLink(mesh, from: a, to: r) == Mesh05.link(b))
        mesh.send([2], from: a, to: r)
        #expect(mesh.delivered.contains { $0.node == r && $0.payload == [2] })
    }

    /// Once N has joined below A it is placed: it stays out of the way to R, and it is the next
    /// hop for itself; the root itself (empty coordinates, and really the root) stays usable.
    @Test func placedPeersIncludingTheRootAreStillNextHops() {
        let (start, r, b, a, n) = Self.chain()
        var mesh = start
        mesh.connect(a, n)
        mesh.advance(5)
        #expect(mesh.routers[n].rootKey == mesh.key(r))
        #expect(mesh.routers[n].coords.count == 3)
        #expect(Self.nextLink(mesh, from: a, to: r) == Mesh05.link(b))
        mesh.send([5], from: b, to: r)
        mesh.advance(1)
        #expect(Self.nextLink(mesh, from: b, to: r) == Mesh05.link(r))
        mesh.send([3], from: a, to: n)
        mesh.advance(1)
        #expect(mesh.delivered.contains { $0.node == n && $0.payload == [3] })
        #expect(Self.nextLink(mesh, from: a, to: n) == Mesh05.link(n))
        mesh.send([4], from: n, to: r)
        mesh.advance(1)
        #expect(mesh.delivered.contains { $0.node == r && $0.payload == [4] })
    }
}
