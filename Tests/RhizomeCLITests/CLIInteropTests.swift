import Foundation
import Testing
import RhizomeTestSupport

/// `rhizome`'s flags against Debian's yggdrasil 0.4.7: same addresses from the same config, and
/// each program accepts what the other writes once the config says `ProtocolVersion: "0.4"`
/// (which 0.4.7 ignores). The 0.5.12 comparisons are in CLITests.
@Suite(.live, .serialized, .enabled(if: Yggdrasil.available, "needs Debian's yggdrasil (apt-get install yggdrasil)"))
struct CLIInteropTests {
    var ygg: String { Yggdrasil.path ?? "/usr/sbin/yggdrasil" }

    @Test func freshYggdrasilKeysGiveTheSameAddressSubnetAndKey() throws {
        for _ in 0..<12 {
            let conf = try Subprocess.run(ygg, ["-genconf", "-json"]).stdout
            let file = try temporaryFile(conf)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let yAddr = try Subprocess.run(ygg, ["-useconffile", file, "-address"])
            let rAddr = try Subprocess.run(Subprocess.rhizome, ["-useconffile", file, "-address"])
            #expect(rAddr.status == 0)
            #expect(rAddr.stdout == yAddr.stdout)
            let ySub = try Subprocess.run(ygg, ["-useconffile", file, "-subnet"])
            let rSub = try Subprocess.run(Subprocess.rhizome, ["-useconffile", file, "-subnet"])
            #expect(rSub.stdout == ySub.stdout)
            let json = try JSONSerialization.jsonObject(with: Data(conf.utf8)) as! [String: Any]
            let rKey = try Subprocess.run(Subprocess.rhizome, ["-useconffile", file, "-publickey"])
            #expect(rKey.stdout == (json["PublicKey"] as! String) + "\n")
        }
    }

    @Test func yggdrasilAcceptsOurGeneratedConfigsAndAgrees() throws {
        for flags in [["-genconf", "-json"], ["-genconf"]] {
            let conf = try Subprocess.run(Subprocess.rhizome, flags)
            #expect(conf.status == 0)
            let file = try temporaryFile(conf.stdout.replacingOccurrences(of: "ProtocolVersion\": \"0.5\"", with: "ProtocolVersion\": \"0.4\"")
                                                    .replacingOccurrences(of: "ProtocolVersion: \"0.5\"", with: "ProtocolVersion: \"0.4\""))
            defer { try? FileManager.default.removeItem(atPath: file) }
            let yAddr = try Subprocess.run(ygg, ["-useconffile", file, "-address"])
            #expect(yAddr.status == 0)
            #expect(yAddr.stdout.hasPrefix("20"))
            let rAddr = try Subprocess.run(Subprocess.rhizome, ["-useconffile", file, "-address"])
            #expect(rAddr.stdout == yAddr.stdout)
            // yggdrasil reads every field as we wrote it.
            let yNorm = try Subprocess.run(ygg, ["-useconffile", file, "-normaliseconf", "-json"])
            let rNorm = try Subprocess.run(Subprocess.rhizome, ["-useconffile", file, "-normaliseconf", "-json"])
            // Our 0.5 config has no PublicKey, and 0.4.7 then prints the one of the random key it
            // generated as a default (not of PrivateKey); the addresses above agree.
            #expect(try jsonObject(yNorm.stdout, dropping: "PublicKey") == jsonObject(rNorm.stdout, dropping: "ProtocolVersion", "PublicKey"))
        }
    }

    @Test func yggdrasilConfigsLoadUnchangedInBothFormats() throws {
        for flags in [["-genconf", "-json"], ["-genconf"]] {
            var conf = try Subprocess.run(ygg, flags).stdout
            // Add peers, listeners and node info so more than defaults are compared.
            conf = conf.replacingOccurrences(of: "Peers: []", with: "Peers: [\"tcp://[fd00::1]:1234?key=\(String(repeating: "ab", count: 32))\", \"tls://example.net:443?priority=3\"]")
            conf = conf.replacingOccurrences(of: "\"Peers\": []", with: "\"Peers\": [\"unix:///run/peer.sock\"]")
            // The one line a 0.4.7 config needs.
            conf = conf.replacingOccurrences(of: "{\n", with: flags.contains("-json") ? "{\n  \"ProtocolVersion\": \"0.4\",\n" : "{\n  ProtocolVersion: \"0.4\"\n",
                                             options: [], range: conf.startIndex..<conf.index(conf.startIndex, offsetBy: 2))
            let file = try temporaryFile(conf)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let y = try Subprocess.run(ygg, ["-useconffile", file, "-normaliseconf", "-json"])
            let r = try Subprocess.run(Subprocess.rhizome, ["-useconffile", file, "-normaliseconf", "-json"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try jsonObject(r.stdout, dropping: "ProtocolVersion") == jsonObject(y.stdout))
            #expect(r.stdout.contains("\"ProtocolVersion\": \"0.4\""))
            // And from stdin.
            let rs = try Subprocess.run(Subprocess.rhizome, ["-useconf", "-normaliseconf", "-json"], stdin: conf)
            #expect(try jsonObject(rs.stdout, dropping: "ProtocolVersion") == jsonObject(y.stdout))
        }
    }

    func jsonObject(_ text: String, dropping: String...) throws -> NSDictionary {
        var object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        for key in dropping { object[key] = nil }
        return NSDictionary(dictionary: object)
    }
}
