import NIOCore
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6

/// The 0.4.7 admin commands that read the router and the links, registered on an `AdminServer`.
/// Field names, types and orders are 0.4.7's so yggdrasilctl's tables and scripts keep working.
extension Daemon {
    func registerAdminCommands(_ admin: AdminServer) {
        let runtime = self.runtime, links = self.links, keys = self.keys

        admin.register("getSelf", "Show details about this node") { _ in
            .object(JSONObject([
                ("build_name", .string(BuildInfo.name)),
                ("build_version", .string(BuildInfo.version)),
                ("key", .string(keys.publicKey.hex)),
                ("address", .string(Address(key: keys.publicKey).description)),
                ("coords", .array(runtime.router.coords.map(JSONValue.int))),
                ("subnet", .string(Subnet(key: keys.publicKey).description)),
            ]))
        }

        admin.register("getPeers", "Show directly connected peers") { _ in
            let byID = Dictionary(uniqueKeysWithValues: links.allLinks.map { ($0.id, $0) })
            let now = NIODeadline.now()
            let peers: [JSONValue] = runtime.router.peerStatus.compactMap { p in
                guard p.root != nil, let link = byID[p.link] else { return nil }
                let uptime = Double((now - link.establishedAt).nanoseconds) / 1e9
                return .object(JSONObject([
                    ("address", .string(Address(key: p.key).description)),
                    ("key", .string(p.key.hex)),
                    ("port", .int(p.port)),
                    ("priority", .int(p.priority)),
                    ("coords", .array(p.coords.map(JSONValue.int))),
                    ("remote", .string(link.name)),
                    ("bytes_recvd", .int(link.bytesReceived)),
                    ("bytes_sent", .int(link.bytesSent)),
                    ("uptime", .number("\(uptime)")),
                ]))
            }
            return .object(JSONObject([("peers", .array(peers))]))
        }

        admin.register("getDHT", "Show known DHT entries") { _ in
            let entries: [JSONValue] = runtime.router.dhtEntries.map { e in
                .object(JSONObject([
                    ("address", .string(Address(key: e.key).description)),
                    ("key", .string(e.key.hex)),
                    ("port", .int(e.port)),
                    ("rest", .int(e.rest)),
                ]))
            }
            return .object(JSONObject([("dht", .array(entries))]))
        }

        admin.register("getPaths", "Show established paths through this node") { _ in
            let entries: [JSONValue] = runtime.router.pathEntries.map { e in
                .object(JSONObject([
                    ("address", .string(Address(key: e.key).description)),
                    ("key", .string(e.key.hex)),
                    ("path", .array(e.path.map(JSONValue.int))),
                ]))
            }
            return .object(JSONObject([("paths", .array(entries))]))
        }

        admin.register("getSessions", "Show established traffic sessions with remote nodes") { _ in
            let list: [JSONValue] = runtime.sessions.sessionSummaries(now: runtime.now).map { s in
                .object(JSONObject([
                    ("address", .string(Address(key: s.key).description)),
                    ("key", .string(s.key.hex)),
                    ("bytes_recvd", .int(s.bytesReceived)),
                    ("bytes_sent", .int(s.bytesSent)),
                    ("uptime", .number("\(s.uptime)")),
                ]))
            }
            return .object(JSONObject([("sessions", .array(list))]))
        }

        admin.register("getTun", "Show information about the node's TUN interface") { _ in
            guard let tun = runtime.tun else { return .object(JSONObject([("enabled", .bool(false))])) }
            return .object(JSONObject([("enabled", .bool(true)), ("name", .string(tun.name)), ("mtu", .int(tun.mtu))]))
        }

        admin.register("getNodeInfo", "Request nodeinfo from a remote node by its public key", fields: ["key"]) { args in
            guard let proto = runtime.proto else { return admin.eventLoop.makeFailedFuture(AdminError(message: "not running")) }
            guard case .string(let hex)? = args["key"] else {
                return admin.eventLoop.makeFailedFuture(AdminError(message: "No remote public key supplied"))
            }
            guard let key = PublicKey(hex: hex) else {
                return admin.eventLoop.makeFailedFuture(AdminError(message: "Failed to decode public key: \(hex) is not 64 hex digits"))
            }
            return proto.request(.nodeInfo, to: key).flatMapThrowing { body in
                guard let text = String(validating: body, as: UTF8.self), let value = try? HJSONParser.parse(text, strict: true) else {
                    throw AdminError(message: "the remote node's NodeInfo is not valid JSON")
                }
                return .object(JSONObject([(key.hex, value)]))
            }
        }

        for (name, kind) in [("debug_remoteGetSelf", ProtoHandler.Kind.debugSelf), ("debug_remoteGetPeers", .debugPeers), ("debug_remoteGetDHT", .debugDHT)] {
            admin.register(name, "Debug use only", fields: ["key"]) { args in
                guard let proto = runtime.proto else { return admin.eventLoop.makeFailedFuture(AdminError(message: "not running")) }
                guard case .string(let hex)? = args["key"], let key = PublicKey(hex: hex) else {
                    return admin.eventLoop.makeFailedFuture(AdminError(message: "key must be 64 hex digits"))
                }
                return proto.request(kind, to: key).flatMapThrowing { body in
                    let inner: JSONValue
                    if kind == .debugSelf {
                        guard let text = String(validating: body, as: UTF8.self), let v = try? HJSONParser.parse(text, strict: true) else {
                            throw AdminError(message: "the remote node's answer is not valid JSON")
                        }
                        inner = v
                    } else {
                        var keys: [JSONValue] = []
                        var i = 0
                        while i + 32 <= body.count {
                            keys.append(.string(PublicKey(bytes: body[i..<i + 32])!.hex))
                            i += 32
                        }
                        inner = keys.isEmpty ? .object(JSONObject()) : .object(JSONObject([("keys", .array(keys))]))
                    }
                    return .object(JSONObject([(Address(key: key).description, inner)]))
                }
            }
        }

        admin.register("getMulticastInterfaces", "Show which interfaces multicast is enabled on") { [weak self] _ in
            let names = self?.multicast?.interfaceNames ?? []
            return .object(JSONObject([("multicast_interfaces", .array(names.map(JSONValue.string)))]))
        }

        // Beyond 0.4.7: what each layer dropped and why, for operators and tests.
        admin.register("getCounters", "Show packet and message counters by layer (rhizome only)") { _ in
            .object(JSONObject([
                ("router", Self.counterObject(runtime.router.counters)),
                ("sessions", Self.counterObject(runtime.sessions.counters)),
                ("ipv6", Self.counterObject(runtime.ipv6.counters)),
                ("links", .object(JSONObject([
                    ("open", .int(links.allLinks.count)),
                    ("droppedTrafficSendBufferFull", .int(links.allLinks.reduce(UInt64(0)) { $0 &+ ($1.handler?.droppedTraffic ?? 0) })),
                ]))),
            ]))
        }

        // Beyond 0.4.7: the spanning tree as this node sees it (for `rhizomectl tree`).
        admin.register("getTree", "Show the spanning tree as seen from this node (rhizome only)") { _ in
            let path = runtime.router.treePath
            let parentLink = runtime.router.parentLink
            let peers: [JSONValue] = runtime.router.peerStatus.filter { $0.root != nil }.map { p in
                .object(JSONObject([
                    ("key", .string(p.key.hex)), ("port", .int(p.port)),
                    ("coords", .array(p.coords.map(JSONValue.int))), ("parent", .bool(p.link == parentLink)),
                ]))
            }
            return .object(JSONObject([
                ("root", .string(path.root.hex)),
                ("key", .string(keys.publicKey.hex)),
                ("coords", .array(runtime.router.coords.map(JSONValue.int))),
                ("ancestry", .array(path.hops.map { .object(JSONObject([("key", .string($0.key.hex)), ("port", .int($0.port))])) })),
                ("peers", .array(peers)),
            ]))
        }

        // Beyond 0.4.7: reachability and round-trip time to a node, by key or address.
        admin.register("ping", "Measure the round trip to a node by key or address (rhizome only)", fields: ["target"]) { args in
            Self.ping(args, runtime: runtime, admin: admin)
        }

        admin.register("addPeer", "Add a peer to the peer list", fields: ["uri", "interface"]) { args in
            let (uri, interface) = try Self.peerArguments(args)
            do {
                try links.addPeer(try PeerURI(uri), interface: interface, fromConfig: false)
            } catch let e as PeerURI.ParseError {
                throw AdminError(message: e.reason)
            } catch let e as ConfigError {
                throw AdminError(message: e.message)
            }
            return .object(JSONObject())
        }

        admin.register("removePeer", "Remove a peer from the peer list", fields: ["uri", "interface"]) { args in
            let (uri, interface) = try Self.peerArguments(args)
            do { try links.removePeer(uri, interface: interface) } catch let e as ConfigError {
                throw AdminError(message: e.message)
            }
            return .object(JSONObject())
        }
    }

    /// Resolves the target (a key, or an address/subnet through a key lookup), then times a
    /// remote getSelf request, which every 0.4.7 node answers. The first request opens the
    /// session; the second is the one timed.
    static func ping(_ args: JSONObject, runtime: NodeRuntime, admin: AdminServer) -> EventLoopFuture<JSONValue> {
        let loop = admin.eventLoop
        guard case .string(let target)? = args["target"] else {
            return loop.makeFailedFuture(AdminError(message: "target (a public key or an address) is required"))
        }
        guard let proto = runtime.proto else { return loop.makeFailedFuture(AdminError(message: "not running")) }
        let resolved: EventLoopFuture<PublicKey>
        if let key = PublicKey(hex: target) {
            resolved = loop.makeSucceededFuture(key)
        } else if let ip = IPv6Bytes(text: target), ip[0] == Address.prefix || ip[0] == Subnet.prefixByte {
            resolved = resolveKey(ip, runtime: runtime, loop: loop, deadline: .now() + .seconds(5))
        } else {
            return loop.makeFailedFuture(AdminError(message: "\(target) is neither a public key nor an address in 200::/7"))
        }
        return resolved.flatMap { key in
            proto.request(.debugSelf, to: key).flatMap { _ in
                let sent = NIODeadline.now()
                return proto.request(.debugSelf, to: key).map { _ in
                    let rtt = Double((NIODeadline.now() - sent).nanoseconds) / 1e6
                    let route = runtime.router.route(to: key)
                    var o = JSONObject([
                        ("key", .string(key.hex)),
                        ("address", .string(Address(key: key).description)),
                        ("rtt_ms", .number(String(format3(rtt)))),
                        ("routing", .string(route == nil ? "dht" : "source")),
                    ])
                    o["hops"] = route.map { .int($0.count) } ?? .null
                    o["path"] = route.map { .array(($0 + [0]).map(JSONValue.int)) } ?? .null
                    return .object(o)
                }
            }
        }
    }

    static func format3(_ v: Double) -> String {
        let scaled = (v * 1000).rounded() / 1000
        return "\(scaled)"
    }

    static func resolveKey(_ ip: IPv6Bytes, runtime: NodeRuntime, loop: EventLoop, deadline: NIODeadline) -> EventLoopFuture<PublicKey> {
        let lookupTarget = ip[0] == Subnet.prefixByte ? IPv6Bytes(high: ip.high, low: 0) : ip
        if let key = runtime.ipv6.cachedKey(for: lookupTarget) { return loop.makeSucceededFuture(key) }
        runtime.lookup(lookupTarget)
        let promise = loop.makePromise(of: PublicKey.self)
        func poll() {
            if let key = runtime.ipv6.cachedKey(for: lookupTarget) { return promise.succeed(key) }
            if NIODeadline.now() > deadline { return promise.fail(AdminError(message: "no node answered the key lookup for \(ip)")) }
            loop.scheduleTask(in: .milliseconds(20)) { poll() }
        }
        poll()
        return promise.futureResult
    }

    /// A counters struct as a JSON object of its integer fields, in declaration order.
    static func counterObject(_ counters: Any) -> JSONValue {
        .object(JSONObject(Mirror(reflecting: counters).children.compactMap { child in
            guard let label = child.label, let value = child.value as? Int else { return nil }
            return (label, .int(value))
        }))
    }

    static func peerArguments(_ args: JSONObject) throws -> (String, String) {
        guard case .string(let uri)? = args["uri"] else { throw AdminError(message: "uri must be a string") }
        var interface = ""
        switch args["interface"] {
        case nil, .some(.null): break
        case .some(.string(let s)): interface = s
        default: throw AdminError(message: "interface must be a string")
        }
        return (uri, interface)
    }
}
