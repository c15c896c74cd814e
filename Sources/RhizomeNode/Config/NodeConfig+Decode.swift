import RhizomeCore
import RhizomeCrypto

extension NodeConfig {
    /// The result of reading a config: the config and what was ignored in it.
    public struct Loaded: Sendable {
        public var config: NodeConfig
        /// Human-readable notes (unknown fields, a generated identity) for the log.
        public var warnings: [String]
    }

    /// Reads config text (JSON or HJSON) over the defaults, as yggdrasil does: field names match
    /// case-insensitively; missing fields keep their defaults (a missing `PrivateKey` means a new
    /// random identity, with a warning); `PrivateKeyPath` names a PEM file read here with
    /// `readFile`. Unlike yggdrasil, every bad value is reported as a `ConfigError` naming the
    /// field instead of a crash, and the values are validated. Links with a scheme this node does
    /// not speak are warnings, not errors (see `unsupportedLinks`).
    public static func load<R: RandomSource>(bytes: [UInt8], random: inout R,
                                             readFile: (String) throws -> [UInt8] = ConfigSource.readFile) throws -> Loaded {
        let text = try decodeText(bytes)
        let root: JSONValue
        do {
            root = try HJSONParser.parse(text)
        } catch let e as JSONParseError {
            throw ConfigError(field: "", message: "syntax error at \(e)")
        }
        guard case .object(let obj) = root else {
            throw ConfigError(field: "", message: "the config must be an object, found \(root.typeName)")
        }
        var cfg = NodeConfig.generate(using: &random)
        var warnings: [String] = []
        let generatedPublic = cfg.publicKey
        cfg.publicKey = nil
        var sawPrivateKey = false
        // Read once the version is known: an error in 0.4 mode, ignored with a warning in 0.5.
        var statedPublic: JSONValue = .null

        var seen = Set<String>()
        for (key, value) in obj.entries {
            let field = key.lowercased()
            seen.insert(field)
            switch field {
            case "protocolversion": cfg.protocolVersion = try protocolVersion(value)
            case "privatekeypath":
                let path = value == .null ? "" : try string(value, field: "PrivateKeyPath")
                cfg.privateKeyPath = path.isEmpty ? nil : path
            case "loglookups": cfg.logLookups = try bool(value, field: "LogLookups")
            case "peers": cfg.peers = try stringArray(value, field: "Peers")
            case "interfacepeers": cfg.interfacePeers = try interfacePeers(value)
            case "listen": cfg.listen = value == .null ? nil : try stringArray(value, field: "Listen")
            case "adminlisten": cfg.adminListen = try string(value, field: "AdminListen")
            case "metricslisten":
                let text = value == .null ? "" : try string(value, field: "MetricsListen")
                cfg.metricsListen = text.isEmpty ? nil : text
            case "multicastinterfaces": cfg.multicastInterfaces = try multicast(value)
            case "allowedpublickeys":
                cfg.allowedPublicKeys = value == .null ? nil : try stringArray(value, field: "AllowedPublicKeys")
            case "multicastallowedpublickeys":
                cfg.multicastAllowedPublicKeys = value == .null ? [] : try stringArray(value, field: "MulticastAllowedPublicKeys")
            case "publickey": statedPublic = value
            case "privatekey":
                cfg.privateKey = try string(value, field: "PrivateKey")
                sawPrivateKey = true
            case "ifname": cfg.ifName = try string(value, field: "IfName")
            case "ifmtu": cfg.ifMTU = try unsigned(value, field: "IfMTU")
            case "nodeinfoprivacy": cfg.nodeInfoPrivacy = try bool(value, field: "NodeInfoPrivacy")
            case "nodeinfo":
                guard value == .null || value.objectValue != nil else {
                    throw ConfigError(field: "NodeInfo", message: "must be an object or null, found \(value.brief)")
                }
                cfg.nodeInfo = value
            default:
                warnings.append("unknown config field \"\(key)\" ignored")
            }
        }
        if let path = cfg.privateKeyPath {
            // As 0.5.12: the file replaces any PrivateKey in the config.
            let pem: [UInt8]
            do { pem = try readFile(path) } catch let e as ConfigError {
                throw ConfigError(field: "PrivateKeyPath", message: e.message)
            }
            guard let text = String(validating: pem, as: UTF8.self) else {
                throw ConfigError(field: "PrivateKeyPath", message: "\(path): failed to parse PEM file (not text)")
            }
            do {
                cfg.privateKey = try PrivateKeyPEM.decode(text).privateKeyHex
            } catch let e as ConfigError {
                throw ConfigError(field: "PrivateKeyPath", message: "\(path): \(e.message)")
            }
            sawPrivateKey = true
        }
        if !sawPrivateKey {
            warnings.append("no PrivateKey in the config: this run uses a new random identity")
        }
        switch cfg.protocolVersion {
        case .v04:
            cfg.publicKey = statedPublic == .null ? nil : try string(statedPublic, field: "PublicKey")
        case .v05:
            // 0.5 has no PublicKey field; a stale one is reported, not fatal.
            let actual = try cfg.signingKeys().publicKey.hex
            if statedPublic != .null && statedPublic.stringValue?.lowercased() != actual {
                let shown = statedPublic.stringValue ?? statedPublic.brief
                warnings.append("PublicKey \(shown) does not match the private key (whose public key is \(actual)); ignored")
            }
            cfg.publicKey = actual
        }
        try cfg.validate()
        if cfg.publicKey == nil { cfg.publicKey = sawPrivateKey ? try cfg.signingKeys().publicKey.hex : generatedPublic }
        for (field, link) in cfg.unsupportedLinks {
            warnings.append("\(field) \(link.uri) skipped: \(link.reason)")
        }
        return Loaded(config: cfg, warnings: warnings)
    }

    public static func load(bytes: [UInt8]) throws -> Loaded {
        var r = SystemRandom()
        return try load(bytes: bytes, random: &r)
    }

    static func protocolVersion(_ v: JSONValue) throws -> ProtocolVersion {
        // HJSON reads an unquoted 0.5 as a number; take it too.
        let text: String?
        switch v {
        case .string(let s): text = s
        case .number(let n): text = n
        default: text = nil
        }
        guard let t = text, let version = ProtocolVersion(rawValue: t) else {
            throw ConfigError(field: "ProtocolVersion", message: "must be \"0.5\" or \"0.4\", found \(v.brief)")
        }
        return version
    }

    /// UTF-16 with a byte-order mark is converted (as 0.4.7 does); a UTF-8 BOM is skipped (0.4.7
    /// crashes on it); anything else must be valid UTF-8.
    static func decodeText(_ bytes: [UInt8]) throws -> String {
        if bytes.count >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF)) {
            let little = bytes[0] == 0xFF
            var units: [UInt16] = []
            var i = 2
            while i + 1 < bytes.count {
                units.append(little ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]))
                i += 2
            }
            return String(decoding: units, as: UTF16.self)
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw ConfigError(field: "", message: "the config is not valid UTF-8 text")
        }
        return text
    }

    /// Checks every value a node would use, naming the field of the first bad one.
    public func validate() throws {
        let keys = try signingKeys()
        if protocolVersion == .v04, let stated = publicKey {
            guard let pk = PublicKey(hex: stated) else {
                throw ConfigError(field: "PublicKey", message: "\"\(stated)\" is not a 64-character hex public key")
            }
            guard pk == keys.publicKey else {
                throw ConfigError(field: "PublicKey", message: "\(stated) does not match PrivateKey (whose public key is \(keys.publicKey.hex))")
            }
        }
        for (i, uri) in peers.enumerated() { try checkURI(uri, field: "Peers[\(i)]", role: .peer) }
        for (name, uris) in interfacePeers {
            for (i, uri) in uris.enumerated() { try checkURI(uri, field: "InterfacePeers[\(name)][\(i)]", role: .peer) }
        }
        for (i, uri) in (listen ?? []).enumerated() { try checkURI(uri, field: "Listen[\(i)]", role: .listen) }
        if adminListen != "none" {
            try AdminEndpoint.validate(adminListen)
        }
        if let metricsListen { _ = try MetricsListen(metricsListen) }
        for (i, key) in (allowedPublicKeys ?? []).enumerated() where PublicKey(hex: key) == nil {
            throw ConfigError(field: "AllowedPublicKeys[\(i)]", message: "\"\(key)\" is not a 64-character hex public key")
        }
        for (i, key) in multicastAllowedPublicKeys.enumerated() where PublicKey(hex: key) == nil {
            throw ConfigError(field: "MulticastAllowedPublicKeys[\(i)]", message: "\"\(key)\" is not a 64-character hex public key")
        }
        if ifName.isEmpty || ifName.utf8.count > 15 || ifName.contains("/") || ifName.contains(where: \.isWhitespace) {
            throw ConfigError(field: "IfName", message: "\"\(ifName)\" is not a valid interface name (1 to 15 characters, no '/' or spaces; or auto, none)")
        }
        guard (NodeConfig.minimumIfMTU...NodeConfig.maximumIfMTU).contains(ifMTU) else {
            throw ConfigError(field: "IfMTU", message: "\(ifMTU) is out of range (must be \(NodeConfig.minimumIfMTU) to \(NodeConfig.maximumIfMTU))")
        }
        for (i, m) in multicastInterfaces.enumerated() {
            do { _ = try Regex(m.regex) } catch {
                throw ConfigError(field: "MulticastInterfaces[\(i)].Regex", message: "\"\(m.regex)\" is not a valid regular expression")
            }
            let size = m.password.utf8.count
            if size > MulticastInterfaceConfig.maxPasswordBytes {
                throw ConfigError(field: "MulticastInterfaces[\(i)].Password",
                                  message: "is \(size) bytes; at most \(MulticastInterfaceConfig.maxPasswordBytes) are allowed")
            }
        }
        if case .object = nodeInfo {
            let size = JSONWriter.write(nodeInfo, indent: nil).utf8.count
            if size > NodeConfig.maxNodeInfoSize {
                throw ConfigError(field: "NodeInfo", message: "is \(size) bytes as JSON; at most \(NodeConfig.maxNodeInfoSize) are allowed")
            }
        }
    }

    /// NodeInfo larger than this is refused by 0.4.7 when it is served.
    public static let maxNodeInfoSize = 16384

    /// A link the node cannot speak is not an error here (see `unsupportedLinks`).
    func checkURI(_ uri: String, field: String, role: PeerURI.Role) throws {
        do { _ = try PeerURI(uri, role: role) } catch let e as PeerURI.ParseError {
            throw ConfigError(field: field, message: "\(e)")
        } catch is PeerURI.UnsupportedScheme {}
    }

    // MARK: typed field readers

    static func string(_ v: JSONValue, field: String) throws -> String {
        guard case .string(let s) = v else { throw ConfigError(field: field, message: "must be a string, found \(v.brief)") }
        return s
    }

    static func bool(_ v: JSONValue, field: String) throws -> Bool {
        guard case .bool(let b) = v else { throw ConfigError(field: field, message: "must be true or false, found \(v.brief)") }
        return b
    }

    static func unsigned(_ v: JSONValue, field: String) throws -> UInt64 {
        guard let n = v.unsignedValue else { throw ConfigError(field: field, message: "must be a whole number, found \(v.brief)") }
        return n
    }

    static func stringArray(_ v: JSONValue, field: String) throws -> [String] {
        guard case .array(let items) = v else {
            throw ConfigError(field: field, message: "must be an array of strings, found \(v.brief)")
        }
        return try items.enumerated().map { i, item in
            guard case .string(let s) = item else {
                throw ConfigError(field: "\(field)[\(i)]", message: "must be a string, found \(item.brief)")
            }
            return s
        }
    }

    static func interfacePeers(_ v: JSONValue) throws -> [(interface: String, peers: [String])] {
        if v == .null { return [] }
        guard case .object(let obj) = v else {
            throw ConfigError(field: "InterfacePeers", message: "must be an object of interface name to peer list, found \(v.brief)")
        }
        return try obj.entries.map { ($0.key, try stringArray($0.value, field: "InterfacePeers[\($0.key)]")) }
    }

    /// Element 0 starts from the default element and later ones from zero values, reproducing how
    /// Go decodes a JSON array into 0.4.7's default slice (so partial elements behave the same).
    static func multicast(_ v: JSONValue) throws -> [MulticastInterfaceConfig] {
        if v == .null { return [] }
        guard case .array(let items) = v else {
            throw ConfigError(field: "MulticastInterfaces", message: "must be an array of objects, found \(v.brief)")
        }
        return try items.enumerated().map { i, item in
            let field = "MulticastInterfaces[\(i)]"
            guard case .object(let obj) = item else { throw ConfigError(field: field, message: "must be an object, found \(item.brief)") }
            var m = i == 0 ? NodeConfig.defaultMulticastInterface : MulticastInterfaceConfig(regex: "", beacon: false, listen: false)
            for (key, value) in obj.entries {
                switch key.lowercased() {
                case "regex": m.regex = try string(value, field: "\(field).Regex")
                case "beacon": m.beacon = try bool(value, field: "\(field).Beacon")
                case "listen": m.listen = try bool(value, field: "\(field).Listen")
                case "port":
                    let p = try unsigned(value, field: "\(field).Port")
                    guard p <= 65535 else { throw ConfigError(field: "\(field).Port", message: "\(p) is out of range (0 to 65535)") }
                    m.port = UInt16(p)
                case "priority":
                    let p = try unsigned(value, field: "\(field).Priority")
                    guard p <= 255 else { throw ConfigError(field: "\(field).Priority", message: "\(p) is out of range (0 to 255)") }
                    m.priority = UInt8(p)
                case "password": m.password = try string(value, field: "\(field).Password")
                default: break
                }
            }
            return m
        }
    }
}
