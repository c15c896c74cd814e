import Testing
import RhizomeCrypto
@testable import RhizomeNode

@Suite struct ConfigTests {
    static let key = "224d439a26ee3d99d4a22e892b20c341f184b02d495c59102fc4f7d5694c2cd862a99f49ad5eccc57cc45d669b3b66f1e83ce6120344dc8781c3ebaf60e7926b"

    func load(_ text: String) throws -> NodeConfig.Loaded {
        var r = SeededRandom(seed: 5)
        return try NodeConfig.load(bytes: Array(text.utf8), random: &r)
    }

    @Test func fieldNamesAreCaseInsensitiveAndDefaultsFillTheRest() throws {
        let l = try load("{ \"privatekey\": \"\(Self.key)\", \"ifmtu\": 1400, \"PEERS\": [\"tcp://[::1]:1\"] }")
        #expect(l.config.ifMTU == 1400)
        #expect(l.config.peers == ["tcp://[::1]:1"])
        #expect(l.config.ifName == "auto")
        #expect(l.config.multicastInterfaces == [NodeConfig.defaultMulticastInterface])
        #expect(l.config.publicKey == "62a99f49ad5eccc57cc45d669b3b66f1e83ce6120344dc8781c3ebaf60e7926b")
        #expect(l.warnings.isEmpty)
    }

    @Test func missingPrivateKeyMeansARandomIdentityWithAWarning() throws {
        let a = try load("{}")
        #expect(a.warnings.contains { $0.contains("PrivateKey") })
        #expect(try a.config.signingKeys().publicKey.hex == a.config.publicKey)
    }

    @Test func multicastElementsDecodeLikeGo() throws {
        let l = try load("{\n PrivateKey: \(Self.key)\n MulticastInterfaces: [{ Regex: \"a\" }, { Regex: \"b\" }]\n}")
        #expect(l.config.multicastInterfaces == [
            MulticastInterfaceConfig(regex: "a", beacon: true, listen: true),
            MulticastInterfaceConfig(regex: "b", beacon: false, listen: false),
        ])
        #expect(try load("{\n PrivateKey: \(Self.key)\n MulticastInterfaces: []\n}").config.multicastInterfaces.isEmpty)
    }

    @Test func nullListsStayNull() throws {
        let l = try load("{\n PrivateKey: \(Self.key)\n Listen: null\n AllowedPublicKeys: null\n}")
        #expect(l.config.listen == nil)
        #expect(l.config.allowedPublicKeys == nil)
        let json = l.config.jsonText()
        #expect(json.contains("\"Listen\": null"))
    }

    @Test func byteOrderMarks() throws {
        let text = "{\"PrivateKey\": \"\(Self.key)\", \"IfName\": \"x0\"}"
        #expect(try NodeConfig.load(bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8)).config.ifName == "x0")
        var le: [UInt8] = [0xFF, 0xFE]
        for u in text.utf16 { le += [UInt8(u & 0xff), UInt8(u >> 8)] }
        #expect(try NodeConfig.load(bytes: le).config.ifName == "x0")
        var be: [UInt8] = [0xFE, 0xFF]
        for u in text.utf16 { be += [UInt8(u >> 8), UInt8(u & 0xff)] }
        #expect(try NodeConfig.load(bytes: be).config.ifName == "x0")
    }

    @Test func jsonWriterEscapesLikeGo() {
        let v = JSONValue.object(JSONObject([("k", .string("<a&b>\"\\\n\u{01}")), ("e", .array([])), ("o", .object(JSONObject()))]))
        #expect(JSONWriter.write(v) == "{\n  \"k\": \"\\u003ca\\u0026b\\u003e\\\"\\\\\\n\\u0001\",\n  \"e\": [],\n  \"o\": {}\n}")
        #expect(JSONWriter.write(v, indent: nil) == "{\"k\":\"\\u003ca\\u0026b\\u003e\\\"\\\\\\n\\u0001\",\"e\":[],\"o\":{}}")
    }

    @Test func hjsonOutputReadsBack() throws {
        var cfg = try load("{\"PrivateKey\": \"\(Self.key)\"}").config
        cfg.peers = ["tls://[fe80::1%25eth0]:443?key=\(String(repeating: "0f", count: 32))"]
        cfg.interfacePeers = [("eth 0", ["tcp://h:1"])]
        cfg.nodeInfo = .object(JSONObject([("name", .string("true")), ("n", .number("5")), ("s", .string(" padded ")), ("x", .string("# hash"))]))
        let text = cfg.hjsonText()
        let back = try NodeConfig.load(bytes: Array(text.utf8)).config
        #expect(back == cfg)
    }

    @Test func peerURIs() throws {
        let k = String(repeating: "ab", count: 32)
        let u = try PeerURI("tls://[fe80::1%25eth0]:443?key=\(k)&priority=7&sni=peer.example")
        #expect(u.scheme == .tls)
        #expect(u.host == "fe80::1%eth0")
        #expect(u.port == 443)
        #expect(u.pinnedKeys == [Hex.decode(k)!])
        #expect(u.priority == 7)
        #expect(u.sni == "peer.example")
        let s = try PeerURI("socks://user:pw@127.0.0.1:1080/example.net:12345")
        #expect(s.scheme == .socks && s.userInfo == "user:pw" && s.port == 1080 && s.path == "example.net:12345")
        let x = try PeerURI("unix:///run/peer.sock")
        #expect(x.path == "/run/peer.sock")
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("tcp://::1:5") }
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("tcp://[::1]") }
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("tcp://[zz::1]:5") }
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("unix://relative") }
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("tcp://h:1?key=\(k)", role: .listen) }
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("socks://h:1") }
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("TCP://h:1") }
    }

    @Test func adminEndpoints() throws {
        #expect(try AdminEndpoint("unix:///run/rhizome/rhizome.sock") == .unix(path: "/run/rhizome/rhizome.sock"))
        #expect(try AdminEndpoint("tcp://127.0.0.1:9001") == .tcp(host: "127.0.0.1", port: 9001))
        #expect(try AdminEndpoint("tcp://[::1]:9001") == .tcp(host: "::1", port: 9001))
        #expect(throws: ConfigError.self) { try AdminEndpoint("udp://x:1") }
    }
}
