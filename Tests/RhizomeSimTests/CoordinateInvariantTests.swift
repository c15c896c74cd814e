import RhizomeCrypto
import Testing
@testable import RhizomeCore
@testable import RhizomeSim

/// The simulator's check that no two nodes of a component share tree coordinates (greedy routing
/// by tree distance cannot tell them apart; a renumbered child that kept announcing its old port
/// once caused exactly this at 10,000 nodes).
@Suite struct CoordinateInvariantTests {
    @Test func nodesSharingCoordinatesAreCounted() throws {
        let sim = Simulator<Router05>(topology: Topology.make(.tree, nodes: 12, averageDegree: 3, seed: 5), seed: 5)
        sim.startAllLinks()
        #expect(sim.converge(stableWindow: 2, maxWait: 60).converged)
        let clean = sim.checkState()
        #expect(clean.sharedCoords == 0 && clean.coordsOK, "\(clean.examples)")
        // Node 2 takes node 1's coordinates, as that renumbered child did.
        let taken = sim.routers[1].coords
        sim.routers[2].selfCoords = taken
        sim.routers[2].coordsDirty = false
        #expect(sim.routers[2].coords == taken)
        let broken = sim.checkState()
        #expect(broken.sharedCoords == 2 && !broken.coordsOK)
        #expect(broken.examples.contains { $0.contains("nodes 1 and 2") }, "\(broken.examples)")
    }

    /// Separate components each have a root at the empty coordinates: not a shared place.
    @Test func rootsOfSeparateComponentsAreNotCounted() {
        let sim = Simulator<Router05>(topology: Topology(nodeCount: 3, edges: []), seed: 3)
        sim.startAllLinks()
        sim.run(until: 5)
        let state = sim.checkState()
        #expect(state.components == 3)
        #expect(state.sharedCoords == 0, "\(state.examples)")
    }
}
