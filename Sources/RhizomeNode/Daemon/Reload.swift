import Logging
import NIOCore
import NIOPosix
import RhizomeCrypto
import Synchronization

/// What one reload did: the fields it applied (with a line per change), the changed fields that
/// wait for a restart, or why nothing was applied.
public struct ReloadReport: Sendable, Equatable {
    /// Fields whose new value is now in use, in config order.
    public var applied: [String] = []
    /// One line per change: `+ Peers tcp://…`, `- Listen tls://…`, `NodeInfo replaced`, …
    public var changes: [String] = []
    /// Changed fields left as they are until the node restarts.
    public var restartNeeded: [String] = []
    /// Set when nothing was applied: no config file, a file that cannot be read, a bad value.
    public var error: String?
    public var seconds: Double = 0

    public var succeeded: Bool { error == nil }

    /// The admin `reload` answer.
    public var json: JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("applied", .array(applied.map(JSONValue.string))),
            ("changes", .array(changes.map(JSONValue.string))),
            ("restart_needed", .array(restartNeeded.map(JSONValue.string))),
            ("seconds", .number(String(format6(seconds)))),
        ]
        if let error { fields.insert(("error", .string(error)), at: 0) }
        return .object(JSONObject(fields))
    }

    private func format6(_ x: Double) -> String {
        let micros = Int64((x * 1e6).rounded())
        let frac = String(micros % 1_000_000)
        return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - frac.count) + frac
    }
}

/// Reload outcomes since start (for the metrics exporter and the logs).
public struct ReloadCounts: Sendable, Equatable {
    public var done = 0
    public var failed = 0
    public var lastSeconds: Double = 0
}

/// The daemon's reload bookkeeping. One reload runs at a time (SIGHUP and admin `reload` may
/// race); `configListeners` belongs to the event loop.
final class ReloadState: @unchecked Sendable {
    let serial = Mutex(())
    let counts = Mutex(ReloadCounts())
    /// The open `Listen` listeners, by the URI text in the config (so a changed URI is a new entry).
    var configListeners: [String: Channel] = [:]
    /// Runs admin-requested reloads off the event loop (a reload waits on it). Made on first use.
    private let pool = Mutex<NIOThreadPool?>(nil)

    func threadPool() -> NIOThreadPool {
        pool.withLock { pool in
            if let pool { return pool }
            let made = NIOThreadPool(numberOfThreads: 1)
            made.start()
            pool = made
            return made
        }
    }

    func shutdown() {
        let made = pool.withLock { pool in defer { pool = nil }; return pool }
        try? made?.syncShutdownGracefully()
    }
}

extension Daemon {
    /// Fields that a running node cannot change; a reload reports them and keeps the old value.
    static let restartFields: [(name: String, changed: (NodeConfig, NodeConfig) -> Bool)] = [
        ("PrivateKey", { $0.privateKey != $1.privateKey }),
        ("PrivateKeyPath", { $0.privateKeyPath != $1.privateKeyPath }),
        ("IfName", { $0.ifName != $1.ifName }),
        ("IfMTU", { $0.ifMTU != $1.ifMTU }),
        ("ProtocolVersion", { $0.protocolVersion != $1.protocolVersion }),
        ("AdminListen", { $0.adminListen != $1.adminListen }),
        ("LogLookups", { $0.logLookups != $1.logLookups }),
    ]

    /// Reload outcomes so far.
    public var reloadCounts: ReloadCounts { reloading.counts.withLock { $0 } }

    /// Reads the config file again (`configPath`), validates it as at start and applies what can
    /// change while running; a config with any error changes nothing. Blocks until done: call it
    /// from any thread but the node's event loop (SIGHUP's thread, the admin reload pool).
    @discardableResult
    public func reload() -> ReloadReport {
        precondition(!links.eventLoop.inEventLoop, "reload() waits on the event loop")
        return reloading.serial.withLock { _ in
            // systemd (Type=notify) sees every reload, from SIGHUP or from the admin socket.
            notifier.reloading()
            defer { notifier.ready() }
            let started = NIODeadline.now()
            var report = reloadOnce()
            report.seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
            reloading.counts.withLock { counts in
                if report.succeeded { counts.done += 1 } else { counts.failed += 1 }
                counts.lastSeconds = report.seconds
            }
            return report
        }
    }

    private func reloadOnce() -> ReloadReport {
        var report = ReloadReport()
        guard let path = configPath else {
            report.error = "the node was started without a config file (-useconf or -autoconf): nothing to reload"
            log.warning("Reload: \(report.error!); nothing changed")
            return report
        }
        var loaded: NodeConfig.Loaded
        do {
            loaded = try NodeConfig.load(bytes: try ConfigSource.readFile(path))
        } catch {
            report.error = "config error: \(error)"
            log.error("Reload of \(path) failed: \(report.error!); nothing changed")
            return report
        }
        for w in loaded.warnings where !w.hasPrefix("no PrivateKey") { log.warning("Reload: \(w)") }
        let old = config
        var new = loaded.config
        // A file without a key gave the node a random identity at start; reading it again does not
        // ask for another one.
        let keyless = loaded.warnings.contains { $0.hasPrefix("no PrivateKey") }
        if keyless { new.privateKey = old.privateKey; new.publicKey = old.publicKey }
        report.restartNeeded = Self.restartFields.filter { $0.changed(old, new) }.map(\.name)
        // Keep what the running node uses for the fields that wait for a restart.
        new.privateKey = old.privateKey; new.privateKeyPath = old.privateKeyPath; new.publicKey = old.publicKey
        new.ifName = old.ifName; new.ifMTU = old.ifMTU; new.protocolVersion = old.protocolVersion
        new.adminListen = old.adminListen; new.logLookups = old.logLookups
        if !report.restartNeeded.isEmpty {
            log.warning("Reload: changed but needing a restart, so left as they are: \(report.restartNeeded.joined(separator: ", "))")
        }
        let started = NIODeadline.now()
        apply(old: old, new: new, into: &report)
        let took = Double((NIODeadline.now() - started).nanoseconds) / 1e6
        let what = report.applied.isEmpty ? "nothing to apply" : "applied \(report.applied.joined(separator: ", "))"
        log.info("Reloaded \(path) in \(Int(took.rounded())) ms: \(what)")
        return report
    }

    /// Applies the reloadable fields on the event loop, waiting for listeners to close before
    /// new ones bind (a changed listener keeps its port) and for multicast to restart.
    private func apply(old: NodeConfig, new: NodeConfig, into report: inout ReloadReport) {
        let loop = links.eventLoop
        func note(_ field: String, _ line: String) {
            if !report.applied.contains(field) { report.applied.append(field) }
            report.changes.append(line)
            log.info("Reload: \(line)")
        }

        // Peers and InterfacePeers: a URI that changed in any way is a removed peer plus a new one.
        func entries(_ c: NodeConfig) -> [(field: String, interface: String, uri: String)] {
            c.peers.map { ("Peers", "", $0) } + c.interfacePeers.flatMap { i in i.peers.map { ("InterfacePeers", i.interface, $0) } }
        }
        let oldPeers = entries(old), newPeers = entries(new)
        let removedPeers = oldPeers.filter { o in !newPeers.contains { $0.interface == o.interface && $0.uri == o.uri } }
        let addedPeers = newPeers.filter { n in !oldPeers.contains { $0.interface == n.interface && $0.uri == n.uri } }
        let peerNotes: [(String, String)] = (try? loop.submit { () -> [(String, String)] in
            var out: [(String, String)] = []
            for p in removedPeers {
                try? self.links.removePeer(p.uri, interface: p.interface)
                out.append((p.field, "- \(p.field) \(Self.shown(p.uri, p.interface))"))
            }
            for p in addedPeers {
                guard let uri = try? PeerURI(p.uri) else { continue }
                do {
                    try self.links.addPeer(uri, interface: p.interface, fromConfig: true)
                    out.append((p.field, "+ \(p.field) \(Self.shown(p.uri, p.interface))"))
                } catch {
                    out.append((p.field, "! \(p.field) \(Self.shown(p.uri, p.interface)) not added: \(error)"))
                }
            }
            return out
        }.wait()) ?? []
        for (field, line) in peerNotes { note(field, line) }

        // Listen: close the removed listeners and the links that came in through them, then open
        // the new ones (and any that failed to open before).
        let wanted = Set(new.listen ?? [])
        let closing: [(String, EventLoopFuture<Void>)] = (try? loop.submit {
            self.reloading.configListeners.filter { !wanted.contains($0.key) }.map { text, channel in
                self.reloading.configListeners[text] = nil
                for link in self.links.allLinks where link.channel.parent === channel { link.close(reason: "listener removed") }
                return (text, channel.close())
            }
        }.wait()) ?? []
        for (text, future) in closing {
            try? future.wait()
            note("Listen", "- Listen \(text)")
        }
        let opening: [(String, EventLoopFuture<Channel>)] = (try? loop.submit {
            (new.listen ?? []).filter { self.reloading.configListeners[$0] == nil }.compactMap { text in
                guard let uri = try? PeerURI(text, role: .listen) else { return nil }
                return (text, self.links.listen(uri, interface: "").map { channel in
                    self.reloading.configListeners[text] = channel
                    return channel
                })
            }
        }.wait()) ?? []
        for (text, future) in opening {
            do {
                let channel = try future.wait()
                note("Listen", "+ Listen \(text) (\(channel.localAddress.map(LinkManager.describe) ?? "?"))")
            } catch {
                note("Listen", "! Listen \(text) failed: \(error)")
            }
        }

        // Allow-lists: the new lists apply to handshakes from now on, and links they no longer
        // admit close (inbound non-link-local links for AllowedPublicKeys, as at handshake).
        let allowed = Set((new.allowedPublicKeys ?? []).compactMap(PublicKey.init(hex:)))
        let oldAllowed = Set((old.allowedPublicKeys ?? []).compactMap(PublicKey.init(hex:)))
        let multicastAllowed = Set(new.multicastAllowedPublicKeys.compactMap(PublicKey.init(hex:)))
        let oldMulticastAllowed = Set(old.multicastAllowedPublicKeys.compactMap(PublicKey.init(hex:)))
        let dropped: [(String, String)] = (try? loop.submit { () -> [(String, String)] in
            var out: [(String, String)] = []
            if allowed != oldAllowed {
                self.links.allowedKeys = allowed
                out.append(("AllowedPublicKeys", "AllowedPublicKeys now \(allowed.count) keys"))
                for link in self.links.allLinks where link.inbound && !allowed.isEmpty && !allowed.contains(link.remoteKey)
                    && !(link.channel.remoteAddress.map(LinkManager.isLinkLocal) ?? false) {
                    link.close(reason: "key no longer in AllowedPublicKeys")
                    out.append(("AllowedPublicKeys", "closed inbound link \(link.name) of \(link.remoteKey.hex): not in AllowedPublicKeys"))
                }
            }
            if multicastAllowed != oldMulticastAllowed {
                self.links.multicastAllowedKeys = multicastAllowed
                out.append(("MulticastAllowedPublicKeys", "MulticastAllowedPublicKeys now \(multicastAllowed.count) keys"))
                for link in self.links.allLinks where Self.isDiscovered(link) && !multicastAllowed.isEmpty
                    && !multicastAllowed.contains(link.remoteKey) {
                    link.close(reason: "key no longer in MulticastAllowedPublicKeys")
                    out.append(("MulticastAllowedPublicKeys", "closed multicast link \(link.name) of \(link.remoteKey.hex): not in MulticastAllowedPublicKeys"))
                }
            }
            return out
        }.wait()) ?? []
        for (field, line) in dropped { note(field, line) }

        // MulticastInterfaces: discovery restarts with the new rules; links found on interfaces
        // it no longer selects close.
        if new.multicastInterfaces != old.multicastInterfaces {
            let previous = try? loop.submit { () -> MulticastDiscovery? in
                defer { self.multicast = nil }
                return self.multicast
            }.wait()
            try? previous?.stop().wait()
            var selected: Set<String> = []
            do {
                let discovery = try MulticastDiscovery(eventLoop: loop, links: links, localKey: keys.publicKey,
                                                       config: new.multicastInterfaces, log: log, version: config.protocolVersion)
                try discovery.start()
                try? loop.submit { self.multicast = discovery }.wait()
                selected = Set((try? loop.submit { discovery.interfaceNames }.wait()) ?? [])
            } catch {
                log.warning("Multicast discovery not restarted: \(error)")
            }
            note("MulticastInterfaces", "MulticastInterfaces: discovery restarted on [\(selected.sorted().joined(separator: ", "))]")
            let closed: [String] = (try? loop.submit {
                self.links.allLinks.filter { Self.isDiscovered($0) && !selected.contains($0.key.interface) }.map { link in
                    link.close(reason: "multicast interface no longer selected")
                    return link.name
                }
            }.wait()) ?? []
            for name in closed { note("MulticastInterfaces", "closed multicast link \(name): interface no longer selected") }
        }

        if new.nodeInfo != old.nodeInfo || new.nodeInfoPrivacy != old.nodeInfoPrivacy {
            let document = NodeInfo.document(config: new.nodeInfo, privacy: new.nodeInfoPrivacy)
            try? loop.submit { self.runtime.proto?.nodeInfo = Array(document.utf8) }.wait()
            if new.nodeInfo != old.nodeInfo { note("NodeInfo", "NodeInfo replaced") }
            if new.nodeInfoPrivacy != old.nodeInfoPrivacy { note("NodeInfoPrivacy", "NodeInfoPrivacy now \(new.nodeInfoPrivacy)") }
        }

        var new = new
        if new.metricsListen != old.metricsListen {
            do {
                try applyMetricsListen(new.metricsListen)
                note("MetricsListen", "MetricsListen \(old.metricsListen ?? "off") → \(new.metricsListen ?? "off")")
            } catch {
                // The old endpoint is closed by then; the next reload tries the field again.
                log.error("Reload: \(error)")
                report.changes.append("MetricsListen not applied: \(error)")
                new.metricsListen = nil
            }
        }

        try? loop.submit { self.config = new }.wait()
    }

    /// A link found by multicast discovery: it runs over an interface and no configured peer
    /// (`InterfacePeers`) dialled it.
    static func isDiscovered(_ link: PeerLink) -> Bool {
        !link.key.interface.isEmpty && link.dialedID == nil
    }

    private static func shown(_ uri: String, _ interface: String) -> String {
        interface.isEmpty ? uri : "\(uri) (interface \(interface))"
    }

    /// Admin `reload`: runs `reload()` on the reload thread and answers with its report.
    func registerReloadCommand(_ admin: AdminServer) {
        admin.register("reload", "Re-read the config file and apply what changes without a restart") { [weak self] _ in
            guard let self else { return admin.eventLoop.makeFailedFuture(AdminError(message: "not running")) }
            return self.reloading.threadPool().runIfActive(eventLoop: admin.eventLoop) { self.reload().json }
        }
    }
}
