extension NodeConfig {
    /// The config as a JSON tree: `ProtocolVersion` first, then the field set and order of the
    /// yggdrasil version it names (0.5.12's, or 0.4.7's with `PublicKey`), `AdminListen` kept.
    public func toJSON() -> JSONValue {
        let v05 = protocolVersion == .v05
        var o = JSONObject()
        o["ProtocolVersion"] = .string(protocolVersion.rawValue)
        if v05 { keyFields(into: &o) }
        o["Peers"] = .array(peers.map(JSONValue.string))
        o["InterfacePeers"] = .object(JSONObject(interfacePeers.map { ($0.interface, .array($0.peers.map(JSONValue.string))) }))
        o["Listen"] = listen.map { .array($0.map(JSONValue.string)) } ?? .null
        o["AdminListen"] = .string(adminListen)
        if let metricsListen { o["MetricsListen"] = .string(metricsListen) }
        o["MulticastInterfaces"] = .array(multicastInterfaces.map { m in
            var e = JSONObject([("Regex", .string(m.regex)), ("Beacon", .bool(m.beacon)), ("Listen", .bool(m.listen))])
            // 0.5.12 omits a zero Port and Priority and always writes Password; 0.4.7 writes
            // both numbers and has no Password (kept here only when set, so it is not lost).
            if !v05 || m.port != 0 { e["Port"] = .int(m.port) }
            if !v05 || m.priority != 0 { e["Priority"] = .int(m.priority) }
            if v05 || !m.password.isEmpty { e["Password"] = .string(m.password) }
            return .object(e)
        })
        o["AllowedPublicKeys"] = allowedPublicKeys.map { .array($0.map(JSONValue.string)) } ?? .null
        // Written only when set, so a config without it reads exactly as yggdrasil's.
        if !multicastAllowedPublicKeys.isEmpty {
            o["MulticastAllowedPublicKeys"] = .array(multicastAllowedPublicKeys.map(JSONValue.string))
        }
        if !v05 {
            o["PublicKey"] = .string(publicKey ?? ((try? signingKeys().publicKey.hex) ?? ""))
            keyFields(into: &o)
        }
        o["IfName"] = .string(ifName)
        o["IfMTU"] = .int(ifMTU)
        if logLookups { o["LogLookups"] = .bool(true) }
        o["NodeInfoPrivacy"] = .bool(nodeInfoPrivacy)
        o["NodeInfo"] = nodeInfo
        return .object(o)
    }

    /// `PrivateKeyPath` when set (the file holds the key), else `PrivateKey`.
    private func keyFields(into o: inout JSONObject) {
        if let path = privateKeyPath {
            o["PrivateKeyPath"] = .string(path)
        } else {
            o["PrivateKey"] = .string(privateKey)
        }
    }

    /// `-genconf -json` output: Go-style indented JSON with a trailing newline.
    public func jsonText() -> String { JSONWriter.write(toJSON()) + "\n" }

    /// `-genconf` output: commented HJSON laid out as 0.4.7 lays it out.
    public func hjsonText() -> String {
        guard case .object(var o) = toJSON() else { return "" }
        // 0.4.7 writes an absent NodeInfo as {} in HJSON.
        if o["NodeInfo"] == .null { o["NodeInfo"] = .object(JSONObject()) }
        var out = "{\n"
        for (i, entry) in o.entries.enumerated() {
            for line in NodeConfig.fieldHelp[entry.key] ?? [] { out += "  # \(line)\n" }
            out += HJSONWriter.member(key: entry.key, value: entry.value, level: 1, bracketsOnKeyLine: protocolVersion == .v05)
            if i < o.entries.count - 1 { out += "\n" }
        }
        return out + "}\n"
    }

    /// What each field is for, printed above it by `-genconf`.
    static let fieldHelp: [String: [String]] = [
        "ProtocolVersion": [
            "Which Yggdrasil network this node joins: \"0.5\" (Yggdrasil 0.5.x) or",
            "\"0.4\" (the Yggdrasil 0.4.7 network). The two cannot peer with each other.",
        ],
        "PrivateKeyPath": [
            "A PEM file holding this node's private key (as -exportkey prints it),",
            "used instead of PrivateKey. Keep it secret.",
        ],
        "LogLookups": [
            "Record the path lookups this node receives (admin command lookups).",
        ],
        "Peers": [
            "Outbound peer links, as URIs: tcp://host:port, tls://host:port,",
            "unix:///path or socks://proxy:port/host:port. Add ?key=<public key> to",
            "accept only that node at the other end; with protocol 0.5, ?password=<text>",
            "to require a shared link password and ?maxbackoff=5m to cap the redial",
            "interval. These follow the system's routing table.",
        ],
        "InterfacePeers": [
            "Outbound peer links dialled from a given network interface, as",
            "{ \"eth0\": [ \"tls://host:port\" ] }. SOCKS and UNIX peers belong in Peers.",
        ],
        "Listen": [
            "Addresses to accept peer links on, as URIs: tls://[::]:443,",
            "tcp://0.0.0.0:12345, unix:///run/rhizome/peer.sock. Multicast",
            "discovery works without any entry here.",
        ],
        "AdminListen": [
            "Where the admin API listens (rhizomectl and yggdrasilctl use it):",
            "unix:///path or tcp://127.0.0.1:port, or none to turn it off.",
        ],
        "MetricsListen": [
            "Rhizome only, optional: HOST:PORT where Prometheus metrics are served at",
            "/metrics, e.g. 127.0.0.1:9464. They reveal peers and traffic: keep it on",
            "loopback or a trusted network.",
        ],
        "MulticastInterfaces": [
            "Link-local peer discovery, per interface. Regex selects interfaces by",
            "name (the first entry that matches wins); Beacon advertises this node;",
            "Listen dials nodes that advertise; Port is the TLS port for discovered",
            "peers (0 = any); Priority orders links to the same peer (lower first);",
            "Password (0.5 only) must be the same on every node meant to link here.",
        ],
        "MulticastAllowedPublicKeys": [
            "Rhizome only, optional: when non-empty, only these keys may peer with this",
            "node through multicast discovery. Peering control, not a firewall.",
        ],
        "AllowedPublicKeys": [
            "Public keys allowed to open inbound peer links. Empty allows every key.",
            "This does not restrict outbound links or multicast-discovered peers.",
        ],
        "PublicKey": [
            "This node's public key, for others' AllowedPublicKeys and ?key= pins.",
        ],
        "PrivateKey": [
            "This node's private key: its identity and address. Keep it secret.",
        ],
        "IfName": [
            "TUN interface name: auto to let the system pick, none to run without one.",
        ],
        "IfMTU": [
            "TUN interface MTU, 1280 to 65535 (the node uses at most 53049).",
        ],
        "NodeInfoPrivacy": [
            "true to leave the platform, architecture and version out of NodeInfo.",
        ],
        "NodeInfo": [
            "Optional information about this node, visible to the whole network",
            "on request: a { \"key\": \"value\", ... } object or null.",
        ],
    ]
}

/// Writes HJSON in hjson-go's layout: `key: value`, quoteless strings where they read back
/// unchanged, two-space indent; a member's container opens on its own line (the hjson-go of
/// 0.4.7) or on the key's line (`bracketsOnKeyLine`, the hjson-go of 0.5.12).
enum HJSONWriter {
    static func member(key: String, value: JSONValue, level: Int, bracketsOnKeyLine: Bool = false) -> String {
        let pad = String(repeating: "  ", count: level)
        let k = quoteKeyIfNeeded(key)
        switch value {
        case .array(let a) where !a.isEmpty:
            return opened(value, key: k, level: level, bracketsOnKeyLine)
        case .object(let o) where !o.isEmpty:
            return opened(value, key: k, level: level, bracketsOnKeyLine)
        default:
            return "\(pad)\(k): \(scalar(value))\n"
        }
    }

    private static func opened(_ value: JSONValue, key: String, level: Int, _ onKeyLine: Bool) -> String {
        let pad = String(repeating: "  ", count: level)
        let body = container(value, level: level, bracketsOnKeyLine: onKeyLine)
        return onKeyLine ? "\(pad)\(key): " + body.dropFirst(pad.count) : "\(pad)\(key):\n" + body
    }

    static func container(_ value: JSONValue, level: Int, bracketsOnKeyLine: Bool = false) -> String {
        let pad = String(repeating: "  ", count: level)
        switch value {
        case .array(let items):
            if items.isEmpty { return "\(pad)[]\n" }
            var out = "\(pad)[\n"
            for item in items {
                switch item {
                case .array(let a) where !a.isEmpty: out += container(item, level: level + 1, bracketsOnKeyLine: bracketsOnKeyLine)
                case .object(let o) where !o.isEmpty: out += container(item, level: level + 1, bracketsOnKeyLine: bracketsOnKeyLine)
                default: out += "\(pad)  \(scalar(item))\n"
                }
            }
            return out + "\(pad)]\n"
        case .object(let o):
            if o.isEmpty { return "\(pad){}\n" }
            var out = "\(pad){\n"
            for entry in o.entries { out += member(key: entry.key, value: entry.value, level: level + 1, bracketsOnKeyLine: bracketsOnKeyLine) }
            return out + "\(pad)}\n"
        default:
            return "\(pad)\(scalar(value))\n"
        }
    }

    static func scalar(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return quoteIfNeeded(s)
        case .array: return "[]"
        case .object: return "{}"
        default: return JSONWriter.write(v, indent: nil)
        }
    }

    /// A string may go unquoted when parsing it back as a quoteless value gives the same string.
    static func quoteIfNeeded(_ s: String) -> String {
        // By Unicode scalars, as the parser reads: "}" with a combining mark is one Character
        // but still starts with a "}" to the parser.
        let scalars = s.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return "\"\"" }
        let needs = first.properties.isWhitespace || last.properties.isWhitespace
            || scalars.contains(where: { Character($0).isNewline || $0 == "\"" || $0 == "\\" })
            || "{}[],:#'".unicodeScalars.contains(first)
            || scalars.starts(with: "//".unicodeScalars) || scalars.starts(with: "/*".unicodeScalars)
            || HJSONParser.literal(leadingToken(s)) != nil
        return needs ? JSONWriter.write(.string(s), indent: nil) : s
    }

    /// The part of a quoteless value the parser tries as `true`, `false`, `null` or a number: up
    /// to a blank, a punctuator, `#`, `//` or `/*`. It may end sooner than the parser's (at any
    /// Unicode blank), which only quotes more, never later, which could miss a literal.
    /// "31/*" must be quoted: unquoted it reads back as 31 and an open comment.
    static func leadingToken(_ s: String) -> String {
        var token = String.UnicodeScalarView()
        var scalars = s.unicodeScalars.makeIterator()
        var next = scalars.next()
        while let c = next {
            let after = scalars.next()
            if c.properties.isWhitespace || ",:[]{}#".unicodeScalars.contains(c)
                || (c == "/" && (after == "/" || after == "*")) { break }
            token.append(c)
            next = after
        }
        return String(token)
    }

    static func quoteKeyIfNeeded(_ k: String) -> String {
        let needs = k.isEmpty || k.unicodeScalars.contains(where: { $0.properties.isWhitespace || ",:[]{}\"'#/".unicodeScalars.contains($0) })
        return needs ? JSONWriter.write(.string(k), indent: nil) : k
    }
}
