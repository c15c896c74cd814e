import Logging
import NIOCore
import NIOPosix
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
#if canImport(Glibc)
import Glibc
#endif

/// The running node: links and the router on one event loop, for now. Stops on SIGINT or
/// SIGTERM.
public final class Daemon {
    public let config: NodeConfig
    public let keys: SigningKeyPair
    let log: Logger
    let group: MultiThreadedEventLoopGroup
    let runtime: NodeRuntimeHandle
    let links: LinkManager
    /// The version's router commands and debug answers, bound to the runtime's router type.
    private let attachRouter: (Daemon, ProtoHandler, AdminServer?) -> Void
    var admin: AdminServer?
    var tunChannel: Channel?
    var multicast: MulticastDiscovery?
    var metricsServer: MetricsServer?
    /// The version's router figures for the metrics endpoint.
    var routerMetrics: ((inout MetricsBuilder) -> Void)?
    /// Config reloads counted for the metrics endpoint; touched on the event loop only.
    public internal(set) var reloads = ReloadCounters()

    public init(config: NodeConfig, keys: SigningKeyPair, logger: Logger) throws {
        self.config = config
        self.keys = keys
        self.log = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let links = LinkManager(eventLoop: loop, localKey: keys.publicKey,
                                allowedKeys: Set((config.allowedPublicKeys ?? []).compactMap(PublicKey.init(hex:))),
                                tls: { try TLSIdentity(keys: keys) }, log: logger,
                                version: config.protocolVersion, keys: keys)
        self.links = links
        switch config.protocolVersion {
        case .v04:
            let runtime04 = NodeRuntime(eventLoop: loop, keys: keys, version: .v04, log: logger) { keys, unixTime in
                var seed = SystemRandom()
                return Router(keys: keys, now: 0, unixTime: unixTime, setupSeqStart: seed.next() >> 1)
            }
            runtime = runtime04
            attachRouter = { daemon, proto, admin in
                proto.selfDocument = { [weak runtime04] in
                    let coords = "[" + (runtime04?.router.coords ?? []).map(String.init).joined(separator: " ") + "]"
                    return .object(JSONObject([("coords", .string(coords)), ("key", .string(keys.publicKey.hex))]))
                }
                proto.peerKeys = { [weak runtime04] in runtime04?.router.peerStatus.map(\.key) ?? [] }
                proto.tableKeys = { [weak runtime04] in runtime04?.router.dhtEntries.map(\.key) ?? [] }
                daemon.routerMetrics = Daemon.routerMetrics04(runtime04)
                if let admin { Daemon.registerAdminCommands04(admin, runtime: runtime04, links: links, keys: keys) }
            }
        case .v05:
            let runtime05 = NodeRuntime(eventLoop: loop, keys: keys, version: .v05, log: logger) { keys, unixTime in
                Router05(keys: keys, now: 0, unixTime: unixTime, random: SystemRandom())
            }
            runtime = runtime05
            attachRouter = { daemon, proto, admin in
                // 0.5.12 answers with routing_entries as a string.
                proto.selfDocument = { [weak runtime05] in
                    .object(JSONObject([("key", .string(keys.publicKey.hex)),
                                        ("routing_entries", .string("\(runtime05?.router.routingEntries ?? 0)"))]))
                }
                proto.peerKeys = { [weak runtime05] in runtime05?.router.peerStatus.map(\.key) ?? [] }
                proto.tableKeys = { [weak runtime05] in runtime05?.router.treeEntries.map(\.key) ?? [] }
                daemon.routerMetrics = Daemon.routerMetrics05(runtime05)
                if let admin { Daemon.registerAdminCommands05(admin, runtime: runtime05, links: links, keys: keys) }
            }
        }
        links.events = runtime
        links.multicastAllowedKeys = Set(config.multicastAllowedPublicKeys.compactMap(PublicKey.init(hex:)))
    }

    /// Opens the TUN interface, the admin socket and the listeners, and dials the configured peers.
    public func start() throws {
        let proto = ProtoHandler(eventLoop: links.eventLoop, localKey: keys.publicKey,
                                 nodeInfo: NodeInfo.document(config: config.nodeInfo, privacy: config.nodeInfoPrivacy),
                                 maxPayload: IPv6Layer.maximumMTU(runtime.version))
        let runtime = self.runtime
        proto.sendToKey = { [weak runtime] key, data in runtime?.sendSession(data, to: key) }
        try startTUN()
        var server: AdminServer?
        if config.adminListen != "none" && !config.adminListen.isEmpty {
            server = AdminServer(eventLoop: links.eventLoop, log: log)
            registerCommonAdminCommands(server!)
        }
        try links.eventLoop.submit {
            self.attachRouter(self, proto, server)
            runtime.proto = proto
        }.wait()
        if let server {
            try server.start(try AdminEndpoint(config.adminListen))
            admin = server
        }
        try applyMetricsListen(config.metricsListen)
        try links.eventLoop.submit {
            for text in self.config.listen ?? [] {
                guard let uri = try? PeerURI(text, role: .listen) else { continue }
                self.links.listen(uri)
            }
            for text in self.config.peers {
                guard let uri = try? PeerURI(text) else { continue }
                try? self.links.addPeer(uri, fromConfig: true)
            }
            for (interface, uris) in self.config.interfacePeers {
                for text in uris {
                    guard let uri = try? PeerURI(text) else { continue }
                    try? self.links.addPeer(uri, interface: interface, fromConfig: true)
                }
            }
        }.wait()
        let discovery = try MulticastDiscovery(eventLoop: links.eventLoop, links: links, localKey: keys.publicKey,
                                               config: config.multicastInterfaces, log: log,
                                               version: config.protocolVersion)
        do {
            try discovery.start()
            multicast = discovery
        } catch {
            log.warning("Multicast discovery not started: \(error)")
        }
    }

    private func startTUN() throws {
        guard !["none", "dummy"].contains(config.ifName) else {
            log.debug("Not starting TUN as IfName is none or dummy")
            return
        }
        let version = runtime.version
        let requested = min(Int(config.ifMTU), TunDevice.maximumMTU(version))
        let device = try TunDevice(name: config.ifName == "auto" ? nil : config.ifName, mtu: requested,
                                   address: Address(key: keys.publicKey), version: version)
        let runtime = self.runtime
        try links.eventLoop.submit { runtime.attachTUN(device) }.wait()
        tunChannel = try TunChannel.start(device: device, on: links.eventLoop, onPacket: { [weak runtime] packet in
            runtime?.tunPacket(packet)
        }, onReadComplete: { [weak runtime] in
            runtime?.tunReadComplete()
        })
        if requested != device.mtu {
            log.warning("Interface MTU \(config.ifMTU) automatically adjusted to \(device.mtu) (supported range is 1280-\(TunDevice.maximumMTU(version)))")
        }
        log.info("Interface name: \(device.name)")
        log.info("Interface IPv6: \(Address(key: keys.publicKey))/7")
        log.info("Interface MTU: \(device.mtu)")
    }

    /// Logs the identity, starts, then blocks until SIGINT or SIGTERM. SIGHUP is taken too, so a
    /// stray hangup no longer kills the node (0.4.7 dies on it); it is logged and ignored.
    public func runUntilSignalled() throws {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &set, nil)

        try start()
        log.info("Your public key is \(keys.publicKey.hex)")
        log.info("Your IPv6 address is \(Address(key: keys.publicKey))")
        log.info("Your IPv6 subnet is \(Subnet(key: keys.publicKey))")

        while true {
            var sig: Int32 = 0
            guard sigwait(&set, &sig) == 0 else { continue }
            if sig == SIGHUP {
                log.info("SIGHUP received: ignored (restart the node to apply config changes)")
                continue
            }
            log.info("Stopping (signal \(sig))")
            break
        }
        try? multicast?.stop().wait()
        try? admin?.stop().wait()
        try? metricsServer?.stop().wait()
        try? tunChannel?.close().wait()
        try? links.eventLoop.flatSubmit { self.links.stop() }.wait()
        try? group.syncShutdownGracefully()
    }
}
