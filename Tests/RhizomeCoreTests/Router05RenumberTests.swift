import Testing
import RhizomeCrypto
@testable import RhizomeCore

/// A parent numbers a peer key anew (the lowest free port) when its last link comes back. If
/// the child's link to its parent goes down and comes back between two of the child's ticks,
/// the parent never looks lost to it; the child must still re-sign under the new port, or its
/// coordinates stay those of the old port, which by then may be a sibling's. Seen in the
/// 10,000-node simulation (seed 1, faults): after the flaps, n9944 and n9746 both had
/// coordinates [4 7 2 3 4 4 1 4 1], and traffic for n9944 stopped at n9746.
@Suite struct Router05RenumberTests {
    /// R – P – C with R the root; then, with no tick in between: C's link to P goes down, D
    /// links to P (taking C's old port), C's link comes back (a new port).
    static func renumbered() -> (mesh: Mesh05, r: Int, p: Int, c: Int, d: Int, oldPort: PeerPort) {
        let keys = Router05Tests.keys(4, seed: 53)
        let order = keys.indices.sorted { keys[$0].publicKey < keys[$1].publicKey }
        let (r, p, c, d) = (order[0], order[1], order[2], order[3])
        var mesh = Mesh05(keys: keys)
        mesh.connect(r, p)
        mesh.connect(p, c)
        mesh.advance(10)
        #expect(mesh.routers[c].rootKey == mesh.key(r))
        #expect(mesh.routers[c].coords.count == 2)
        let oldPort = mesh.routers[c].coords.last!
        mesh.cut(p, c)
        mesh.connect(p, d)
        mesh.connect(p, c)
        let portOf = { (node: Int) in mesh.routers[p].peerStatus.first { $0.key == mesh.key(node) }!.port }
        #expect(portOf(d) == oldPort)
        #expect(portOf(c) != oldPort)
        return (mesh, r, p, c, d, oldPort)
    }

    @Test func aChildRenumberedBetweenTicksReSignsUnderItsNewPort() {
        var (mesh, r, p, c, d, oldPort) = Self.renumbered()
        mesh.advance(5)
        #expect(mesh.routers[c].parentKey == mesh.key(p))
        #expect(mesh.routers[c].coords.last != oldPort)
        #expect(mesh.routers[c].coords != mesh.routers[d].coords)
        mesh.checkTree(root: mesh.key(r))
        // Every other node sends traffic for C's coordinates toward C.
        for node in [r, p, d] {
            var copy = mesh.routers[node]
            var watermark = UInt64.max
            let next = copy.debugNextHop(toward: mesh.routers[c].coords, watermark: &watermark)
            #expect(next == (node == p ? mesh.key(c) : mesh.key(p)), "node \(node)")
        }
    }

    /// Traffic for C from the root, along the coordinates C's notify gives, reaches C (without
    /// the re-sign it stops at D, whose coordinates are the same, and goes back as broken).
    @Test func trafficForTheRenumberedChildArrives() {
        var (mesh, r, _, c, _, _) = Self.renumbered()
        mesh.advance(5)
        mesh.send([7], from: r, to: c)
        mesh.advance(2)
        #expect(mesh.delivered.contains { $0.node == c && $0.payload == [7] })
        mesh.send([8], from: r, to: c)
        mesh.advance(1)
        #expect(mesh.delivered.contains { $0.node == c && $0.payload == [8] })
        #expect(mesh.routers.map(\.counters.trafficBroken).reduce(0, +) == 0)
    }
}
