import Logging
import NIOCore
import RhizomeCore
import RhizomeCrypto
#if canImport(Glibc)
import Glibc
#endif

/// Drives the sans-IO `Router` from real links and a real clock, and performs what it asks.
/// Everything here runs on one event loop, so the router needs no lock.
final class NodeRuntime: LinkEvents {
    let eventLoop: EventLoop
    var router: Router
    let log: Logger
    private var links: [LinkID: PeerLink] = [:]
    private var dirty: [PeerLink] = []
    private var wakeup: (deadline: Double, task: Scheduled<Void>)?
    private let start = NIODeadline.now()
    /// Session-layer hook for traffic that arrives for us (wired by the session layer).
    var onDeliver: ((PublicKey, [UInt8]) -> Void)?
    var onOutOfBand: ((PublicKey, PublicKey, [UInt8]) -> Void)?

    init(eventLoop: EventLoop, keys: SigningKeyPair, log: Logger) {
        self.eventLoop = eventLoop
        self.log = log
        var seed = SystemRandom()
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        router = Router(keys: keys, now: 0, unixTime: Double(wall.tv_sec) + Double(wall.tv_nsec) / 1e9, setupSeqStart: seed.next() >> 1)
    }

    /// Monotonic seconds since the node started: the router's clock.
    var now: Double { Double((NIODeadline.now() - start).nanoseconds) / 1e9 }

    func linkUp(_ link: PeerLink) -> Bool {
        links[link.id] = link
        router.linkUp(link.id, key: link.remoteKey, priority: link.priority, now: now)
        perform()
        flush()
        return true
    }

    func linkFrame(_ link: PeerLink, _ frame: ByteBuffer) {
        let t = now
        frame.withUnsafeReadableBytes { router.receive(frame: $0, from: link.id, now: t) }
        perform()
    }

    func linkReadComplete() { flush() }

    func linkDown(_ link: PeerLink, reason: String?) {
        guard links.removeValue(forKey: link.id) != nil else { return }
        router.linkDown(link.id, now: now)
        perform()
        flush()
    }

    /// Sends a payload to a key (used by the session layer and tests).
    func send(payload: [UInt8], to key: PublicKey, kind: TrafficKind) {
        router.send(payload: payload, to: key, kind: kind, now: now)
        perform()
        flush()
    }

    private func perform() {
        for action in router.takeActions() {
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
                onDeliver?(source, payload)
            case .deliverOutOfBand(let source, let dest, let payload):
                onOutOfBand?(source, dest, payload)
            }
        }
        scheduleWakeup()
    }

    private func flush() {
        for link in dirty { link.flush() }
        dirty.removeAll(keepingCapacity: true)
    }

    private func scheduleWakeup() {
        guard let next = router.nextWakeup else {
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
            self.router.tick(now: self.now)
            self.perform()
            self.flush()
        }
        wakeup = (next, task)
    }
}
