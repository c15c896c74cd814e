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
    /// The config in use: the start-up one, then each reloaded one (written on the event loop).
    public internal(set) var config: NodeConfig
    /// The file given with `-useconffile`, read again by `reload()`; nil for `-useconf`/`-autoconf`.
    public var configPath: String?
    let reloading = ReloadState()
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
    /// systemd / `-notifyfd` readiness, reload and watchdog messages.
    public var notifier = ServiceNotifier.disabled
    /// `-user`: applied once everything privileged is open.
    public var privilegeDrop: PrivilegeDrop?
    /// The log destination, reopened on SIGHUP (logrotate).
    public var logSink: LogSink?
    var metricsServer: MetricsServer?
    /// The version's router figures for the metrics endpoint.
    var routerMetrics: ((inout MetricsBuilder) -> Void)?

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
                proto.tableKeys = { [weak runtime04] limit in runtime04?.router.dhtKeys(limit: limit) ?? [] }
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
                proto.tableKeys = { [weak runtime05] limit in runtime05?.router.treeKeys(limit: limit) ?? [] }
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
            registerReloadCommand(server!)
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
        // Listeners are bound (or have failed) before start() returns: READY=1 and -user come
        // after them, and a reload diffs against them.
        let listening = try links.eventLoop.submit {
            let bound = (self.config.listen ?? []).compactMap { text in
                (try? PeerURI(text, role: .listen)).map { uri in
                    self.links.listen(uri, interface: "").map { self.reloading.configListeners[text] = $0 }
                }
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
            return EventLoopFuture.whenAllComplete(bound, on: self.links.eventLoop)
        }.wait()
        _ = try? listening.wait()
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
        for note in device.notes { log.warning("\(note)") }
        if requested != device.mtu {
            log.warning("Interface MTU \(config.ifMTU) automatically adjusted to \(device.mtu) (supported range is 1280-\(TunDevice.maximumMTU(version)))")
        }
        log.info("Interface name: \(device.name)")
        log.info("Interface IPv6: \(Address(key: keys.publicKey))/7")
        log.info("Interface MTU: \(device.mtu)")
    }

    /// The signals the daemon takes with `sigwait`. The executable blocks them in `main` before
    /// any thread exists, so every thread inherits the mask and none dies of a default action.
    public static func blockSignals() {
        var set = stopAndHangupSignals()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    static func stopAndHangupSignals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGHUP)
        return set
    }

    /// Starts, drops privileges (`-user`), reports ready, then blocks until SIGINT or SIGTERM.
    /// A signal that came during start-up waits, pending, and is taken here. SIGHUP reopens
    /// the log file; a failed start closes what was opened before the error is thrown.
    public func runUntilSignalled() throws {
        Daemon.blockSignals()
        var set = Daemon.stopAndHangupSignals()
        if let limits = OpenFileLimit.raise() {
            if limits.after < OpenFileLimit.wanted {
                log.warning("Open-file limit is \(limits.after): a node with every link it may hold needs about \(OpenFileLimit.wanted) (raise the hard limit: LimitNOFILE= in the systemd unit, or ulimit -Hn)")
            } else if limits.after != limits.before {
                log.debug("Open-file limit raised from \(limits.before) to \(limits.after)")
            }
        }
        do {
            try start()
            if let privilegeDrop {
                var socketPath: String?
                if admin != nil, case .unix(let path)? = try? AdminEndpoint(config.adminListen) { socketPath = path }
                try privilegeDrop.apply(adminSocket: socketPath)
                log.info("Running as uid \(getuid()), gid \(getgid())")
            }
        } catch {
            shutDown()
            throw error
        }
        log.info("Your public key is \(keys.publicKey.hex)")
        log.info("Your IPv6 address is \(Address(key: keys.publicKey))")
        log.info("Your IPv6 subnet is \(Subnet(key: keys.publicKey))")
        var pending = sigset_t()
        if sigpending(&pending) == 0, sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1 {
            log.debug("A stop signal came during start-up; stopping now")
        }
        notifier.ready()
        notifier.startWatchdog(on: links.eventLoop)

        while true {
            var sig: Int32 = 0
            guard sigwait(&set, &sig) == 0 else { continue }
            if sig == SIGHUP {
                do { try logSink?.reopen() } catch { log.error("Log file not reopened: \(error)") }
                log.info("SIGHUP received: reloading the config")
                reload()   // sends RELOADING=1 and READY=1 around itself
                continue
            }
            log.info("Stopping (signal \(sig))")
            break
        }
        notifier.stopping()
        reloading.shutdown()
        shutDown()
    }

    /// Closes multicast, the admin socket (deleting its file), the TUN and every link.
    func shutDown() {
        try? multicast?.stop().wait()
        try? admin?.stop().wait()
        try? metricsServer?.stop().wait()
        try? tunChannel?.close().wait()
        try? links.eventLoop.flatSubmit { self.links.stop() }.wait()
        try? group.syncShutdownGracefully()
    }
}
