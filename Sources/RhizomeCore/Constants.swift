/// The protocol's numbers in one place, named and valued as yggdrasil 0.4.7 / ironwood ec61cea
/// use them (see shared/spec/routing.md §5 and node-and-admin.md §7). Durations are in seconds.
public enum Constants {
    // MARK: Link handshake (yggdrasil-go src/core/version.go, link.go)

    /// `meta` ‖ major ‖ minor ‖ 32-byte key.
    public static let metadataLength = 38
    public static let metadataMagic: [UInt8] = Array("meta".utf8)
    public static let protocolMajorVersion: UInt8 = 0
    public static let protocolMinorVersion: UInt8 = 4
    /// Both sides must finish the metadata exchange within this time.
    public static let handshakeTimeout: Double = 6
    /// Dial timeout for tcp, tls (handshake included) and unix.
    public static let dialTimeout: Double = 5

    // MARK: Links (ironwood network/peers.go)

    /// Largest frame body: the length prefix is a u16.
    public static let maxFrameLength = 65535
    /// An idle writer sends a keepalive (`00 01 00`) after this long without writing.
    public static let peerKeepalive: Double = 4
    /// A link with no complete frame read for this long is closed.
    public static let peerTimeout: Double = 6
    /// Oldest queued traffic age that makes the link queue drop (ironwood `_push`).
    public static let queueDelayLimit: Double = 0.025

    // MARK: Spanning tree (ironwood network/dhtree.go)

    /// A root seq not superseded within this time is ignored; a non-root `self` expires then.
    public static let treeTimeout: Double = 3600
    /// The root refreshes its seq (new Unix time) and re-announces this often.
    public static let treeAnnounce: Double = 1800
    /// After bad news from the parent, a node announces itself as a seq-0 root for this long.
    public static let badNewsHoldDown: Double = peerTimeout + 1

    // MARK: DHT (ironwood network/dhtree.go)

    /// Retry period while `prev` is not valid, and the minimum spacing of bootstraps.
    public static let bootstrapInterval: Double = 1
    /// A DHT path entry is torn down this long after its setup was processed.
    public static let dhtPathLifetime: Double = 2 * treeTimeout

    // MARK: Pathfinder (ironwood network/pathfinder.go)

    /// Path entry lifetime after the last send to that key; keepalive-notify throttle.
    public static let pathfinderTimeout: Double = 60
    /// Minimum spacing of lookups per key, and of non-keepalive notifies per key.
    public static let pathfinderThrottle: Double = 1

    // MARK: Sizes

    public static let keySize = 32
    public static let signatureSize = 64
    /// Largest payload the network layer accepts: 65535 − (1 + 2·10·617 + 32 + 32 + 1), where 617
    /// is the most hops a tree frame can carry.
    public static let networkMTU = 53129
}
