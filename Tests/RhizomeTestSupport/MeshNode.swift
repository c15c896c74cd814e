import Foundation

/// One node of either implementation running in a lab host, with a config written for the test.
public final class MeshNode: @unchecked Sendable {
    public enum Implementation: String, Sendable { case rhizome, yggdrasil }

    public let lab: NetworkLab
    public let host: NetworkLab.Host
    public let implementation: Implementation
    public let name: String
    public let configPath: String
    public let adminSocket: String
    public let publicKey: String
    public let address: String
    public let listens: Bool
    public private(set) var process: Process?

    /// - Parameters:
    ///   - listen: listener URIs; peers: peer URIs; tun: create a TUN interface (yggdrasil only, for now).
    public init(lab: NetworkLab, host: NetworkLab.Host, _ implementation: Implementation, name: String,
                listen: [String] = [], peers: [String] = [], tun: Bool = false) throws {
        self.lab = lab
        self.host = host
        self.implementation = implementation
        self.name = name
        self.listens = !listen.isEmpty
        let program = implementation == .rhizome ? Subprocess.rhizome : (Yggdrasil.path ?? "/usr/sbin/yggdrasil")
        let generated = try Subprocess.run(program, ["-genconf", "-json"])
        var config = try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as! [String: Any]
        adminSocket = lab.directory + "/\(name).sock"
        config["Listen"] = listen
        config["Peers"] = peers
        config["MulticastInterfaces"] = [Any]()
        config["IfName"] = tun ? "auto" : "none"
        config["AdminListen"] = "unix://\(adminSocket)"
        publicKey = config["PublicKey"] as! String
        configPath = lab.directory + "/\(name).json"
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: configPath))
        address = try Subprocess.run(program, ["-useconffile", configPath, "-address"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public var program: String {
        implementation == .rhizome ? Subprocess.rhizome : (Yggdrasil.path ?? "/usr/sbin/yggdrasil")
    }

    public func start() throws {
        process = try lab.start(host, program, ["-useconffile", configPath, "-loglevel", "debug"], name: name)
    }

    public func stop() {
        if let process { lab.stop(process) }
        process = nil
    }

    public var log: String { lab.logText(name) }

    /// `yggdrasilctl -json` against this node's admin socket (either implementation).
    public func ctl(_ args: [String]) throws -> [String: Any] {
        let r = try Subprocess.run(Subprocess.which("yggdrasilctl") ?? "/usr/sbin/yggdrasilctl",
                                   ["-json", "-endpoint", "unix://\(adminSocket)"] + args, timeout: 10)
        guard let obj = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw NetworkLab.LabError(message: "yggdrasilctl \(args): \(r.stdout) \(r.stderr)")
        }
        return obj
    }

    /// Keys of this yggdrasil node's peers.
    public func peerKeys() -> [String] {
        guard let obj = try? ctl(["getPeers"]), let peers = obj["peers"] as? [[String: Any]] else { return [] }
        return peers.compactMap { $0["key"] as? String }
    }

    /// Coordinates of each peer as this node sees them, by key.
    public func peerCoords() -> [String: [Int]] {
        guard let obj = try? ctl(["getPeers"]), let peers = obj["peers"] as? [[String: Any]] else { return [:] }
        var out: [String: [Int]] = [:]
        for p in peers { if let k = p["key"] as? String, let c = p["coords"] as? [Int] { out[k] = c } }
        return out
    }

    public func coords() -> [Int]? {
        guard let obj = try? ctl(["getSelf"]) else { return nil }
        return obj["coords"] as? [Int]
    }

    /// Waits until the node is up: its admin socket (yggdrasil) or identity line (rhizome), and
    /// its listener if it has one.
    public func waitReady(timeout: TimeInterval = 10) -> Bool {
        NetworkLab.waitUntil(timeout: timeout) {
            let up = FileManager.default.fileExists(atPath: adminSocket) && log.contains("Your IPv6 address")
            return up && (!listens || log.contains("listener started"))
        }
    }
}
