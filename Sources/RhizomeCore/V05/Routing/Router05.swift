import RhizomeCrypto

/// The routing layer of one node as yggdrasil 0.5.12 runs it (ironwood 743fe2f `network/`): a
/// spanning tree built from signed per-node announcements, bloom filters along tree edges,
/// multicast lookups, notifies and greedy traffic by tree distance with a watermark
/// (spec v05/routing.md §2.5, §4). A value-type state machine like 0.4.7's `Router`: every entry
/// point takes `now` (monotonic seconds), results accumulate in `actions`, `nextWakeup` says when
/// `tick` must run. Randomness (sig-request nonces) comes from the injected source only.
public struct Router05 {
    public let keys: SigningKeyPair
    public var localKey: PublicKey { keys.publicKey }
    /// Added to `now` to get Unix time, which notifies carry as their seq.
    let unixOffset: Double
    var random: any RandomSource & Sendable

    // Peers: one entry per remote key (all its links share the port), in port order so that
    // every iteration is deterministic and the data path walks an array, not a hash table.
    var peers: [Peer05] = []
    var peerIndex: [PublicKey: Int] = [:]
    var linkKey: [LinkID: PublicKey] = [:]
    /// Link-up counter: older links have smaller orders (final next-hop tie-break, §4.8).
    var linkOrder: UInt64 = 0

    // Spanning tree (§4.2).
    var infos: [PublicKey: Info05] = [:]
    var infoTimers = DeadlineHeap<PublicKey>()
    var generation: UInt64 = 0
    var refresh = false
    var doRoot1 = false
    var doRoot2 = true
    /// When our own announcement is due for a refresh (4 min after it was stored).
    var selfRefreshAt: Double?
    var nextMaintenance: Double
    /// Keys on our own and our peers' ancestries (and where those end without an announcement),
    /// as of the last tick: the only new keys `infos` takes once it is full.
    var protectedKeys: Set<PublicKey> = []
    /// Announcements refused for a full table, kept briefly: ancestries arrive root first, so a
    /// chain's upper part is refused before the peer's own announcement shows it is wanted.
    var pendingInfos: [PublicKey: Announcement05] = [:]
    var pendingOrder: [PublicKey] = []

    // Coordinates cache (§4.7): ours and each peer's, rebuilt lazily after the tree changes, so
    // that the data path costs O(peers) and never walks `infos`.
    var coordsDirty = true
    var selfCoords: [PeerPort] = []
    let selfXform: PublicKey
    let selfBloom: BloomFilter05

    // Pathfinder (§4.10–4.12).
    var notifyInfo: NotifyInfo05?
    var paths: [PublicKey: Path05] = [:]
    var pathTimers = DeadlineHeap<PublicKey>()
    /// Keyed by the transformed target key.
    var rumors: [PublicKey: Rumor05] = [:]
    var rumorTimers = DeadlineHeap<PublicKey>()

    /// What the caller must do, in order. Drain with `takeActions()`.
    public var actions: [RouterAction] = []
    /// Drops and errors by reason.
    public var counters = Router05Counters()

    /// Table bounds (tests lower them).
    public var limits = Limits()

    public struct Limits: Sendable {
        /// Announcements about arbitrary keys are accepted and relayed by design; beyond this
        /// many only keys on our own or a peer's ancestry are taken, the rest dropped (counted).
        public var infos = 65_536
        /// Path entries; beyond it the one closest to expiry is evicted.
        public var paths = 16_384
        /// Rumors; the same policy.
        public var rumors = 16_384
        /// Announcements held back for a full table until their chain shows they are wanted.
        public var pendingInfos = 256
        public init() {}
    }

    // Timers and constants (§5).
    static let maintenanceInterval: Double = 1
    static let routerRefresh: Double = 240
    static let routerTimeout: Double = 300
    static let pathTimeout: Double = 60
    static let pathThrottle: Double = 1
    /// Cost of a link before its first latency sample: 2^32 − 1 ns in whole ms.
    static let unknownCost: UInt64 = 4294
    static let bloomResendTicks: UInt16 = 3600
    /// Largest `sendTraffic` payload: the frame limit less the smallest traffic header (§3.9).
    public static let mtu = 130_993

    /// - Parameters:
    ///   - unixTime: the wall-clock Unix time at monotonic time `now`.
    ///   - random: the source of sig-request nonces (a seeded one makes runs reproducible).
    public init(keys: SigningKeyPair, now: Double, unixTime: Double, random: some RandomSource & Sendable) {
        self.keys = keys
        self.unixOffset = unixTime - now
        self.random = random
        self.selfXform = KeyTransform05.subnetKey(keys.publicKey)
        var bloom = BloomFilter05.empty
        bloom.insert(selfXform)
        self.selfBloom = bloom
        self.nextMaintenance = now
        // The first maintenance runs at once and makes us a root with seq 1 (§4.5).
        tick(now: now)
    }

    public mutating func takeActions() -> [RouterAction] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }

    func unixSeconds(_ now: Double) -> UInt64 { UInt64(max(0, (unixOffset + now).rounded(.down))) }

    mutating func nextGeneration() -> UInt64 {
        generation += 1
        return generation
    }

    // MARK: links

    /// A link passed its handshake (§2.5): the port is per remote key; a further link to a known
    /// key first gets every announcement already sent to that key; then the outstanding sigReq
    /// and the current bloom. A link to our own key is refused (`.close`) and gets port 0.
    @discardableResult
    public mutating func linkUp(_ link: LinkID, key: PublicKey, priority: UInt8, now: Double) -> PeerPort {
        precondition(linkKey[link] == nil, "link \(link) is already up")
        guard key != localKey else {
            actions.append(.close(link: link, reason: "bad key: link to ourselves"))
            return 0
        }
        linkKey[link] = key
        let state = PeerLink05(link: link, priority: priority, order: linkOrder)
        linkOrder += 1
        let i: Int
        if let existing = peerIndex[key] {
            i = existing
            peers[i].links.append(state)
            for k in peers[i].sent.sorted() {
                if let info = infos[k] { send(info.announcement(k).frame, on: link) }
            }
        } else {
            var port: PeerPort = 1
            for p in peers {  // in port order: the first gap is the lowest free port
                if p.port != port { break }
                port += 1
            }
            i = peers.firstIndex { $0.port > port } ?? peers.endIndex
            peers.insert(Peer05(key: key, port: port, links: [state]), at: i)
            reindex()
            coordsDirty = true
        }
        if peers[i].request == nil { peers[i].request = newRequest() }
        sendRequest(peer: i, link: peers[i].links.count - 1, now: now)
        send(peers[i].bloomSend.frame, on: link)
        return peers[i].port
    }

    /// A link ended. The last link to a key takes all per-key state with it (not the key's
    /// announcement, which expires on its own); otherwise the bloom is re-sent on the others.
    public mutating func linkDown(_ link: LinkID, now: Double) {
        guard let key = linkKey.removeValue(forKey: link), let i = peerIndex[key] else { return }
        peers[i].links.removeAll { $0.link == link }
        if peers[i].links.isEmpty {
            peers.remove(at: i)
            reindex()
            coordsDirty = true
        } else {
            let bloom = peers[i].bloomSend.frame
            for l in peers[i].links { send(bloom, on: l.link) }
        }
    }

    mutating func reindex() {
        peerIndex.removeAll(keepingCapacity: true)
        for (i, p) in peers.enumerated() { peerIndex[p.key] = i }
    }

    // MARK: frames

    /// A frame (type byte and body) arrived on `link` (§2.3). Any decode failure, a bad sigRes
    /// signature, a bad announcement, an unknown type or an empty frame closes the link.
    public mutating func receive(frame: UnsafeRawBufferPointer, from link: LinkID, now: Double) {
        guard let key = linkKey[link], let i = peerIndex[key] else { return }
        guard let typeByte = frame.first else { return close(link, "empty message") }
        guard let type = WireType05(rawValue: typeByte) else {
            return close(link, "unrecognized message type \(typeByte)")
        }
        let body = UnsafeRawBufferPointer(rebasing: frame[1...])
        do throws(WireError) {
            switch type {
            case .dummy, .keepAlive:
                break  // the shell keeps the link timers
            case .sigRequest:
                let request = try SigRequest05(decoding: body)
                let response = SigResponse05(answering: request, node: key, port: peers[i].port, signer: keys)
                send(response.frame, on: link)
            case .sigResponse:
                let response = try SigResponse05(decoding: body)
                guard response.verify(node: localKey, parent: key) else {
                    return close(link, "bad sigRes signature")
                }
                handleResponse(response, peer: i, link: link, now: now)
            case .announce:
                let ann = try Announcement05(decoding: body)
                guard ann.port != 0 || ann.key == ann.parent, ann.check() else {
                    return close(link, "bad announcement")
                }
                handleAnnounce(ann, peer: i, link: link, now: now)
            case .bloom:
                peers[i].bloomRecv = try BloomFilter05(decoding: body)
            case .pathLookup:
                let lookup = try PathLookup05(decoding: body)
                guard peers[i].onTree else {
                    counters.lookupsFromOffTreePeers += 1
                    return
                }
                handleLookup(lookup, fromKey: key, now: now)
            case .pathNotify:
                handleNotify(try PathNotify05(decoding: body), now: now)
            case .pathBroken:
                handleBroken(try PathBroken05(decoding: body), now: now)
            case .traffic:
                routeTraffic(try Traffic05(decoding: body), now: now)
            }
        } catch {
            close(link, "\(WireError.malformed05(type, error))")
        }
    }

    public mutating func receive(frame: [UInt8], from link: LinkID, now: Double) {
        frame.withUnsafeBytes { receive(frame: $0, from: link, now: now) }
    }

    mutating func close(_ link: LinkID, _ reason: String) {
        counters.linksClosedForProtocolErrors += 1
        actions.append(.close(link: link, reason: reason))
    }

    /// Queues a frame (type byte and body). Like ironwood, a frame over the limit is not sent.
    mutating func send(_ frame: [UInt8], on link: LinkID) {
        guard frame.count <= Self.maxFrameLength else {
            counters.droppedOversize += 1
            return
        }
        actions.append(.send(link: link, frame: frame))
    }

    // MARK: timers

    /// When `tick` must next run: the next maintenance (every second), or an earlier expiry.
    public var nextWakeup: Double? {
        earlierDeadline(
            earlierDeadline(nextMaintenance, selfRefreshAt),
            earlierDeadline(infoTimers.earliest, earlierDeadline(pathTimers.earliest, rumorTimers.earliest)))
    }

    public mutating func tick(now: Double) {
        if infoTimers.earliest.map({ $0 <= now }) == true {
            for (key, _) in infoTimers.expire(in: &infos, now: now) { forget(key) }
            infoTimers.compactIfNeeded(liveIn: infos)
        }
        if pathTimers.earliest.map({ $0 <= now }) == true {
            _ = pathTimers.expire(in: &paths, now: now)
            pathTimers.compactIfNeeded(liveIn: paths)
        }
        if rumorTimers.earliest.map({ $0 <= now }) == true {
            _ = rumorTimers.expire(in: &rumors, now: now)
            rumorTimers.compactIfNeeded(liveIn: rumors)
        }
        if let at = selfRefreshAt, at <= now {
            selfRefreshAt = nil
            refresh = true
        }
        if now >= nextMaintenance {
            maintenance(now: now)
            nextMaintenance = now + Self.maintenanceInterval
        }
    }

    /// The 1 s maintenance tick (§4.14).
    mutating func maintenance(now: Double) {
        doRoot2 = doRoot2 || doRoot1
        coordsDirty = true
        fixParent(now: now)
        sendAnnouncements()
        fixOnTree()
        sendBlooms()
        updateProtectedKeys()
    }
}

/// One remote key with its links and the per-key routing state (§4.2).
struct Peer05 {
    let key: PublicKey
    let port: PeerPort
    /// In link-up order.
    var links: [PeerLink05]
    /// Keys whose announcement was sent to this peer and has not changed since.
    var sent: Set<PublicKey> = []
    var request: SigRequest05?
    var response: SigResponse05?
    /// Root first; as of the last tick's announcements.
    var ancestry: [PublicKey] = []
    /// Cached coordinates (valid while `coordsDirty` is false).
    var coords: [PeerPort] = []
    /// Its announcements reach a root, and if it is a root itself, it is ours (cached with
    /// `coords`). An unplaced peer (a new link before its first announcement, a gap in its
    /// chain, or a newcomer still the root of its own tree) has empty coords like our root's,
    /// so it is never a next hop: ironwood 743fe2f would send traffic for the root to it then.
    var placed = false
    var bloomSend = BloomFilter05.empty
    var bloomRecv = BloomFilter05.empty
    var bloomTicks: UInt16 = 0
    var onTree = false
    var zDirty = false
}

/// One link to a peer key.
struct PeerLink05 {
    let link: LinkID
    var priority: UInt8
    let order: UInt64
    /// Latency estimate in seconds (EWMA of sigReq→sigRes); nil until the first sample.
    var lag: Double?
    var requestSentAt: Double?
    var responseReceivedAt: Double?
    /// This link already gave a sample for the current request.
    var responded = false

    /// Whole milliseconds, at least 1 (§4.3).
    var cost: UInt64 {
        guard let lag else { return Router05.unknownCost }
        return max(1, UInt64(max(0, lag * 1000)))
    }
}

/// A stored announcement (`routerInfo`).
struct Info05: TimedEntry {
    var parent: PublicKey
    var seq: UInt64
    var nonce: UInt64
    var port: PeerPort
    var psig: Signature
    var sig: Signature
    /// Infinity for our own (it is refreshed, not expired).
    var expiry: Double
    var generation: UInt64

    func announcement(_ key: PublicKey) -> Announcement05 {
        Announcement05(key: key, parent: parent, seq: seq, nonce: nonce, port: port, psig: psig, sig: sig)
    }

    func sameFields(_ a: Announcement05) -> Bool {
        parent == a.parent && seq == a.seq && nonce == a.nonce && port == a.port && psig == a.psig && sig == a.sig
    }
}

/// What a path entry and a rumor may hold: the latest local packet for a destination.
struct CachedPacket05 {
    var dest: PublicKey
    var payload: [UInt8]
}

/// A destination's coordinates from its notify (§4.11).
struct Path05: TimedEntry {
    var coords: [PeerPort]
    var seq: UInt64
    let created: Double
    var broken = false
    var cached: CachedPacket05?
    var expiry: Double
    let generation: UInt64
}

/// A lookup we sent recently, keyed by the transformed target.
struct Rumor05: TimedEntry {
    var sendTime: Double
    var cached: CachedPacket05?
    var expiry: Double
    let generation: UInt64
}

/// Drop and error counts, for the admin API and tests.
public struct Router05Counters: Sendable, Equatable {
    public var linksClosedForProtocolErrors = 0
    public var droppedOversize = 0
    /// Announcements about new keys refused because `infos` was full.
    public var droppedInfosFull = 0
    public var pathsEvicted = 0
    public var rumorsEvicted = 0
    public var droppedBadNotifySignature = 0
    /// Notifies for us with neither a rumor nor a path entry for their source.
    public var droppedUnsolicitedNotify = 0
    public var lookupsFromOffTreePeers = 0
    /// Traffic that could not progress and went back as broken.
    public var trafficBroken = 0
    public var droppedTooLong = 0
    public init() {}
}
