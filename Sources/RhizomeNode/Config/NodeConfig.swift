import RhizomeCore
import RhizomeCrypto

/// One `MulticastInterfaces` element: which interfaces take part in link-local discovery.
public struct MulticastInterfaceConfig: Equatable, Sendable {
    /// Unanchored regular expression matched against interface names.
    public var regex: String
    /// Send beacons advertising our listener on matching interfaces.
    public var beacon: Bool
    /// Listen for beacons and dial the nodes they advertise.
    public var listen: Bool
    /// TLS listener port for discovered peers; 0 lets the kernel choose.
    public var port: UInt16
    /// Link priority for links made on this interface (lower is preferred).
    public var priority: UInt8
    /// 0.5: shared secret mixed into beacons and link handshakes on these interfaces; empty = none.
    /// At most `MulticastInterfaceConfig.maxPasswordBytes` bytes of UTF-8.
    public var password: String

    public static let maxPasswordBytes = 64

    public init(regex: String, beacon: Bool, listen: Bool, port: UInt16 = 0, priority: UInt8 = 0, password: String = "") {
        self.regex = regex; self.beacon = beacon; self.listen = listen; self.port = port; self.priority = priority
        self.password = password
    }
}

/// The node's configuration, with yggdrasil's field names, types and Linux defaults, so an existing
/// yggdrasil.conf of 0.5.12 or (with `ProtocolVersion: "0.4"`) 0.4.7, JSON or HJSON, loads as it is.
public struct NodeConfig: Equatable, Sendable {
    /// Which protocol generation the whole node speaks; a config without the field means 0.5.
    public var protocolVersion: ProtocolVersion = .default
    public var peers: [String] = []
    /// Interface name → peer URIs dialled from that interface (kept in file order).
    public var interfacePeers: [(interface: String, peers: [String])] = []
    /// `nil` when the file says `null` (0.4.7 keeps that in normalised output).
    public var listen: [String]? = []
    public var adminListen: String = NodeConfig.defaultAdminListen
    public var multicastInterfaces: [MulticastInterfaceConfig] = [NodeConfig.defaultMulticastInterface]
    public var allowedPublicKeys: [String]? = []
    /// Beyond 0.4.7 (opt-in): when non-empty, only these keys may peer with us through multicast
    /// discovery. Peering control for a shared LAN, not a firewall: it decides who links to us
    /// directly, not who can reach us through the network.
    public var multicastAllowedPublicKeys: [String] = []
    /// 0.4.7's informational field, checked against `privateKey` when present: a mismatch is an
    /// error in 0.4 mode and a load warning in 0.5 mode (0.5 dropped the field and ignores it).
    /// After `load` it always holds the key's real public key in 0.5 mode.
    public var publicKey: String?
    /// 128 hex digits, seed ‖ public key. Holds the key read from `privateKeyPath` when that is set.
    public var privateKey: String
    /// 0.5: a PEM (PKCS#8 Ed25519) file that holds the key instead of `PrivateKey`; read by `load`,
    /// and written back instead of `PrivateKey`. Nil when absent or empty.
    public var privateKeyPath: String?
    /// 0.5's hidden option: record the path lookups received (admin command `lookups`).
    public var logLookups: Bool = false
    public var ifName: String = "auto"
    public var ifMTU: UInt64 = NodeConfig.defaultIfMTU
    public var nodeInfoPrivacy: Bool = false
    /// A JSON object, or `.null`.
    public var nodeInfo: JSONValue = .null
    /// Rhizome only: `HOST:PORT` where Prometheus metrics are served (`/metrics`); nil = off.
    /// Written back only when set, so a yggdrasil config reads and normalises as before.
    public var metricsListen: String?

    public static let defaultAdminListen = "unix:///run/rhizome/rhizome.sock"
    public static let defaultConfigPath = "/etc/rhizome/rhizome.conf"
    public static let defaultIfMTU: UInt64 = 65535
    public static let minimumIfMTU: UInt64 = 1280
    public static let maximumIfMTU: UInt64 = 65535
    public static let defaultMulticastInterface = MulticastInterfaceConfig(regex: ".*", beacon: true, listen: true)

    /// A fresh configuration with a new random identity and every default, as `-genconf` prints.
    public static func generate<R: RandomSource>(using random: inout R) -> NodeConfig {
        let keys = SigningKeyPair.generate(using: &random)
        return NodeConfig(keys: keys)
    }

    public static func generate() -> NodeConfig {
        var r = SystemRandom()
        return generate(using: &r)
    }

    public init(keys: SigningKeyPair) {
        privateKey = keys.privateKeyHex
        publicKey = keys.publicKey.hex
    }

    /// The identity the `PrivateKey` field gives.
    public func signingKeys() throws -> SigningKeyPair {
        try NodeConfig.keys(fromPrivateKeyHex: privateKey)
    }

    static func keys(fromPrivateKeyHex hex: String) throws -> SigningKeyPair {
        if let bad = Hex.firstInvalidCharacter(hex) {
            throw ConfigError(field: "PrivateKey", message: "is not hex (invalid character '\(bad)')")
        }
        guard let raw = Hex.decode(hex) else {
            throw ConfigError(field: "PrivateKey", message: "has an odd number of hex digits (\(hex.count))")
        }
        do {
            return try SigningKeyPair(privateKey: raw)
        } catch SigningKeyPair.KeyError.incorrectLength(let n) {
            throw ConfigError(field: "PrivateKey", message: "is \(n) bytes; it must be 64 bytes (128 hex digits: seed then public key)")
        } catch SigningKeyPair.KeyError.publicHalfMismatch(let derived) {
            throw ConfigError(field: "PrivateKey", message: "its second half is not the public key of its seed (expected …\(derived.hex))")
        }
    }

    /// Entries of `Peers`, `InterfacePeers` and `Listen` whose scheme this node does not speak,
    /// each with the field that holds it. The node skips them (one log line each; `load` adds
    /// them to its warnings) and uses the rest of the config.
    public var unsupportedLinks: [(field: String, link: PeerURI.UnsupportedScheme)] {
        var out: [(field: String, link: PeerURI.UnsupportedScheme)] = []
        func check(_ uri: String, _ field: String, _ role: PeerURI.Role) {
            do { _ = try PeerURI(uri, role: role) } catch let e as PeerURI.UnsupportedScheme {
                out.append((field, e))
            } catch {}
        }
        for (i, uri) in peers.enumerated() { check(uri, "Peers[\(i)]", .peer) }
        for (name, uris) in interfacePeers {
            for (i, uri) in uris.enumerated() { check(uri, "InterfacePeers[\(name)][\(i)]", .peer) }
        }
        for (i, uri) in (listen ?? []).enumerated() { check(uri, "Listen[\(i)]", .listen) }
        return out
    }

    public static func == (a: NodeConfig, b: NodeConfig) -> Bool {
        a.toJSON() == b.toJSON()
    }
}

/// A configuration problem: which field, and what is wrong with its value.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    public var field: String
    public var message: String
    public init(field: String, message: String) { self.field = field; self.message = message }
    public var description: String { field.isEmpty ? message : "\(field) \(message)" }
}
