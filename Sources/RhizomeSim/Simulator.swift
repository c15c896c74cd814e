import RhizomeCore
import RhizomeCrypto

/// Knobs of the simulated network (not of the scenario).
public struct NetworkParameters: Sendable, Codable, Equatable {
    /// Per-link one-way latency is drawn uniformly from this range (seconds), once per topology edge.
    public var minLatency: Double = 0.002
    public var maxLatency: Double = 0.020
    /// Probability that a traffic frame (0.4.7 types 9 and 10, 0.5 type 9) is dropped on a link.
    public var trafficLoss: Double = 0
    /// Probability that a control frame (any other type) is "lost" and retransmitted: it is delayed by
    /// `retransmitDelay` and holds back later frames of the same direction (TCP-like head-of-line
    /// blocking; ironwood runs over reliable streams, so control frames are never dropped).
    public var controlLoss: Double = 0
    public var retransmitDelay: Double = 0.2
    /// Links come up at a uniform random time in [0, this) at the start.
    public var startSpread: Double = 0.5
    /// Unix time at simulated time 0 (roots use Unix seconds as their seq).
    public var unixBase: Double = 1.8e9

    public init() {}
}

/// One simulated link (one incarnation: a flap creates a new one with a new LinkID).
struct SimLink {
    var a: Int32
    var b: Int32
    /// The topology edge this incarnation belongs to.
    var edge: Int32
    var latency: Double
    var up: Bool
    /// Arrival time of the last frame scheduled in each direction (keeps each direction FIFO).
    var lastArrivalAB: Double = 0
    var lastArrivalBA: Double = 0
}

/// What happened to one test packet.
struct PacketRecord {
    var src: Int32
    var dst: Int32
    var round: Int32
    var hops: Int32 = 0
    var delivered = false
    var duplicates: Int32 = 0
    var lostOnLink = false
    var loop = false
    /// 0.4.7: it travelled as path traffic (type 10) at some point.
    var sawPath = false
    /// 0.4.7: it travelled as DHT traffic (type 9) after having been path traffic (fallback).
    var fellBack = false
    /// 0.5: it travelled as tree-routed traffic.
    var sawTree = false
    /// The node that took it (a node holding the destination's key; with anycast twins, either).
    var deliveredAt: Int32 = -1
    /// The node its last traffic frame went to (-1 while it never left its source).
    var lastAt: Int32 = -1
}

/// Whole-run frame statistics.
public struct FrameStats: Sendable, Codable, Equatable {
    /// Frames handed to a link, by message type (0…10 in 0.4.7, 0…9 in 0.5).
    public var sent = [Int](repeating: 0, count: 11)
    public var bytes = 0
    public var droppedByLoss = 0
    public var retransmitted = 0
    /// Frames that were on a link when it went down.
    public var droppedLinkDown = 0
    public var sentOnDownLink = 0
    public var closes = 0
    public var closeReasons: [String] = []
    public var misdelivered = 0
    public var outOfBand = 0
    public init() {}
}

/// A deterministic discrete-event simulation of many routers joined by simulated links, for
/// either protocol version (`Simulator<Router>` runs 0.4.7, `Simulator<Router05>` 0.5).
///
/// Everything random comes from the seed; the event queue orders by (time, sequence number); the
/// simulator itself never iterates a `Dictionary` or `Set`. The routers do (a few ties and the
/// order of some frames), so bit-for-bit reproducibility also needs `SWIFT_DETERMINISTIC_HASHING=1`
/// in the environment of the process — see `DeterministicHashing`.
public final class Simulator<R: SimulatedRouter> {
    public let seed: UInt64
    public let parameters: NetworkParameters
    public let topology: Topology
    public let keys: [PublicKey]
    /// Node indices sorted by key (smallest first).
    public let keyOrder: [Int]
    /// Node index by key (looked up, never iterated).
    let keyIndex: [PublicKey: Int]
    public internal(set) var routers: [R]
    public private(set) var now: Double = 0

    var queue = EventQueue()
    var slab: [[UInt8]] = []
    /// Whether the frame in each slab slot carries a test packet.
    var slabProbe: [Bool] = []
    var freeSlots: [Int32] = []
    var links: [SimLink] = []
    /// Current LinkID per topology edge, -1 while the edge is down.
    var edgeLink: [Int]
    /// Latency per topology edge (kept across flaps).
    var edgeLatency: [Double]
    var nextWake: [Double]
    var lossRNG: SeededRandom
    var faultRNG: SeededRandom

    // Test traffic.
    var packets: [PacketRecord] = []
    var trafficInFlight = 0
    public var hopLimit: Int32 = 256
    public private(set) var frames = FrameStats()
    /// `lookupTargetBlooms`, once built.
    var lookupTargetBloomCache: [UInt64]?
    /// Sees every frame handed to a link (time, sender, receiver, link, frame), for debugging.
    public var frameObserver: ((Double, Int, Int, LinkID, [UInt8]) -> Void)?
    /// Sees every link going up or down (time, ends, link, up), for debugging.
    public var linkObserver: ((Double, Int, Int, LinkID, Bool) -> Void)?
    /// Adversaries (see `Adversary.swift`): called for every frame a node hands to a link;
    /// false withholds it (the frame never reaches the link).
    var outgoingFilter: ((Int, [UInt8]) -> Bool)?

    /// `adjustKeys` may replace nodes' key pairs after they are drawn (adversaries: a ground
    /// smallest key, anycast twins); nil leaves every run exactly as before.
    public init(topology: Topology, seed: UInt64, parameters: NetworkParameters = NetworkParameters(),
                adjustKeys: ((inout [SigningKeyPair]) -> Void)? = nil) {
        self.seed = seed
        self.parameters = parameters
        self.topology = topology
        let n = topology.nodeCount
        var keyRNG = SeededRandom.stream(seed, 2)
        var pairs: [SigningKeyPair] = []
        pairs.reserveCapacity(n)
        for _ in 0..<n { pairs.append(SigningKeyPair.generate(using: &keyRNG)) }
        adjustKeys?(&pairs)
        keys = pairs.map(\.publicKey)
        keyOrder = Array(0..<n).sorted { pairs[$0].publicKey < pairs[$1].publicKey }
        keyIndex = Dictionary(keys.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var routerRNG = SeededRandom.stream(seed, 3)
        routers = pairs.enumerated().map { R.simulated(keys: $1, index: $0, parameters: parameters, rng: &routerRNG) }
        edgeLink = [Int](repeating: -1, count: topology.edges.count)
        var latRNG = SeededRandom.stream(seed, 4)
        edgeLatency = topology.edges.map { _ in latRNG.uniform(parameters.minLatency, parameters.maxLatency) }
        nextWake = [Double](repeating: .infinity, count: n)
        lossRNG = SeededRandom.stream(seed, 5)
        faultRNG = SeededRandom.stream(seed, 6)
        for i in 0..<n { scheduleWake(i) }
    }

    public var nodeCount: Int { topology.nodeCount }
    public var edgeCount: Int { topology.edges.count }
    public func isEdgeUp(_ edge: Int) -> Bool { edgeLink[edge] >= 0 }
    /// How many link incarnations were created (each flap adds one).
    public var linkIncarnations: Int { links.count }

    // MARK: - Running

    /// Brings every topology edge up at a random time in [now, now + startSpread).
    public func startAllLinks() {
        var rng = SeededRandom.stream(seed, 7)
        for e in 0..<topology.edges.count {
            queue.push(time: now + rng.uniform(0, parameters.startSpread), kind: .linkUp, link: Int32(e))
        }
    }

    /// Processes every event up to and including time `t`, then sets the clock to `t`.
    public func run(until t: Double) {
        while let top = queue.peekTime, top <= t {
            let e = queue.pop()!
            now = e.time
            dispatch(e)
        }
        if t > now { now = t }
    }

    func dispatch(_ e: Event) {
        switch e.kind {
        case .frame:
            let node = Int(e.node)
            let frame = slab[Int(e.slot)]
            slab[Int(e.slot)] = []
            freeSlots.append(e.slot)
            if slabProbe[Int(e.slot)] { trafficInFlight -= 1 }
            guard links[Int(e.link)].up else {
                frames.droppedLinkDown += 1
                return
            }
            frame.withUnsafeBytes { routers[node].receive(frame: $0, from: Int(e.link), now: now) }
            drain(node)
        case .tick:
            let node = Int(e.node)
            guard nextWake[node] == e.time else { return }
            nextWake[node] = .infinity
            routers[node].tick(now: now)
            drain(node)
        case .linkDown:
            edgeDown(Int(e.link))
        case .linkUp:
            edgeUp(Int(e.link))
        }
    }

    /// Reads or changes one router in place (a plain `routers[i].x` read copies the whole struct).
    @inline(__always)
    func withRouter<T>(_ node: Int, _ body: (inout R) -> T) -> T { body(&routers[node]) }

    func scheduleWake(_ node: Int) {
        guard let w = withRouter(node, { $0.nextWakeup }) else { return }
        let t = max(w, now)
        if t < nextWake[node] {
            nextWake[node] = t
            queue.push(time: t, kind: .tick, node: Int32(node))
        }
    }

    /// Performs the router's pending actions.
    func drain(_ node: Int) {
        let actions = routers[node].takeActions()
        for action in actions {
            switch action {
            case .send(let link, let frame):
                transmit(frame, from: node, link: link)
            case .deliver(let source, let payload):
                delivered(payload, source: source, at: node)
            case .deliverOutOfBand:
                frames.outOfBand += 1
            case .learnedKey:
                break
            case .close(let link, let reason):
                frames.closes += 1
                if frames.closeReasons.count < 20 { frames.closeReasons.append("node \(node) link \(link): \(reason)") }
                if links[link].up { edgeDown(Int(links[link].edge)) }
            }
        }
        scheduleWake(node)
    }

    func transmit(_ frame: [UInt8], from node: Int, link: LinkID) {
        guard link >= 0, link < links.count, links[link].up else {
            frames.sentOnDownLink += 1
            return
        }
        if let filter = outgoingFilter, !filter(node, frame) { return }
        let type = frame.first ?? 0
        if Int(type) < frames.sent.count { frames.sent[Int(type)] += 1 }
        frames.bytes += frame.count
        var delay = links[link].latency
        var probe = false
        var probeID = -1
        if let kind = R.trafficKind(ofType: type) {
            if let id = testPacketID(frame) {
                probe = true
                probeID = id
                packets[id].hops += 1
                switch kind {
                case .sourceRoute: packets[id].sawPath = true
                case .dht: if packets[id].sawPath { packets[id].fellBack = true }
                case .tree: packets[id].sawTree = true
                }
                if packets[id].hops > hopLimit {
                    packets[id].loop = true
                    return
                }
                if parameters.trafficLoss > 0 && lossRNG.unit() < parameters.trafficLoss {
                    packets[id].lostOnLink = true
                    frames.droppedByLoss += 1
                    return
                }
                trafficInFlight += 1
            } else if parameters.trafficLoss > 0 && lossRNG.unit() < parameters.trafficLoss {
                frames.droppedByLoss += 1
                return
            }
        } else if parameters.controlLoss > 0 && lossRNG.unit() < parameters.controlLoss {
            frames.retransmitted += 1
            delay += parameters.retransmitDelay
        }
        let l = links[link]
        let forward = Int(l.a) == node
        let to = forward ? l.b : l.a
        if probe { packets[probeID].lastAt = to }
        frameObserver?(now, node, Int(to), link, frame)
        var arrival = now + delay
        if forward {
            arrival = max(arrival, l.lastArrivalAB)
            links[link].lastArrivalAB = arrival
        } else {
            arrival = max(arrival, l.lastArrivalBA)
            links[link].lastArrivalBA = arrival
        }
        let slot: Int32
        if let s = freeSlots.popLast() {
            slot = s
            slab[Int(s)] = frame
            slabProbe[Int(s)] = probe
        } else {
            slot = Int32(slab.count)
            slab.append(frame)
            slabProbe.append(probe)
        }
        queue.push(time: arrival, kind: .frame, node: to, link: Int32(link), slot: slot)
    }

    // MARK: - Links

    /// Takes a topology edge down now: both ends see `linkDown`; frames in flight are lost.
    public func edgeDown(_ edge: Int) {
        let id = edgeLink[edge]
        guard id >= 0 else { return }
        edgeLink[edge] = -1
        links[id].up = false
        let a = Int(links[id].a), b = Int(links[id].b)
        linkObserver?(now, a, b, id, false)
        routers[a].linkDown(id, now: now)
        drain(a)
        routers[b].linkDown(id, now: now)
        drain(b)
    }

    /// Brings a topology edge up now as a new link (new LinkID): both ends see `linkUp`.
    public func edgeUp(_ edge: Int) {
        guard edgeLink[edge] < 0 else { return }
        let (a, b) = topology.edges[edge]
        let id = links.count
        links.append(SimLink(a: Int32(a), b: Int32(b), edge: Int32(edge), latency: edgeLatency[edge], up: true,
                             lastArrivalAB: now, lastArrivalBA: now))
        edgeLink[edge] = id
        linkObserver?(now, a, b, id, true)
        routers[a].linkUp(id, key: keys[b], priority: 0, now: now)
        drain(a)
        routers[b].linkUp(id, key: keys[a], priority: 0, now: now)
        drain(b)
    }

    /// Schedules a link change at a later time.
    public func schedule(edge: Int, up: Bool, at time: Double) {
        queue.push(time: max(time, now), kind: up ? .linkUp : .linkDown, link: Int32(edge))
    }

    /// Adjacency over the edges that are currently up (or over all edges).
    func adjacency(liveOnly: Bool = true) -> Adjacency {
        let edges = topology.edges.indices.lazy.filter { !liveOnly || self.edgeLink[$0] >= 0 }.map { self.topology.edges[$0] }
        return Adjacency(nodeCount: nodeCount, edges: edges)
    }

    // MARK: - Test traffic

    /// Sends one tagged test packet from `a` to `b` now; returns its id.
    @discardableResult
    public func sendProbe(from a: Int, to b: Int, round: Int) -> Int {
        let id = packets.count
        packets.append(PacketRecord(src: Int32(a), dst: Int32(b), round: Int32(round)))
        let payload = ProbePayload.make(id: id)
        routers[a].simSend(payload: payload, to: keys[b], now: now)
        drain(a)
        return id
    }

    /// The test packet carried by a traffic frame, if any.
    func testPacketID(_ frame: [UInt8]) -> Int? {
        frame.withUnsafeBytes { buf -> Int? in
            guard let range = R.payloadRange(ofTrafficFrame: buf),
                  let id = ProbePayload.id(UnsafeRawBufferPointer(rebasing: buf[range])), id < packets.count else { return nil }
            return id
        }
    }

    func delivered(_ payload: [UInt8], source: PublicKey, at node: Int) {
        let id = payload.withUnsafeBytes { ProbePayload.id($0) }
        guard let id, id < packets.count else { return }
        let p = packets[id]
        guard Int(p.dst) == node || keys[Int(p.dst)] == keys[node], keys[Int(p.src)] == source else {
            frames.misdelivered += 1
            return
        }
        if p.delivered {
            packets[id].duplicates += 1
        } else {
            packets[id].delivered = true
            packets[id].deliveredAt = Int32(node)
        }
    }

    /// Runs until no test packet is on a link, at least `minimum` and at most `maximum` seconds.
    public func runTraffic(minimum: Double, maximum: Double, step: Double = 0.05) {
        let start = now
        run(until: start + minimum)
        while trafficInFlight > 0 && now < start + maximum {
            run(until: min(now + step, start + maximum))
        }
    }

    // MARK: - Faults

    /// A seeded random number in [0, 1) from the fault stream (for scenarios).
    func faultUnit() -> Double { faultRNG.unit() }
    func faultBelow(_ n: Int) -> Int { faultRNG.below(n) }
}

/// A test packet's payload: magic "RZSM" and the packet's id (little-endian u64).
enum ProbePayload {
    static let magic: [UInt8] = [0x52, 0x5A, 0x53, 0x4D]
    static let length = 12

    static func make(id: Int) -> [UInt8] {
        var payload = magic
        withUnsafeBytes(of: UInt64(id).littleEndian) { payload.append(contentsOf: $0) }
        return payload
    }

    static func id(_ payload: UnsafeRawBufferPointer) -> Int? {
        guard payload.count == length, payload[0] == magic[0], payload[1] == magic[1],
              payload[2] == magic[2], payload[3] == magic[3] else { return nil }
        return Int(UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: 4, as: UInt64.self)))
    }
}
