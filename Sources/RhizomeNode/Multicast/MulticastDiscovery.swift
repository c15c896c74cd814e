import Logging
import NIOCore
import NIOPosix
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
#if canImport(Glibc)
import Glibc
#endif

/// Link-local peer discovery. On each selected interface a TLS listener on the interface's
/// link-local address is advertised by beacons to [ff02::114]:9001 (sent from port 9001); beacons
/// heard on interfaces selected with `Listen` make us dial the advertised listener over TLS,
/// pinned to the advertised key. Interfaces that appear or vanish are picked up on the next tick.
///
/// `version` (the node's `ProtocolVersion`, 0.4 by default) picks the beacon and its schedule:
/// * 0.4.7: a 50-byte beacon (key, listener address, port) every second.
/// * 0.5 (node-sessions-admin.md §3): a 104-byte beacon carrying BLAKE2b(interface `Password`,
///   key), hop limit 1; the tick is 1 s plus up to 1.048576 s at random, and each interface's
///   beacons are spaced 0, 1, 2, … 15 s apart. A beacon is only answered when its hash matches
///   our password for the interface, and the dial goes to the UDP source address with that
///   interface's priority and password.
///
/// In both versions a node we already have a link with over that interface (in either direction)
/// is not dialled again: a dial per beacon would open a connection only to drop it as a duplicate.
final class MulticastDiscovery {
    struct Selected {
        var name: String
        var index: UInt32
        var linkLocal: [IPv6Bytes]
        var config: MulticastInterfaceConfig
    }

    let eventLoop: EventLoop
    let links: LinkManager
    let localKey: PublicKey
    let version: ProtocolVersion
    let log: Logger
    private let rules: [(regex: Regex<AnyRegexOutput>, config: MulticastInterfaceConfig)]
    private var socket: Channel?
    private var listeners: [String: (address: IPv6Bytes, port: UInt16, channel: Channel)] = [:]
    /// 0.5: per interface with a listener, when its last beacon went out and the gap to the next.
    private var beaconSchedule: [String: (last: NIODeadline, interval: Int64)] = [:]
    private var starting: Set<String> = []
    private var joined: Set<String> = []
    private var timer: Scheduled<Void>?
    private(set) var selected: [Selected] = []
    private var stopped = false

    static let tick = TimeAmount.seconds(1)
    /// 0.5: the random part of the tick, at most 2^20 µs.
    static let tickJitter05Microseconds: Int64 = 1_048_576
    /// 0.5: the gap between one interface's beacons grows by 1 s per beacon up to this.
    static let maxBeaconInterval05: Int64 = 15

    /// - Parameter version: the node's protocol version (config `ProtocolVersion`); 0.4 by
    ///   default. Must match the `LinkManager`'s.
    init(eventLoop: EventLoop, links: LinkManager, localKey: PublicKey, config: [MulticastInterfaceConfig], log: Logger,
         version: ProtocolVersion = .v04) throws {
        self.eventLoop = eventLoop
        self.links = links
        self.localKey = localKey
        self.version = version
        self.log = log
        var active = config.filter { $0.beacon || $0.listen }
        if version == .v05 {
            // 0.5 passes over entries whose password cannot be a BLAKE2b key.
            for rule in active where rule.password.utf8.count > Blake2b.maxKeyLength {
                log.warning("Multicast interface rule \"\(rule.regex)\" ignored: password longer than 64 bytes")
            }
            active.removeAll { $0.password.utf8.count > Blake2b.maxKeyLength }
        }
        rules = try active.map { (try Regex($0.regex), $0) }
    }

    /// Opens the UDP socket and starts the announce loop (nothing when no rule beacons or listens).
    func start() throws {
        guard !rules.isEmpty else { return }
        var bootstrap = DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
        if version == .v05 {
            bootstrap = bootstrap.channelOption(ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_multicast_hops), value: 1)
        }
        socket = try bootstrap
            .channelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BeaconReceiver { [weak self] envelope in self?.received(envelope) })
                }
            }
            .bind(host: "::", port: Int(Beacon.port))
            .wait()
        try eventLoop.submit { self.announce() }.wait()
    }

    func stop() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            self.stopped = true
            self.timer?.cancel()
            let closes = self.listeners.values.map { $0.channel.close() } + [self.socket?.close()].compactMap { $0 }
            self.listeners.removeAll()
            return EventLoopFuture.andAllComplete(closes, on: self.eventLoop)
        }
    }

    /// Interfaces currently selected (for getMulticastInterfaces).
    var interfaceNames: [String] { selected.map(\.name).sorted() }

    /// One 0.5 `getMulticastInterfaces` row: the interface, its multicast TLS listener
    /// (`[fe80::…%name]:port`, or `-` while it has none), its roles and whether it has a password.
    struct InterfaceState {
        var name: String
        var address: String
        var beacon: Bool
        var listen: Bool
        var password: Bool
    }

    /// Interfaces in use (selected and with a link-local address), by name.
    var interfaceStates: [InterfaceState] {
        selected.filter { !$0.linkLocal.isEmpty }.map { iface in
            InterfaceState(name: iface.name,
                           address: listeners[iface.name].map { "[\($0.address)%\(iface.name)]:\($0.port)" } ?? "-",
                           beacon: iface.config.beacon, listen: iface.config.listen, password: !iface.config.password.isEmpty)
        }.sorted { $0.name < $1.name }
    }

    // MARK: announce

    private func announce() {
        guard !stopped else { return }
        selected = Self.allowedInterfaces(rules: rules)
        let byName = Dictionary(uniqueKeysWithValues: selected.map { ($0.name, $0) })
        // Listeners whose interface vanished or lost the listener's address stop.
        for (name, l) in listeners where !(byName[name]?.linkLocal.contains(l.address) ?? false) {
            l.channel.close(promise: nil)
            listeners[name] = nil
            beaconSchedule[name] = nil
            joined.remove(name)
            log.debug("Stopped multicasting on \(name)")
        }
        for iface in selected {
            guard let lladdr = iface.linkLocal.first else { continue }
            if iface.config.listen && !joined.contains(iface.name) { join(iface) }
            guard iface.config.beacon else { continue }
            if let l = listeners[iface.name] {
                switch version {
                case .v04: sendBeacon(Beacon(key: localKey, address: l.address, port: l.port).encoded, on: iface)
                case .v05: announce05(port: l.port, on: iface)
                }
            } else if !starting.contains(iface.name) {
                startListener(iface, address: lladdr)
            }
        }
        var next = Self.tick
        if version == .v05 { next = next + .microseconds(Int64.random(in: 0...Self.tickJitter05Microseconds)) }
        timer = eventLoop.scheduleTask(in: next) { [weak self] in self?.announce() }
    }

    /// 0.5: a beacon when the interface's interval has passed since its last one (at once for a
    /// new listener), then the interval grows by a second up to 15 s.
    private func announce05(port: UInt16, on iface: Selected) {
        let now = NIODeadline.now()
        var schedule = beaconSchedule[iface.name] ?? (last: now, interval: 0)
        guard now - schedule.last >= .seconds(schedule.interval) else { return }
        sendBeacon(Beacon05(key: localKey, port: port, password: Array(iface.config.password.utf8)).encoded, on: iface)
        schedule.last = now
        if schedule.interval < Self.maxBeaconInterval05 { schedule.interval += 1 }
        beaconSchedule[iface.name] = schedule
    }

    private func startListener(_ iface: Selected, address: IPv6Bytes) {
        guard var uri = try? PeerURI("tls://[\(address)%25\(iface.name)]:\(iface.config.port)", role: .listen) else { return }
        if version == .v05 {
            // Inbound multicast links use the interface's priority and password (§3.4).
            uri.priority = iface.config.priority
            uri.password = Array(iface.config.password.utf8)
        }
        starting.insert(iface.name)
        links.listen(uri, interface: iface.name).whenComplete { [weak self] result in
            guard let self else { return }
            self.starting.remove(iface.name)
            switch result {
            case .success(let channel):
                guard !self.stopped, let port = channel.localAddress?.port else { channel.close(promise: nil); return }
                self.listeners[iface.name] = (address, UInt16(port), channel)
                self.log.debug("Started multicasting on \(iface.name)")
            case .failure(let error):
                self.log.warning("Not multicasting on \(iface.name) due to error: \(error)")
            }
        }
    }

    private func join(_ iface: Selected) {
        guard let multicast = socket as? MulticastChannel,
              let device = (try? System.enumerateDevices())?.first(where: { $0.name == iface.name && $0.address?.protocol == .inet6 }),
              let group = try? SocketAddress(ipAddress: Beacon.group, port: Int(Beacon.port)) else { return }
        joined.insert(iface.name)
        multicast.joinGroup(group, device: device).whenFailure { [weak self] error in
            self?.joined.remove(iface.name)
            self?.log.debug("Joining \(Beacon.group) on \(iface.name) failed: \(error)")
        }
    }

    private func sendBeacon(_ beacon: [UInt8], on iface: Selected) {
        guard let socket else { return }
        var dest = sockaddr_in6()
        dest.sin6_family = sa_family_t(AF_INET6)
        dest.sin6_port = Beacon.port.bigEndian
        dest.sin6_scope_id = iface.index
        inet_pton(AF_INET6, Beacon.group, &dest.sin6_addr)
        var buffer = socket.allocator.buffer(capacity: beacon.count)
        buffer.writeBytes(beacon)
        socket.writeAndFlush(AddressedEnvelope(remoteAddress: SocketAddress(dest, host: Beacon.group), data: buffer), promise: nil)
    }

    // MARK: receive

    private func received(_ envelope: AddressedEnvelope<ByteBuffer>) {
        if version == .v05 { return received05(envelope) }
        var data = envelope.data
        guard let bytes = data.readBytes(length: data.readableBytes), let beacon = Beacon(bytes) else { return }
        guard beacon.key != localKey else { return }
        guard case .v6(let source) = envelope.remoteAddress else { return }
        var sourceAddr = source.address.sin6_addr
        let sourceBytes = withUnsafeBytes(of: &sourceAddr) { IPv6Bytes(bytes: Array($0))! }
        guard sourceBytes == beacon.address else { return }
        var nameBuffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(source.address.sin6_scope_id, &nameBuffer) != nil else { return }
        let name = String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let iface = selected.first(where: { $0.name == name }), iface.config.listen else { return }
        if !links.multicastAllowedKeys.isEmpty && !links.multicastAllowedKeys.contains(beacon.key) { return }
        // As in 0.5: a node we are linked with here is not dialled again. 0.4 beacons come every
        // second, and each dial would open a TCP+TLS connection only to drop it as a duplicate.
        guard !links.hasLink(to: beacon.key, interface: name) else { return }
        let text = "tls://[\(beacon.address)%25\(name)]:\(beacon.port)?key=\(beacon.key.hex)&priority=\(iface.config.priority)"
        guard let uri = try? PeerURI(text) else { return }
        links.dialDiscovered(uri, interface: name)
    }

    /// 0.5 (§3.6): the beacon names no address; we dial its UDP source on the arrival interface.
    private func received05(_ envelope: AddressedEnvelope<ByteBuffer>) {
        var data = envelope.data
        guard let bytes = data.readBytes(length: data.readableBytes), let beacon = Beacon05(bytes) else { return }
        guard beacon.key != localKey else { return }
        guard case .v6(let source) = envelope.remoteAddress else { return }
        var sourceAddr = source.address.sin6_addr
        let sourceBytes = withUnsafeBytes(of: &sourceAddr) { IPv6Bytes(bytes: Array($0))! }
        var nameBuffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(source.address.sin6_scope_id, &nameBuffer) != nil else { return }
        let name = String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let iface = selected.first(where: { $0.name == name }), iface.config.listen else { return }
        guard beacon.matches(password: Array(iface.config.password.utf8)) else {
            log.debug("Ignoring a multicast beacon from \(beacon.key.hex) on \(name): its password differs from ours")
            return
        }
        if !links.multicastAllowedKeys.isEmpty && !links.multicastAllowedKeys.contains(beacon.key) { return }
        // Already linked to this node over this interface (either direction): dialling again
        // would only make a duplicate link.
        guard !links.hasLink(to: beacon.key, interface: name) else { return }
        let text = "tls://[\(sourceBytes)%25\(name)]:\(beacon.port)?key=\(beacon.key.hex)&priority=\(iface.config.priority)"
        guard var uri = try? PeerURI(text) else { return }
        uri.password = Array(iface.config.password.utf8)
        links.dialDiscovered(uri, interface: name)
    }

    // MARK: interfaces

    /// Up, multicast-capable, not point-to-point interfaces matched by a rule (first match),
    /// with their link-local IPv6 addresses.
    static func allowedInterfaces(rules: [(regex: Regex<AnyRegexOutput>, config: MulticastInterfaceConfig)]) -> [Selected] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var found: [String: Selected] = [:]
        var order: [String] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let ifa = cursor {
            defer { cursor = ifa.pointee.ifa_next }
            let flags = Int32(ifa.pointee.ifa_flags)
            guard flags & Int32(IFF_UP) != 0, flags & Int32(IFF_MULTICAST) != 0, flags & Int32(IFF_POINTOPOINT) == 0 else { continue }
            let name = String(cString: ifa.pointee.ifa_name)
            if found[name] == nil {
                guard let rule = rules.first(where: { (try? $0.regex.firstMatch(in: name)) != nil }) else { continue }
                found[name] = Selected(name: name, index: if_nametoindex(name), linkLocal: [], config: rule.config)
                order.append(name)
            }
            guard let addr = ifa.pointee.ifa_addr, addr.pointee.sa_family == sa_family_t(AF_INET6) else { continue }
            let ip = addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p -> IPv6Bytes in
                var a = p.pointee.sin6_addr
                return withUnsafeBytes(of: &a) { IPv6Bytes(bytes: Array($0))! }
            }
            if ip[0] == 0xfe && ip[1] & 0xc0 == 0x80 { found[name]?.linkLocal.append(ip) }
        }
        return order.compactMap { found[$0] }
    }
}

final class BeaconReceiver: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let onBeacon: (AddressedEnvelope<ByteBuffer>) -> Void
    init(onBeacon: @escaping (AddressedEnvelope<ByteBuffer>) -> Void) { self.onBeacon = onBeacon }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { onBeacon(unwrapInboundIn(data)) }
    func errorCaught(context: ChannelHandlerContext, error: Error) {}
}
