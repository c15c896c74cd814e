import NIOCore
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6

/// The admin commands both protocol versions share (sessions, TUN, NodeInfo, multicast, peers
/// added and removed), registered on an `AdminServer`; each version adds its own router commands
/// (`AdminCommands04`, `AdminCommands05`).
extension Daemon {
    func registerCommonAdminCommands(_ admin: AdminServer) {
        let runtime = self.runtime, links = self.links

        admin.register("getSessions", "Show established traffic sessions with remote nodes") { _ in
            let list: [JSONValue] = runtime.sessions.sessionSummaries(now: runtime.now, limit: KeySelection.adminAnswerLimit).map { s in
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

        admin.register("getTun", "Show information about the node's TUN interface", goType: "tun.GetTUNRequest") { _ in
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

        admin.register("getMulticastInterfaces", "Show which interfaces multicast is enabled on",
                       goType: "multicast.GetMulticastInterfacesRequest") { [weak self] _ in
            if self?.config.protocolVersion == .v05 {
                // 0.5.12: one object per interface (spec node-sessions-admin.md §9.5).
                let rows: [JSONValue] = (self?.multicast?.interfaceStates ?? []).map { i in
                    .object(JSONObject([("name", .string(i.name)), ("address", .string(i.address)), ("beacon", .bool(i.beacon)),
                                        ("listen", .bool(i.listen)), ("password", .bool(i.password))]))
                }
                return .object(JSONObject([("multicast_interfaces", .array(rows))]))
            }
            let names = self?.multicast?.interfaceNames ?? []
            return .object(JSONObject([("multicast_interfaces", .array(names.map(JSONValue.string)))]))
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

    /// The remote debug requests: getSelf, getPeers, and the version's table (0.4 `debug_remoteGetDHT`,
    /// 0.5 `debug_remoteGetTree`; the same message types). Answers as both versions print them.
    static func registerRemoteDebugCommands(_ admin: AdminServer, runtime: NodeRuntimeHandle, tableCommand: String) {
        for (name, kind) in [("debug_remoteGetSelf", ProtoHandler.Kind.debugSelf), ("debug_remoteGetPeers", .debugPeers), (tableCommand, .debugTable)] {
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

    }

    /// `getCounters`: the router's counters (version-specific) with the other layers' and the links'.
    static func countersReply(router: JSONValue, runtime: NodeRuntimeHandle, links: LinkManager) -> JSONValue {
        .object(JSONObject([
            ("router", router),
            ("sessions", counterObject(runtime.sessions.counters)),
            ("ipv6", counterObject(runtime.ipv6.counters)),
            // Remote NodeInfo and debug requests: answered, or not for the asker's or the total budget.
            ("remoteRequests", .object(JSONObject([
                ("answered", .int(runtime.proto?.answers.answered ?? 0)),
                ("refusedPerKey", .int(runtime.proto?.answers.refusedPerKey ?? 0)),
                ("refusedTotal", .int(runtime.proto?.answers.refusedTotal ?? 0)),
            ]))),
            ("links", .object(JSONObject([
                ("open", .int(links.allLinks.count)),
                ("droppedTrafficSendBufferFull", .int(links.allLinks.reduce(UInt64(0)) { $0 &+ ($1.handler?.droppedTraffic ?? 0) })),
                ("droppedProtocolSendBufferFull", .int(links.allLinks.reduce(UInt64(0)) { $0 &+ ($1.handler?.droppedProtocol ?? 0) })),
            ]))),
        ]))
    }

    /// Resolves the target (a key, or an address/subnet through a key lookup), then times a
    /// remote getSelf request, which every 0.4.7 node answers. The first request opens the
    /// session; the second is the one timed.
    /// `routeFields` describes how the node reaches the key (version-specific).
    static func ping(_ args: JSONObject, runtime: NodeRuntimeHandle, admin: AdminServer,
                     routeFields: @escaping (PublicKey) -> [(String, JSONValue)]) -> EventLoopFuture<JSONValue> {
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
                    return .object(JSONObject([
                        ("key", .string(key.hex)),
                        ("address", .string(Address(key: key).description)),
                        ("rtt_ms", .number(String(format3(rtt)))),
                    ] + routeFields(key)))
                }
            }
        }
    }

    static func format3(_ v: Double) -> String {
        let scaled = (v * 1000).rounded() / 1000
        return "\(scaled)"
    }

    static func resolveKey(_ ip: IPv6Bytes, runtime: NodeRuntimeHandle, loop: EventLoop, deadline: NIODeadline) -> EventLoopFuture<PublicKey> {
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
