import NIOCore
import RhizomeCrypto

/// One established link to a directly connected node, after the metadata handshake.
/// Confined to the node's event loop.
public final class PeerLink {
    /// Unique for the life of the process (never reused, unlike router ports).
    public let id: Int
    public let remoteKey: PublicKey
    /// 0.4: our configured priority for this link (the router raises it to the peer's if larger,
    /// from its priority dummy frame). 0.5: already the effective priority, the larger of ours
    /// and the one in the peer's metadata, as both ends compute it.
    public let priority: UInt8
    /// As 0.4.7 names links in logs and `getPeers.remote`.
    public let name: String
    public let inbound: Bool
    public let scheme: PeerURI.Scheme
    public let localAddress: String
    public let establishedAt: NIODeadline
    public internal(set) var bytesSent: UInt64 = 0
    public internal(set) var bytesReceived: UInt64 = 0
    /// Frames (packets on the link) sent and received, and traffic frames dropped because the
    /// send buffer was full: for the metrics.
    public internal(set) var framesSent: UInt64 = 0
    public internal(set) var framesReceived: UInt64 = 0
    public internal(set) var trafficDropped: UInt64 = 0
    /// Bytes sent and received during the last whole second (sampled by the `LinkManager`).
    public private(set) var rateSent: UInt64 = 0
    public private(set) var rateReceived: UInt64 = 0
    private var sampledSent: UInt64 = 0
    private var sampledReceived: UInt64 = 0
    /// The configured peer this link was dialled for (`LinkManager.peerID`), if any.
    var dialedID: String?
    let channel: Channel
    var handler: LinkHandler?
    let key: LinkKey
    /// Set for links we dialled, so a dropped link can be re-dialled.
    let dialed: DialTarget?

    init(id: Int, remoteKey: PublicKey, priority: UInt8, name: String, inbound: Bool, scheme: PeerURI.Scheme,
         channel: Channel, key: LinkKey, dialed: DialTarget?) {
        self.id = id
        self.remoteKey = remoteKey
        self.priority = priority
        self.name = name
        self.inbound = inbound
        self.scheme = scheme
        self.channel = channel
        self.key = key
        self.dialed = dialed
        self.localAddress = channel.localAddress?.description ?? ""
        self.establishedAt = .now()
    }

    /// Takes the once-a-second rate sample.
    func sampleRates() {
        rateSent = bytesSent &- sampledSent
        rateReceived = bytesReceived &- sampledReceived
        sampledSent = bytesSent
        sampledReceived = bytesReceived
    }

    /// Sends the frames queued on the link (the node writes them through its `LinkHandler`).
    public func flush() { handler?.flush() }

    public func close(reason: String) {
        handler?.closeReason = reason
        channel.close(promise: nil)
    }
}

/// A link's identity for duplicate detection, as 0.4.7 forms it: scheme, local interface and
/// remote id (ip:port, or only the IP for a link-local peer).
struct LinkKey: Hashable {
    var scheme: String
    var interface: String
    var remote: String
}

/// What a dialled link needs to be dialled again.
struct DialTarget {
    var uri: PeerURI
    var interface: String
}
