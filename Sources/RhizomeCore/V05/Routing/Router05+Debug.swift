import RhizomeCrypto

/// What the admin API and the simulator can read (ironwood `debug.go`, spec §6.2).
extension Router05 {
    public struct PeerStatus: Sendable, Equatable {
        public var link: LinkID
        public var key: PublicKey
        public var port: PeerPort
        public var priority: UInt8
        /// Whole milliseconds, at least 1 (4294 before the first sample).
        public var cost: UInt64
        /// Last sigRes receipt − last sigReq send on this link, in seconds; nil if unknown.
        public var latency: Double?
    }

    public struct TreeEntry: Sendable, Equatable {
        public var key: PublicKey
        public var parent: PublicKey
        public var seq: UInt64
    }

    public struct PathEntry: Sendable, Equatable {
        public var key: PublicKey
        /// Coordinates from the notify (no terminator).
        public var path: [PeerPort]
        /// The notify's seq (the responder's Unix time).
        public var seq: UInt64
    }

    /// One entry per link, in port order.
    public var peerStatus: [PeerStatus] {
        peers.flatMap { peer in
            peer.links.map { link -> PeerStatus in
                var latency: Double?
                if let sent = link.requestSentAt, let received = link.responseReceivedAt, received > sent {
                    latency = received - sent
                }
                return PeerStatus(link: link.link, key: peer.key, port: peer.port, priority: link.priority,
                                  cost: link.cost, latency: latency)
            }
        }
    }

    /// `routing_entries`: stored announcements, ours included.
    public var routingEntries: Int { infos.count }

    /// Every stored announcement, by key.
    public var treeEntries: [TreeEntry] { treeEntries() }

    /// The stored announcements with the `limit` smallest keys, in key-byte order (`KeySelection`).
    public func treeEntries(limit: Int = .max) -> [TreeEntry] {
        KeySelection.smallest(infos, limit: limit) { $0.key }.map { TreeEntry(key: $0.key, parent: $0.value.parent, seq: $0.value.seq) }
    }

    /// The `limit` smallest keys of the tree table, in key-byte order (remote `getTree`).
    public func treeKeys(limit: Int) -> [PublicKey] { KeySelection.smallest(infos.keys, limit: limit) { $0 } }

    /// Every path entry, by key.
    public var pathEntries: [PathEntry] { pathEntries() }

    /// The path entries with the `limit` smallest keys, in key-byte order (`KeySelection`).
    public func pathEntries(limit: Int = .max) -> [PathEntry] {
        KeySelection.smallest(paths, limit: limit) { $0.key }.map { PathEntry(key: $0.key, path: $0.value.coords, seq: $0.value.seq) }
    }

    /// The stored path to `key` (coordinates), if any.
    public func path(to key: PublicKey) -> [PeerPort]? { paths[key]?.coords }

    /// Our coordinates (root first; empty for a root).
    public var coords: [PeerPort] { coordsDirty ? coords(of: localKey) : selfCoords }

    /// Our parent's key; our own key while we are a root.
    public var parentKey: PublicKey? { infos[localKey]?.parent }

    /// The root of our ancestry.
    public var rootKey: PublicKey { rootAndDepth(localKey).root }

    /// The link currently used toward our parent (its lowest-cost link), if the parent is a peer.
    public var parentLink: LinkID? {
        guard let parent = parentKey, let i = peerIndex[parent] else { return nil }
        return peers[i].links.min { $0.cost < $1.cost }?.link
    }

    /// The bloom filters exchanged with each peer key (`getBlooms`).
    public var blooms: [(key: PublicKey, send: BloomFilter05, recv: BloomFilter05)] {
        peers.map { ($0.key, $0.bloomSend, $0.bloomRecv) }
    }

    /// Peer keys currently on the tree (our parent, and peers whose announcement names us), as of
    /// the last maintenance tick: the peers lookups go to and are taken from.
    public var onTreePeerKeys: [PublicKey] { peers.filter(\.onTree).map(\.key) }

    /// Entries held in each table (for bounds checks and observability).
    public var tableSizes: (infos: Int, paths: Int, rumors: Int, pending: Int) {
        (infos.count, paths.count, rumors.count, pendingInfos.count)
    }
}

/// Debugging reads for the simulator's loss explanations (`rhizome-sim --explain-losses`).
extension Router05 {
    public struct DebugPeer: Sendable, Equatable {
        public var key: PublicKey
        public var port: PeerPort
        /// Whether its chain of announcements reaches a root we accept as a next hop (`placed`).
        public var placed: Bool
        /// Its coordinates as we derive them from our stored announcements.
        public var coords: [PeerPort]
        public var onTree: Bool
    }

    /// Our peers with the coordinates the data path uses for them.
    public mutating func debugPeers() -> [DebugPeer] {
        refreshCoords()
        return peers.map { DebugPeer(key: $0.key, port: $0.port, placed: $0.placed, coords: $0.coords, onTree: $0.onTree) }
    }

    /// The peer traffic toward `path` would leave for, lowering `watermark` as forwarding does;
    /// nil where forwarding stops (delivered here, or broken).
    public mutating func debugNextHop(toward path: [PeerPort], watermark: inout UInt64) -> PublicKey? {
        guard let (i, _) = nextHop(ArrayCoords05(path), watermark: &watermark) else { return nil }
        return peers[i].key
    }

    /// The port our stored announcement says our parent gave us (0 while we are a root).
    public var debugAnnouncedPort: PeerPort? { infos[localKey]?.port }

    /// The port we number `key` by, if it is a peer.
    public func debugPort(of key: PublicKey) -> PeerPort? { peerIndex[key].map { peers[$0].port } }

    /// Whether a lookup for `key` was sent within the rumor timeout, and whether it still holds
    /// a packet waiting for the notify.
    public func debugRumor(for key: PublicKey) -> (exists: Bool, holdsPacket: Bool) {
        let rumor = rumors[KeyTransform05.subnetKey(key)]
        return (rumor != nil, rumor?.cached != nil)
    }

    /// Whether the path entry for `key` is marked broken and holds a packet for a re-send.
    public func debugPathState(for key: PublicKey) -> (broken: Bool, holdsPacket: Bool, created: Double)? {
        paths[key].map { ($0.broken, $0.cached != nil, $0.created) }
    }
}
