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
        default:
            return JSONWriter.write(response) + "\n"
        }
    }
}
