import RhizomeNode

/// The protocol a node speaks, read from its replies: 0.5.12 echoes the request in the envelope;
/// otherwise the response's members tell (0.5 getSelf has `routing_entries` and no `coords`,
/// 0.5 peers have `up` and `cost`, 0.5 getTree is a `tree` list, 0.5 paths carry `sequence`).
enum NodeGeneration: Equatable {
    case v04, v05

    /// From one reply, or nil when it does not tell (e.g. getSessions, getTun, empty lists).
    static func detect(command: String, reply: JSONObject) -> NodeGeneration? {
        if reply["request"]?.objectValue != nil { return .v05 }
        guard let r = reply["response"]?.objectValue else { return nil }
        func entries(_ key: String) -> [JSONObject] { (r[key]?.arrayValue ?? []).compactMap(\.objectValue) }
        switch command {
        case "getself":
            return from(self: r)
        case "getpeers":
            guard let p = entries("peers").first else { return nil }
            return p["up"] != nil || p["cost"] != nil ? .v05 : .v04
        case "gettree":
            if r["tree"]?.arrayValue != nil { return .v05 }
            return r["root"] != nil || r["ancestry"] != nil ? .v04 : nil
        case "getpaths":
            guard let p = entries("paths").first else { return nil }
            return p["sequence"] != nil ? .v05 : .v04
        case "list":
            let names = Set(entries("list").compactMap { $0["command"]?.stringValue })
            if names.contains("getdht") { return .v04 }
            return names.contains("gettree") ? .v05 : nil
        case "getmulticastinterfaces":
            guard let first = r["multicast_interfaces"]?.arrayValue?.first else { return nil }
            return first.objectValue != nil ? .v05 : .v04
        case "ping":
            return r["hops"] != nil ? .v04 : .v05
        default:
            return nil
        }
    }

    /// From a getSelf response; 0.4 only when it shows coordinates (nil: the node did not say).
    static func from(self r: JSONObject?) -> NodeGeneration? {
        guard let r else { return nil }
        if r["routing_entries"] != nil { return .v05 }
        if r["coords"] != nil { return .v04 }
        return nil
    }
}
