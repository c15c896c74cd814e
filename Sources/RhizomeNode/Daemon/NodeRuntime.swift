import Logging
import NIOCore
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
import RhizomeSessions
#if canImport(Glibc)
import Glibc
#endif

/// Drives the sans-IO layers — `Router` (links, tree, DHT, paths), `SessionManager` (end-to-end
/// encryption) and `IPv6Layer` (addresses, key lookups, checks) — from real links, a TUN device
/// and a real clock, and performs what they ask. Everything runs on one event loop, so no layer
/// needs a lock.
final class NodeRuntime: LinkEvents {
    let eventLoop: EventLoop
    var router: Router
    var sessions: SessionManager
    var ipv6: IPv6Layer
    let log: Logger
    var tun: TunDevice?
    var proto: ProtoHandler?
    private var links: [LinkID: PeerLink] = [:]
    private var dirty: [PeerLink] = []
    private var wakeup: (deadline: Double, task: Scheduled<Void>)?
    private let start = NIODeadline.now()

    init(eventLoop: EventLoop, keys: SigningKeyPair, log: Logger) {
        self.eventLoop = eventLoop
        self.log = log
        var seed = SystemRandom()
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        let unix = Double(wall.tv_sec) + Double(wall.tv_nsec) / 1e9
        router = Router(keys: keys, now: 0, unixTime: unix, setupSeqStart: seed.next() >> 1)
        sessions = SessionManager(keys: keys, now: 0, unixTime: unix, random: SystemRandom())
        ipv6 = IPv6Layer(keys: keys)
    }

    /// Monotonic seconds since the node started: the clock of every layer.
    var now: Double { Double((NIODeadline.now() - start).nanoseconds) / 1e9 }

    // MARK: links

    func linkUp(_ link: PeerLink) -> Bool {
        links[link.id] = link
        router.linkUp(link.id, key: link.remoteKey, priority: link.priority, now: now)
        performAll()
        return true
    }

    func linkFrame(_ link: PeerLink, _ frame: ByteBuffer) {
        let t = now
        frame.withUnsafeReadableBytes { router.receive(frame: $0, from: link.id, now: t) }
        drain()
    }

    func linkReadComplete() {
        scheduleWakeup()
        flush()
    }

    func linkDown(_ link: PeerLink, reason: String?) {
        guard links.removeValue(forKey: link.id) != nil else { return }
        router.linkDown(link.id, now: now)
        performAll()
    }

    // MARK: TUN and local senders

    func tunPacket(_ packet: ByteBuffer) {
        let bytes = packet.withUnsafeReadableBytes { Array($0) }
        ipv6.handleOutgoing(bytes, now: now)
        drain()
    }

    func tunReadComplete() {
        scheduleWakeup()
        flush()
    }

    /// Sends a session payload (core type byte first) to a key.
    func sendSession(_ data: [UInt8], to key: PublicKey) {
        do { try sessions.send(to: key, data: data, now: now) } catch { return }
        performAll()
    }

    /// Sends a key lookup for an address or subnet (the admin `ping`).
    func lookup(_ destination: IPv6Bytes) {
        ipv6.sendLookup(for: destination)
        performAll()
    }

    // MARK: performing actions

    /// Runs every layer's actions until all are quiet, then flushes and re-arms the timer.
    private func performAll() {
        drain()
        scheduleWakeup()
        flush()
    }

    /// Moves actions between layers until none is left. Each layer's output is another's input;
    /// the loop ends because every action is consumed and layers only answer input.
    private func drain() {
        var progress = true
        while progress {
            progress = false
            let routerActions = router.takeActions()
            if !routerActions.isEmpty { progress = true }
            for action in routerActions {
                switch action {
                case .send(let id, let frame):
                    guard let link = links[id] else { continue }
                    frame.withUnsafeBytes { link.write(frame: $0) }
                    dirty.append(link)
                case .close(let id, let reason):
                    guard let link = links[id] else { continue }
                    log.warning("Closing link to \(link.remoteKey.hex) (\(link.name)): \(reason)")
                    link.close(reason: reason)
                case .deliver(let source, let payload):
                    sessions.receive(from: source, message: payload, now: now)
                case .deliverOutOfBand(let source, let dest, let payload):
                    ipv6.handleOutOfBand(from: source, to: dest, payload: payload, now: now)
                }
            }
            let sessionActions = sessions.takeActions()
            if !sessionActions.isEmpty { progress = true }
            for action in sessionActions {
                switch action {
                case .send(let to, let payload):
                    router.send(payload: payload, to: to, kind: .standard, now: now)
                case .deliver(let from, let data):
                    guard let type = data.first else { continue }
                    if type == 0x01 {
                        ipv6.handleIncoming(from: from, packet: data[1...], now: now)
                    } else if type == ProtoHandler.typeProtocol {
                        proto?.handle(data, from: from)
                    }
                }
            }
            let ipActions = ipv6.takeActions()
            if !ipActions.isEmpty { progress = true }
            for action in ipActions {
                switch action {
                case .sendToSession(let key, let data):
                    // Oversize packets fail here and are dropped, as in 0.4.7.
                    try? sessions.send(to: key, data: data, now: now)
                case .sendOutOfBand(let to, let payload):
                    router.send(payload: payload, to: to, kind: .outOfBand, now: now)
                case .writeToTUN(let packet):
                    packet.withUnsafeBytes { _ = tun?.write($0) }
                }
            }
        }
    }

    private func flush() {
        for link in dirty { link.flush() }
        dirty.removeAll(keepingCapacity: true)
    }

    private func scheduleWakeup() {
        let next = [router.nextWakeup, sessions.nextWakeup, ipv6.nextWakeup].compactMap { $0 }.min()
        guard let next else {
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
            self.router.tick(now: t)
            self.sessions.tick(now: t)
            self.ipv6.tick(now: t)
            self.performAll()
        }
        wakeup = (next, task)
    }
}
