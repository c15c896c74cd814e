import Testing
import RhizomeCore
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

    /// A number or keyword followed by a comment opener is a number and a comment to the parser
    /// (as to hjson-go), so such strings are written quoted; the fuzzer found "31/*" written bare,
    /// and "}" with a combining mark, one Character that the parser reads as a "}" first.
    @Test func stringsThatStartLikeANumberBeforeACommentAreQuoted() throws {
        var cfg = try load("{\"PrivateKey\": \"\(Self.key)\"}").config
        let tricky = ["31/*", "31//x", "true/*", "null//", "-1.5e3/* c", "31#", "31/x", "a/*", "1/2",
                      "}\u{20E9}A", " \u{301}x", "/\u{301}/", "//\u{301}", "#\u{301}"]
        cfg.nodeInfo = .object(JSONObject(tricky.enumerated().map { ("k\($0.offset)", .string($0.element)) } + [("}\u{20E9}k", .string("v"))]))
        let text = cfg.hjsonText()
        #expect(text.contains("k0: \"31/*\"") && text.contains("k1: \"31//x\"") && text.contains("k2: \"true/*\""))
        #expect(text.contains("k7: a/*") && text.contains("k8: 1/2"), "no quotes where none are needed\n\(text)")
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
        // sockstls: the same form; TLS to the target inside the tunnel; sni= allowed; never a listener.
        let st = try PeerURI("sockstls://u:p@proxy.test:1080/[fd00::1]:443?sni=peer.example&password=x")
        #expect(st.scheme == .sockstls && st.scheme.isSOCKS && st.host == "proxy.test" && st.path == "[fd00::1]:443")
        #expect(st.sni == "peer.example" && st.userInfo == "u:p" && st.password == Array("x".utf8))
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("sockstls://h:1") }
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("sockstls://[::]:1080/h:1", role: .listen) }
        // Schemes match case-insensitively (Go lowercases them).
        #expect(try PeerURI("TCP://h:1").scheme == .tcp)
    }

    @Test func adminEndpoints() throws {
        #expect(try AdminEndpoint("unix:///run/rhizome/rhizome.sock") == .unix(path: "/run/rhizome/rhizome.sock"))
        #expect(try AdminEndpoint("tcp://127.0.0.1:9001") == .tcp(host: "127.0.0.1", port: 9001))
        #expect(try AdminEndpoint("tcp://[::1]:9001") == .tcp(host: "::1", port: 9001))
        #expect(throws: ConfigError.self) { try AdminEndpoint("udp://x:1") }
    }

    // MARK: protocol 0.5

    func configError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        do { _ = try load(text); Issue.record("loaded: \(text)", sourceLocation: sourceLocation); return nil } catch let e as ConfigError {
            return e
        } catch {
            Issue.record("not a ConfigError: \(error)", sourceLocation: sourceLocation); return nil
        }
    }

    @Test func protocolVersionField() throws {
        #expect(try load("{ PrivateKey: \"\(Self.key)\" }").config.protocolVersion == .v05)
        #expect(try load("{ PrivateKey: \"\(Self.key)\", ProtocolVersion: \"0.4\" }").config.protocolVersion == .v04)
        #expect(try load("{\n PrivateKey: \(Self.key)\n protocolversion: 0.4\n}").config.protocolVersion == .v04)
        #expect(try load("{ \"ProtocolVersion\": \"0.5\", \"PrivateKey\": \"\(Self.key)\" }").config.protocolVersion == .v05)
        for bad in ["\"0.6\"", "\"\"", "true", "5", "\"v0.5\""] {
            let e = configError("{ \"ProtocolVersion\": \(bad), \"PrivateKey\": \"\(Self.key)\" }")
            #expect(e?.field == "ProtocolVersion")
            #expect(e?.message.contains("\"0.5\" or \"0.4\"") == true)
        }
        #expect(NodeConfig.generate().protocolVersion == .v05)
    }

    func keys(_ json: JSONValue) -> [String] { json.objectValue?.entries.map(\.key) ?? [] }

    @Test func fieldSetsOfBothVersions() throws {
        var cfg = try load("{ PrivateKey: \"\(Self.key)\" }").config
        #expect(keys(cfg.toJSON()) == ["ProtocolVersion", "PrivateKey", "Peers", "InterfacePeers", "Listen", "AdminListen",
                                       "MulticastInterfaces", "AllowedPublicKeys", "IfName", "IfMTU", "NodeInfoPrivacy", "NodeInfo"])
        #expect(keys(cfg.toJSON().objectValue!["MulticastInterfaces"]!.arrayValue![0]) == ["Regex", "Beacon", "Listen", "Password"])
        cfg.logLookups = true
        cfg.multicastAllowedPublicKeys = [String(repeating: "ab", count: 32)]
        cfg.multicastInterfaces[0].port = 9
        cfg.multicastInterfaces[0].priority = 2
        #expect(keys(cfg.toJSON()) == ["ProtocolVersion", "PrivateKey", "Peers", "InterfacePeers", "Listen", "AdminListen",
                                       "MulticastInterfaces", "AllowedPublicKeys", "MulticastAllowedPublicKeys", "IfName", "IfMTU",
                                       "LogLookups", "NodeInfoPrivacy", "NodeInfo"])
        #expect(keys(cfg.toJSON().objectValue!["MulticastInterfaces"]!.arrayValue![0]) == ["Regex", "Beacon", "Listen", "Port", "Priority", "Password"])
        cfg.nodeInfo = .object(JSONObject([("name", .string("n"))]))
        #expect(try load(cfg.jsonText()).config == cfg)
        #expect(try load(cfg.hjsonText()).config == cfg)

        let old = try load("{ PrivateKey: \"\(Self.key)\", ProtocolVersion: \"0.4\" }").config
        #expect(keys(old.toJSON()) == ["ProtocolVersion", "Peers", "InterfacePeers", "Listen", "AdminListen", "MulticastInterfaces",
                                       "AllowedPublicKeys", "PublicKey", "PrivateKey", "IfName", "IfMTU", "NodeInfoPrivacy", "NodeInfo"])
        #expect(keys(old.toJSON().objectValue!["MulticastInterfaces"]!.arrayValue![0]) == ["Regex", "Beacon", "Listen", "Port", "Priority"])
        #expect(old.toJSON().objectValue!["PublicKey"] == .string("62a99f49ad5eccc57cc45d669b3b66f1e83ce6120344dc8781c3ebaf60e7926b"))
        #expect(try load(old.jsonText()).config == old)
        #expect(try load(old.hjsonText()).config.protocolVersion == .v04)
    }

    @Test func hjsonLayoutFollowsTheVersion() throws {
        var cfg = try load("{ PrivateKey: \"\(Self.key)\" }").config
        cfg.peers = ["tcp://h:1"]
        #expect(cfg.hjsonText().contains("\n  ProtocolVersion: \"0.5\"\n"))
        #expect(cfg.hjsonText().contains("\n  Peers: [\n    tcp://h:1\n  ]\n"))
        #expect(cfg.hjsonText().contains("\n  MulticastInterfaces: [\n    {\n      Regex: .*\n"))
        cfg.protocolVersion = .v04
        #expect(cfg.hjsonText().contains("\n  Peers:\n  [\n    tcp://h:1\n  ]\n"))
    }

    @Test func publicKeyIsAWarningIn05AndAnErrorIn04() throws {
        let wrong = String(repeating: "ab", count: 32)
        let l = try load("{ PrivateKey: \"\(Self.key)\", PublicKey: \"\(wrong)\" }")
        #expect(l.warnings.count == 1)
        #expect(l.warnings.first?.contains("PublicKey \(wrong) does not match") == true)
        #expect(l.config.publicKey == "62a99f49ad5eccc57cc45d669b3b66f1e83ce6120344dc8781c3ebaf60e7926b")
        #expect(try load("{ PrivateKey: \"\(Self.key)\", PublicKey: \"62A99F49AD5ECCC57CC45D669B3B66F1E83CE6120344DC8781C3EBAF60E7926B\" }").warnings.isEmpty)
        #expect(try load("{\n PrivateKey: \(Self.key)\n PublicKey: 5\n}").warnings.count == 1)
        let e = configError("{ PrivateKey: \"\(Self.key)\", PublicKey: \"\(wrong)\", ProtocolVersion: \"0.4\" }")
        #expect(e?.field == "PublicKey")
        #expect(e?.message.contains("does not match") == true)
    }

    /// Node B of the 0.5.12 vectors: its `-exportkey` output and public key.
    static let pemB = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIPymaAT/MzsEWQzCWzh6TiuHgeQo7ITO+zffiEmLx/pI\n-----END PRIVATE KEY-----\n"
    static let publicB = "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484"

    @Test func privateKeyPEM() throws {
        let keys = try PrivateKeyPEM.decode(Self.pemB)
        #expect(keys.publicKey.hex == Self.publicB)
        #expect(PrivateKeyPEM.encode(keys) == Self.pemB)
        // CRLF and a body split over lines read the same.
        let split = Self.pemB.replacingOccurrences(of: "AwBQYD", with: "AwBQYD\r\n").replacingOccurrences(of: "\n-----END", with: "\r\n-----END")
        #expect(try PrivateKeyPEM.decode(split).publicKey.hex == Self.publicB)
        func message(_ text: String) -> String {
            do { _ = try PrivateKeyPEM.decode(text); return "decoded" } catch let e as ConfigError { return e.message } catch { return "\(error)" }
        }
        #expect(message("hello").contains("failed to parse PEM file"))
        #expect(message(Self.pemB.replacingOccurrences(of: "PRIVATE KEY", with: "PUBLIC KEY")).contains("unexpected PEM type \"PUBLIC KEY\""))
        #expect(message(Self.pemB.replacingOccurrences(of: "MC4C", with: "M!4C")).contains("not base64"))
        // An RSA-style algorithm identifier instead of Ed25519.
        let rsa = "-----BEGIN PRIVATE KEY-----\n" + Base64.encode([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2a, 0x86, 0x48] + [UInt8](repeating: 1, count: 36)) + "\n-----END PRIVATE KEY-----\n"
        #expect(message(rsa).contains("must be ed25519"))
    }

    @Test func base64() {
        for n in 0..<8 {
            let bytes = (0..<n).map { UInt8(($0 * 37 + 200) & 0xff) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("foob".utf8)) == "Zm9vYg==")
        #expect(Base64.decode("Zm9vYg=") == nil)
        #expect(Base64.decode("Zm=vYg==") == nil)
    }

    @Test func privateKeyPathReplacesPrivateKey() throws {
        var r = SeededRandom(seed: 1)
        var asked: [String] = []
        let text = "{ PrivateKey: \"\(Self.key)\", PrivateKeyPath: \"/etc/b.pem\" }"
        let l = try NodeConfig.load(bytes: Array(text.utf8), random: &r) { path in asked.append(path); return Array(Self.pemB.utf8) }
        #expect(asked == ["/etc/b.pem"])
        #expect(try l.config.signingKeys().publicKey.hex == Self.publicB)
        #expect(l.warnings.isEmpty)
        let json = l.config.toJSON().objectValue!
        #expect(json["PrivateKeyPath"] == .string("/etc/b.pem"))
        #expect(json["PrivateKey"] == nil)
        #expect(keys(l.config.toJSON()).prefix(3) == ["ProtocolVersion", "PrivateKeyPath", "Peers"])
        // Errors name the field and the file.
        func error(_ file: String) -> ConfigError? {
            var r = SeededRandom(seed: 1)
            do { _ = try NodeConfig.load(bytes: Array("{ PrivateKeyPath: \"/k.pem\" }".utf8), random: &r) { _ in Array(file.utf8) }; return nil } catch let e as ConfigError {
                return e
            } catch { return nil }
        }
        #expect(error("junk")?.field == "PrivateKeyPath")
        #expect(error("junk")?.message.contains("/k.pem: failed to parse PEM file") == true)
        let missing = configError("{ PrivateKeyPath: \"/nonexistent/rhizome-test.pem\" }")
        #expect(missing?.field == "PrivateKeyPath")
        #expect(missing?.message.contains("/nonexistent/rhizome-test.pem") == true)
        // An empty path means none.
        #expect(try load("{ PrivateKey: \"\(Self.key)\", PrivateKeyPath: \"\" }").config.privateKeyPath == nil)
    }

    @Test func multicastPassword() throws {
        let l = try load("{\n PrivateKey: \(Self.key)\n MulticastInterfaces: [{ Regex: \"a\", Password: \"secret\" }]\n}")
        #expect(l.config.multicastInterfaces == [MulticastInterfaceConfig(regex: "a", beacon: true, listen: true, password: "secret")])
        #expect(NodeConfig.defaultMulticastInterface.password == "")
        let long = String(repeating: "é", count: 33)
        let e = configError("{\n PrivateKey: \(Self.key)\n MulticastInterfaces: [{}, { Regex: \"b\", Password: \"\(long)\" }]\n}")
        #expect(e?.field == "MulticastInterfaces[1].Password")
        #expect(e?.message.contains("66 bytes") == true)
        #expect(configError("{\n PrivateKey: \(Self.key)\n MulticastInterfaces: [{ Password: 5 }]\n}")?.field == "MulticastInterfaces[0].Password")
        // A 0.4 config keeps a password it has (0.4.7 has none to write otherwise).
        var old = l.config
        old.protocolVersion = .v04
        #expect(try load(old.jsonText()).config.multicastInterfaces[0].password == "secret")
    }

    @Test func peerPasswordAndMaxBackoff() throws {
        let u = try PeerURI("tls://h:1?password=p%20w&maxbackoff=1h30m")
        #expect(u.password == Array("p w".utf8))
        #expect(u.maxBackoff == 5400)
        let plain = try PeerURI("tcp://h:1")
        #expect(plain.password.isEmpty && plain.maxBackoff == nil)
        #expect(try PeerURI("tcp://h:1?password=\(String(repeating: "x", count: 64))").password.count == 64)
        #expect(try PeerURI("tcp://[::1]:1?password=x", role: .listen).password == [UInt8(ascii: "x")])
        func reason(_ text: String) -> String? {
            do { _ = try PeerURI(text); return nil } catch let e as PeerURI.ParseError { return e.reason } catch { return "\(error)" }
        }
        #expect(reason("tcp://h:1?password=\(String(repeating: "x", count: 65))") == "invalid password supplied")
        for bad in ["10s", "29.9s", "abc", "", "5", "1x", "-1h", "1h-5m"] {
            #expect(reason("tcp://h:1?maxbackoff=\(bad)") == "max backoff duration invalid", "\(bad)")
        }
        for (good, seconds) in [("30s", 30.0), ("5m", 300), ("1h", 3600), ("0.5h", 1800), ("1m30s", 90), ("30000ms", 30), ("1h0.5m10s", 3640)] {
            #expect(try PeerURI("tcp://h:1?maxbackoff=\(good)").maxBackoff == seconds, "\(good)")
        }
        let e = configError("{ PrivateKey: \"\(Self.key)\", Peers: [\"tcp://h:1?maxbackoff=10s\"] }")
        #expect(e?.field == "Peers[0]")
        #expect(e?.message.contains("max backoff duration invalid") == true)
        let p = configError("{ PrivateKey: \"\(Self.key)\", InterfacePeers: { eth0: [\"tcp://h:1?password=\(String(repeating: "y", count: 70))\"] } }")
        #expect(p?.field == "InterfacePeers[eth0][0]")
        #expect(p?.message.contains("invalid password supplied") == true)
    }

    @Test func goDurations() {
        #expect(GoDuration.seconds("0") == 0)
        #expect(GoDuration.seconds("1.5h") == 5400)
        #expect(GoDuration.seconds("+2m") == 120)
        #expect(GoDuration.seconds("-2m") == -120)
        #expect(GoDuration.seconds("100us") == 100e-6)
        #expect(GoDuration.seconds("1µs") == 1e-6)
        #expect(GoDuration.seconds(".5s") == 0.5)
        #expect(GoDuration.seconds("1.s") == 1)
        for bad in ["", "s", "1", "1d", ".s", "1..5s", "1h 2m", "h1", "+", "0s0"] {
            #expect(GoDuration.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test func unsupportedSchemesAreSkippedNotErrors() throws {
        let text = """
        {
          PrivateKey: \(Self.key)
          Peers: ["yggx://h:1", "tcp://h:2", "wss://h:443/path", "Foo+bar.1://x", "quic://h:4?sni=ignored"]
          InterfacePeers: { eth0: ["sockstls://p:1080/h:3", "gopher://p:70"] }
          Listen: ["ws://[::]:80", "tls://[::]:443"]
        }
        """
        let l = try load(text)
        let skipped = l.config.unsupportedLinks.map { "\($0.field) \($0.link.scheme)" }
        // ws, wss, sockstls and quic are spoken (0.5); unknown schemes are skipped.
        #expect(skipped == ["Peers[0] yggx", "Peers[3] foo+bar.1", "InterfacePeers[eth0][1] gopher"])
        #expect(l.warnings == l.config.unsupportedLinks.map { "\($0.field) \($0.link.uri) skipped: \($0.link.reason)" })
        #expect(l.warnings[0] == "Peers[0] yggx://h:1 skipped: scheme \"yggx\" is not supported by this node (it speaks tcp, tls, unix, socks, sockstls, ws, wss and quic)")
        #expect(l.warnings[1].contains("scheme \"foo+bar.1\" is not supported by this node"))
        // The config keeps them as written.
        #expect(l.config.peers.count == 5)
        #expect(throws: PeerURI.UnsupportedScheme(uri: "yggx://h:1", scheme: "yggx")) { try PeerURI("yggx://h:1") }
        let quic = try PeerURI("QUIC://[fd00::1]:7004?priority=2&sni=ignored.example")
        #expect(quic.scheme == .quic && quic.host == "fd00::1" && quic.port == 7004 && quic.priority == 2 && quic.sni == nil)
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("quic://h:1/path") }
        // Not a URI at all is still an error naming the field.
        for bad in ["h:1", "://h:1", "1tcp://h:1", "tc p://h:1", "tcp:/h:1"] {
            let e = configError("{ PrivateKey: \"\(Self.key)\", Peers: [\"tcp://h:2\", \"\(bad)\"] }")
            #expect(e?.field == "Peers[1]", "\(bad)")
            #expect(e?.message.contains("not a URI") == true, "\(bad)")
        }
    }

    @Test func logLookups() throws {
        let l = try load("{ PrivateKey: \"\(Self.key)\", LogLookups: true }")
        #expect(l.config.logLookups)
        #expect(l.config.jsonText().contains("\"LogLookups\": true"))
        #expect(try load(l.config.hjsonText()).config.logLookups)
        #expect(!(try load("{ PrivateKey: \"\(Self.key)\" }").config.jsonText().contains("LogLookups")))
        #expect(configError("{ PrivateKey: \"\(Self.key)\", LogLookups: 1 }")?.field == "LogLookups")
    }
}
