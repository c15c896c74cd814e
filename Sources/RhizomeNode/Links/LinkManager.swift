import Logging
import NIOCore
import NIOPosix
import NIOSSL
import RhizomeCrypto
import RhizomeIPv6
#if canImport(Glibc)
import Glibc
#endif

/// What the node does with links once they pass the handshake.
protocol LinkEvents: AnyObject {
    /// Returns false to refuse the link (the router refuses our own key, for example).
    func linkUp(_ link: PeerLink) -> Bool
    func linkFrame(_ link: PeerLink, _ frame: ByteBuffer)
    /// After a batch of reads on a link: a good moment to flush writes.
    func linkReadComplete()
    func linkDown(_ link: PeerLink, reason: String?)
}

/// Listens, dials, runs the metadata handshake, applies `?key=` pins and `AllowedPublicKeys`,
/// keeps one link per link key, and re-dials configured peers with back-off. Confined to one
/// event loop.
///
/// `version` selects the link layer the whole node speaks: 0.4's 38-byte preamble and u16 frame
/// lengths, or 0.5's signed metadata (with the `?password=` of the peer or listener URI and the
/// link priority both sides agree on) and uvarint frame lengths. 0.4 and 0.5 nodes never link;
/// the refusal is logged with the reason and the peer is re-dialled with back-off.
final class LinkManager {
    let eventLoop: EventLoop
    let localKey: PublicKey
    let version: ProtocolVersion
    /// Signs the 0.5 metadata; nil only in 0.4.
    private let keys: SigningKeyPair?
    /// Replaced by a config reload.
    var allowedKeys: Set<PublicKey>
    let log: Logger
    weak var events: LinkEvents?

    var table: [LinkKey: PeerLink?] = [:]
    var links: [Int: PeerLink] = [:]
    private var nextLinkID = 1
    var listeners: [Channel] = []
    /// Configured peers (config `Peers`, `InterfacePeers`, admin `addPeer`), with retry state.
    private var peers: [String: PeerDialState] = [:]
    var stopped = false

    struct PeerDialState {
        var target: DialTarget
        var failures = 0
        var retry: Scheduled<Void>?
        var fromConfig: Bool
        /// The latest dial, handshake or link error and when it happened (0.5 `getPeers.last_error`).
        var lastError: String?
        var lastErrorAt: NIODeadline?
    }

    /// A configured peer as 0.5's `getPeers` shows it: its link-table entry, up or down.
    struct ConfiguredPeerStatus {
        /// The URI without its query (0.5's link identity).
        var remote: String
        var interface: String
        /// The established link, if the peer is up.
        var link: PeerLink?
        var lastError: String?
        var lastErrorAt: NIODeadline?
    }

    /// 0.5.12 accepts `addPeer` for a URI it cannot dial (unknown scheme, empty URI) and keeps it
    /// as a down entry whose error is reported by `getPeers`. Bounded by `maxLinks`; the oldest
    /// is not dropped: further ones are refused as the table being full.
    private var undialable: [String: (remote: String, interface: String, error: String, at: NIODeadline)] = [:]
    /// Samples `bytesSent`/`bytesReceived` of every link once a second (0.5 `rate_sent`/`rate_recvd`).
    private var rateTimer: RepeatedTask?

    /// Re-dial delays. Connect failures back off from 1 s to `maxConnectBackoff`, so a peer that
    /// comes back is used again within a few seconds; a peer that accepts the connection and then
    /// rejects us backs off to `maxRejectBackoff`, so a refusing peer never sees a fast loop.
    static let firstRetry = TimeAmount.seconds(1)
    /// Most established links. Further inbound connections are refused (`refuse`, held then reset);
    /// configured peers wait for their next retry. Bounds every per-link table in the node.
    static let maxLinks = 4096
    var socksTimeout = SOCKSClientHandler.defaultTimeout
    /// Inbound table entries in their handshake, with the remote address (no port), and the
    /// outbound ones of multicast-discovered dials; swept lazily (LinkManager+Budgets).
    var inboundHandshakes: [LinkKey: String] = [:]
    var discoveredHandshakes: Set<LinkKey> = []
    /// Refused connections held open until their reset, and refused in all (LinkManager+Refusal).
    var heldRefusals = 0
    var refusedConnections: UInt64 = 0
    /// Per-link send buffer above the kernel's: traffic is dropped above 1 MiB queued.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 512 * 1024, high: 1024 * 1024)
    /// Socket reads grow to 256 KiB under load (several 53 KB frames per read: fewer reads, and
    /// fewer frames split across reads, which the frame decoder must copy to reassemble) and
    /// shrink back when the link is quiet.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 256 * 1024)
    static let maxConnectBackoff = TimeAmount.seconds(4)
    static let maxRejectBackoff = TimeAmount.seconds(60)

    /// TLS contexts for tls:// links, made on first use: a node without TLS links keeps
    /// BoringSSL's certificate and context code out of memory (about 1.2 MiB resident).
    private let makeTLS: () throws -> TLSIdentity
    private var tlsState: TLSIdentity??
    var tls: TLSIdentity? {
        if let made = tlsState { return made }
        do {
            tlsState = .some(try makeTLS())
        } catch {
            log.error("TLS is not available: \(error)")
            tlsState = .some(nil)
        }
        return tlsState!
    }
    /// QUIC engines for quic:// links, likewise made on first use: a node without quic peers or
    /// listeners never loads the QUIC library. Tests may replace `makeQuic` before first use.
    var makeQuic: (() throws -> QuicEngineFactory)?
    private var quicState: QuicEngineFactory??
    var quic: QuicEngineFactory? {
        if let made = quicState { return made }
        do {
            guard let keys else { throw ConfigError(field: "", message: "quic needs ProtocolVersion 0.5") }
            quicState = .some(try (makeQuic ?? { try QuicEngines.factory(keys: keys) })())
        } catch {
            log.error("QUIC is not available: \(error)")
            quicState = .some(nil)
        }
        return quicState!
    }
    /// Beyond 0.4.7: when non-empty, links found by multicast discovery (dialled from beacons or
    /// accepted on multicast listeners) must have one of these keys.
    var multicastAllowedKeys: Set<PublicKey> = []
    /// Closed links' totals and handshake failures, for the metrics.
    private(set) var metrics = LinkMetrics()

    /// - Parameters:
    ///   - version: the node's protocol version (config `ProtocolVersion`); 0.4 by default.
    ///   - keys: the node's key pair; required for 0.5, whose link metadata is signed.
    init(eventLoop: EventLoop, localKey: PublicKey, allowedKeys: Set<PublicKey>, tls: @escaping () throws -> TLSIdentity, log: Logger,
         version: ProtocolVersion = .v04, keys: SigningKeyPair? = nil) {
        precondition(version == .v04 || keys?.publicKey == localKey, "0.5 links need the node's key pair")
        self.eventLoop = eventLoop
        self.localKey = localKey
        self.version = version
        self.keys = keys
        self.makeTLS = tls
        self.allowedKeys = allowedKeys
        self.log = log
        rateTimer = eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [weak self] _ in
            self?.links.values.forEach { $0.sampleRates() }
        }
    }

    /// Every configured peer (config, `InterfacePeers`, `addPeer`), with its link when up.
    var configuredPeerStatus: [ConfiguredPeerStatus] {
        var out: [ConfiguredPeerStatus] = peers.map { id, state in
            let link = links.values.first { $0.dialedID == id }
            return ConfiguredPeerStatus(remote: peerRemote(state.target.uri.original), interface: state.target.interface,
                                        link: link, lastError: state.lastError, lastErrorAt: state.lastErrorAt)
        }
        out += undialable.values.map {
            ConfiguredPeerStatus(remote: $0.remote, interface: $0.interface, link: nil, lastError: $0.error, lastErrorAt: $0.at)
        }
        return out
    }

    /// Keeps a peer this node cannot dial as a down entry (0.5.12's `addPeer` answer for an unknown
    /// scheme). Throws for a duplicate, like `addPeer`.
    func addUndialablePeer(_ uri: String, interface: String, error: String) throws {
        let id = peerID(uri, interface: interface)
        if peers[id] != nil || undialable[id] != nil { throw ConfigError(field: "", message: "peer already configured") }
        guard peers.count + undialable.count < Self.maxLinks else { throw ConfigError(field: "", message: "too many configured peers") }
        undialable[id] = (peerRemote(uri), interface, error, .now())
    }

    func noteError(_ id: String?, _ error: String) {
        guard let id, peers[id] != nil else { return }
        peers[id]?.lastError = error
        peers[id]?.lastErrorAt = .now()
    }

    var allLinks: [PeerLink] { links.values.sorted { $0.id < $1.id } }

    /// Whether an established link to `key` runs over `interface` (multicast uses it not to dial
    /// a node it is already linked with there; a link still in its handshake has no key yet).
    func hasLink(to key: PublicKey, interface: String) -> Bool {
        links.values.contains { $0.remoteKey == key && $0.key.interface == interface }
    }

    // MARK: listening

    /// Starts a listener; returns the bound address (port 0 picks a free one).
    @discardableResult
    func listen(_ uri: PeerURI) -> EventLoopFuture<SocketAddress> {
        listen(uri, interface: "").map { $0.localAddress! }
    }

    /// Starts a listener whose inbound links belong to `interface` (multicast listeners); the
    /// channel is returned so the caller can close it when the interface goes away.
    func listen(_ uri: PeerURI, interface: String) -> EventLoopFuture<Channel> {
        guard version == .v05 || !uri.scheme.isV05Only else {
            log.warning("Listener \"\(uri)\" skipped: \(uri.scheme.rawValue) is a Yggdrasil 0.5 link type, not spoken with ProtocolVersion 0.4")
            return eventLoop.makeFailedFuture(ConfigError(field: "Listen", message: "scheme \(uri.scheme.rawValue) needs ProtocolVersion 0.5"))
        }
        if uri.scheme == .quic { return listenQuic(uri, interface: interface) }
        // wss listeners (beyond 0.5.12, which wants a TLS proxy in front of ws) use the tls:// identity.
        let serverTLS = uri.scheme == .tls || uri.scheme == .wss ? tls?.server : nil
        guard !uri.scheme.isSOCKS, (uri.scheme != .tls && uri.scheme != .wss) || serverTLS != nil else {
            log.warning("Failed to start listener \"\(uri)\": scheme \(uri.scheme.rawValue) cannot listen")
            return eventLoop.makeFailedFuture(ConfigError(field: "Listen", message: "unsupported scheme \(uri.scheme.rawValue)"))
        }
        var bootstrap = ServerBootstrap(group: eventLoop).serverChannelOption(.backlog, value: 128)
        if uri.scheme != .unix {
            bootstrap = bootstrap.serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        }
        bootstrap = bootstrap.childChannelOption(.writeBufferWaterMark, value: Self.writeBufferWaterMark)
            .childChannelOption(.recvAllocator, value: Self.receiveAllocator)
        bootstrap = bootstrap
            .childChannelInitializer { [weak self] channel in
                guard let self else { return channel.eventLoop.makeSucceededVoidFuture() }
                if let serverTLS {
                    do { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: serverTLS)) } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
                return self.setUpInbound(channel, listener: uri, interface: interface)
            }
        let bound = uri.scheme == .unix
            ? bootstrap.bind(unixDomainSocketPath: uri.path, cleanupExistingSocketFile: true)
            : bootstrap.bind(host: uri.host, port: Int(uri.port))
        return bound.map { [weak self] channel in
            self?.listeners.append(channel)
            channel.closeFuture.whenComplete { _ in self?.listeners.removeAll { $0 === channel } }
            let addr = channel.localAddress!
            self?.log.info("\(uri.scheme.rawValue.uppercased()) listener started on \(uri.scheme == .unix ? uri.path : Self.describe(addr))")
            return channel
        }.flatMapErrorThrowing { [weak self] error in
            self?.log.error("Failed to start listener \"\(uri)\": \(error)")
            throw error
        }
    }

    func setUpInbound(_ channel: Channel, listener: PeerURI, interface: String) -> EventLoopFuture<Void> {
        guard let remote = channel.remoteAddress else { return channel.close() }
        let address = listener.scheme == .unix ? "unix#\(nextLinkID + table.count)" : remote.ipAddress ?? "\(remote)"
        let inbound = inboundHandshakeCounts(address: address)
        guard links.count < Self.maxLinks, inbound.total < Self.maxInboundHandshakes,
              inbound.fromAddress < Self.maxInboundHandshakesPerAddress else {
            log.debug("Refusing inbound connection from \(Self.describe(remote)): at the link or handshake limit")
            return refuse(channel)
        }
        // UNIX peers have no address of their own: each inbound link gets its own id (0.4.7 keys
        // them by the listener and so takes one at a time).
        let remoteID = listener.scheme == .unix ? "\(listener.path)#\(nextLinkID + table.count)" : Self.remoteID(local: channel.localAddress, remote: remote)
        let key = LinkKey(scheme: listener.scheme.rawValue, interface: interface, remote: remoteID)
        if table[key] != nil {
            return channel.close()
        }
        table[key] = .some(nil)
        inboundHandshakes[key] = address
        let name = listener.scheme == .unix ? listener.original : listener.scheme.rawValue + "://" + Self.describe(remote)
        if listener.scheme.isWebSocket {
            // The link starts when the HTTP request upgrades; a connection that ends before
            // that (a health check, a refused request) only gives its table entry back.
            channel.closeFuture.whenComplete { [weak self] _ in
                guard let self, case .some(.none) = self.table[key] else { return }
                self.table[key] = nil
            }
            return channel.eventLoop.makeCompletedFuture {
                try WebSocketListener.configure(channel) { [weak self] channel in
                    guard let self else { return channel.close() }
                    return self.addHandshake(channel, key: key, name: name, inbound: true, scheme: listener.scheme, priority: listener.priority,
                                             password: listener.password, pins: [], dialed: nil, discovered: !interface.isEmpty, remoteIP: remote)
                }
            }
        }
        return addHandshake(channel, key: key, name: name, inbound: true, scheme: listener.scheme, priority: listener.priority,
                            password: listener.password, pins: [], dialed: nil, discovered: !interface.isEmpty, remoteIP: remote)
    }

    // MARK: dialling

    /// Adds a configured peer and dials it now. Errors only for a bad URI or a duplicate.
    func addPeer(_ uri: PeerURI, interface: String = "", fromConfig: Bool) throws {
        guard version == .v05 || !uri.scheme.isV05Only else {
            log.warning("Peer \(uri) skipped: \(uri.scheme.rawValue) is a Yggdrasil 0.5 link type, not spoken with ProtocolVersion 0.4")
            throw ConfigError(field: "", message: "scheme \(uri.scheme.rawValue) needs ProtocolVersion 0.5")
        }
        let id = peerID(uri.original, interface: interface)
        if peers[id] != nil || undialable[id] != nil { throw ConfigError(field: "", message: "peer already configured") }
        peers[id] = PeerDialState(target: DialTarget(uri: uri, interface: interface), fromConfig: fromConfig)
        dial(id)
    }

    /// Forgets a configured peer and closes its link.
    func removePeer(_ uri: String, interface: String = "") throws {
        let id = peerID(uri, interface: interface)
        if undialable.removeValue(forKey: id) != nil { return }
        guard var state = peers.removeValue(forKey: id) else { throw ConfigError(field: "", message: "peer not configured") }
        state.retry?.cancel()
        state.retry = nil
        for link in links.values where link.dialedID == id {
            link.dialedID = nil  // its close must not re-dial or mark a peer re-added under the same id
            link.close(reason: "peer removed")
        }
    }

    var configuredPeers: [DialTarget] { peers.values.map(\.target) }

    private func dial(_ id: String) {
        guard !stopped, let state = peers[id] else { return }
        connect(state.target, retryID: id)
    }

    /// Dials a node found by multicast discovery: once, no retries (its beacons repeat). These
    /// dials hold at most `maxDiscoveredHandshakes` of the outbound budget: any host on the LAN
    /// can send beacons, with any key, and must not take the slots configured peers dial with.
    func dialDiscovered(_ uri: PeerURI, interface: String) {
        guard !stopped, discoveredHandshakeCount < Self.maxDiscoveredHandshakes else { return }
        let target = DialTarget(uri: uri, interface: interface)
        connect(target, retryID: nil)
        let key = provisionalKey(target)
        if case .some(.none) = table[key] { discoveredHandshakes.insert(key) }
    }

    private func connect(_ target: DialTarget, retryID id: String?) {
        let uri = target.uri
        let clientTLS = uri.scheme == .tls || uri.scheme == .sockstls ? tls?.client : nil
        guard (uri.scheme != .tls && uri.scheme != .sockstls) || clientTLS != nil else {
            log.warning("Failed to dial \(uri): TLS is not available")
            return
        }
        let wssTLS = uri.scheme == .wss ? try? WebSocketDialer.tlsContext.get() : nil
        guard uri.scheme != .wss || wssTLS != nil else {
            log.warning("Failed to dial \(uri): TLS is not available")
            return
        }
        let scheme = uri.scheme.rawValue
        let provisional = provisionalKey(target)
        if table[provisional] != nil || links.values.contains(where: { $0.dialed?.uri.original == uri.original }) { return }
        guard links.count < Self.maxLinks, outboundHandshakesInProgress < Self.maxOutboundHandshakes else {
            if let id { scheduleRedial(id, rejected: false) }
            return
        }
        table[provisional] = .some(nil)
        if uri.scheme == .quic { return connectQuic(target, retryID: id, provisional: provisional) }
        // SNI: the sni= option, else the host if it is a name; never an IP literal. For
        // sockstls that host is the proxy's, as 0.5.12 does it.
        let sniCandidate = uri.sni ?? uri.host
        let sni = (IPv6Text.isValid(sniCandidate.split(separator: "%").first.map(String.init) ?? "") || IPv4Text.parse(sniCandidate) != nil) ? nil : sniCandidate
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.milliseconds(Int64(RhizomeCoreConstants.dialTimeout * 1000)))
            .channelInitializer { channel in
                guard let clientTLS, uri.scheme == .tls else { return channel.eventLoop.makeSucceededVoidFuture() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: clientTLS, serverHostname: sni))
                }
            }
        if uri.scheme != .unix {
            bootstrap = bootstrap.channelOption(.tcpOption(.tcp_nodelay), value: 1)
        }
        bootstrap = bootstrap.channelOption(.writeBufferWaterMark, value: Self.writeBufferWaterMark)
            .channelOption(.recvAllocator, value: Self.receiveAllocator)
        var socks: SOCKSClientHandler?
        if uri.scheme.isSOCKS {
            let promise = eventLoop.makePromise(of: Void.self)
            guard let handler = try? SOCKSClientHandler(target: uri.path, userInfo: uri.userInfo, done: promise, timeout: socksTimeout) else {
                table[provisional] = nil
                return
            }
            socks = handler
            bootstrap = bootstrap.channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
        }
        var webSocket: WebSocketDialer?
        if uri.scheme.isWebSocket {
            let dialer = WebSocketDialer(uri: uri, upgraded: eventLoop.makePromise(of: Void.self))
            webSocket = dialer
            bootstrap = bootstrap.channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try dialer.configure(channel, tls: wssTLS) }
            }
        }
        if !target.interface.isEmpty && uri.scheme != .unix && !uri.scheme.isSOCKS {
            // Dial from the interface's own address (its link-local one for a link-local peer),
            // so the peer sees the address it expects and exempts us from its allowlist as 0.4.7 does.
            let linkLocal = InterfaceAddress.isLinkLocal(uri.host)
            guard let source = InterfaceAddress.source(interface: target.interface, forLinkLocalIPv6: linkLocal) else {
                table[provisional] = nil
                webSocket?.upgraded.fail(ConfigError(field: "", message: "no source address"))
                log.warning("Failed to dial \(uri.authority): no suitable source address found on interface \(target.interface)")
                noteError(id, "no suitable source address found on interface \"\(target.interface)\"")
                if let id { scheduleRedial(id, rejected: false) }
                return
            }
            bootstrap = bootstrap.bind(to: source)
        }
        // A link-local peer named without a zone takes the source interface as its zone.
        var host = uri.host
        if !target.interface.isEmpty && !host.contains("%") && InterfaceAddress.isLinkLocal(host) { host += "%" + target.interface }
        var connecting = uri.scheme == .unix
            ? bootstrap.connect(unixDomainSocketPath: uri.path)
            : bootstrap.connect(host: host, port: Int(uri.port))
        if let socks {
            // The link starts once the proxy has connected us to the target.
            connecting = connecting.flatMap { channel in
                socks.done.futureResult.flatMapThrowing {
                    // sockstls: TLS runs inside the proxy's tunnel, in front of the link handshake.
                    if uri.scheme == .sockstls, let clientTLS {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: clientTLS, serverHostname: sni),
                                                                       position: .after(socks))
                    }
                    return channel
                }.flatMapError { error in channel.close().flatMapThrowing { throw error } }
            }
        }
        if let webSocket {
            // The link starts once the server has upgraded the connection to WebSocket.
            connecting = connecting.flatMap { channel in
                webSocket.upgraded.futureResult.map { channel }.flatMapError { error -> EventLoopFuture<Channel> in
                    channel.close(promise: nil)
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        }
        connecting.whenComplete { [weak self] result in
            guard let self else { return }
            self.table[provisional] = nil
            switch result {
            case .failure(let error):
                webSocket?.upgraded.fail(error)
                self.log.warning("Failed to dial \(scheme.uppercased()) \(uri.authority): \(Self.describe(error))")
                self.noteError(id, "dial \(scheme) \(uri.authority): connect: \(Self.goText(error))")
                if let id { self.scheduleRedial(id, rejected: false) }
            case .success(let channel):
                guard let remote = channel.remoteAddress else { channel.close(promise: nil); return }
                let key = LinkKey(scheme: scheme, interface: target.interface,
                                  remote: uri.scheme == .unix || uri.scheme.isSOCKS ? uri.path : Self.remoteID(local: channel.localAddress, remote: remote))
                if self.table[key] != nil { channel.close(promise: nil); return }
                self.table[key] = .some(nil)
                var name = uri.scheme == .unix ? uri.original : uri.scheme.isSOCKS ? Self.redactingPassword(uri) : scheme + "://" + uri.authority
                if name.hasSuffix("/") { name.removeLast() }
                if uri.scheme.isWebSocket && uri.path != "/" { name += uri.path }
                _ = self.addHandshake(channel, key: key, name: name, inbound: false, scheme: uri.scheme, priority: uri.priority,
                                      password: uri.password, pins: Set(uri.pinnedKeys.compactMap { PublicKey(bytes: $0) }),
                                      dialed: id, discovered: id == nil, remoteIP: remote)
                socks?.release()
                webSocket?.release()
            }
        }
    }

    /// Doubles from 1 s per consecutive failure up to the cap: `?maxbackoff=` when the peer URI
    /// gives one (it caps both kinds of failure, as in yggdrasil), else 4 s for connect failures
    /// and 60 s for refusals.
    func scheduleRedial(_ id: String, rejected: Bool) {
        guard !stopped, var state = peers[id] else { return }
        state.failures += 1
        let cap = state.target.uri.maxBackoff.map { TimeAmount.milliseconds(Int64($0 * 1000)) }
            ?? (rejected ? Self.maxRejectBackoff : Self.maxConnectBackoff)
        let exp = min(state.failures - 1, 10)
        let delay = TimeAmount.nanoseconds(min(Self.firstRetry.nanoseconds << exp, cap.nanoseconds))
        state.retry?.cancel()
        state.retry = eventLoop.scheduleTask(in: delay) { [weak self] in
            self?.peers[id]?.retry = nil
            self?.dial(id)
        }
        peers[id] = state
    }

    // MARK: handshake and hand-off

    func addHandshake(_ channel: Channel, key: LinkKey, name: String, inbound: Bool, scheme: PeerURI.Scheme, priority: UInt8,
                              password: [UInt8], pins: Set<PublicKey>, dialed: String?, discovered: Bool,
                              remoteIP: SocketAddress) -> EventLoopFuture<Void> {
        let credentials = keys.map { LinkHandshakeHandler.Credentials(signer: $0, priority: priority, password: password) }
        let handshake = LinkHandshakeHandler(version: version, localKey: localKey, credentials: credentials, onComplete: { [weak self] context, remote, leftover in
            // 0.5: both ends use the larger of the two priorities (routing.md §1.3).
            let effective = self?.version == .v05 ? max(priority, remote.priority) : priority
            self?.handshakeDone(context: context, remoteKey: remote.key, leftover: leftover, key: key, name: name,
                                inbound: inbound, scheme: scheme, priority: effective, pins: pins, dialed: dialed,
                                discovered: discovered, remoteIP: remoteIP)
        }, onFailure: { [weak self] error in
            guard let self else { return }
            self.table[key] = nil
            self.metrics.handshakeFailed(HandshakeFailureReason(error))
            // A wrong version or password will not fix itself: say so where the operator looks.
            if let failure = error as? LinkHandshakeHandler.Failure, failure.isRefusal {
                self.log.warning("Link handler \(name) error: \(failure)")
            } else {
                self.log.debug("Link handler \(name) error: \(error)")
            }
            self.noteError(dialed, "\(error)")
            if let dialed { self.scheduleRedial(dialed, rejected: true) }
        })
        do {
            try channel.pipeline.syncOperations.addHandler(handshake)
            return channel.eventLoop.makeSucceededVoidFuture()
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
    }

    private func handshakeDone(context: ChannelHandlerContext, remoteKey: PublicKey, leftover: ByteBuffer, key: LinkKey,
                               name: String, inbound: Bool, scheme: PeerURI.Scheme, priority: UInt8, pins: Set<PublicKey>, dialed: String?,
                               discovered: Bool, remoteIP: SocketAddress) {
        let channel = context.channel
        func reject(_ why: String, _ reason: HandshakeFailureReason) {
            metrics.handshakeFailed(reason)
            log.warning("Link handler \(name) error: \(why)")
            table[key] = nil
            channel.close(promise: nil)
            noteError(dialed, why)
            if let dialed { scheduleRedial(dialed, rejected: true) }
        }
        if !pins.isEmpty && !pins.contains(remoteKey) { return reject("node public key that does not match pinned keys", .pinnedKeyMismatch) }
        if inbound && !allowedKeys.isEmpty && !allowedKeys.contains(remoteKey) && !Self.isLinkLocal(remoteIP) {
            return reject("node public key \"\(remoteKey.hex)\" is not in AllowedPublicKeys", .notAllowed)
        }
        if discovered && !multicastAllowedKeys.isEmpty && !multicastAllowedKeys.contains(remoteKey) {
            return reject("node public key \"\(remoteKey.hex)\" is not in MulticastAllowedPublicKeys", .multicastNotAllowed)
        }
        if remoteKey == localKey { return reject("attempted to connect to self", .ownKey) }
        guard !stopped else { channel.close(promise: nil); return }
        if let dialed, peers[dialed] == nil { return reject("peer removed while connecting", .peerRemoved) }

        let target = dialed.flatMap { peers[$0]?.target }
        let link = PeerLink(id: nextLinkID, remoteKey: remoteKey, priority: priority, name: name, inbound: inbound,
                            scheme: scheme, channel: channel, key: key, dialed: target)
        link.dialedID = dialed
        nextLinkID += 1
        let handler = LinkHandler(link: link, version: version, onFrame: { [weak self] link, frame in
            self?.events?.linkFrame(link, frame)
        }, onReadComplete: { [weak self] in
            self?.events?.linkReadComplete()
        }, onClose: { [weak self] link, reason in
            self?.closed(link, reason: reason, dialedID: link.dialedID)
        })
        link.handler = handler
        do {
            let sync = channel.pipeline.syncOperations
            let decoder = ByteToMessageHandler(FrameDecoder(version: version), maximumBufferSize: FrameDecoder.maximumBufferSize(version))
            try sync.addHandler(decoder, position: .last)
            try sync.addHandler(handler, position: .last)
        } catch {
            return reject("pipeline: \(error)", .other)
        }
        table[key] = .some(link)
        links[link.id] = link
        let address = Address(key: remoteKey)
        log.info("Connected \(inbound ? "inbound" : "outbound") \(scheme.rawValue.uppercased()): \(address)@\(key.remote), source \(channel.localAddress.map(Self.describe) ?? "?")")
        guard events?.linkUp(link) ?? false else {
            link.close(reason: "refused by the router")
            return
        }
        if leftover.readableBytes > 0 { context.fireChannelRead(NIOAny(leftover)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func closed(_ link: PeerLink, reason: String?, dialedID: String?) {
        links[link.id] = nil
        metrics.linkClosed(link)
        if case .some(.some(let current)) = table[link.key], current === link { table[link.key] = nil }
        let address = Address(key: link.remoteKey)
        log.info("Disconnected \(link.inbound ? "inbound" : "outbound") \(link.scheme.rawValue.uppercased()): \(address)@\(link.key.remote)\(reason.map { "; error: \($0)" } ?? "")")
        events?.linkDown(link, reason: reason)
        if let dialedID, peers[dialedID] != nil {
            noteError(dialedID, reason ?? "remote side closed the connection")
            // An established link that ends is re-dialled after 1 s; repeated quick deaths back off.
            let lived = NIODeadline.now() - link.establishedAt
            if lived > .seconds(30) { peers[dialedID]?.failures = 0 }
            scheduleRedial(dialedID, rejected: true)
        }
    }

    func stop() -> EventLoopFuture<Void> {
        stopped = true
        rateTimer?.cancel()
        for (id, _) in peers { peers[id]?.retry?.cancel() }
        let closes = listeners.map { $0.close() } + links.values.map { $0.channel.close() }
        return EventLoopFuture.andAllComplete(closes, on: eventLoop)
    }
}

import RhizomeCore
typealias RhizomeCoreConstants = RhizomeCore.Constants
