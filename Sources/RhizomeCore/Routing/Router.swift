import RhizomeCrypto

/// The routing layer of one node, as a value-type state machine: yggdrasil 0.4.7's spanning
/// tree, DHT and pathfinder (ironwood ec61cea), with no sockets, no clock and no randomness
/// inside. Every entry point takes `now` (monotonic seconds); results accumulate in `actions`,
/// which the caller drains and performs; `nextWakeup` says when `tick` must run next.
public struct Router {
    public let keys: SigningKeyPair
    public var localKey: PublicKey { keys.publicKey }
    /// Added to `now` to get Unix time, which roots use as their announcement seq.
    let unixOffset: Double

    // Links, in link-ID order (deterministic iteration for simulation).
    var peers: [Peer] = []
    var peerIndex: [LinkID: Int] = [:]
    var portToLink: [PeerPort: LinkID] = [:]

    // Spanning tree.
    var selfInfo: TreeInfo
    var parent: LinkID?
    var expired: [PublicKey: (seq: UInt64, time: Double)] = [:]
    var hseqCounter: UInt64 = 0
    var stateCounter: UInt64 = 0
    /// End of the bad-news hold-down, while one is running.
    var holdDownUntil: Double?
    /// When `selfInfo` (identified by `selfTimerState`) must be refreshed or considered dead.
    var selfTimer: (deadline: Double, state: UInt64)?

    // DHT.
    var dht: [DHTKey: DHTEntry] = [:]
    var prev: DHTKey?
    var next: DHTKey?
    /// Destination key of each path we originated.
    var destOf: [DHTKey: PublicKey] = [:]
    var setupSeq: UInt64
    /// Set while the 1 s bootstrap rate limit runs; the timer then clears it and retries.
    var bootstrapTimer: Double?
    var bootstrapPending = false

    // Pathfinder.
    var paths: [PublicKey: PathEntry] = [:]
    var nextSweep: Double?

    /// What the caller must do, in order. Drain with `takeActions()`.
    public var actions: [RouterAction] = []
    /// Counters for observability (drops by reason).
    public var counters = RouterCounters()

    /// - Parameters:
    ///   - unixTime: the wall-clock Unix time at monotonic time `now`.
    ///   - setupSeqStart: any value; successive setups count up from it (inject randomness here).
    public init(keys: SigningKeyPair, now: Double, unixTime: Double, setupSeqStart: UInt64) {
        self.keys = keys
        self.unixOffset = unixTime - now
        self.setupSeq = setupSeqStart
        self.selfInfo = TreeInfo(announcement: TreeAnnouncement(root: keys.publicKey, seq: 0), time: now, hseq: 0, state: 0)
        fix(now: now)
    }

    public mutating func takeActions() -> [RouterAction] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }

    func unixSeconds(_ now: Double) -> UInt64 { UInt64(max(0, (unixOffset + now).rounded(.down))) }

    mutating func newState() -> UInt64 {
        stateCounter += 1
        return stateCounter
    }

    // MARK: links

    /// A link passed its handshake. Returns the port assigned (lowest free ≥ 1).
    @discardableResult
    public mutating func linkUp(_ link: LinkID, key: PublicKey, priority: UInt8, now: Double) -> PeerPort {
        precondition(peerIndex[link] == nil, "link \(link) is already up")
        var port: PeerPort = 1
        while portToLink[port] != nil { port += 1 }
        let peer = Peer(link: link, key: key, port: port, priority: priority)
        let index = peers.firstIndex { $0.link > link } ?? peers.endIndex
        peers.insert(peer, at: index)
        reindex()
        portToLink[port] = link
        // The link-up announcement: root = us, seq 0, one hop naming the peer.
        let hello = TreeAnnouncement(root: localKey, seq: 0).appendingHop(next: key, port: port, signedBy: keys)
        send(hello, on: link)
        if priority > 0 { send(Dummy(priority: priority), on: link) }
        return port
    }

    /// A link ended (closed by either side, or by a `close` action).
    public mutating func linkDown(_ link: LinkID, now: Double) {
        guard let i = peerIndex[link] else { return }
        let peer = peers.remove(at: i)
        reindex()
        portToLink[peer.port] = nil
        // DHT paths through the link are torn down toward their other side.
        for (key, entry) in dht where entry.peer == link || entry.rest == link {
            handleTeardown(entry.teardown(key), from: link, now: now)
        }
        if parent == link {
            parent = nil
            selfInfo = TreeInfo(announcement: TreeAnnouncement(root: localKey, seq: 0), time: now, hseq: 0, state: newState())
            selfAbsent = true
            fix(now: now)
        }
        runPendingBootstrap(now: now)
    }

    mutating func reindex() {
        peerIndex.removeAll(keepingCapacity: true)
        for (i, p) in peers.enumerated() { peerIndex[p.link] = i }
    }

    /// True while `selfInfo` is a placeholder for "no state" (Go's nil self).
    var selfAbsent = true

    // MARK: frames

    /// A frame (type byte and body) arrived on `link`.
    public mutating func receive(frame: UnsafeRawBufferPointer, from link: LinkID, now: Double) {
        guard peerIndex[link] != nil else { return }
        guard let typeByte = frame.first else { return close(link, "empty packet") }
        let body = UnsafeRawBufferPointer(rebasing: frame[1...])
        guard let type = WireType(rawValue: typeByte) else { return close(link, "unrecognized packet type \(typeByte)") }
        do throws(WireError) {
            switch type {
            case .dummy:
                let d = try Dummy(decoding: body)
                if let p = d.priority, let i = peerIndex[link], p > peers[i].priority { peers[i].priority = p }
            case .tree:
                handleTree(try TreeAnnouncement(decoding: body), from: link, now: now)
            case .dhtBootstrap:
                handleBootstrap(try DHTBootstrap(decoding: body), now: now)
            case .dhtBootstrapAck:
                handleBootstrapAck(try DHTBootstrapAck(decoding: body), now: now)
            case .dhtSetup:
                let setup = try DHTSetup(decoding: body)
                guard setup.check() else { return close(link, "invalid setup signature") }
                handleSetup(setup, from: link, now: now)
            case .dhtTeardown:
                handleTeardown(try DHTTeardown(decoding: body), from: link, now: now)
            case .pathNotify:
                routeNotify(try PathNotify(decoding: body), now: now)
            case .pathLookup:
                var lookup = try PathLookup(decoding: body)
                lookup.rpath.append(peers[peerIndex[link]!].port)
                routeLookup(lookup, now: now)
            case .pathResponse:
                var response = try PathResponse(decoding: body)
                response.rpath.append(peers[peerIndex[link]!].port)
                routeResponse(response, now: now)
            case .dhtTraffic:
                forwardDHTTraffic(try DHTTraffic(decoding: body), arrivedFromLink: true, now: now)
            case .pathTraffic:
                forwardPathTraffic(try PathTraffic(decoding: body), now: now)
            }
        } catch {
            close(link, "\(WireError.malformed(type, error))")
        }
        runPendingBootstrap(now: now)
    }

    public mutating func receive(frame: [UInt8], from link: LinkID, now: Double) {
        frame.withUnsafeBytes { receive(frame: $0, from: link, now: now) }
    }

    mutating func close(_ link: LinkID, _ reason: String) {
        counters.linksClosedForProtocolErrors += 1
        actions.append(.close(link: link, reason: reason))
    }

    mutating func send<M: WireMessageBody>(_ message: M, on link: LinkID) {
        // A link that is already down gets nothing (a path that left and came back on the same
        // link is torn down toward it while the link goes away).
        guard peerIndex[link] != nil else { return }
        var out = [M.wireType.rawValue]
        message.encode(into: &out)
        guard out.count <= Constants.maxFrameLength else {
            counters.droppedOversize += 1
            return
        }
        actions.append(.send(link: link, frame: out))
    }

    // MARK: timers

    /// When `tick` must next run, or nil if nothing is scheduled.
    public var nextWakeup: Double? {
        earlierDeadline(earlierDeadline(holdDownUntil, selfTimer?.deadline), earlierDeadline(bootstrapTimer, nextSweep))
    }

    public mutating func tick(now: Double) {
        if let until = holdDownUntil, now >= until {
            holdDownUntil = nil
            selfAbsent = true
            parent = nil
            fix(now: now)
            maybeBootstrap(now: now)
        }
        if let t = selfTimer, now >= t.deadline {
            selfTimer = nil
            if selfInfo.state == t.state && holdDownUntil == nil {
                selfAbsent = true
                parent = nil
                fix(now: now)
                maybeBootstrap(now: now)
            }
        }
        if let b = bootstrapTimer, now >= b {
            bootstrapTimer = nil
            maybeBootstrap(now: now)
        }
        if let s = nextSweep, now >= s {
            nextSweep = nil
            sweep(now: now)
        }
        runPendingBootstrap(now: now)
    }
}

/// One link as the router sees it.
struct Peer {
    let link: LinkID
    let key: PublicKey
    let port: PeerPort
    var priority: UInt8
    /// The latest verified announcement received on this link (`A[L]` in the spec).
    var info: TreeInfo?

    /// The peer's coordinates: its announcement's ports without the last hop (its link to us).
    var coords: [PeerPort] { info.map { Array($0.announcement.hops.dropLast().map(\.port)) } ?? [] }
}

/// A tree announcement with the local bookkeeping that orders candidates.
struct TreeInfo {
    var announcement: TreeAnnouncement
    /// When it was processed.
    var time: Double
    /// Processing order; smaller means older (more stable).
    var hseq: UInt64
    /// Identity of this state object: every processed announcement and every own root state gets
    /// a new one, which is how "self changed" is detected.
    var state: UInt64

    var root: PublicKey { announcement.root }
    var seq: UInt64 { announcement.seq }
    var coords: [PeerPort] { announcement.coords }

    /// Better: smaller root; then newer seq; then processed earlier.
    func isBetter(than other: TreeInfo) -> Bool {
        if root != other.root { return root < other.root }
        if seq != other.seq { return seq > other.seq }
        return hseq < other.hseq
    }
}

/// Drop and error counts, for the admin API and tests.
public struct RouterCounters: Sendable, Equatable {
    public var linksClosedForProtocolErrors = 0
    public var droppedOversize = 0
    public var droppedNoRoute = 0
    public var droppedBadSignature = 0
    public var droppedTableFull = 0
    public init() {}
}
