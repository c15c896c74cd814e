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
    let runtime: NodeRuntime
    let links: LinkManager
    var admin: AdminServer?
    var tunChannel: Channel?
    var multicast: MulticastDiscovery?

    public init(config: NodeConfig, keys: SigningKeyPair, logger: Logger) throws {
        self.config = config
        self.keys = keys
        self.log = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        runtime = NodeRuntime(eventLoop: loop, keys: keys, log: logger)
        let allowed = Set((config.allowedPublicKeys ?? []).compactMap(PublicKey.init(hex:)))
        links = LinkManager(eventLoop: loop, localKey: keys.publicKey, allowedKeys: allowed, tls: { try TLSIdentity(keys: keys) }, log: logger)
        links.events = runtime
        links.multicastAllowedKeys = Set(config.multicastAllowedPublicKeys.compactMap(PublicKey.init(hex:)))
    }

    /// Opens the TUN interface, the admin socket and the listeners, and dials the configured peers.
    public func start() throws {
        let proto = ProtoHandler(eventLoop: links.eventLoop, localKey: keys.publicKey,
                                 nodeInfo: NodeInfo.document(config: config.nodeInfo, privacy: config.nodeInfoPrivacy))
        let runtime = self.runtime
        proto.sendToKey = { [weak runtime] key, data in runtime?.sendSession(data, to: key) }
        proto.selfCoords = { [weak runtime] in runtime?.router.coords ?? [] }
        proto.peerKeys = { [weak runtime] in runtime?.router.peerStatus.map(\.key) ?? [] }
        proto.dhtKeys = { [weak runtime] in runtime?.router.dhtEntries.map(\.key) ?? [] }
        try links.eventLoop.submit { runtime.proto = proto }.wait()
        try startTUN()
        if config.adminListen != "none" && !config.adminListen.isEmpty {
            let server = AdminServer(eventLoop: links.eventLoop, log: log)
            registerAdminCommands(server)
            try server.start(try AdminEndpoint(config.adminListen))
            admin = server
        }
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
                                               config: config.multicastInterfaces, log: log)
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
        let requested = min(Int(config.ifMTU), TunDevice.maximumMTU)
        let device = try TunDevice(name: config.ifName == "auto" ? nil : config.ifName, mtu: requested,
                                   address: Address(key: keys.publicKey))
        let runtime = self.runtime
        try links.eventLoop.submit {
            runtime.tun = device
            runtime.ipv6.setMTU(device.mtu)
        }.wait()
        tunChannel = try TunChannel.start(device: device, on: links.eventLoop, onPacket: { [weak runtime] packet in
            runtime?.tunPacket(packet)
        }, onReadComplete: { [weak runtime] in
            runtime?.tunReadComplete()
        })
        if requested != device.mtu {
            log.warning("Interface MTU \(config.ifMTU) automatically adjusted to \(device.mtu) (supported range is 1280-53049)")
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
        try? tunChannel?.close().wait()
        try? links.eventLoop.flatSubmit { self.links.stop() }.wait()
        try? group.syncShutdownGracefully()
    }
}
