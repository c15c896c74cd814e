import Foundation
import Testing
import RhizomeTestSupport

/// The command line alone: flags, output formats, and clear one-line errors with exit status 1
/// for every kind of bad input (yggdrasil panics with a stack trace on most of these). Where
/// yggdrasil 0.5.12 is installed in /opt, its output is the reference.
@Suite(.live, .serialized) struct CLITests {
    let rhizome = Subprocess.rhizome
    static let goodKey = "224d439a26ee3d99d4a22e892b20c341f184b02d495c59102fc4f7d5694c2cd862a99f49ad5eccc57cc45d669b3b66f1e83ce6120344dc8781c3ebaf60e7926b"

    func expectConfigError(_ config: String, mentions needles: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = try temporaryFile(config)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try Subprocess.run(rhizome, ["-useconffile", file, "-address"])
        #expect(r.status == 1, "exit status for \(config)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(r.stderr)", sourceLocation: sourceLocation)
        for n in needles {
            #expect(r.stderr.contains(n), "\(r.stderr) should mention \(n)", sourceLocation: sourceLocation)
        }
        #expect(!r.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
    }

    @Test func versionPrintsBuildNameAndVersion() throws {
        let r = try Subprocess.run(rhizome, ["-version"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("Build name: rhizome\nBuild version: "))
    }

    @Test func addressSubnetAndKeyFromAKnownConfig() throws {
        let file = try temporaryFile("{\n  PrivateKey: \(Self.goodKey)\n}\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try Subprocess.run(rhizome, ["-useconffile", file, "-address"]).stdout == "201:7559:82d9:4a84:ccea:cee:8a65:9312\n")
        #expect(try Subprocess.run(rhizome, ["--useconffile=\(file)", "-subnet"]).stdout == "301:7559:82d9:4a84::/64\n")
        #expect(try Subprocess.run(rhizome, ["-useconffile=\(file)", "-publickey"]).stdout == "62a99f49ad5eccc57cc45d669b3b66f1e83ce6120344dc8781c3ebaf60e7926b\n")
        let stdin = try Subprocess.run(rhizome, ["-useconf", "-address"], stdin: "{\"PrivateKey\": \"\(Self.goodKey)\"}")
        #expect(stdin.stdout == "201:7559:82d9:4a84:ccea:cee:8a65:9312\n")
    }

    @Test func genconfJSONIsCompleteAndReloadsIdentically() throws {
        let r = try Subprocess.run(rhizome, ["-genconf", "-json"])
        #expect(r.status == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        // 0.5.12's field set, with our ProtocolVersion and AdminListen; no PublicKey.
        let order = ["ProtocolVersion", "PrivateKey", "Peers", "InterfacePeers", "Listen", "AdminListen", "MulticastInterfaces",
                     "AllowedPublicKeys", "IfName", "IfMTU", "NodeInfoPrivacy", "NodeInfo"]
        #expect(Set(obj.keys) == Set(order))
        #expect(obj["ProtocolVersion"] as? String == "0.5")
        #expect((obj["PrivateKey"] as! String).count == 128)
        #expect(obj["IfMTU"] as? Int == 65535)
        #expect(obj["NodeInfo"] is NSNull)
        let multicast = (obj["MulticastInterfaces"] as! [[String: Any]])
        #expect(multicast.count == 1 && Set(multicast[0].keys) == ["Regex", "Beacon", "Listen", "Password"])
        let positions = order.map { r.stdout.range(of: "\"\($0)\"")!.lowerBound }
        #expect(positions == positions.sorted())
        let again = try Subprocess.run(rhizome, ["-useconf", "-normaliseconf", "-json"], stdin: r.stdout)
        #expect(again.stdout == r.stdout)
        // The HJSON form normalises to itself, and says how to join the 0.4.7 network.
        let hjson = try Subprocess.run(rhizome, ["-genconf"]).stdout
        #expect(hjson.hasPrefix("{\n  # "))
        #expect(hjson.contains("\n  ProtocolVersion: \"0.5\"\n"))
        #expect(hjson.contains("\"0.4\" (the Yggdrasil 0.4.7 network)"))
        #expect(hjson.contains("  PrivateKey: "))
        #expect(!hjson.contains("PublicKey:"))
        let viaHJSON = try Subprocess.run(rhizome, ["-useconf", "-normaliseconf"], stdin: hjson)
        #expect(viaHJSON.stdout == hjson)
    }

    /// A 0.4.7 setup only adds `ProtocolVersion: "0.4"`; its normalised form keeps 0.4.7's fields.
    @Test func protocol04ConfigRoundTrips() throws {
        let conf = "{\n  ProtocolVersion: \"0.4\"\n  PrivateKey: \(Self.goodKey)\n  Peers: [\"tls://h:1\"]\n}\n"
        let r = try Subprocess.run(rhizome, ["-useconf", "-normaliseconf", "-json"], stdin: conf)
        #expect(r.status == 0, "\(r.stderr)")
        let order = ["ProtocolVersion", "Peers", "InterfacePeers", "Listen", "AdminListen", "MulticastInterfaces", "AllowedPublicKeys",
                     "PublicKey", "PrivateKey", "IfName", "IfMTU", "NodeInfoPrivacy", "NodeInfo"]
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(Set(obj.keys) == Set(order))
        #expect(obj["ProtocolVersion"] as? String == "0.4")
        #expect(obj["PublicKey"] as? String == "62a99f49ad5eccc57cc45d669b3b66f1e83ce6120344dc8781c3ebaf60e7926b")
        #expect(Set((obj["MulticastInterfaces"] as! [[String: Any]])[0].keys) == ["Regex", "Beacon", "Listen", "Port", "Priority"])
        let positions = order.map { r.stdout.range(of: "\"\($0)\"")!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(try Subprocess.run(rhizome, ["-useconf", "-normaliseconf", "-json"], stdin: r.stdout).stdout == r.stdout)
        let hjson = try Subprocess.run(rhizome, ["-useconf", "-normaliseconf"], stdin: conf).stdout
        #expect(hjson.contains("\n  ProtocolVersion: \"0.4\"\n"))
        #expect(try Subprocess.run(rhizome, ["-useconf", "-normaliseconf"], stdin: hjson).stdout == hjson)
        // (HJSON writes an absent NodeInfo as {}, as yggdrasil does.)
        #expect(try Subprocess.run(rhizome, ["-useconf", "-normaliseconf", "-json"], stdin: hjson).stdout
                == r.stdout.replacingOccurrences(of: "\"NodeInfo\": null", with: "\"NodeInfo\": {}"))
    }

    /// The PEM of node B in the 0.5.12 vectors, with the empty line 0.5.12 prints after it.
    static let pemB = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIPymaAT/MzsEWQzCWzh6TiuHgeQo7ITO+zffiEmLx/pI\n-----END PRIVATE KEY-----\n\n"

    @Test func exportKeyAndPrivateKeyPath() throws {
        let pem = try temporaryFile(String(Self.pemB.dropLast()), suffix: ".pem")
        defer { try? FileManager.default.removeItem(atPath: pem) }
        let conf = try temporaryFile("{\"PrivateKeyPath\": \"\(pem)\", \"PrivateKey\": \"\(Self.goodKey)\"}")
        defer { try? FileManager.default.removeItem(atPath: conf) }
        #expect(try Subprocess.run(rhizome, ["-useconffile", conf, "-publickey"]).stdout == "26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484\n")
        #expect(try Subprocess.run(rhizome, ["-useconffile", conf, "-address"]).stdout == "202:c8f1:d8a8:d1a1:b48f:6508:1ac2:811d\n")
        let export = try Subprocess.run(rhizome, ["-useconffile", conf, "-exportkey"])
        #expect(export.status == 0)
        #expect(export.stdout == Self.pemB)
        let norm = try Subprocess.run(rhizome, ["-useconffile", conf, "-normaliseconf", "-json"]).stdout
        #expect(norm.contains("\"PrivateKeyPath\": \"\(pem)\""))
        #expect(!norm.contains("\"PrivateKey\""))
        try expectConfigError("{\"PrivateKeyPath\": \"/nonexistent/b.pem\"}", mentions: ["PrivateKeyPath", "/nonexistent/b.pem"])
        try expectConfigError("{\"PrivateKeyPath\": \"\(conf)\"}", mentions: ["PrivateKeyPath", "failed to parse PEM file"])
    }

    static let yggdrasil05 = "/opt/yggdrasil-0.5.12/usr/sbin/yggdrasil"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: yggdrasil05), "needs yggdrasil 0.5.12 in /opt"))
    func exportKeyMatchesYggdrasil05() throws {
        for conf in [try temporaryFile("{\"PrivateKey\": \"\(Self.goodKey)\"}"), try temporaryFile(try Subprocess.run(Self.yggdrasil05, ["-genconf"]).stdout)] {
            defer { try? FileManager.default.removeItem(atPath: conf) }
            let theirs = try Subprocess.run(Self.yggdrasil05, ["-useconffile", conf, "-exportkey"])
            #expect(theirs.status == 0)
            let ours = try Subprocess.run(rhizome, ["-useconffile", conf, "-exportkey"])
            #expect(ours.status == 0)
            #expect(ours.stdout == theirs.stdout)
            #expect(ours.stdout.hasSuffix("-----END PRIVATE KEY-----\n\n"))
            // And each reads the other's PEM through PrivateKeyPath.
            let pem = try temporaryFile(theirs.stdout, suffix: ".pem")
            defer { try? FileManager.default.removeItem(atPath: pem) }
            let viaPath = try temporaryFile("{\"PrivateKeyPath\": \"\(pem)\"}")
            defer { try? FileManager.default.removeItem(atPath: viaPath) }
            #expect(try Subprocess.run(rhizome, ["-useconffile", viaPath, "-publickey"]).stdout
                    == Subprocess.run(Self.yggdrasil05, ["-useconffile", conf, "-publickey"]).stdout)
        }
    }

    /// What 0.5.12 writes loads unchanged, and normalises to what 0.5.12 normalises it to (plus
    /// our ProtocolVersion and AdminListen).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: yggdrasil05), "needs yggdrasil 0.5.12 in /opt"))
    func yggdrasil05ConfigsLoadUnchanged() throws {
        for flags in [["-genconf", "-json"], ["-genconf"]] {
            var conf = try Subprocess.run(Self.yggdrasil05, flags).stdout
            conf = conf.replacingOccurrences(of: "Peers: []", with: "Peers: [\"tls://example.net:443?password=x&maxbackoff=5m\", \"quic://example.net:443\"]")
            conf = conf.replacingOccurrences(of: "\"Peers\": []", with: "\"Peers\": [\"tcp://[fd00::1]:1?priority=3\"]")
            conf = conf.replacingOccurrences(of: "Password: \"\"", with: "Password: lan secret")
            let file = try temporaryFile(conf)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let y = try Subprocess.run(Self.yggdrasil05, ["-useconffile", file, "-normaliseconf", "-json"])
            let r = try Subprocess.run(rhizome, ["-useconffile", file, "-normaliseconf", "-json"])
            #expect(r.status == 0, "\(r.stderr)")
            var ours = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            #expect(ours["ProtocolVersion"] as? String == "0.5")
            ours["ProtocolVersion"] = nil
            ours["AdminListen"] = nil
            #expect(NSDictionary(dictionary: ours) == (try JSONSerialization.jsonObject(with: Data(y.stdout.utf8)) as! NSDictionary))
            #expect(r.stdout.replacingOccurrences(of: "  \"ProtocolVersion\": \"0.5\",\n", with: "")
                        .replacingOccurrences(of: "  \"AdminListen\": \"unix:///run/rhizome/rhizome.sock\",\n", with: "") == y.stdout)
            #expect(try Subprocess.run(rhizome, ["-useconffile", file, "-address"]).stdout
                    == Subprocess.run(Self.yggdrasil05, ["-useconffile", file, "-address"]).stdout)
        }
    }

    @Test func noConfigPrintsUsage() throws {
        let r = try Subprocess.run(rhizome, ["-address"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("You need to specify some config data using -useconf or -useconffile."))
    }

    @Test func unknownFlagExitsTwo() throws {
        let r = try Subprocess.run(rhizome, ["-nosuchflag"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("flag provided but not defined: -nosuchflag"))
    }

    @Test func malformedConfigNamesTheLine() throws {
        try expectConfigError("{\n  Peers: [\n", mentions: ["syntax error", "line 3", "missing ']'"])
        try expectConfigError("{\"Peers\": [], \"IfMTU\": }", mentions: ["syntax error", "line 1"])
        try expectConfigError("[1, 2]", mentions: ["must be an object"])
    }

    @Test func badPrivateKeys() throws {
        try expectConfigError("{\n  PrivateKey: abcd\n}", mentions: ["PrivateKey", "2 bytes", "64 bytes"])
        try expectConfigError("{\n  PrivateKey: zz\(Self.goodKey.dropFirst(2))\n}", mentions: ["PrivateKey", "not hex", "'z'"])
        try expectConfigError("{\n  PrivateKey: \"123\"\n}", mentions: ["PrivateKey", "odd number"])
        let mismatched = String(Self.goodKey.prefix(64)) + String(repeating: "11", count: 32)
        try expectConfigError("{\n  PrivateKey: \(mismatched)\n}", mentions: ["PrivateKey", "second half"])
        try expectConfigError("{\n  ProtocolVersion: \"0.4\"\n  PrivateKey: \(Self.goodKey)\n  PublicKey: \(String(repeating: "ab", count: 32))\n}", mentions: ["PublicKey", "does not match"])
        try expectConfigError("{\n  PrivateKey: 42\n}", mentions: ["PrivateKey", "must be a string", "42"])
    }

    @Test func badPeerURIs() throws {
        let k = "PrivateKey: \(Self.goodKey)\n"
        try expectConfigError("{\n\(k)  Peers: [\"1.2.3.4:5\"]\n}", mentions: ["Peers[0]", "1.2.3.4:5", "not a URI"])
        try expectConfigError("{\n\(k)  Peers: [\"tcp://h:1?password=\(String(repeating: "p", count: 65))\"]\n}", mentions: ["Peers[0]", "invalid password supplied"])
        try expectConfigError("{\n\(k)  Peers: [\"tcp://h:1?maxbackoff=10s\"]\n}", mentions: ["Peers[0]", "max backoff duration invalid"])
        try expectConfigError("{\n\(k)  Peers: [\"tcp://1.2.3.4\"]\n}", mentions: ["Peers[0]", "missing port"])
        try expectConfigError("{\n\(k)  Peers: [\"tcp://h:1\", \"tls://h:99999\"]\n}", mentions: ["Peers[1]", "99999"])
        try expectConfigError("{\n\(k)  Peers: [\"tcp://h:1?key=xyz\"]\n}", mentions: ["Peers[0]", "key=xyz"])
        try expectConfigError("{\n\(k)  Peers: [\"tcp://h:1?priority=300\"]\n}", mentions: ["Peers[0]", "priority=300"])
        try expectConfigError("{\n\(k)  Listen: [\"socks://h:1/x:2\"]\n}", mentions: ["Listen[0]", "socks"])
        try expectConfigError("{\n\(k)  InterfacePeers: { eth0: [\"tcp:/h\"] }\n}", mentions: ["InterfacePeers[eth0][0]", "tcp:/h"])
        try expectConfigError("{\n\(k)  Peers: \"tcp://h:1\"\n}", mentions: ["Peers", "must be an array"])
    }

    /// Links of a kind this node does not speak are skipped with one warning each, not refused.
    @Test func unsupportedPeerSchemesWarn() throws {
        let conf = "{\n  PrivateKey: \(Self.goodKey)\n  Peers: [\"yggx://h:1\", \"tcp://h:2\", \"foo://1.2.3.4:5\"]\n}"
        let r = try Subprocess.run(rhizome, ["-useconf", "-address"], stdin: conf)
        #expect(r.status == 0)
        #expect(r.stdout == "201:7559:82d9:4a84:ccea:cee:8a65:9312\n")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("Peers[0] yggx://h:1 skipped: scheme \"yggx\"") == true)
        #expect(lines.last?.contains("Peers[2] foo://1.2.3.4:5 skipped") == true)
    }

    @Test func protocolVersionAndPasswordErrors() throws {
        let k = "PrivateKey: \(Self.goodKey)\n"
        try expectConfigError("{\n\(k)  ProtocolVersion: \"0.6\"\n}", mentions: ["ProtocolVersion", "\"0.5\" or \"0.4\"", "0.6"])
        try expectConfigError("{\n\(k)  MulticastInterfaces: [{ Password: \"\(String(repeating: "p", count: 65))\" }]\n}",
                              mentions: ["MulticastInterfaces[0].Password", "65 bytes"])
        // In 0.5 a stale PublicKey is only a warning.
        let r = try Subprocess.run(rhizome, ["-useconf", "-publickey"], stdin: "{\n\(k)  PublicKey: \(String(repeating: "ab", count: 32))\n}")
        #expect(r.status == 0)
        #expect(r.stdout == "62a99f49ad5eccc57cc45d669b3b66f1e83ce6120344dc8781c3ebaf60e7926b\n")
        #expect(r.stderr.contains("PublicKey"))
    }

    @Test func ifMTUOutOfRangeOrWrongType() throws {
        let k = "PrivateKey: \(Self.goodKey)\n"
        try expectConfigError("{\n\(k)  IfMTU: 1000\n}", mentions: ["IfMTU", "1000", "1280"])
        try expectConfigError("{\n\(k)  IfMTU: 70000\n}", mentions: ["IfMTU", "70000", "65535"])
        try expectConfigError("{\n\(k)  IfMTU: -5\n}", mentions: ["IfMTU", "-5"])
        try expectConfigError("{\"PrivateKey\": \"\(Self.goodKey)\", \"IfMTU\": \"big\"}", mentions: ["IfMTU", "\"big\""])
    }

    @Test func otherBadFields() throws {
        let k = "PrivateKey: \(Self.goodKey)\n"
        try expectConfigError("{\n\(k)  AllowedPublicKeys: [\"abc\"]\n}", mentions: ["AllowedPublicKeys[0]", "abc"])
        try expectConfigError("{\n\(k)  AdminListen: \"http://x\"\n}", mentions: ["AdminListen", "http://x"])
        try expectConfigError("{\n\(k)  MulticastInterfaces: [{ Regex: \"(\" }]\n}", mentions: ["MulticastInterfaces[0].Regex"])
        try expectConfigError("{\n\(k)  MulticastInterfaces: [{ Priority: 300 }]\n}", mentions: ["MulticastInterfaces[0].Priority", "300"])
        try expectConfigError("{\n\(k)  NodeInfo: [1]\n}", mentions: ["NodeInfo", "object or null"])
        try expectConfigError("{\n\(k)  NodeInfoPrivacy: \"yes\"\n}", mentions: ["NodeInfoPrivacy", "true or false"])
    }

    @Test func missingConfigFile() throws {
        let r = try Subprocess.run(rhizome, ["-useconffile", "/nonexistent/rhizome.conf", "-address"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("/nonexistent/rhizome.conf"))
        #expect(r.stderr.contains("No such file"))
    }

    @Test func unknownFieldsWarnButLoad() throws {
        let r = try Subprocess.run(rhizome, ["-useconf", "-address"], stdin: "{\n  PrivateKey: \(Self.goodKey)\n  SomeFutureOption: 5\n}")
        #expect(r.status == 0)
        #expect(r.stdout == "201:7559:82d9:4a84:ccea:cee:8a65:9312\n")
        #expect(r.stderr.contains("SomeFutureOption"))
    }

    /// Word for word what swift-argument-parser printed before the daemon's own parser replaced it.
    @Test func usageErrorsKeepTheirWording() throws {
        let usage = "Usage: rhizome [-genconf] [-json] [-useconf] [-useconffile <path>] [-normaliseconf] [-autoconf] [-address] [-subnet] [-publickey] [-exportkey] [-logto <dest>] [-loglevel <level>] [-version] [-user <user[:group]>] [-notifyfd <fd>] [-mktun <user>]\n  See 'rhizome --help' for more information.\n"
        let cases: [([String], String)] = [
            (["-useconffile"], "Error: Missing value for '-useconffile <path>'\nHelp:  -useconffile <path>  Read the HJSON/JSON config from this file.\n"),
            (["--logto", "-version"], "Error: Missing value for '--logto <dest>'\nHelp:  --logto <dest>  Log to stdout, syslog or a file path.\n"),
            (["-genconf", "foo", "bar"], "Error: 2 unexpected arguments: 'foo', 'bar'\n"),
            (["-h", "-json=maybe"], "Error: The option '-json' does not take any value, but 'maybe' was specified.\n"),
            (["--h=1"], "Error: Unknown option '--h'\n"),
            (["---genconf"], "Error: Invalid option: ---genconf\n"),
        ]
        for (args, message) in cases {
            let r = try Subprocess.run(rhizome, args)
            #expect(r.status == 2, "\(args)")
            #expect(r.stdout.isEmpty, "\(args)")
            #expect(r.stderr == message + usage, "\(args)")
        }
    }

    @Test func helpIsLaidOutAsBefore() throws {
        let r = try Subprocess.run("/usr/bin/env", ["COLUMNS=80", rhizome, "foo", "-help"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("OVERVIEW: Rhizome: a decentralised, end-to-end encrypted IPv6 mesh router\n(wire-compatible with Yggdrasil 0.5.12, or 0.4.7 with ProtocolVersion \"0.4\").\n\nUSAGE: rhizome [-genconf] [-json] "))
        #expect(r.stdout.contains("\n  -exportkey, --exportkey Print the config's private key as PEM (PKCS#8, for\n                          PrivateKeyPath) and exit.\n"))
        #expect(r.stdout.contains("\n  -publickey, --publickey Print the config's public key and exit.\n"))
        #expect(r.stdout.contains("\n  -useconffile, --useconffile <path>\n                          Read the HJSON/JSON config from this file.\n"))
        #expect(r.stdout.contains("\n  -logto, --logto <dest>  Log to stdout, syslog or a file path. (default:\n                          stdout)\n"))
        #expect(r.stdout.hasSuffix("\n  -h, --help              Show help information.\n\n"))
    }
}

/// The sample configs in Configs/ load as they are.
@Suite(.live, .serialized) struct SampleConfigTests {
    @Test func sampleConfigsLoad() throws {
        let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Configs").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: configs.path).filter { $0.hasSuffix(".conf.example") }
        #expect(files.count >= 2)
        for f in files {
            let r = try Subprocess.run(Subprocess.rhizome, ["-useconffile", configs.appendingPathComponent(f).path, "-normaliseconf", "-json"])
            #expect(r.status == 0, "\(f): \(r.stderr)")
        }
    }
}
