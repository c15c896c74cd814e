import Logging
import NIOCore
import NIOPosix
import RhizomeCrypto
import RhizomeIPv6
#if canImport(Glibc)
import Glibc
#endif

/// Link-local peer discovery, compatible with yggdrasil 0.4.7: every second, on each selected
/// interface, a TLS listener on the interface's link-local address is advertised by a 50-byte
/// beacon to [ff02::114]:9001; beacons heard on interfaces selected with `Listen` make us dial the
/// advertised listener over TLS, pinned to the advertised key. Interfaces that appear or vanish
/// are picked up on the next tick.
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
    let log: Logger
    private let rules: [(regex: Regex<AnyRegexOutput>, config: MulticastInterfaceConfig)]
    private var socket: Channel?
    private var listeners: [String: (address: IPv6Bytes, port: UInt16, channel: Channel)] = [:]
    private var starting: Set<String> = []
    private var joined: Set<String> = []
    private var timer: Scheduled<Void>?
    private(set) var selected: [Selected] = []
    private var stopped = false

    static let tick = TimeAmount.seconds(1)

    init(eventLoop: EventLoop, links: LinkManager, localKey: PublicKey, config: [MulticastInterfaceConfig], log: Logger) throws {
        self.eventLoop = eventLoop
        self.links = links
        self.localKey = localKey
        self.log = log
        rules = try config.filter { $0.beacon || $0.listen }.map { (try Regex($0.regex), $0) }
    }

    /// Opens the UDP socket and starts the announce loop (nothing when no rule beacons or listens).
    func start() throws {
        guard !rules.isEmpty else { return }
        socket = try DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
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

    // MARK: announce

    private func announce() {
        guard !stopped else { return }
        selected = Self.allowedInterfaces(rules: rules)
        let byName = Dictionary(uniqueKeysWithValues: selected.map { ($0.name, $0) })
        // Listeners whose interface vanished or lost the listener's address stop.
        for (name, l) in listeners where !(byName[name]?.linkLocal.contains(l.address) ?? false) {
            l.channel.close(promise: nil)
            listeners[name] = nil
            joined.remove(name)
            log.debug("Stopped multicasting on \(name)")
        }
        for iface in selected {
            guard let lladdr = iface.linkLocal.first else { continue }
            if iface.config.listen && !joined.contains(iface.name) { join(iface) }
            guard iface.config.beacon else { continue }
            if let l = listeners[iface.name] {
                sendBeacon(Beacon(key: localKey, address: l.address, port: l.port), on: iface)
            } else if !starting.contains(iface.name) {
                startListener(iface, address: lladdr)
            }
        }
        timer = eventLoop.scheduleTask(in: Self.tick) { [weak self] in self?.announce() }
    }

    private func startListener(_ iface: Selected, address: IPv6Bytes) {
        guard let uri = try? PeerURI("tls://[\(address)%25\(iface.name)]:\(iface.config.port)", role: .listen) else { return }
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

    private func sendBeacon(_ beacon: Beacon, on iface: Selected) {
        guard let socket else { return }
        var dest = sockaddr_in6()
        dest.sin6_family = sa_family_t(AF_INET6)
        dest.sin6_port = Beacon.port.bigEndian
        dest.sin6_scope_id = iface.index
        inet_pton(AF_INET6, Beacon.group, &dest.sin6_addr)
        var buffer = socket.allocator.buffer(capacity: Beacon.length)
        buffer.writeBytes(beacon.encoded)
        socket.writeAndFlush(AddressedEnvelope(remoteAddress: SocketAddress(dest, host: Beacon.group), data: buffer), promise: nil)
    }

    // MARK: receive

    private func received(_ envelope: AddressedEnvelope<ByteBuffer>) {
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
        let text = "tls://[\(beacon.address)%25\(name)]:\(beacon.port)?key=\(beacon.key.hex)&priority=\(iface.config.priority)"
        guard let uri = try? PeerURI(text) else { return }
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
