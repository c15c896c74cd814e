import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
import RhizomeSessions

/// A node's three sans-IO layers composed: `Router` (links, tree, DHT, paths), `SessionManager`
/// (end-to-end encryption) and `IPv6Layer` (addresses, key lookups, checks). Events come in with
/// `now`; what is to be done goes out through a `NodeIO`. Each layer's output is another's input,
/// and `drain` moves it between them until all are quiet.
///
/// Packets take the data path (`NodeCore+DataPath.swift`): headers decided in place, payloads built
/// and opened in caller-owned buffers, nothing allocated. Everything else — protocol frames,
/// handshakes, lookups, drops — goes through the layers' general entry points and action queues.
public struct NodeCore<R: RoutingLayer> {
    public var router: R
    public var sessions: SessionManager
    public var ipv6: IPv6Layer

    /// Session data type bytes (yggdrasil's core types, spec sessions-and-ipv6.md §5).
    public static var typeTraffic: UInt8 { IPv6Layer.sessionTypeTraffic }
    public static var typeProtocol: UInt8 { SessionDataType.protocolMessage }

    /// - Parameters:
    ///   - router: the routing layer, made with the same keys and clock.
    ///   - version: the protocol generation of the session and IPv6 layers (the router's own).
    ///   - unixTime: wall-clock Unix seconds at monotonic time `now`.
    public init(
        router: R, version: ProtocolVersion, keys: SigningKeyPair, now: Double, unixTime: Double,
        random: any RandomSource & Sendable
    ) {
        self.router = router
        sessions = SessionManager(keys: keys, now: now, unixTime: unixTime, random: random, version: version)
        ipv6 = IPv6Layer(keys: keys, version: version)
    }

    public var localKey: PublicKey { router.localKey }

    // MARK: events

    public mutating func linkUp<IO: NodeIO>(_ link: LinkID, key: PublicKey, priority: UInt8, now: Double, io: IO) {
        router.linkUp(link, key: key, priority: priority, now: now)
        drain(now: now, io: io)
    }

    public mutating func linkDown<IO: NodeIO>(_ link: LinkID, now: Double, io: IO) {
        router.linkDown(link, now: now)
        drain(now: now, io: io)
    }

    /// Sends session data (core type byte first) to a key: the protocol messages of NodeInfo and debug.
    public mutating func sendSession<IO: NodeIO>(_ data: [UInt8], to key: PublicKey, now: Double, io: IO) {
        try? sessions.send(to: key, data: data, now: now)
        drain(now: now, io: io)
    }

    /// Sends a key lookup for an address or subnet (the admin `ping`).
    public mutating func lookup<IO: NodeIO>(_ destination: IPv6Bytes, now: Double, io: IO) {
        ipv6.sendLookup(for: destination)
        drain(now: now, io: io)
    }

    /// When `tick` must next run.
    public var nextWakeup: Double? {
        earlierDeadline(earlierDeadline(router.nextWakeup, sessions.nextWakeup), ipv6.nextWakeup)
    }

    public mutating func tick<IO: NodeIO>(now: Double, io: IO) {
        router.tick(now: now)
        sessions.tick(now: now)
        ipv6.tick(now: now)
        drain(now: now, io: io)
    }

    // MARK: the general path

    var hasActions: Bool { !router.actions.isEmpty || !sessions.actions.isEmpty || !ipv6.actions.isEmpty }

    /// Moves actions between layers until none is left. The loop ends because every action is
    /// consumed and layers only answer input. Costs nothing when all queues are empty.
    mutating func drain<IO: NodeIO>(now: Double, io: IO) {
        while hasActions {
            if !router.actions.isEmpty {
                for action in router.takeActions() {
                    switch action {
                    case .send(let link, let frame):
                        _ = io.writeFrame(to: link, length: frame.count) { out in
                            frame.withUnsafeBytes { out.copyMemory(from: $0) }
                        }
                    case .close(let link, let reason):
                        io.closeLink(link, reason: reason)
                    case .deliver(let source, let payload):
                        sessions.receive(from: source, message: payload, now: now)
                    case .deliverOutOfBand(let source, let dest, let payload):
                        ipv6.handleOutOfBand(from: source, to: dest, payload: payload, now: now)
                    case .learnedKey(let key):
                        ipv6.learnKey(key, now: now)
                    }
                }
            }
            if !sessions.actions.isEmpty {
                for action in sessions.takeActions() {
                    switch action {
                    case .send(let to, let payload):
                        router.sendTraffic(payload: payload, to: to, now: now)
                    case .deliver(let from, let data):
                        deliver(data, from: from, now: now, io: io)
                    }
                }
            }
            if !ipv6.actions.isEmpty {
                for action in ipv6.takeActions() {
                    switch action {
                    case .sendToSession(let key, let data):
                        // Oversize packets fail here and are dropped, as in 0.4.7.
                        try? sessions.send(to: key, data: data, now: now)
                    case .sendOutOfBand(let to, let payload):
                        router.sendOutOfBand(payload: payload, to: to, now: now)
                    case .lookup(let partialKey):
                        router.lookup(partialKey, now: now)
                    case .writeToTUN(let packet):
                        packet.withUnsafeBytes { io.writeToTUN($0) }
                    }
                }
            }
        }
    }

    /// Session data for the layer above, by its type byte.
    mutating func deliver<IO: NodeIO>(_ data: [UInt8], from: PublicKey, now: Double, io: IO) {
        switch data.first {
        case Self.typeTraffic?:
            ipv6.handleIncoming(from: from, packet: data[1...], now: now)
        case Self.typeProtocol?:
            io.deliverProtocol(data, from: from)
        default:
            break
        }
    }
}

/// The first byte of session data (yggdrasil's core types, spec sessions-and-ipv6.md §5; the same
/// in 0.5).
public enum SessionDataType {
    public static let traffic: UInt8 = IPv6Layer.sessionTypeTraffic
    /// NodeInfo and debug messages.
    public static let protocolMessage: UInt8 = 0x02
}
