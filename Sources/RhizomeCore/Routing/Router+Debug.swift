import RhizomeCrypto

/// What the admin API and the simulator can read (ironwood `debug.go`).
extension Router {
    public struct PeerStatus: Sendable {
        public var link: LinkID
        public var key: PublicKey
        public var root: PublicKey?
        public var coords: [PeerPort]
        public var port: PeerPort
        public var priority: UInt8
    }

    /// One entry per link, in port order.
    public var peerStatus: [PeerStatus] {
        peers.map { PeerStatus(link: $0.link, key: $0.key, root: $0.info?.root, coords: $0.coords, port: $0.port, priority: $0.priority) }
            .sorted { ($0.port, $0.priority) < ($1.port, $1.priority) }
    }

    /// Our ancestry: the root, then each hop's node and the port its parent uses for it, ending
    /// with us (empty hops when we are the root).
    public var treePath: (root: PublicKey, hops: [(key: PublicKey, port: PeerPort)]) {
        (selfInfo.root, selfInfo.announcement.hops.map { ($0.next, $0.port) })
    }

    /// The source route to `key`, if the pathfinder has one (ports, without the final 0).
    public func route(to key: PublicKey) -> [PeerPort]? { paths[key]?.route }

    /// The link currently used as the tree parent, if any.
    public var parentLink: LinkID? { parent }

    /// Entries held in each table (for bounds checks and observability).
    public var tableSizes: (peers: Int, dht: Int, paths: Int, expired: Int) {
        (peers.count, dht.count, paths.count, expired.count)
    }
}
