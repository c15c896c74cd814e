import Foundation
import NIOCore
import Testing
import RhizomeTestSupport
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
@testable import RhizomeNode
#if canImport(Glibc)
import Glibc
#endif

/// The sans-IO QUIC engine: two endpoints wired together in memory with a fake clock, garbage and
/// flood input, and live interop with yggdrasil 0.5.12's quic:// listener and dialler over real
/// UDP sockets on loopback.
@Suite(.live, .serialized) struct QuicEngine {
    typealias Event = QuicEndpoint.Event

    static let clientAddress = try! SocketAddress(ipAddress: "127.0.0.1", port: 40001)
    static let serverAddress = try! SocketAddress(ipAddress: "127.0.0.1", port: 40002)

    /// Two endpoints joined by an in-memory "network" that can drop every `dropEvery`-th
    /// datagram or black-hole everything; time advances 100 µs a round, and jumps to the next
    /// timer when the network is quiet.
    final class Pair {
        let client: QuicEndpoint
        let server: QuicEndpoint
        var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
        var dropEvery = 0
        /// Flip one byte in every `corruptEvery`-th datagram (that are not dropped).
        var corruptEvery = 0
        var blackhole = false
        var delivered = 0
        var largestDatagram = 0
        var gsoBatches = 0
        var misaddressed = 0
        var clientEvents: [Event] = []
        var serverEvents: [Event] = []
        var clientData = [UInt8]()
        var serverData = [UInt8]()
        /// Bytes the server received while `countOnly` (nothing kept).
        var countOnly = false
        var serverCount = 0

        init(clientLimits: QuicEndpoint.Limits = .init(), serverLimits: QuicEndpoint.Limits = .init()) throws {
            client = try QuicEndpoint(identity: QuicIdentity(keys: .generate()), local: QuicEngine.clientAddress,
                                      acceptsInbound: false, limits: clientLimits)
            server = try QuicEndpoint(identity: QuicIdentity(keys: .generate()), local: QuicEngine.serverAddress,
                                      acceptsInbound: true, limits: serverLimits)
        }

        /// One round: both sides transmit, the datagrams are delivered, events collected.
        /// Returns whether any datagram was sent.
        @discardableResult
        func round() -> Bool {
            var toServer: [[UInt8]] = [], toClient: [[UInt8]] = []
            client.pollTransmit(now: now) { payload, dest, segment in
                if dest != QuicEngine.serverAddress { misaddressed += 1 }
                toServer += split(payload, segment)
            }
            server.pollTransmit(now: now) { payload, dest, segment in
                if dest != QuicEngine.clientAddress { misaddressed += 1 }
                toClient += split(payload, segment)
            }
            now = now + .microseconds(100)
            for d in toServer where keep() { mangle(d).withUnsafeBytes { server.receive($0, from: QuicEngine.clientAddress, now: now) } }
            for d in toClient where keep() { mangle(d).withUnsafeBytes { client.receive($0, from: QuicEngine.serverAddress, now: now) } }
            collect()
            return !(toServer.isEmpty && toClient.isEmpty)
        }

        /// Cuts a GSO batch into its datagrams, as the kernel would.
        private func split(_ payload: UnsafeRawBufferPointer, _ segment: Int) -> [[UInt8]] {
            guard segment < payload.count else {
                largestDatagram = max(largestDatagram, payload.count)
                return [Array(payload)]
            }
            gsoBatches += 1
            var out: [[UInt8]] = []
            var offset = 0
            while offset < payload.count {
                let n = min(segment, payload.count - offset)
                out.append(Array(UnsafeRawBufferPointer(rebasing: payload[offset..<offset + n])))
                largestDatagram = max(largestDatagram, n)
                offset += n
            }
            return out
        }

        private func mangle(_ d: [UInt8]) -> [UInt8] {
            guard corruptEvery > 0, delivered % corruptEvery == 0 else { return d }
            var d = d
            d[(delivered / corruptEvery) % d.count] ^= 0x5A
            return d
        }

        private func keep() -> Bool {
            if blackhole { return false }
            delivered += 1
            return dropEvery == 0 || delivered % dropEvery != 0
        }

        func collect() {
            while let e = client.pollEvent() {
                if case .data(_, let b) = e { clientData += Array(b.readableBytesView) } else { clientEvents.append(e) }
            }
            while let e = server.pollEvent() {
                if case .data(_, let b) = e {
                    if countOnly { serverCount += b.readableBytes } else { serverData += Array(b.readableBytesView) }
                } else {
                    serverEvents.append(e)
                }
            }
        }

        /// Runs rounds (and timers when quiet) until `done` or `seconds` of fake time pass.
        func run(seconds: Int64, _ body: () -> Void = {}, until done: () -> Bool) -> Bool {
            let end = now + .seconds(seconds)
            while now < end {
                body()
                if done() { return true }
                if !round() {
                    let next = [client.nextTimeout, server.nextTimeout].compactMap { $0 }.min() ?? end
                    now = max(now, min(next, end))
                    client.handleTimeout(now: now)
                    server.handleTimeout(now: now)
                    collect()
                }
            }
            return done()
        }

        var connected: QuicEndpoint.Handle? {
            for case .connected(let h, _) in clientEvents { return h }
            return nil
        }
        var accepted: QuicEndpoint.Handle? {
            for case .accepted(let h, _) in serverEvents { return h }
            return nil
        }
        func closed(_ events: [Event]) -> String? {
            for case .closed(_, let reason) in events { return reason }
            return nil
        }

        /// Connects and waits for both sides to see the link (the server only after the first
        /// stream bytes, which the client sends at once).
        func handshake() throws -> (QuicEndpoint.Handle, QuicEndpoint.Handle) {
            let h = try client.connect(to: QuicEngine.serverAddress, now: now)
            _ = run(seconds: 5) { connected != nil }
            let c = try #require(connected)
            #expect(c == h)
            client.send(ByteBuffer(bytes: [0x6D]), on: c)
            _ = run(seconds: 5) { accepted != nil && serverData.count == 1 }
            let s = try #require(accepted)
            serverData.removeAll()
            return (c, s)
        }
    }

    static func pattern(_ n: Int, seed: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: ($0 &* 31 &+ seed) % 251) } }

    /// Pushes `bytes` through `send` as the buffer allows; returns the offset reached.
    static func feed(_ endpoint: QuicEndpoint, _ handle: QuicEndpoint.Handle, _ bytes: [UInt8], from offset: inout Int) {
        while offset < bytes.count {
            let n = min(65536, bytes.count - offset)
            guard endpoint.send(ByteBuffer(bytes: bytes[offset..<offset + n]), on: handle) else { return }
            offset += n
        }
    }

    @Test func libraryLoadsOnlyWithTheFirstEndpoint() throws {
        // Proves the whole claim only when no other test in this process made an endpoint
        // first; otherwise it still proves that making an endpoint leaves the library loaded.
        let fresh = !QuicLibrary.isLoaded
        let identity = try QuicIdentity(keys: .generate())
        if fresh { #expect(!QuicLibrary.isLoaded, "making an identity must not load ngtcp2") }
        _ = try QuicEndpoint(identity: identity, local: Self.serverAddress, acceptsInbound: false)
        #expect(QuicLibrary.isLoaded)
    }

    @Test func handshakeTransferAndClose() throws {
        // The server batches full-size packets for GSO; the client sends one per datagram.
        var gso = QuicEndpoint.Limits()
        gso.gsoSegments = 8
        let p = try Pair(serverLimits: gso)
        let (c, s) = try p.handshake()
        #expect(p.client.connectionCount == 1 && p.server.connectionCount == 1)
        // 3 MB each way: more than the 1 MiB high mark, so send refuses and .writable follows.
        let up = Self.pattern(3_000_000, seed: 1), down = Self.pattern(3_000_000, seed: 7)
        var upOffset = 0, downOffset = 0
        let done = p.run(seconds: 60, {
            Self.feed(p.client, c, up, from: &upOffset)
            Self.feed(p.server, s, down, from: &downOffset)
        }, until: { p.serverData.count >= up.count && p.clientData.count >= down.count })
        #expect(done)
        #expect(p.serverData == up, "client → server bytes intact and in order")
        #expect(p.clientData == down, "server → client bytes intact and in order")
        #expect(p.clientEvents.contains { if case .writable(c) = $0 { true } else { false } })
        #expect(p.misaddressed == 0)
        // Path MTU discovery climbs from QUIC's 1200 bytes to the 1452-byte ceiling.
        #expect(p.largestDatagram == 1452)
        #expect(p.gsoBatches > 0)
        _ = p.run(seconds: 5) { p.client.bufferedBytes(c) == 0 && p.server.bufferedBytes(s) == 0 }
        #expect(p.client.bufferedBytes(c) == 0)

        p.client.close(c, reason: "bye", now: p.now)
        #expect(p.run(seconds: 5) { p.closed(p.clientEvents) != nil && p.closed(p.serverEvents) != nil })
        #expect(p.closed(p.clientEvents) == "bye")
        #expect(p.closed(p.serverEvents)?.contains("bye") == true, "\(p.closed(p.serverEvents) ?? "-")")
        #expect(p.client.connectionCount == 0 && p.server.connectionCount == 0)
        #expect(!p.client.send(ByteBuffer(bytes: [1]), on: c))
    }

    @Test func lossyLinkStillDeliversEverything() throws {
        let p = try Pair()
        let (c, s) = try p.handshake()
        // Every 5th datagram lost, and one in 7 of the others damaged somewhere (header or
        // ciphertext): dropped as unroutable or undecryptable, then recovered like a loss.
        p.dropEvery = 5
        p.corruptEvery = 7
        let up = Self.pattern(1_000_000, seed: 3), down = Self.pattern(1_000_000, seed: 5)
        var upOffset = 0, downOffset = 0
        let done = p.run(seconds: 120, {
            Self.feed(p.client, c, up, from: &upOffset)
            Self.feed(p.server, s, down, from: &downOffset)
        }, until: { p.serverData.count >= up.count && p.clientData.count >= down.count })
        #expect(done)
        #expect(p.serverData == up)
        #expect(p.clientData == down)
        #expect(p.closed(p.clientEvents) == nil && p.closed(p.serverEvents) == nil)
    }

    @Test func keepAliveHoldsAnIdleLinkAndSilenceClosesIt() throws {
        let p = try Pair()
        let start = p.now
        _ = try p.handshake()
        // Nothing to say for 200 s: the 20 s keep-alive PINGs keep both sides up.
        #expect(!p.run(seconds: 200) { p.closed(p.clientEvents) != nil || p.closed(p.serverEvents) != nil })
        #expect(p.client.connectionCount == 1 && p.server.connectionCount == 1)
        // The network goes silent: both sides give up after the 60 s idle timeout.
        p.blackhole = true
        let silence = p.now
        #expect(p.run(seconds: 120) { p.closed(p.clientEvents) != nil && p.closed(p.serverEvents) != nil })
        #expect(p.closed(p.clientEvents) == "idle timeout")
        #expect(p.closed(p.serverEvents) == "idle timeout")
        #expect(p.now - silence >= .seconds(55) && p.now - silence <= .seconds(70), "\(p.now - silence), started \(start)")
        #expect(p.client.connectionCount == 0 && p.server.connectionCount == 0)

        // Control: with the keep-alive pushed past the idle timeout, the same quiet (but working)
        // link closes after 60 s, so it is the keep-alive above that held it.
        var lazy = QuicEndpoint.Limits()
        lazy.keepAlive = .seconds(600)
        let q = try Pair(clientLimits: lazy, serverLimits: lazy)
        _ = try q.handshake()
        let quiet = q.now
        #expect(q.run(seconds: 200) { q.closed(q.clientEvents) != nil && q.closed(q.serverEvents) != nil })
        #expect(q.closed(q.clientEvents) == "idle timeout")
        #expect(q.now - quiet >= .seconds(55) && q.now - quiet <= .seconds(70), "\(q.now - quiet)")
    }

    /// A real client Initial (from a throwaway client endpoint).
    static func clientInitials(_ count: Int, now: NIODeadline) throws -> [[UInt8]] {
        let client = try QuicEndpoint(identity: QuicIdentity(keys: .generate()), local: clientAddress, acceptsInbound: false)
        var out: [[UInt8]] = []
        for _ in 0..<count {
            _ = try client.connect(to: serverAddress, now: now)
            var first: [UInt8]?
            client.pollTransmit(now: now) { payload, _, _ in if first == nil { first = Array(payload) } }
            out.append(try #require(first))
        }
        return out
    }

    @Test func garbageAndFloodsAreDroppedWithinTheCaps() throws {
        let now = NIODeadline.uptimeNanoseconds(5_000_000_000)
        var limits = QuicEndpoint.Limits()
        limits.maxHandshaking = 256
        limits.maxHandshakingPerAddress = 8
        let server = try QuicEndpoint(identity: QuicIdentity(keys: .generate()), local: Self.serverAddress, acceptsInbound: true, limits: limits)
        let closedServer = try QuicEndpoint(identity: QuicIdentity(keys: .generate()), local: Self.serverAddress, acceptsInbound: false)

        // Random datagrams of every size, including ones with a long-header first byte.
        var generator = SystemRandomNumberGenerator()
        for i in 0..<2000 {
            var d = (0..<Int.random(in: 0...1500, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if i % 2 == 0, !d.isEmpty { d[0] |= 0xC0 }
            d.withUnsafeBytes { server.receive($0, from: Self.clientAddress, now: now) }
        }
        #expect(server.connectionCount == 0)
        #expect(server.droppedDatagrams == 2000)

        let initials = try Self.clientInitials(300, now: now)
        #expect(initials.allSatisfy { $0.count >= 1200 })
        // Short Initials (a real one cut below 1200 bytes) and a closed listener: dropped.
        for d in initials.prefix(20) {
            Array(d.prefix(1100)).withUnsafeBytes { server.receive($0, from: Self.clientAddress, now: now) }
            d.withUnsafeBytes { closedServer.receive($0, from: Self.clientAddress, now: now) }
        }
        #expect(server.connectionCount == 0)
        #expect(closedServer.connectionCount == 0)
        #expect(closedServer.droppedDatagrams == 20)
        #expect(server.pollEvent() == nil)

        // 300 Initials from one address: the per-address cap holds.
        for d in initials { d.withUnsafeBytes { server.receive($0, from: Self.clientAddress, now: now) } }
        #expect(server.connectionCount == 8)
        // 300 more from 300 addresses: the global handshake cap holds.
        for (i, d) in initials.enumerated() {
            let from = try SocketAddress(ipAddress: "10.9.\(i / 200).\(i % 200 + 1)", port: 5000)
            d.withUnsafeBytes { server.receive($0, from: from, now: now) }
        }
        #expect(server.connectionCount == 256)
        var sent = 0
        server.pollTransmit(now: now) { _, _, _ in sent += 1 }
        #expect(sent >= 256, "each accepted Initial gets an answer")
        // Nobody finishes: all are gone after the 10 s handshake timeout, without events.
        var t = now
        while server.connectionCount > 0, let next = server.nextTimeout, next < now + .seconds(30) {
            t = max(t, next)
            server.handleTimeout(now: t)
            server.pollTransmit(now: t) { _, _, _ in }
        }
        #expect(server.connectionCount == 0)
        #expect(t - now <= .seconds(11))
        #expect(server.pollEvent() == nil)
    }

    @Test func throughputInMemory() throws {
        // A rough figure (printed), not a benchmark: 100 MB one way, real clock, no loss.
        let p = try Pair()
        let (c, _) = try p.handshake()
        p.countOnly = true
        let total = 100_000_000
        let chunk = ByteBuffer(bytes: Self.pattern(65536, seed: 9))
        var sent = 0, received = 0
        let start = NIODeadline.now()
        let deadline = start + .seconds(120)
        while received < total, NIODeadline.now() < deadline {
            p.now = max(p.now, NIODeadline.now())
            while sent < total, p.client.send(chunk, on: c) { sent += chunk.readableBytes }
            p.round()
            received = p.serverCount
            if let next = [p.client.nextTimeout, p.server.nextTimeout].compactMap({ $0 }).min(), next <= p.now {
                p.client.handleTimeout(now: p.now)
                p.server.handleTimeout(now: p.now)
            }
        }
        let seconds = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        print("QuicEngine in-memory: \(received) bytes in \(seconds) s = \(Double(received) * 8 / seconds / 1e9) Gbit/s")
        #expect(received >= total)
    }

    // MARK: Interop with yggdrasil 0.5.12 over real UDP

    static let binary = "/opt/yggdrasil-0.5.12/usr/sbin/yggdrasil"

    /// Starts yggdrasil 0.5.12 (no TUN, no admin socket) logging to `log`.
    static func startYggdrasil(keys: SigningKeyPair, listen: [String], peers: [String], log: String) throws -> Process {
        let config: [String: Any] = [
            "PrivateKey": keys.privateKeyHex, "Peers": peers, "InterfacePeers": [String: [String]](),
            "Listen": listen, "AdminListen": "none",
            "MulticastInterfaces": [[String: Any]](), "AllowedPublicKeys": [String](), "IfName": "none", "IfMTU": 65535,
            "NodeInfoPrivacy": false, "NodeInfo": [String: Any](),
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-useconf", "-logto", "stdout", "-loglevel", "debug"]
        let input = Pipe()
        process.standardInput = input
        FileManager.default.createFile(atPath: log, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: config))
        try input.fileHandleForWriting.close()
        return process
    }

    /// A plain non-blocking UDP socket on 127.0.0.1 driving an endpoint.
    final class UDPDriver {
        let fd: Int32
        let endpoint: QuicEndpoint
        let local: SocketAddress
        var events: [Event] = []
        var data = [UInt8]()

        init(acceptsInbound: Bool, keys: SigningKeyPair) throws {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            self.fd = fd
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = 0
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            local = SocketAddress(addr, host: "127.0.0.1")
            #expect(rc == 0)
            endpoint = try QuicEndpoint(identity: QuicIdentity(keys: keys), local: local, acceptsInbound: acceptsInbound)
        }

        deinit { close(fd) }

        var port: Int { local.port ?? 0 }

        func flush() {
            endpoint.pollTransmit(now: .now()) { payload, dest, _ in
                _ = dest.withSockAddr { sa, len in sendto(fd, payload.baseAddress, payload.count, 0, sa, socklen_t(len)) }
            }
        }

        /// Runs the socket until `done` or `seconds` pass.
        func run(seconds: Double, until done: () -> Bool) -> Bool {
            let end = NIODeadline.now() + .nanoseconds(Int64(seconds * 1e9))
            var buffer = [UInt8](repeating: 0, count: 65536)
            while NIODeadline.now() < end {
                flush()
                while let e = endpoint.pollEvent() {
                    if case .data(_, let b) = e { data += Array(b.readableBytesView) } else { events.append(e) }
                }
                if done() { return true }
                var wait = end
                if let next = endpoint.nextTimeout { wait = min(wait, next) }
                let ms = max(0, min(50, Int32((wait - .now()).nanoseconds / 1_000_000)))
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, ms)
                while true {
                    var from = sockaddr_in()
                    var fromLen = socklen_t(MemoryLayout<sockaddr_in>.size)
                    let n = buffer.withUnsafeMutableBytes { b in
                        withUnsafeMutablePointer(to: &from) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, b.count, 0, $0, &fromLen) }
                        }
                    }
                    if n <= 0 { break }
                    let remote = SocketAddress(from, host: "127.0.0.1")
                    buffer.withUnsafeBytes { endpoint.receive(UnsafeRawBufferPointer(rebasing: $0[0..<n]), from: remote, now: .now()) }
                }
                if let next = endpoint.nextTimeout, next <= .now() { endpoint.handleTimeout(now: .now()) }
            }
            return done()
        }

        func closedReason() -> String? {
            for case .closed(_, let reason) in events { return reason }
            return nil
        }
    }

    static func freeUDPPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Checks the 123-byte 0.5 metadata block at the start of `data` names `key`.
    static func expectMetadata(_ data: [UInt8], from key: PublicKey) {
        #expect(data.count >= Metadata05.length)
        #expect(Array(data.prefix(4)) == Array("meta".utf8))
        let block = Array(data.prefix(Metadata05.length))
        let decoded = block.withUnsafeBytes { raw in
            try? Metadata05(body: UnsafeRawBufferPointer(rebasing: raw[Metadata05.headerLength...]), password: [])
        }
        #expect(decoded?.key == key)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func dialsYggdrasil0512QuicListener() throws {
        let theirs = SigningKeyPair.generate(), ours = SigningKeyPair.generate()
        let port = Self.freeUDPPort()
        let log = NSTemporaryDirectory() + "rhizome-quic-\(getpid())-\(port).log"
        let process = try Self.startYggdrasil(keys: theirs, listen: ["quic://127.0.0.1:\(port)"], peers: [], log: log)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            try? FileManager.default.removeItem(atPath: log)
        }
        let driver = try UDPDriver(acceptsInbound: false, keys: ours)
        let remote = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        // The listener needs a moment to start: redial until connected, within 15 s.
        var handle: QuicEndpoint.Handle?
        let end = Date().addingTimeInterval(15)
        while handle == nil, Date() < end {
            driver.events.removeAll()
            let h = try driver.endpoint.connect(to: remote, now: .now())
            _ = driver.run(seconds: 2) { driver.events.contains { if case .connected = $0 { true } else { if case .closed = $0 { true } else { false } } } }
            if driver.events.contains(where: { if case .connected(h, _) = $0 { true } else { false } }) { handle = h }
            else { driver.endpoint.close(h, reason: "retry", now: .now()); driver.flush() }
        }
        let h = try #require(handle, "no QUIC handshake with yggdrasil 0.5.12")
        driver.endpoint.send(ByteBuffer(bytes: Metadata05.encode(signer: ours, priority: 0, password: [])), on: h)
        #expect(driver.run(seconds: 10) { driver.data.count >= Metadata05.length })
        Self.expectMetadata(driver.data, from: theirs.publicKey)
        // The link stays up while we answer with keepalives.
        let stayEnd = Date().addingTimeInterval(4)
        while Date() < stayEnd {
            driver.endpoint.send(ByteBuffer(bytes: Frame05.keepAlive), on: h)
            _ = driver.run(seconds: 0.5) { false }
        }
        #expect(driver.closedReason() == nil, "\(driver.closedReason() ?? "")")
        #expect(driver.endpoint.connectionCount == 1)
        Self.expectConnectedLine(log: log, key: ours.publicKey)
        driver.endpoint.close(h, reason: "done", now: .now())
        #expect(driver.run(seconds: 2) { driver.closedReason() != nil })
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func acceptsYggdrasil0512QuicDial() throws {
        let theirs = SigningKeyPair.generate(), ours = SigningKeyPair.generate()
        let driver = try UDPDriver(acceptsInbound: true, keys: ours)
        let log = NSTemporaryDirectory() + "rhizome-quic-\(getpid())-\(driver.port).log"
        let process = try Self.startYggdrasil(keys: theirs, listen: [], peers: ["quic://127.0.0.1:\(driver.port)"], log: log)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            try? FileManager.default.removeItem(atPath: log)
        }
        #expect(driver.run(seconds: 15) { driver.events.contains { if case .accepted = $0 { true } else { false } } })
        var handle: QuicEndpoint.Handle?
        for case .accepted(let h, let remote) in driver.events {
            handle = h
            #expect(remote.ipAddress == "127.0.0.1")
        }
        let h = try #require(handle)
        #expect(driver.run(seconds: 10) { driver.data.count >= Metadata05.length })
        Self.expectMetadata(driver.data, from: theirs.publicKey)
        driver.endpoint.send(ByteBuffer(bytes: Metadata05.encode(signer: ours, priority: 0, password: [])), on: h)
        let stayEnd = Date().addingTimeInterval(4)
        while Date() < stayEnd {
            driver.endpoint.send(ByteBuffer(bytes: Frame05.keepAlive), on: h)
            _ = driver.run(seconds: 0.5) { false }
        }
        #expect(driver.closedReason() == nil, "\(driver.closedReason() ?? "")")
        #expect(driver.endpoint.connectionCount == 1)
        Self.expectConnectedLine(log: log, key: ours.publicKey)
    }

    /// yggdrasil logged the link up with our key, and no disconnect.
    static func expectConnectedLine(log: String, key: PublicKey) {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n")
        print(lines.filter { $0.contains("onnect") }.joined(separator: "\n"))
        let address = Address(key: key).description
        #expect(lines.contains { $0.contains("Connected ") && $0.contains(address + "@127.0.0.1") }, "\(address) \(text)")
        #expect(!lines.contains { $0.contains("Disconnected") }, "\(text)")
    }
}
