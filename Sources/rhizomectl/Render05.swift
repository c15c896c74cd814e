import RhizomeNode

/// Protocol 0.5 replies, printed as yggdrasilctl 0.5.12 prints them (spec node-sessions-admin.md
/// §10.3), plus rhizome's own commands. `responseText` is the `response` member as the node sent
/// it: yggdrasilctl prints unknown replies, and getNodeInfo's document, verbatim.
enum Render05 {
    static func text(command: String, response: JSONValue, responseText: Substring) -> String {
        let obj = response.objectValue ?? JSONObject()
        func list(_ key: String) -> [JSONObject] { (obj[key]?.arrayValue ?? []).compactMap(\.objectValue) }
        func s(_ o: JSONObject, _ k: String) -> String { Format.scalar(o[k]) }
        switch command {
        case "list":
            var t = GoTable(header: ["Command", "Arguments", "Description"])
            for c in list("list") {
                let fields = (c["fields"]?.arrayValue ?? []).map { Format.scalar($0) + "=..." }.joined(separator: ", ")
                t.append([s(c, "command"), fields, s(c, "description")])
            }
            return t.render()
        case "getself":
            return GoTable(rows: [
                ["Build name:", s(obj, "build_name")], ["Build version:", s(obj, "build_version")],
                ["IPv6 address:", s(obj, "address")], ["IPv6 subnet:", s(obj, "subnet")],
                ["Routing table size:", GoFormat.integer(obj["routing_entries"])], ["Public key:", s(obj, "key")],
            ]).render()
        case "getpeers":
            var t = GoTable(header: ["URI", "State", "Dir", "IP Address", "Uptime", "RTT", "RX", "TX", "Down", "Up", "Pr", "Cost", "Last Error"])
            for p in list("peers") { t.append(peerRow(p)) }
            return t.render()
        case "gettree":
            var t = GoTable(header: ["Public Key", "IP Address", "Parent", "Sequence"])
            for e in list("tree") { t.append([s(e, "key"), s(e, "address"), s(e, "parent"), GoFormat.integer(e["sequence"])]) }
            return t.render()
        case "getpaths":
            var t = GoTable(header: ["Public Key", "IP Address", "Path", "Seq"])
            for e in list("paths") { t.append([s(e, "key"), s(e, "address"), Format.ports(e["path"]), GoFormat.integer(e["sequence"])]) }
            return t.render()
        case "getsessions":
            var t = GoTable(header: ["Public Key", "IP Address", "Uptime", "RX", "TX"])
            for e in list("sessions") {
                t.append([s(e, "key"), s(e, "address"), GoFormat.truncatedSeconds(e["uptime"]),
                          GoFormat.data(GoFormat.unsigned(e["bytes_recvd"])), GoFormat.data(GoFormat.unsigned(e["bytes_sent"]))])
            }
            return t.render()
        case "getnodeinfo":
            guard let first = RawJSON.members(responseText).first else { return "" }
            return String(first.value) + "\n"
        case "getmulticastinterfaces":
            func yes(_ v: JSONValue?) -> String { v?.boolValue == true ? "Yes" : "-" }
            var t = GoTable(header: ["Name", "Listen Address", "Beacon", "Listen", "Password"])
            for e in list("multicast_interfaces") {
                t.append([s(e, "name"), s(e, "address"), yes(e["beacon"]), yes(e["listen"]), yes(e["password"])])
            }
            return t.render()
        case "gettun":
            let enabled = obj["enabled"]?.boolValue == true
            var t = GoTable(rows: [["TUN enabled:", enabled ? "true" : "false"]])
            if enabled {
                t.append(["Interface name:", s(obj, "name")])
                t.append(["Interface MTU:", GoFormat.integer(obj["mtu"])])
            }
            return t.render()
        case "addpeer", "removepeer":
            return ""
        case "ping":
            return ping(obj)
        case "getcounters":
            var t = GoTable(header: ["Layer", "Counter", "Value"])
            for layer in ["router", "sessions", "ipv6", "links", "remoteRequests"] {
                for e in obj[layer]?.objectValue?.entries ?? [] { t.append([layer, e.key, Format.scalar(e.value)]) }
            }
            return t.render()
        default:
            return String(responseText) + "\n"
        }
    }

    /// One getPeers row: URI without query, Up/Down, In/Out, address, uptime, RTT, totals, rates,
    /// priority, cost, and for a down link its last error with how long ago it happened.
    static func peerRow(_ p: JSONObject) -> [String] {
        let up = p["up"]?.boolValue == true
        var rtt = "-", lastError = "-"
        if !up {
            lastError = "\(GoFormat.roundedNanoseconds(GoFormat.signed(p["last_error_time"]))) ago: \(Format.scalar(p["last_error"]))"
        } else if GoFormat.signed(p["latency"]) / 1000 > 0 {
            rtt = GoFormat.milliseconds(GoFormat.signed(p["latency"]))
        }
        func rate(_ k: String) -> String {
            let v = GoFormat.unsigned(p[k])
            return v > 0 ? GoFormat.data(v) + "/s" : "-"
        }
        return [GoFormat.uriWithoutQuery(Format.scalar(p["remote"])), up ? "Up" : "Down",
                p["inbound"]?.boolValue == true ? "In" : "Out", Format.scalar(p["address"]),
                GoFormat.truncatedSeconds(p["uptime"]), rtt,
                GoFormat.data(GoFormat.unsigned(p["bytes_recvd"])), GoFormat.data(GoFormat.unsigned(p["bytes_sent"])),
                rate("rate_recvd"), rate("rate_sent"),
                GoFormat.integer(p["priority"]), GoFormat.integer(p["cost"]), lastError]
    }

    /// rhizome's ping: the key found for the address, the path the router holds for it (the
    /// target's ports down the tree from the root, as getPaths shows it), the round-trip time.
    static func ping(_ obj: JSONObject) -> String {
        let route: String
        if let path = obj["path"]?.arrayValue {
            route = path.isEmpty ? "path [] (it is the root)" : "path \(Format.ports(obj["path"])) from the root"
        } else {
            route = "no path entry (the reply came back along the tree)"
        }
        return "\(Format.scalar(obj["address"])) (key \(Format.scalar(obj["key"]))): reachable, \(route), rtt \(Format.scalar(obj["rtt_ms"])) ms\n"
    }
}

/// The 0.5 spanning tree from getTree's entries (key → parent; a root is its own parent).
extension Render05 {
    struct TreeEntry {
        var key: String, address: String, parent: String, sequence: String
    }

    static func treeEntries(_ response: JSONValue) -> [TreeEntry] {
        (response.objectValue?["tree"]?.arrayValue ?? []).compactMap(\.objectValue).map {
            TreeEntry(key: Format.scalar($0["key"]), address: Format.scalar($0["address"]),
                      parent: Format.scalar($0["parent"]), sequence: GoFormat.integer($0["sequence"]))
        }
    }

    /// Roots first (their own parent, or a parent not in the table), each with its subtree drawn
    /// below it; entries caught in a parent loop are listed at the end.
    static func tree(_ response: JSONValue, me: String?) -> String {
        let entries = treeEntries(response)
        let keys = Set(entries.map(\.key))
        var children: [String: [TreeEntry]] = [:]
        for e in entries where e.parent != e.key && keys.contains(e.parent) { children[e.parent, default: []].append(e) }
        var out = ""
        var seen = Set<String>()
        func line(_ e: TreeEntry, _ note: String) -> String {
            "\(e.key)  \(e.address)  seq \(e.sequence)\(note)\(e.key == me ? "  (this node)" : "")\n"
        }
        func draw(_ e: TreeEntry, prefix: String) {
            let kids = (children[e.key] ?? []).filter { !seen.contains($0.key) }
            for (i, c) in kids.enumerated() {
                seen.insert(c.key)
                let last = i == kids.count - 1
                out += prefix + (last ? "└─ " : "├─ ") + line(c, "")
                draw(c, prefix: prefix + (last ? "   " : "│  "))
            }
        }
        for root in entries where root.parent == root.key || !keys.contains(root.parent) {
            seen.insert(root.key)
            out += line(root, root.parent == root.key ? "  (root)" : "  (parent \(root.parent) not known)")
            draw(root, prefix: "")
        }
        let loose = entries.filter { !seen.contains($0.key) }
        if !loose.isEmpty {
            out += "\nentries whose parents form a loop:\n"
            for e in loose { out += "\(e.key)  parent \(e.parent)  seq \(e.sequence)\n" }
        }
        return out
    }

    /// Graphviz: an edge from each node to its parent, labelled with the node's sequence number.
    static func dot(_ response: JSONValue, me: String?) -> String {
        var lines = ["digraph rhizome {", "  node [shape=box, fontname=monospace];"]
        for e in treeEntries(response) {
            let root = e.parent == e.key
            lines.append("  \"\(e.key)\" [label=\"\(Render.short(e.key))\\n\(e.address)\"\(e.key == me ? ", style=bold" : "")\(root ? ", peripheries=2" : "")];")
            if !root { lines.append("  \"\(e.key)\" -> \"\(e.parent)\" [label=\"\(e.sequence)\"];") }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
