import Logging
import NIOCore
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
import RhizomeNodeCore
import RhizomeSessions
#if canImport(Glibc)
import Glibc
#endif

/// Drives the sans-IO `NodeCore` from real links, a TUN device and a real clock, and is its
/// `NodeIO`: frames go into the links' send buffers, packets to the TUN. Everything runs on one
/// event loop, so nothing needs a lock.
///
/// Batches: reads arrive in batches (up to 64 TUN packets per wakeup, one socket read's worth of
/// frames per link); frames written during a batch collect in each link's send buffer and go out
/// with one flush per link when the batch ends. Received packets are decrypted into one scratch
/// buffer owned here, and written to the TUN from it.
///
/// Generic over the routing layer, so each protocol version's data path is specialised; the
/// daemon holds it as a `NodeRuntimeHandle`.
final class NodeRuntime<R: RoutingLayer>: NodeRuntimeHandle, NodeIO {
    let eventLoop: EventLoop
    let version: ProtocolVersion
    var core: NodeCore<R>
    let log: Logger
    var tun: TunDevice?
    var proto: ProtoHandler?
    private(set) var tunCounters = TunCounters()
    private var links: [LinkID: PeerLink] = [:]
    private var dirty: [PeerLink] = []
    /// Work that would re-enter the core if done during a core call (a protocol handler sends, a
    /// closed channel reports its link down at once): kept here and done when the call returns.
    private var protocolInbox: [(PublicKey, [UInt8])] = []
    private var closing: [(PeerLink, String)] = []
    private var wentDown: [PeerLink] = []
    private var inCore = false
    /// Frames from a link that closed during a core call (see `linkFrame`), dropped.
    private(set) var droppedReentrantFrames = 0
    private var wakeup: (deadline: Double, task: Scheduled<Void>)?
    private let start = NIODeadline.now()
    /// Where received traffic is decrypted (the largest frame fits).
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: NodeCore<R>.scratchSize, alignment: 16)

    var router: R {
        get { core.router }
        _modify { yield &core.router }
    }
    var sessions: SessionManager {
        get { core.sessions }
        _modify { yield &core.sessions }
    }
    var ipv6: IPv6Layer {
        get { core.ipv6 }
        _modify { yield &core.ipv6 }
    }

    /// - Parameter makeRouter: builds the routing layer from the keys, the start time (monotonic
    ///   0) and the Unix time at that moment.
    init(eventLoop: EventLoop, keys: SigningKeyPair, version: ProtocolVersion, log: Logger,
         makeRouter: (SigningKeyPair, _ unixTime: Double) -> R) {
        self.eventLoop = eventLoop
        self.version = version
        self.log = log
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        let unix = Double(wall.tv_sec) + Double(wall.tv_nsec) / 1e9
        core = NodeCore(router: makeRouter(keys, unix), version: version, keys: keys, now: 0, unixTime: unix, random: SystemRandom())
    }

    deinit { scratch.deallocate() }

    /// Monotonic seconds since the node started: the clock of every layer.
    var now: Double { Double((NIODeadline.now() - start).nanoseconds) / 1e9 }

    // MARK: links

    func linkUp(_ link: PeerLink) -> Bool {
        links[link.id] = link
        let t = now
        withCore { $0.linkUp(link.id, key: link.remoteKey, priority: link.priority, now: t, io: self) }
        afterCall()
        return true
    }

    func linkFrame(_ link: PeerLink, _ frame: ByteBuffer) {
        // A write inside a core call can close a channel at once, and a closing channel's frame
        // decoder hands on what it still holds: such a frame would re-enter the core (a Swift
        // exclusivity trap). Its link is going down anyway: drop it.
        guard !inCore else {
            droppedReentrantFrames &+= 1
            return
        }
        let t = now
        let scratch = self.scratch
        withCore { core in
            frame.withUnsafeReadableBytes { core.linkFrame($0, from: link.id, now: t, scratch: scratch, io: self) }
        }
    }

    func linkReadComplete() {
        scheduleWakeup()
        flush()
    }

    func linkDown(_ link: PeerLink, reason: String?) {
        guard !inCore else { return wentDown.append(link) }
        guard links.removeValue(forKey: link.id) != nil else { return }
        let t = now
        withCore { $0.linkDown(link.id, now: t, io: self) }
        afterCall()
    }

    // MARK: TUN and local senders

    func attachTUN(_ device: TunDevice) {
        tun = device
        ipv6.setMTU(device.mtu)
    }

    func tunPacket(_ packet: ByteBuffer) {
        tunCounters.packetsRead &+= 1
        tunCounters.bytesRead &+= UInt64(packet.readableBytes)
        let t = now
        withCore { core in packet.withUnsafeReadableBytes { core.tunPacket($0, now: t, io: self) } }
    }

    func tunReadComplete() {
        scheduleWakeup()
        flush()
    }

    /// Sends a session payload (core type byte first) to a key.
    func sendSession(_ data: [UInt8], to key: PublicKey) {
        let t = now
        withCore { $0.sendSession(data, to: key, now: t, io: self) }
        afterCall()
    }

    /// Sends a key lookup for an address or subnet (the admin `ping`).
    func lookup(_ destination: IPv6Bytes) {
        let t = now
        withCore { $0.lookup(destination, now: t, io: self) }
        afterCall()
    }

    // MARK: NodeIO

    func writeFrame(to link: LinkID, length: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> Bool {
        guard let peer = links[link], let handler = peer.handler else { return false }
        guard handler.writeFrame(length: length, fill) else { return false }
        if !handler.inDirtyList {
            handler.inDirtyList = true
            dirty.append(peer)
        }
        return true
    }

    func closeLink(_ link: LinkID, reason: String) {
        guard let peer = links[link] else { return }
        closing.append((peer, reason))
    }

    func writeToTUN(_ packet: UnsafeRawBufferPointer) {
        tunCounters.packetsWritten &+= 1
        tunCounters.bytesWritten &+= UInt64(packet.count)
        _ = tun?.write(packet)
    }

    func deliverProtocol(_ data: [UInt8], from key: PublicKey) {
        protocolInbox.append((key, data))
    }

    // MARK: housekeeping

    /// Runs one core call, then what it left for afterwards (in the order it arose).
    @inline(__always)
    private func withCore(_ body: (inout NodeCore<R>) -> Void) {
        inCore = true
        body(&core)
        inCore = false
        if !(protocolInbox.isEmpty && closing.isEmpty && wentDown.isEmpty) { runDeferred() }
    }

    private func runDeferred() {
        while !(protocolInbox.isEmpty && closing.isEmpty && wentDown.isEmpty) {
            if !closing.isEmpty {
                let (peer, reason) = closing.removeFirst()
                log.warning("Closing link to \(peer.remoteKey.hex) (\(peer.name)): \(reason)")
                peer.close(reason: reason)
            } else if !wentDown.isEmpty {
                let peer = wentDown.removeFirst()
                linkDown(peer, reason: nil)
            } else {
                let (key, data) = protocolInbox.removeFirst()
                proto?.handle(data, from: key)
            }
        }
    }

    /// After an event outside a read batch: timer and flush.
    private func afterCall() {
        scheduleWakeup()
        flush()
    }

    private func flush() {
        for link in dirty {
            link.handler?.inDirtyList = false
            link.flush()
        }
        dirty.removeAll(keepingCapacity: true)
    }

    private func scheduleWakeup() {
        guard let next = Self.nextWakeup(of: &core) else {
            wakeup?.task.cancel()
            wakeup = nil
            return
        }
        if let w = wakeup, w.deadline <= next { return }
        wakeup?.task.cancel()
        let delay = max(0, next - now)
        let task = eventLoop.scheduleTask(in: .nanoseconds(Int64(delay * 1e9) + 1_000_000)) { [weak self] in
            guard let self else { return }
            self.wakeup = nil
            let t = self.now
            self.withCore { $0.tick(now: t, io: self) }
            self.afterCall()
        }
        wakeup = (next, task)
    }

    /// Reads the core's next deadline in place. `core.nextWakeup` on the stored property copies
    /// the whole core first (every table retained, then released) in this class's unspecialised
    /// generic code: once per read batch, a few percent of a ping's CPU time.
    private static func nextWakeup(of core: inout NodeCore<R>) -> Double? {
        core.nextWakeup
    }
}
