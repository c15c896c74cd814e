import RhizomeNode

/// Human-readable output per command; anything unknown is printed as JSON.
enum Render {
    static func text(command: String, response: JSONValue) -> String {
        let obj = response.objectValue ?? JSONObject()
        func list(_ key: String) -> [JSONObject] { (obj[key]?.arrayValue ?? []).compactMap(\.objectValue) }
        func s(_ o: JSONObject, _ k: String) -> String { Format.scalar(o[k]) }
        switch command {
        case "list":
            var t = Table(header: ["Command", "Arguments", "Description"])
            for c in list("list") {
                let fields = (c["fields"]?.arrayValue ?? []).map { Format.scalar($0) + "=..." }.joined(separator: ", ")
                t.rows.append([s(c, "command"), fields, s(c, "description")])
            }
            return t.render()
        case "getself":
            return Table(rows: [
                ["Build name:", s(obj, "build_name")], ["Build version:", s(obj, "build_version")],
                ["IPv6 address:", s(obj, "address")], ["IPv6 subnet:", s(obj, "subnet")],
                ["Coordinates:", Format.ports(obj["coords"])], ["Public key:", s(obj, "key")],
            ]).render()
        case "getpeers":
            var t = Table(header: ["Port", "Public Key", "IP Address", "Uptime", "RX", "TX", "Pr", "URI"])
            for p in list("peers") {
                t.rows.append([s(p, "port"), s(p, "key"), s(p, "address"),
                               Format.duration(Double(s(p, "uptime")) ?? 0),
                               Format.bytes(p["bytes_recvd"]?.unsignedValue ?? 0), Format.bytes(p["bytes_sent"]?.unsignedValue ?? 0),
                               s(p, "priority"), s(p, "remote")])
            }
            return t.render()
        case "getdht":
            var t = Table(header: ["Public Key", "IP Address", "Port", "Rest"])
            for e in list("dht") { t.rows.append([s(e, "key"), s(e, "address"), s(e, "port"), s(e, "rest")]) }
            return t.render()
        case "getpaths":
            var t = Table(header: ["Public Key", "IP Address", "Path"])
            for e in list("paths") { t.rows.append([s(e, "key"), s(e, "address"), Format.ports(e["path"])]) }
            return t.render()
        case "getsessions":
            var t = Table(header: ["Public Key", "IP Address", "Uptime", "RX", "TX"])
            for e in list("sessions") {
                t.rows.append([s(e, "key"), s(e, "address"), Format.duration(Double(s(e, "uptime")) ?? 0),
                               Format.bytes(e["bytes_recvd"]?.unsignedValue ?? 0), Format.bytes(e["bytes_sent"]?.unsignedValue ?? 0)])
            }
            return t.render()
        case "getmulticastinterfaces":
            var t = Table(header: ["Interface"])
            for name in obj["multicast_interfaces"]?.arrayValue ?? [] { t.rows.append([Format.scalar(name)]) }
            return t.render()
        case "gettun":
            var rows = [["TUN enabled:", s(obj, "enabled")]]
            if obj["enabled"]?.boolValue == true {
                rows += [["Interface name:", s(obj, "name")], ["Interface MTU:", s(obj, "mtu")]]
            }
            return Table(rows: rows).render()
        case "addpeer", "removepeer":
            return ""
        case "ping":
            let hops = obj["hops"].flatMap { $0 == .null ? nil : Format.scalar($0) }
            let route = hops.map { "source route \(Format.ports(obj["path"])), \($0) hop\($0 == "1" ? "" : "s")" }
                ?? "no source route yet (routed through the DHT)"
            return "\(s(obj, "address")) (\(s(obj, "key").prefix(16))…): reachable, \(route), rtt \(s(obj, "rtt_ms")) ms\n"
        case "gettree":
            return tree(obj)
        case "getcounters":
            var t = Table(header: ["Layer", "Counter", "Value"])
            for layer in ["router", "sessions", "ipv6", "links", "remoteRequests"] {
                for e in obj[layer]?.objectValue?.entries ?? [] { t.rows.append([layer, e.key, Format.scalar(e.value)]) }
            }
            return t.render()
        default:
            return JSONWriter.write(response) + "\n"
        }
    }
}

extension Render {
    static func short(_ key: String) -> String { String(key.prefix(16)) + "…" }

    /// The root, our ancestry down to us, then our tree children and other links.
    static func tree(_ obj: JSONObject) -> String {
        let me = Format.scalar(obj["key"])
        let coords = (obj["coords"]?.arrayValue ?? []).map { Format.scalar($0) }
        let ancestry = (obj["ancestry"]?.arrayValue ?? []).compactMap(\.objectValue)
        let peers = (obj["peers"]?.arrayValue ?? []).compactMap(\.objectValue)
        var out = "root \(Format.scalar(obj["root"]))\(ancestry.isEmpty ? "  (this node)" : "")\n"
        var indent = ""
        for (i, hop) in ancestry.enumerated() {
            let isMe = i == ancestry.count - 1
            out += "\(indent)└─ [\(Format.scalar(hop["port"]))] \(Format.scalar(hop["key"]))\(isMe ? "  (this node)" : "")\n"
            indent += "   "
        }
        let children = peers.filter { p in
            let c = (p["coords"]?.arrayValue ?? []).map { Format.scalar($0) }
            return c.count == coords.count + 1 && Array(c.prefix(coords.count)) == coords
        }
        for (i, c) in children.enumerated() {
            out += "\(indent)\(i == children.count - 1 ? "└─" : "├─") [\(Format.scalar(c["coords"]?.arrayValue?.last))] \(Format.scalar(c["key"]))  (child, link port \(Format.scalar(c["port"])))\n"
        }
        let others = peers.filter { p in p["parent"]?.boolValue != true && !children.contains { $0["key"] == p["key"] && $0["port"] == p["port"] } }
        if !others.isEmpty {
            out += "\nother links of this node (not tree edges):\n"
            var t = Table(header: ["Port", "Public Key", "Coords"])
            for p in others { t.rows.append([Format.scalar(p["port"]), Format.scalar(p["key"]), Format.ports(p["coords"])]) }
            out += t.render()
        }
        _ = me
        return out
    }

    /// Graphviz: tree edges solid (parent → child, labelled with the parent's port), other links dashed.
    static func dot(_ response: JSONValue) -> String {
        let obj = response.objectValue ?? JSONObject()
        let me = Format.scalar(obj["key"])
        let coords = (obj["coords"]?.arrayValue ?? []).map { Format.scalar($0) }
        var lines = ["digraph rhizome {", "  node [shape=box, fontname=monospace];"]
        func node(_ key: String, _ extra: String = "") { lines.append("  \"\(key)\" [label=\"\(short(key))\"\(extra)];") }
        let root = Format.scalar(obj["root"])
        node(root, root == me ? ", style=bold" : "")
        var previous = root
        for hop in (obj["ancestry"]?.arrayValue ?? []).compactMap(\.objectValue) {
            let key = Format.scalar(hop["key"])
            node(key, key == me ? ", style=bold" : "")
            lines.append("  \"\(previous)\" -> \"\(key)\" [label=\"\(Format.scalar(hop["port"]))\"];")
            previous = key
        }
        for p in (obj["peers"]?.arrayValue ?? []).compactMap(\.objectValue) {
            let key = Format.scalar(p["key"])
            let c = (p["coords"]?.arrayValue ?? []).map { Format.scalar($0) }
            if p["parent"]?.boolValue == true { continue }
            node(key)
            if c.count == coords.count + 1 && Array(c.prefix(coords.count)) == coords {
                lines.append("  \"\(me)\" -> \"\(key)\" [label=\"\(c.last ?? "")\"];")
            } else {
                lines.append("  \"\(me)\" -> \"\(key)\" [style=dashed, dir=none];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
