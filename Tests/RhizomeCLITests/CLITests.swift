import Foundation
import Testing
import RhizomeTestSupport

/// The command line alone: flags, output formats, and clear one-line errors with exit status 1
/// for every kind of bad input (yggdrasil 0.4.7 panics with a stack trace on most of these).
@Suite struct CLITests {
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
        #expect(Set(obj.keys) == ["Peers", "InterfacePeers", "Listen", "AdminListen", "MulticastInterfaces", "AllowedPublicKeys",
                                  "PublicKey", "PrivateKey", "IfName", "IfMTU", "NodeInfoPrivacy", "NodeInfo"])
        #expect((obj["PrivateKey"] as! String).hasSuffix(obj["PublicKey"] as! String))
        #expect(obj["IfMTU"] as? Int == 65535)
        #expect(obj["NodeInfo"] is NSNull)
        // Field order as 0.4.7 prints it.
        let order = ["\"Peers\"", "\"InterfacePeers\"", "\"Listen\"", "\"AdminListen\"", "\"MulticastInterfaces\"", "\"AllowedPublicKeys\"",
                     "\"PublicKey\"", "\"PrivateKey\"", "\"IfName\"", "\"IfMTU\"", "\"NodeInfoPrivacy\"", "\"NodeInfo\""]
        let positions = order.map { r.stdout.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
        let again = try Subprocess.run(rhizome, ["-useconf", "-normaliseconf", "-json"], stdin: r.stdout)
        #expect(again.stdout == r.stdout)
        // The HJSON form normalises to the same JSON.
        let hjson = try Subprocess.run(rhizome, ["-genconf"]).stdout
        #expect(hjson.contains("  PrivateKey: "))
        #expect(hjson.contains("  # "))
        let viaHJSON = try Subprocess.run(rhizome, ["-useconf", "-normaliseconf"], stdin: hjson)
        #expect(viaHJSON.stdout == hjson)
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
        try expectConfigError("{\n  PrivateKey: \(Self.goodKey)\n  PublicKey: \(String(repeating: "ab", count: 32))\n}", mentions: ["PublicKey", "does not match"])
        try expectConfigError("{\n  PrivateKey: 42\n}", mentions: ["PrivateKey", "must be a string", "42"])
    }

    @Test func badPeerURIs() throws {
        let k = "PrivateKey: \(Self.goodKey)\n"
        try expectConfigError("{\n\(k)  Peers: [\"foo://1.2.3.4:5\"]\n}", mentions: ["Peers[0]", "foo://1.2.3.4:5", "unknown scheme"])
        try expectConfigError("{\n\(k)  Peers: [\"tcp://1.2.3.4\"]\n}", mentions: ["Peers[0]", "missing port"])
        try expectConfigError("{\n\(k)  Peers: [\"tcp://h:1\", \"tls://h:99999\"]\n}", mentions: ["Peers[1]", "99999"])
        try expectConfigError("{\n\(k)  Peers: [\"tcp://h:1?key=xyz\"]\n}", mentions: ["Peers[0]", "key=xyz"])
        try expectConfigError("{\n\(k)  Peers: [\"tcp://h:1?priority=300\"]\n}", mentions: ["Peers[0]", "priority=300"])
        try expectConfigError("{\n\(k)  Listen: [\"socks://h:1/x:2\"]\n}", mentions: ["Listen[0]", "socks"])
        try expectConfigError("{\n\(k)  InterfacePeers: { eth0: [\"tcp:/h\"] }\n}", mentions: ["InterfacePeers[eth0][0]", "tcp:/h"])
        try expectConfigError("{\n\(k)  Peers: \"tcp://h:1\"\n}", mentions: ["Peers", "must be an array"])
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
        let usage = "Usage: rhizome [-genconf] [-json] [-useconf] [-useconffile <path>] [-normaliseconf] [-autoconf] [-address] [-subnet] [-publickey] [-logto <dest>] [-loglevel <level>] [-version]\n  See 'rhizome --help' for more information.\n"
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
        #expect(r.stdout.hasPrefix("OVERVIEW: Rhizome: a decentralised, end-to-end encrypted IPv6 mesh router\n(wire-compatible with Yggdrasil 0.4.7).\n\nUSAGE: rhizome [-genconf] [-json] "))
        #expect(r.stdout.contains("\n  -publickey, --publickey Print the config's public key and exit.\n"))
        #expect(r.stdout.contains("\n  -useconffile, --useconffile <path>\n                          Read the HJSON/JSON config from this file.\n"))
        #expect(r.stdout.contains("\n  -logto, --logto <dest>  Log to stdout, syslog or a file path. (default:\n                          stdout)\n"))
        #expect(r.stdout.hasSuffix("\n  -h, --help              Show help information.\n\n"))
    }
}

/// The sample configs in Configs/ load as they are.
@Suite struct SampleConfigTests {
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
