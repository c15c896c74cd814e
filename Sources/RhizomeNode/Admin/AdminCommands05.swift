import NIOCore
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6

/// The 0.5.12 admin commands that read the router, registered on an `AdminServer`, with 0.5.12's
/// field names, types, orders and omissions (spec node-sessions-admin.md §9.5).
extension Daemon {
    static func registerAdminCommands05(_ admin: AdminServer, runtime: NodeRuntime<Router05>, links: LinkManager, keys: SigningKeyPair) {
        admin.register("getSelf", "Show details about this node") { _ in
            .object(JSONObject([
                ("build_name", .string(BuildInfo.name)),
                ("build_version", .string(BuildInfo.version)),
                ("key", .string(keys.publicKey.hex)),
                ("address", .string(Address(key: keys.publicKey).description)),
                ("routing_entries", .int(runtime.router.routingEntries)),
                ("subnet", .string(Subnet(key: keys.publicKey).description)),
            ]))
        }

        admin.register("getPeers", "Show directly connected peers") { _ in
            let byID = Dictionary(uniqueKeysWithValues: links.allLinks.map { ($0.id, $0) })
            let now = NIODeadline.now()
            var rows: [(inbound: Bool, key: String, priority: UInt8, cost: UInt64, uptime: Double, value: JSONValue)] = []
            for p in runtime.router.peerStatus {
                guard let link = byID[p.link] else { continue }
                let uptime = Double((now - link.establishedAt).nanoseconds) / 1e9
                var o = JSONObject([
                    ("remote", .string(link.name)),
                    ("up", .bool(true)),
                    ("inbound", .bool(link.inbound)),
                    ("address", .string(Address(key: p.key).description)),
                    ("key", .string(p.key.hex)),
                    ("port", .int(p.port)),
                    ("priority", .int(p.priority)),
                    ("cost", .int(p.cost)),
                ])
                // Go omits these when zero.
                if link.bytesReceived > 0 { o["bytes_recvd"] = .int(link.bytesReceived) }
                if link.bytesSent > 0 { o["bytes_sent"] = .int(link.bytesSent) }
                if uptime > 0 { o["uptime"] = .number("\(uptime)") }
                if let latency = p.latency, latency > 0 {
                    // Nanoseconds, rounded to 10 µs as ironwood reports it.
                    o["latency"] = .int(UInt64((latency * 1e5).rounded()) * 10_000)
                }
                rows.append((link.inbound, p.key.hex, p.priority, p.cost, uptime.rounded(.down), .object(o)))
            }
            rows.sort { a, b in
                if a.inbound != b.inbound { return !a.inbound }
                if a.key != b.key { return a.key < b.key }
                if a.priority != b.priority { return a.priority < b.priority }
                if a.cost != b.cost { return a.cost < b.cost }
                return a.uptime < b.uptime
            }
            return .object(JSONObject([("peers", .array(rows.map(\.value)))]))
        }

        admin.register("getTree", "Show known Tree entries") { _ in
            let entries: [JSONValue] = runtime.router.treeEntries.map { e in
                .object(JSONObject([
                    ("address", .string(Address(key: e.key).description)),
                    ("key", .string(e.key.hex)),
                    ("parent", .string(e.parent.hex)),
                    ("sequence", .int(e.seq)),
                ]))
            }
            return .object(JSONObject([("tree", .array(entries))]))
        }

        admin.register("getPaths", "Show established paths through this node") { _ in
            let entries: [JSONValue] = runtime.router.pathEntries.map { e in
                .object(JSONObject([
                    ("address", .string(Address(key: e.key).description)),
                    ("key", .string(e.key.hex)),
                    ("path", .array(e.path.map(JSONValue.int))),
                    ("sequence", .int(e.seq)),
                ]))
            }
            return .object(JSONObject([("paths", .array(entries))]))
        }

        registerRemoteDebugCommands(admin, runtime: runtime, tableCommand: "debug_remoteGetTree")

        // Beyond 0.5.12: what each layer dropped and why, for operators and tests.
        admin.register("getCounters", "Show packet and message counters by layer (rhizome only)") { _ in
            countersReply(router: counterObject(runtime.router.counters), runtime: runtime, links: links)
        }

        // Beyond 0.5.12: reachability and round-trip time to a node, by key or address.
        admin.register("ping", "Measure the round trip to a node by key or address (rhizome only)", fields: ["target"]) { args in
            Self.ping(args, runtime: runtime, admin: admin) { key in
                let path = runtime.router.pathEntries.first { $0.key == key }?.path
                return [("path", path.map { .array($0.map(JSONValue.int)) } ?? .null)]
            }
        }
    }
}
