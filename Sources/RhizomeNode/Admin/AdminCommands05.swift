import NIOCore
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6

/// The 0.5.12 admin API (spec node-sessions-admin.md §9): every command yggdrasil 0.5.12 has, with
/// its arguments, field names, types, orders, omissions and error texts, and 0.5.12's envelope.
/// Registered after the shared commands, so the ones whose 0.5 answer differs are replaced here.
///
/// rhizome's extras (`getCounters`, `ping`) stay registered and listed: `list` is the only way
/// to discover them, yggdrasilctl shows whatever `list` returns, and a client that knows only
/// 0.5.12's commands never calls them. `list` therefore has these two entries more than 0.5.12's.
/// `lookups` (0.5.12 with `LogLookups`) is not provided: the router keeps no record of received
/// lookups.
extension Daemon {
    static func registerAdminCommands05(_ admin: AdminServer, runtime: NodeRuntime<Router05>, links: LinkManager, keys: SigningKeyPair) {
        admin.version = .v05

        admin.register("getSelf", "Show details about this node", goType: "admin.GetSelfRequest") { _ in
            .object(JSONObject([
                ("build_name", .string(BuildInfo.name)),
                ("build_version", .string(BuildInfo.version)),
                ("key", .string(keys.publicKey.hex)),
                ("address", .string(Address(key: keys.publicKey).description)),
                ("routing_entries", .int(runtime.router.routingEntries)),
                ("subnet", .string(Subnet(key: keys.publicKey).description)),
            ]))
        }

        admin.register("getPeers", "Show directly connected peers", goType: "admin.GetPeersRequest") { _ in
            .object(JSONObject([("peers", .array(peerEntries05(runtime: runtime, links: links, now: .now())))]))
        }

        admin.register("getTree", "Show known Tree entries", goType: "admin.GetTreeRequest") { _ in
            let entries: [JSONValue] = runtime.router.treeEntries(limit: KeySelection.adminAnswerLimit).map { e in
                .object(JSONObject([
                    ("address", .string(Address(key: e.key).description)),
                    ("key", .string(e.key.hex)),
                    ("parent", .string(e.parent.hex)),
                    ("sequence", .int(e.seq)),
                ]))
            }
            return .object(JSONObject([("tree", .array(entries))]))
        }

        admin.register("getPaths", "Show established paths through this node", goType: "admin.GetPathsRequest") { _ in
            let entries: [JSONValue] = runtime.router.pathEntries(limit: KeySelection.adminAnswerLimit).map { e in
                .object(JSONObject([
                    ("address", .string(Address(key: e.key).description)),
                    ("key", .string(e.key.hex)),
                    ("path", .array(e.path.map(JSONValue.int))),
                    ("sequence", .int(e.seq)),
                ]))
            }
            return .object(JSONObject([("paths", .array(entries))]))
        }

        admin.register("getSessions", "Show established traffic sessions with remote nodes", goType: "admin.GetSessionsRequest") { _ in
            let list: [JSONValue] = runtime.sessions.sessionSummaries(now: runtime.now, limit: KeySelection.adminAnswerLimit).map { s in
                .object(JSONObject([
                    ("address", .string(Address(key: s.key).description)),
                    ("key", .string(s.key.hex)),
                    ("bytes_recvd", .int(s.bytesReceived)),
                    ("bytes_sent", .int(s.bytesSent)),
                    ("uptime", .number(goFloat(s.uptime))),
                ]))
            }
            return .object(JSONObject([("sessions", .array(list))]))
        }

        admin.register("addPeer", "Add a peer to the peer list", fields: ["uri", "interface"], goType: "admin.AddPeerRequest") { args in
            let uri = args["uri"]?.stringValue ?? "", interface = args["interface"]?.stringValue ?? ""
            do {
                try links.addPeer(try PeerURI(uri), interface: interface, fromConfig: false)
            } catch let e as PeerURI.ParseError {
                // Option errors are refused at once, with 0.5.12's texts; anything else 0.5.12
                // accepts and reports later as the entry's last_error (§2.7).
                if let text = optionError05(e.reason) { throw AdminError(message: text) }
                let schemeless = e.reason.hasPrefix("not a URI")   // the empty URI included
                try addUndialable(links, uri, interface, error: schemeless ? "link schema unknown" : e.reason)
            } catch is PeerURI.UnsupportedScheme {
                try addUndialable(links, uri, interface, error: "link schema unknown")
            } catch let e as ConfigError {
                throw AdminError(message: e.message == "peer already configured" ? "peer is already configured" : e.message)
            }
            return .object(JSONObject())
        }

        admin.register("removePeer", "Remove a peer from the peer list", fields: ["uri", "interface"], goType: "admin.RemovePeerRequest") { args in
            let uri = args["uri"]?.stringValue ?? "", interface = args["interface"]?.stringValue ?? ""
            do { try links.removePeer(uri, interface: interface) } catch {
                throw AdminError(message: "peer is not configured")
            }
            return .object(JSONObject())
        }

        admin.register("getNodeInfo", "Request nodeinfo from a remote node by its public key", fields: ["key"],
                       goType: "core.GetNodeInfoRequest") { args in
            let loop = admin.eventLoop
            guard let proto = runtime.proto else { return loop.makeFailedFuture(AdminError(message: "not running")) }
            let hex = args["key"]?.stringValue ?? ""
            guard !hex.isEmpty else { return loop.makeFailedFuture(AdminError(message: "No remote public key supplied")) }
            let raw: [UInt8]
            switch GoHex.decode(hex) {
            case .success(let b): raw = b
            case .failure(let e): return loop.makeFailedFuture(AdminError(message: "Failed to decode public key: \(e.message)"))
            }
            // 0.5.12 pads or cuts the key to 32 bytes and answers under the hex it was given.
            let key = PublicKey(bytes: (raw + [UInt8](repeating: 0, count: 32)).prefix(32))!
            return proto.request(.nodeInfo, to: key).flatMapThrowing { body in
                guard let text = String(validating: body, as: UTF8.self), let value = try? HJSONParser.parse(text, strict: true) else {
                    throw AdminError(message: "the remote node's NodeInfo is not valid JSON")
                }
                return .object(JSONObject([(Hex.encode(raw), value)]))
            }
        }

        for (name, goType, kind) in [("debug_remoteGetSelf", "core.DebugGetSelfRequest", ProtoHandler.Kind.debugSelf),
                                     ("debug_remoteGetPeers", "core.DebugGetPeersRequest", .debugPeers),
                                     ("debug_remoteGetTree", "core.DebugGetTreeRequest", .debugTable)] {
            admin.register(name, "Debug use only", fields: ["key"], goType: goType) { args in
                remoteDebug05(kind, args: args, runtime: runtime, loop: admin.eventLoop)
            }
        }

        // Beyond 0.5.12: what each layer dropped and why, for operators and tests.
        admin.register("getCounters", "Show packet and message counters by layer (rhizome only)") { _ in
            countersReply(router: counterObject(runtime.router.counters), runtime: runtime, links: links)
        }

        // Beyond 0.5.12: reachability and round-trip time to a node, by key or address.
        admin.register("ping", "Measure the round trip to a node by key or address (rhizome only)", fields: ["target"]) { args in
            Self.ping(args, runtime: runtime, admin: admin) { key in
                let path = runtime.router.path(to: key)
                return [("path", path.map { .array($0.map(JSONValue.int)) } ?? .null)]
            }
        }
    }

    /// 0.5.12's texts for the URI option errors it reports from `addPeer` (§9.3); nil for
    /// errors it does not report there.
    static func optionError05(_ reason: String) -> String? {
        if reason.hasPrefix("priority=") { return "priority value is invalid" }
        if reason.hasPrefix("key=") { return "pinned public key is invalid" }
        if reason == "invalid password supplied" || reason == "max backoff duration invalid" { return reason }
        return nil
    }

    private static func addUndialable(_ links: LinkManager, _ uri: String, _ interface: String, error: String) throws {
        do { try links.addUndialablePeer(uri, interface: interface, error: error) } catch let e as ConfigError {
            throw AdminError(message: e.message == "peer already configured" ? "peer is already configured" : e.message)
        }
    }

    /// `debug_remoteGetSelf/Peers/Tree`: 0.5.12's key checks and texts, then the remote request.
    static func remoteDebug05(_ kind: ProtoHandler.Kind, args: JSONObject, runtime: NodeRuntime<Router05>,
                              loop: EventLoop) -> EventLoopFuture<JSONValue> {
        guard let proto = runtime.proto else { return loop.makeFailedFuture(AdminError(message: "not running")) }
        let raw: [UInt8]
        switch GoHex.decode(args["key"]?.stringValue ?? "") {
        case .success(let b): raw = b
        case .failure(let e): return loop.makeFailedFuture(e)
        }
        guard raw.count == 32, let key = PublicKey(bytes: raw) else {
            return loop.makeFailedFuture(AdminError(message: "invalid public key length"))
        }
        return proto.request(kind, to: key).flatMapThrowing { body in
            let inner: JSONValue
            if kind == .debugSelf {
                guard let text = String(validating: body, as: UTF8.self), let v = try? HJSONParser.parse(text, strict: true) else {
                    throw AdminError(message: "the remote node's answer is not valid JSON")
                }
                inner = v
            } else {
                let keys: [JSONValue] = stride(from: 0, to: body.count - body.count % 32, by: 32).map {
                    .string(Hex.encode(Array(body[$0..<$0 + 32])))
                }
                inner = keys.isEmpty ? .object(JSONObject()) : .object(JSONObject([("keys", .array(keys))]))
            }
            return .object(JSONObject([(Address(key: key).description, inner)]))
        }
    }

    /// One `getPeers` entry per link-table entry: every established link (inbound, outbound,
    /// multicast) and every configured peer that is down, in 0.5.12's member order, omissions
    /// and sort order (§9.5).
    static func peerEntries05(runtime: NodeRuntime<Router05>, links: LinkManager, now: NIODeadline) -> [JSONValue] {
        struct Row { var inbound: Bool; var key: String; var priority: UInt64; var cost: UInt64; var uptime: Double; var value: JSONValue }
        var status: [Int: Router05.PeerStatus] = [:]
        for p in runtime.router.peerStatus { status[p.link] = p }
        let configured = links.configuredPeerStatus
        var errors: [Int: (String, NIODeadline)] = [:]
        for c in configured {
            if let link = c.link, let e = c.lastError, let at = c.lastErrorAt { errors[link.id] = (e, at) }
        }
        func entry(remote: String, link: PeerLink?, lastError: (String, NIODeadline)?) -> Row {
            let p = link.flatMap { status[$0.id] }
            var o = JSONObject()
            if !remote.isEmpty { o["remote"] = .string(remote) }
            o["up"] = .bool(link != nil)
            o["inbound"] = .bool(link?.inbound ?? false)
            if let p { o["address"] = .string(Address(key: p.key).description) }
            o["key"] = .string(p?.key.hex ?? "")
            o["port"] = .int(p?.port ?? 0)
            o["priority"] = .int(p?.priority ?? 0)
            o["cost"] = .int(p?.cost ?? 0)
            var uptime = 0.0
            if let link {
                if link.bytesReceived > 0 { o["bytes_recvd"] = .int(link.bytesReceived) }
                if link.bytesSent > 0 { o["bytes_sent"] = .int(link.bytesSent) }
                if link.rateReceived > 0 { o["rate_recvd"] = .int(link.rateReceived) }
                if link.rateSent > 0 { o["rate_sent"] = .int(link.rateSent) }
                uptime = Double((now - link.establishedAt).nanoseconds) / 1e9
                if uptime > 0 { o["uptime"] = .number(goFloat(uptime)) }
            }
            if let latency = p?.latency, latency > 0 {
                // Nanoseconds, rounded to 10 µs as ironwood reports it.
                o["latency"] = .int(UInt64((latency * 1e5).rounded()) * 10_000)
            }
            if let (text, at) = lastError {
                o["last_error_time"] = .int(max(0, (now - at).nanoseconds))
                o["last_error"] = .string(text)
            }
            return Row(inbound: link?.inbound ?? false, key: p?.key.hex ?? "", priority: UInt64(p?.priority ?? 0),
                       cost: p?.cost ?? 0, uptime: uptime, value: .object(o))
        }
        var rows: [Row] = links.allLinks.map { entry(remote: $0.name, link: $0, lastError: errors[$0.id]) }
        rows += configured.filter { $0.link == nil }.map { c in
            entry(remote: c.remote, link: nil, lastError: c.lastError.flatMap { e in c.lastErrorAt.map { (e, $0) } })
        }
        // 0.5.12's comparator: outbound first, key, priority, cost, then uptime differences of a
        // whole second or more; a stable sort keeps ties in table order.
        func order(_ a: Row, _ b: Row) -> Int {
            if a.inbound != b.inbound { return a.inbound ? 1 : -1 }
            if a.key != b.key { return a.key < b.key ? -1 : 1 }
            if a.priority != b.priority { return a.priority < b.priority ? -1 : 1 }
            if a.cost != b.cost { return a.cost < b.cost ? -1 : 1 }
            return Int(a.uptime - b.uptime)
        }
        let sorted = rows.enumerated().sorted { x, y in
            let c = order(x.element, y.element)
            return c != 0 ? c < 0 : x.offset < y.offset
        }
        return sorted.map(\.element.value)
    }

    /// Seconds as Go's `encoding/json` prints a float64: shortest text, no exponent for normal values.
    static func goFloat(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }
}
