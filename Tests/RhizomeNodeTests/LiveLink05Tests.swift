import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing
import RhizomeTestSupport
import RhizomeCore
import RhizomeCrypto
@testable import RhizomeNode

/// One cheap live check of the 0.5 link layer against the real yggdrasil 0.5.12 on loopback (no
/// TUN, no admin socket, no multicast): the password handshake completes, the first ironwood
/// frames arrive through the uvarint framer, the link survives its keepalive exchange, and a
/// wrong password is refused by both sides. Full interop tests live in RhizomeInteropTests.
@Suite(.live, .serialized) struct LiveLink05Tests {
    static let binary = "/opt/yggdrasil-0.5.12/usr/sbin/yggdrasil"

    /// Records what the link manager reports; touched only on its event loop.
    final class Events: LinkEvents, @unchecked Sendable {
        var up: [PeerLink] = []
        var down: [String?] = []
        var frameTypes: [UInt8] = []
        func linkUp(_ link: PeerLink) -> Bool { up.append(link); return true }
        func linkFrame(_ link: PeerLink, _ frame: ByteBuffer) {
            if let t = frame.getInteger(at: frame.readerIndex, as: UInt8.self) { frameTypes.append(t) }
        }
        func linkReadComplete() {}
        func linkDown(_ link: PeerLink, reason: String?) { down.append(reason) }
    }

    /// Starts yggdrasil with a TCP listener on a free loopback port guarded by `password`, and
    /// waits until it listens there; returns the process, a pipe with its log, and the port. A
    /// port taken in the meantime (the ephemeral range is shared with every other test) gets a
    /// fresh start on another; three failures throw with yggdrasil's log.
    static func startYggdrasil(keys: SigningKeyPair, password: String, binary: String = binary) throws -> (Process, Pipe, Int) {
        var logs: [String] = []
        for _ in 0..<3 {
            let port = try freePort()
            let config: [String: Any] = [
                "PrivateKey": keys.privateKeyHex, "Peers": [String](), "InterfacePeers": [String: [String]](),
                "Listen": ["tcp://127.0.0.1:\(port)" + (password.isEmpty ? "" : "?password=\(password)")], "AdminListen": "none",
                "MulticastInterfaces": [[String: Any]](), "AllowedPublicKeys": [String](), "IfName": "none", "IfMTU": 65535,
                "NodeInfoPrivacy": false, "NodeInfo": [String: Any](),
            ]
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["-useconf", "-logto", "stdout", "-loglevel", "debug"]
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            try process.run()
            input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: config))
            try input.fileHandleForWriting.close()
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline, process.isRunning, !listening(port) { usleep(50_000) }
            if process.isRunning, listening(port) { return (process, output, port) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            logs.append("port \(port):\n" + String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        throw TestFailure("yggdrasil did not listen:\n\(logs.joined(separator: "\n"))")
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// A loopback TCP port nobody holds now: the kernel's pick for a socket bound to port 0.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("bind: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something listens on 127.0.0.1:`port` in this namespace (/proc/net/tcp, state 0A).
    static func listening(_ port: Int) -> Bool {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return false }
        let local = "0100007F:" + String(format: "%04X", port)
        return table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 3 && fields[1] == local && fields[3] == "0A"
        }
    }

    /// Polls `condition` on the manager's loop until it holds or `seconds` pass.
    static func waitFor(_ seconds: Double, on loop: EventLoop, _ condition: @escaping @Sendable () -> Bool) throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try loop.submit(condition).wait() { return true }
            usleep(50_000)
        }
        return try loop.submit(condition).wait()
    }

    /// Keeps the link manager's log lines.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }

    struct CaptureLog: LogHandler {
        let lines: Lines
        var logLevel: Logger.Level = .debug
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            lines.append("[\(level)] \(message)")
        }
    }

    /// Holds the loop-confined objects for closures that run on that loop.
    final class World: @unchecked Sendable {
        let events = Events()
        var manager: LinkManager!
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func handshakeFramingAndKeepaliveWithYggdrasil0512() throws {
        let theirs = SigningKeyPair.generate(), ours = SigningKeyPair.generate()
        let (process, output, port) = try Self.startYggdrasil(keys: theirs, password: "live05")
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let w = World()
        let lines = Lines()
        try loop.submit {
            w.manager = LinkManager(eventLoop: loop, localKey: ours.publicKey, allowedKeys: [], tls: { try TLSIdentity(keys: ours) },
                                    log: Logger(label: "live05", factory: { _ in CaptureLog(lines: lines) }), version: .v05, keys: ours)
            w.manager.events = w.events
            // The listener needs a moment; configured peers are re-dialled after a refused connect.
            try w.manager.addPeer(PeerURI("tcp://127.0.0.1:\(port)?password=live05&key=\(theirs.publicKey.hex)&priority=2"), fromConfig: true)
        }.wait()
        #expect(try Self.waitFor(15, on: loop) { !w.events.up.isEmpty && w.events.frameTypes.count >= 2 })
        let (key, priority, types) = try loop.submit { (w.events.up.first?.remoteKey, w.events.up.first?.priority, w.events.frameTypes) }.wait()
        #expect(key == theirs.publicKey)
        #expect(priority == 2)
        // routing.md §2.5: a new link starts with a signature request and a bloom filter.
        #expect(types.prefix(2) == [2, 5])
        // Nobody answers the signature request here but our keepalive: yggdrasil's 3 s deadline
        // must be met by it, and ours is never armed (we send nothing of type >= 2).
        usleep(4_500_000)
        #expect(try loop.submit { w.events.down.isEmpty }.wait())

        // A wrong password (the same address: the first peer goes first): refused here and there.
        try loop.submit {
            try w.manager.removePeer("tcp://127.0.0.1:\(port)?password=live05&key=\(theirs.publicKey.hex)&priority=2")
            try w.manager.addPeer(PeerURI("tcp://127.0.0.1:\(port)?password=wrong"), fromConfig: true)
        }.wait()
        #expect(try Self.waitFor(5, on: loop) { lines.all.contains { $0.contains("[warning]") && $0.contains("password does not match remote side") } },
                "\(lines.all)")
        #expect(try loop.submit { w.events.up.count }.wait() == 1)
        try loop.flatSubmit { w.manager.stop() }.wait()
        process.terminate()
        process.waitUntilExit()
        let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("password does not match remote side"), "\(log)")
    }

    static let binary04 = "/usr/sbin/yggdrasil"

    /// The 0.4 path after the version split: a 0.4 link to yggdrasil 0.4.7 comes up and stays up
    /// past its 6 s timeout (u16 framing, 4 s keepalives); a 0.5 node dialling the same listener is
    /// refused with a line that names both versions.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary04)))
    func version04LinkStillWorksAnd05IsRefusedWithYggdrasil047() throws {
        let theirs = SigningKeyPair.generate(), ours = SigningKeyPair.generate()
        let (process, _, port) = try Self.startYggdrasil(keys: theirs, password: "", binary: Self.binary04)
        defer { if process.isRunning { process.terminate(); process.waitUntilExit() } }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let w04 = World(), w05 = World()
        let lines = Lines()
        try loop.submit {
            w04.manager = LinkManager(eventLoop: loop, localKey: ours.publicKey, allowedKeys: [], tls: { try TLSIdentity(keys: ours) },
                                      log: Logger(label: "live04"))
            w04.manager.events = w04.events
            try w04.manager.addPeer(PeerURI("tcp://127.0.0.1:\(port)"), fromConfig: true)
        }.wait()
        #expect(try Self.waitFor(15, on: loop) { w04.events.up.first?.remoteKey == theirs.publicKey })
        usleep(7_000_000)
        #expect(try loop.submit { w04.events.down.isEmpty && !w04.events.frameTypes.isEmpty }.wait())

        try loop.submit {
            w05.manager = LinkManager(eventLoop: loop, localKey: ours.publicKey, allowedKeys: [], tls: { try TLSIdentity(keys: ours) },
                                      log: Logger(label: "live05", factory: { _ in CaptureLog(lines: lines) }), version: .v05, keys: ours)
            w05.manager.events = w05.events
            try w05.manager.addPeer(PeerURI("tcp://127.0.0.1:\(port)"), fromConfig: true)
        }.wait()
        #expect(try Self.waitFor(5, on: loop) {
            lines.all.contains { $0.contains("[warning]") && $0.contains("incompatible version (local 0.5, remote 0.4)") }
        }, "\(lines.all)")
        #expect(try loop.submit { w05.events.up.isEmpty }.wait())
        try loop.flatSubmit { w04.manager.stop().and(w05.manager.stop()).map { _ in } }.wait()
    }
}
