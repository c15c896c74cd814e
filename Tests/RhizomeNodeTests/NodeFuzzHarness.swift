import RhizomeCrypto
import RhizomeNode

// The checks behind the config-side libFuzzer targets of Fuzz/ (hjson, peeruri, config).
//
// Compiled twice, like Tests/RhizomeCoreTests/FuzzHarness.swift: into the fuzz binaries by
// Fuzz/run.sh (with only the Foundation-free JSON/ and Config/ sources of RhizomeNode), and into
// RhizomeNodeTests, where FuzzRegressionTests replays FuzzRegressions/<target>/. Public API only;
// a violated property is thrown, never trapped.

struct FuzzFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@inline(__always)
func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw FuzzFailure(message()) }
}

enum NodeFuzzHarness {
    static let nodeTargets = ["hjson", "peeruri", "config", "beacon"]

    static func run(_ target: String, _ data: UnsafeRawBufferPointer) throws {
        switch target {
        case "hjson": try hjson(data)
        case "peeruri": try peerURI(data)
        case "config": try config(data)
        case "beacon": try beacon(Array(data))
        default: throw FuzzFailure("unknown fuzz target \(target)")
        }
    }

    /// Multicast beacons, as any host on the LAN can send them: 0.4.7's 50 bytes and 0.5's
    /// versioned form. Whatever decodes re-encodes to the bytes it was read from (0.5: up to the
    /// end of its hash; trailing bytes are ignored as in Go); a 0.5 beacon matches the password
    /// its hash was made with and no other; nothing traps.
    static func beacon(_ bytes: [UInt8]) throws {
        if let b = Beacon(bytes) {
            try fuzzCheck(b.encoded == bytes, "0.4 beacon does not re-encode to its input")
        } else {
            try fuzzCheck(bytes.count != 50 || PublicKey(bytes: bytes[0..<32]) == nil, "a 50-byte beacon with a valid key was refused")
        }
        if let b = Beacon05(bytes) {
            let used = Array(bytes.prefix(40 + b.hash.count))
            try fuzzCheck(b.encoded == used, "0.5 beacon does not re-encode to its input")
            try fuzzCheck(Beacon05(b.encoded) == b, "0.5 beacon does not decode from its encoding")
            let password = Array(bytes.suffix(min(8, bytes.count)))
            let made = Beacon05(key: b.key, port: b.port, password: password)
            try fuzzCheck(made.matches(password: password), "a beacon does not match its own password")
            try fuzzCheck(!made.matches(password: password + [0]), "a beacon matches a different password")
            _ = b.matches(password: password)
        }
    }

    static func run(_ target: String, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try run(target, $0) }
    }

    /// Parses, mapping a `JSONParseError` to nil; any other error is a failure.
    static func parse(_ text: String, strict: Bool) throws -> JSONValue? {
        do { return try HJSONParser.parse(text, strict: strict) } catch let e as JSONParseError {
            try fuzzCheck(e.line >= 1 && e.column >= 1, "bad error position \(e)")
            return nil
        } catch {
            throw FuzzFailure("HJSONParser threw a non-JSONParseError: \(error)")
        }
    }

    /// HJSON and strict JSON: no trap; JSON (with an object or array root) reads the same in both
    /// modes; whatever either mode reads is written by JSONWriter as JSON that reads back equal.
    static func hjson(_ data: UnsafeRawBufferPointer) throws {
        let text = String(decoding: data, as: UTF8.self)
        let loose = try parse(text, strict: false)
        let strict = try parse(text, strict: true)
        if let s = strict {
            switch s {
            case .object, .array:
                try fuzzCheck(loose == s, "JSON reads differently as HJSON: \(String(describing: loose)) vs \(s)")
            default: break
            }
        }
        for value in [strict, loose].compactMap({ $0 }) {
            for indent in [nil, "  "] as [String?] {
                let written = JSONWriter.write(value, indent: indent)
                let back = try parse(written, strict: true)
                try fuzzCheck(back == value, "JSONWriter output does not read back: \(written.prefix(200))")
            }
        }
    }

    /// Peer URIs: no trap; a URI valid for a listener is valid, and the same, for a peer; a parsed
    /// URI keeps its text and parses again to itself.
    static func peerURI(_ data: UnsafeRawBufferPointer) throws {
        let text = String(decoding: data, as: UTF8.self)
        func parse(_ role: PeerURI.Role) throws -> PeerURI? {
            do { return try PeerURI(text, role: role) } catch is PeerURI.ParseError { return nil } catch {
                throw FuzzFailure("PeerURI threw a non-ParseError: \(error)")
            }
        }
        let peer = try parse(.peer)
        let listen = try parse(.listen)
        if let listen {
            try fuzzCheck(peer == listen, "valid as a listener but not the same as a peer: \(text)")
        }
        if let p = peer {
            try fuzzCheck(p.original == text && p.description == text, "original text not kept")
            try fuzzCheck((try? PeerURI(p.original)) == p, "does not parse again to itself")
            if p.scheme != .unix { try fuzzCheck(!p.host.isEmpty, "empty host accepted") }
            for key in p.pinnedKeys { try fuzzCheck(key.count == 32, "pinned key of \(key.count) bytes") }
        }
        // The admin endpoint shares the host:port parser.
        if let e = try? AdminEndpoint(text) { _ = e.description }
    }

    /// The config loader: no trap; only ConfigError escapes; and the normalised output
    /// (`-normaliseconf`, JSON and HJSON) loads back to the same config.
    static func config(_ data: UnsafeRawBufferPointer) throws {
        // `PrivateKeyPath` never reaches the file system: "key.pem" is a fixed key, any other
        // path does not exist.
        func readFile(_ path: String) throws -> [UInt8] {
            guard path == "key.pem" else { throw ConfigError(field: "", message: "cannot read \(path)") }
            var seed = SeededRandom(seed: 9)
            return Array(PrivateKeyPEM.encode(SigningKeyPair.generate(using: &seed)).utf8)
        }
        func load(_ bytes: [UInt8], seed: UInt64) throws -> NodeConfig? {
            var random = SeededRandom(seed: seed)
            do { return try NodeConfig.load(bytes: bytes, random: &random, readFile: readFile).config } catch is ConfigError { return nil } catch {
                throw FuzzFailure("NodeConfig.load threw a non-ConfigError: \(error)")
            }
        }
        guard let cfg = try load(Array(data), seed: 1) else { return }
        let json = cfg.jsonText()
        guard let fromJSON = try load(Array(json.utf8), seed: 2) else {
            throw FuzzFailure("-normaliseconf -json output does not load:\n\(json.prefix(2000))")
        }
        try fuzzCheck(fromJSON == cfg, "-normaliseconf -json output loads differently:\n\(json.prefix(2000))")
        let hjson = cfg.hjsonText()
        guard var fromHJSON = try load(Array(hjson.utf8), seed: 3) else {
            throw FuzzFailure("-normaliseconf output does not load:\n\(hjson.prefix(2000))")
        }
        // 0.4.7 writes an absent NodeInfo as {} in HJSON.
        var expected = cfg
        if expected.nodeInfo == .null { expected.nodeInfo = .object(JSONObject()) }
        if fromHJSON.nodeInfo == .null { fromHJSON.nodeInfo = .object(JSONObject()) }
        try fuzzCheck(fromHJSON == expected, "-normaliseconf output loads differently:\n\(hjson.prefix(2000))")
    }
}
