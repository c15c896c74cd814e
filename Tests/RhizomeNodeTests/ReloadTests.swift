import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing
import RhizomeTestSupport
import RhizomeCore
import RhizomeCrypto
@testable import RhizomeNode

/// `Daemon.reload()` in-process on loopback (no TUN, admin socket or multicast): what a reload
/// reports and applies, and that a broken file or a missing one changes nothing.
// The limit is generous: in the full suite, blocking interop tests can hold the 2-core test
// thread pool for minutes before these (a second each alone) get to run.
@Suite(.live, .serialized, .timeLimit(.minutes(10)))
struct ReloadTests {
    /// A running daemon from config text written to a temporary file.
    final class Node {
        let path: String
        let daemon: Daemon

        init(_ text: String) throws {
            path = NSTemporaryDirectory() + "rhizome-reload-\(getpid())-\(UUID().uuidString.prefix(8)).json"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let config = try NodeConfig.load(bytes: Array(text.utf8)).config
            daemon = try Daemon(config: config, keys: try config.signingKeys(), logger: Logger(label: "reload-test"))
            daemon.configPath = path
            try daemon.start()
        }

        func write(_ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

        /// The open `Listen` listeners' ports, by config text (once they have bound).
        func listenerPorts() throws -> [String: Int] {
            try daemon.links.eventLoop.submit {
                self.daemon.reloading.configListeners.compactMapValues { $0.localAddress?.port }
            }.wait()
        }

        func stop() {
            try? daemon.links.eventLoop.flatSubmit { self.daemon.links.stop() }.wait()
            daemon.reloading.shutdown()
            try? daemon.group.syncShutdownGracefully()
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    static func config(listen: [String], extra: String = "") -> String {
        let list = listen.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
        {"ProtocolVersion": "0.5", "IfName": "none", "AdminListen": "none", "MulticastInterfaces": [],
         "Listen": [\(list)]\(extra.isEmpty ? "" : ", " + extra)}
        """
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// The same file again applies nothing; a file without PrivateKey (a random identity at
    /// start) is not a key change.
    @Test func unchangedKeylessFileAppliesNothing() throws {
        let node = try Node(Self.config(listen: ["tcp://127.0.0.1:0"]))
        defer { node.stop() }
        #expect(try node.listenerPorts().count == 1, "start returns with its listeners bound")
        let report = node.daemon.reload()
        #expect(report.error == nil)
        #expect(report.applied.isEmpty && report.changes.isEmpty, "\(report)")
        #expect(report.restartNeeded.isEmpty, "\(report)")
        #expect(node.daemon.reloadCounts.done == 1 && node.daemon.reloadCounts.failed == 0)
    }

    /// A changed listener URI closes the old port and opens the new; NodeInfo is replaced; IfMTU
    /// and a new key wait for a restart; the report's JSON carries it all.
    @Test func listenerNodeInfoAndRestartFields() throws {
        let key = SigningKeyPair.generate().privateKeyHex
        let node = try Node(Self.config(listen: ["tcp://127.0.0.1:0"], extra: "\"PrivateKey\": \"\(key)\""))
        defer { node.stop() }
        #expect(NetworkWait.until { (try? node.listenerPorts().count) == 1 })
        let oldPort = try #require(try node.listenerPorts()["tcp://127.0.0.1:0"])
        #expect(Self.accepts(port: oldPort))

        let other = SigningKeyPair.generate().privateKeyHex
        try node.write(Self.config(listen: ["tcp://127.0.0.1:0?password=pw"],
                                   extra: "\"PrivateKey\": \"\(other)\", \"IfMTU\": 1400, \"NodeInfo\": {\"site\": \"lab\"}"))
        let report = node.daemon.reload()
        #expect(report.error == nil)
        #expect(report.applied == ["Listen", "NodeInfo"], "\(report)")
        #expect(report.restartNeeded == ["PrivateKey", "IfMTU"], "\(report)")
        #expect(report.changes.contains("- Listen tcp://127.0.0.1:0"), "\(report.changes)")
        #expect(report.changes.contains { $0.hasPrefix("+ Listen tcp://127.0.0.1:0?password=pw") }, "\(report.changes)")
        let ports = try node.listenerPorts()
        #expect(Array(ports.keys) == ["tcp://127.0.0.1:0?password=pw"])
        #expect(!Self.accepts(port: oldPort), "the old listener is closed")
        if let newPort = ports.values.first { #expect(Self.accepts(port: newPort)) }
        let served = try node.daemon.links.eventLoop.submit { node.daemon.runtime.proto?.nodeInfo ?? [] }.wait()
        #expect(String(decoding: served, as: UTF8.self).contains("\"site\":\"lab\""))
        // The running identity and MTU stay.
        #expect(node.daemon.config.privateKey == key && node.daemon.config.ifMTU == NodeConfig.defaultIfMTU)

        let json = JSONWriter.write(report.json, indent: nil)
        #expect(json.contains("\"restart_needed\":[\"PrivateKey\",\"IfMTU\"]"), "\(json)")
        #expect(!json.contains("\"error\""))
    }

    /// A file with a bad value, or no file at all, is refused whole and counted as failed.
    @Test func brokenOrMissingFileChangesNothing() throws {
        let node = try Node(Self.config(listen: ["tcp://127.0.0.1:0"]))
        defer { node.stop() }
        #expect(NetworkWait.until { (try? node.listenerPorts().count) == 1 })
        try node.write(Self.config(listen: ["tcp://127.0.0.1:0", "tcp://127.0.0.1:0?priority=2"], extra: "\"IfMTU\": 5"))
        let broken = node.daemon.reload()
        #expect(broken.error?.contains("IfMTU") == true, "\(broken)")
        #expect(broken.applied.isEmpty)
        #expect(try node.listenerPorts().count == 1)
        #expect(node.daemon.config.listen == ["tcp://127.0.0.1:0"])

        node.daemon.configPath = nil
        let none = node.daemon.reload()
        #expect(none.error?.contains("-useconf") == true)
        try FileManager.default.removeItem(atPath: node.path)
        node.daemon.configPath = node.path
        let missing = node.daemon.reload()
        #expect(missing.error?.contains("cannot read config file") == true, "\(missing)")
        #expect(node.daemon.reloadCounts.failed == 3 && node.daemon.reloadCounts.done == 0)
        let json = JSONWriter.write(missing.json, indent: nil)
        #expect(json.hasPrefix("{\"error\":"), "\(json)")
    }
}

enum NetworkWait {
    /// Polls for up to 5 s.
    static func until(_ condition: () -> Bool) -> Bool {
        for _ in 0..<100 {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }
}
