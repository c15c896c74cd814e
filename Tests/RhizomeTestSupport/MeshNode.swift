import Foundation

/// One node of either implementation running in a lab host, with a config written for the test.
/// `generation` picks the protocol: for yggdrasil the binary (Debian's 0.4.7 or 0.5.12 under
/// /opt), for rhizome the config's `ProtocolVersion`, always written out so a test keeps testing
/// the protocol it names when rhizome's default changes.
public final class MeshNode: @unchecked Sendable {
    public enum Implementation: String, Sendable { case rhizome, yggdrasil }
    /// The protocol generation a node speaks; the raw value is rhizome's `ProtocolVersion`.
    public enum Generation: String, Sendable { case v04 = "0.4", v05 = "0.5" }

    public let lab: NetworkLab
    public let host: NetworkLab.Host
    public let implementation: Implementation
    public let generation: Generation
    public let name: String
    public let configPath: String
    public let adminSocket: String
    public let publicKey: String
    public let address: String
    public let listens: Bool
    public private(set) var process: Process?

    /// - Parameters:
    ///   - listen: listener URIs; peers: peer URIs; tun: create a TUN interface.
    ///   - generation: the protocol; 0.4 (the default) keeps the 0.4.7 interop tests as they were.
    ///   - multicastPassword: the multicast interface `Password` (0.5 only; nil leaves it out).
    public init(lab: NetworkLab, host: NetworkLab.Host, _ implementation: Implementation, name: String,
                generation: Generation = .v04,
                listen: [String] = [], peers: [String] = [], tun: Bool = false, multicast: Bool = false,
                multicastPassword: String? = nil, extra: [String: Any] = [:]) throws {
        self.lab = lab
        self.host = host
        self.implementation = implementation
        self.generation = generation
        self.name = name
        self.listens = !listen.isEmpty
        let program = Self.program(implementation, generation)
        let generated = try Subprocess.run(program, ["-genconf", "-json"])
        guard var config = try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as? [String: Any] else {
            throw NetworkLab.LabError(message: "\(program) -genconf -json: \(generated.stdout) \(generated.stderr)")
        }
        adminSocket = lab.directory + "/\(name).sock"
        config["Listen"] = listen
        config["Peers"] = peers
        var element: [String: Any] = ["Regex": ".*", "Beacon": true, "Listen": true, "Port": 0, "Priority": 0]
        if let multicastPassword { element["Password"] = multicastPassword }
        config["MulticastInterfaces"] = multicast ? [element] : [Any]()
        if implementation == .rhizome { config["ProtocolVersion"] = generation.rawValue }
        for (k, v) in extra { config[k] = v }
        config["IfName"] = tun ? "auto" : "none"
        config["AdminListen"] = "unix://\(adminSocket)"
        // 0.5 configs carry no PublicKey: it is the second half of the 64-byte private key.
        if let key = config["PublicKey"] as? String {
            publicKey = key
        } else if let secret = config["PrivateKey"] as? String, secret.count == 128 {
            publicKey = String(secret.suffix(64))
        } else {
            throw NetworkLab.LabError(message: "no key in the generated config of \(program)")
        }
        configPath = lab.directory + "/\(name).json"
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: configPath))
        address = try Subprocess.run(program, ["-useconffile", configPath, "-address"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public var program: String { Self.program(implementation, generation) }

    static func program(_ implementation: Implementation, _ generation: Generation) -> String {
        switch (implementation, generation) {
        case (.rhizome, _): return Subprocess.rhizome
        case (.yggdrasil, .v04): return Yggdrasil.path ?? "/usr/sbin/yggdrasil"
        case (.yggdrasil, .v05): return Yggdrasil05.path
        }
    }

    /// The yggdrasilctl of the node's generation (0.5.12's for 0.5 nodes of either implementation).
    public var yggdrasilctl: String {
        generation == .v05 ? Yggdrasil05.ctlPath : (Subprocess.which("yggdrasilctl") ?? "/usr/sbin/yggdrasilctl")
    }

    /// The daemon process is running (a negative check means nothing if a daemon died).
    public var isRunning: Bool { process?.isRunning == true }

    /// The node's routed /64, e.g. `301:7559:82d9:4a84::/64`.
    public var subnet: String {
        (try? Subprocess.run(program, ["-useconffile", configPath, "-subnet"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? ""
    }

    /// Pings `address` from this node's host until one reply arrives or `timeout` passes.
    public func canPing(_ address: String, timeout: TimeInterval = 20, source: String? = nil) -> Bool {
        NetworkLab.waitUntil(timeout: timeout, interval: 0.3) {
            var args = ["-6", "-c", "1", "-W", "1"]
            if let source { args += ["-I", source] }
            return (try? lab.run(host, "ping", args + [address], timeout: 5))?.status == 0
        }
    }

    /// iperf3 from this node's host to a server at `address` (started on `server`'s host);
    /// returns Mbit/s received, or nil on failure.
    public func iperf(to server: MeshNode, address: String, seconds: Int = 2, reverse: Bool = false) -> Double? {
        guard let s = try? lab.start(server.host, "iperf3", ["-s", "-1", "-B", address], name: "iperf-\(server.name)-\(UUID().uuidString.prefix(6))") else { return nil }
        defer { lab.stop(s) }
        Thread.sleep(forTimeInterval: 0.4)
        var args = ["-c", address, "-t", String(seconds), "-J"]
        if reverse { args.append("-R") }
        guard let r = try? lab.run(host, "iperf3", args, timeout: TimeInterval(seconds + 20)), r.status == 0,
              let json = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
              let end = json["end"] as? [String: Any], let recv = end["sum_received"] as? [String: Any],
              let bps = recv["bits_per_second"] as? Double else { return nil }
        return bps / 1e6
    }

    public func start() throws {
        process = try lab.start(host, program, ["-useconffile", configPath, "-loglevel", "debug"], name: name)
    }

    public func stop() {
        if let process { lab.stop(process) }
        process = nil
    }

    public var log: String { lab.logText(name) }

    /// `yggdrasilctl -json` against this node's admin socket (either implementation). yggdrasilctl
    /// exits 0 even when it cannot connect, so only a JSON object counts as an answer.
    public func ctl(_ args: [String]) throws -> [String: Any] {
        let r = try Subprocess.run(yggdrasilctl, ["-json", "-endpoint", "unix://\(adminSocket)"] + args, timeout: 10)
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

    /// getPeers entries (0.5 lists configured peers that are down too, with an empty key).
    public func peerEntries() -> [[String: Any]] {
        guard let obj = try? ctl(["getPeers"]), let peers = obj["peers"] as? [[String: Any]] else { return [] }
        return peers
    }

    /// Keys of the peers with a live link, as a set: 0.5 multicast makes two links per pair,
    /// and 0.5's getPeers lists down peers (`"up": false`, key "").
    public func linkedKeys() -> Set<String> {
        Set(peerEntries().compactMap { p in
            guard (p["up"] as? Bool) ?? true, let k = p["key"] as? String, !k.isEmpty else { return nil }
            return k
        })
    }

    /// For negative checks ("no link formed"): true only when the node is running, answered
    /// getPeers, and lists no live link. A dead daemon or an unanswered request is not "no link".
    public func answersWithNoLinks() -> Bool {
        guard isRunning, let obj = try? ctl(["getPeers"]), let peers = obj["peers"] as? [[String: Any]] else { return false }
        return !peers.contains { p in ((p["up"] as? Bool) ?? true) && !((p["key"] as? String) ?? "").isEmpty }
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
