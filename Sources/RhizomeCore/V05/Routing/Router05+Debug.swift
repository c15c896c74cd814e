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

    /// Entries held in each table (for bounds checks and observability).
    public var tableSizes: (infos: Int, paths: Int, rumors: Int, pending: Int) {
        (infos.count, paths.count, rumors.count, pendingInfos.count)
    }
}
