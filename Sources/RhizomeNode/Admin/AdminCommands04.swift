import NIOCore
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6

/// The 0.4.7 admin commands that read the router, registered on an `AdminServer`. Field names,
/// types and orders are 0.4.7's so yggdrasilctl's tables and scripts keep working.
extension Daemon {
    static func registerAdminCommands04(_ admin: AdminServer, runtime: NodeRuntime<Router>, links: LinkManager, keys: SigningKeyPair) {
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
            let entries: [JSONValue] = runtime.router.dhtEntries(limit: KeySelection.adminAnswerLimit).map { e in
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
            let entries: [JSONValue] = runtime.router.pathEntries(limit: KeySelection.adminAnswerLimit).map { e in
                .object(JSONObject([
                    ("address", .string(Address(key: e.key).description)),
                    ("key", .string(e.key.hex)),
                    ("path", .array(e.path.map(JSONValue.int))),
                ]))
            }
            return .object(JSONObject([("paths", .array(entries))]))
        }

        registerRemoteDebugCommands(admin, runtime: runtime, tableCommand: "debug_remoteGetDHT")

        // Beyond 0.4.7: what each layer dropped and why, for operators and tests.
        admin.register("getCounters", "Show packet and message counters by layer (rhizome only)") { _ in
            countersReply(router: counterObject(runtime.router.counters), runtime: runtime, links: links)
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
            Self.ping(args, runtime: runtime, admin: admin) { key in
                let route = runtime.router.route(to: key)
                return [
                    ("routing", .string(route == nil ? "dht" : "source")),
                    ("hops", route.map { .int($0.count) } ?? .null),
                    ("path", route.map { .array(($0 + [0]).map(JSONValue.int)) } ?? .null),
                ]
            }
        }

    }
}
