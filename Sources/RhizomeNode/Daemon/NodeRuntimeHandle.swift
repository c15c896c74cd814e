import NIOCore
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
import RhizomeSessions

/// The daemon's view of its `NodeRuntime`, whatever the routing layer: links, the TUN and the
/// version-independent parts of the admin API. Everything here runs on the node's event loop.
protocol NodeRuntimeHandle: LinkEvents {
    var version: ProtocolVersion { get }
    var now: Double { get }
    var tun: TunDevice? { get }
    var proto: ProtoHandler? { get set }
    var sessions: SessionManager { get }
    var ipv6: IPv6Layer { get }
    var tunCounters: TunCounters { get }
    func attachTUN(_ device: TunDevice)
    func tunPacket(_ packet: ByteBuffer)
    func tunReadComplete()
    /// Sends a session payload (core type byte first) to a key.
    func sendSession(_ data: [UInt8], to key: PublicKey)
    /// Sends a key lookup for an address or subnet.
    func lookup(_ destination: IPv6Bytes)
}
