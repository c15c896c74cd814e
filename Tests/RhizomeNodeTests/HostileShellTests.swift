import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing
import RhizomeTestSupport
import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
@testable import RhizomeNode
#if canImport(Glibc)
import Glibc
#endif

/// Issue 13: the NIO shell under hostile peers and clients.
@Suite struct DebugAnswerBoundsTests {
    /// A remote getDHT/getTree against a table of 65,536 keys: the table is asked for no more
    /// keys than one answer carries, and the answer lists the smallest in key-byte order.
    @Test(arguments: ProtocolVersion.allCases)
    func remoteTableAnswerIsBoundedAndInKeyByteOrder(_ version: ProtocolVersion) throws {
        var rng = SeededRandom(seed: 21)
        let table = (0..<65_536).map { _ in PublicKey(w0: rng.nextWord(), w1: rng.nextWord(), w2: rng.nextWord(), w3: rng.nextWord()) }
        let loop = EmbeddedEventLoop()
        let proto = ProtoHandler(eventLoop: loop, localKey: .zero, nodeInfo: "{}", maxPayload: IPv6Layer.maximumMTU(version))
        var asked: [Int] = []
        proto.tableKeys = { limit in
            asked.append(limit)
            return KeySelection.smallest(table, limit: limit) { $0 }
        }
        var sent: [(PublicKey, [UInt8])] = []
        proto.sendToKey = { sent.append(($0, $1)) }
        let from = PublicKey(w0: 1, w1: 2, w2: 3, w3: 4)
        proto.handle([ProtoHandler.typeProtocol, ProtoHandler.debug, ProtoHandler.debugTableRequest], from: from)
        try #require(sent.count == 1)
        #expect(asked == [proto.maxKeysPerAnswer])
        #expect(proto.maxKeysPerAnswer == (version == .v04 ? 1657 : 2047))  // as the README says
        let answer = sent[0].1
        #expect(answer.count <= proto.maxPayload)
        #expect(Array(answer.prefix(3)) == [ProtoHandler.typeProtocol, ProtoHandler.debug, ProtoHandler.debugTableResponse])
        let keys = stride(from: 3, to: answer.count, by: 32).map { Array(answer[$0..<$0 + 32]) }
        #expect(keys.count == proto.maxKeysPerAnswer)
        let expected = table.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }.prefix(keys.count)
        #expect(keys == Array(expected))
    }
}

/// Answers to remote NodeInfo and debug requests come out of a budget per asking key and in all
/// (`ProtoAnswerBudget`): a request of a few bytes must not buy up to 64 KiB of our uplink at
/// whatever rate the asker likes.
@Suite struct ProtoAnswerBudgetTests {
    static let tableRequest = [ProtoHandler.typeProtocol, ProtoHandler.debug, ProtoHandler.debugTableRequest]
    static let selfRequest = [ProtoHandler.typeProtocol, ProtoHandler.debug, ProtoHandler.debugSelfRequest]
    static let nodeInfoRequest = [ProtoHandler.typeProtocol, ProtoHandler.nodeInfoRequest]

    static func key(_ i: Int) -> PublicKey { PublicKey(w0: UInt64(i) &+ 1, w1: 7, w2: 8, w3: 9) }

    /// A handler over a 65,536-key table whose answers are counted, at a clock the test moves.
    final class Node {
        let proto: ProtoHandler
        var now = 100.0
        var answers: [(PublicKey, UInt8)] = []
        var selections = 0
        init(version: ProtocolVersion = .v05, nodeInfo: String = "{}") {
            var rng = SeededRandom(seed: 5)
            let table = (0..<65_536).map { _ in PublicKey(w0: rng.nextWord(), w1: rng.nextWord(), w2: rng.nextWord(), w3: rng.nextWord()) }
            proto = ProtoHandler(eventLoop: EmbeddedEventLoop(), localKey: .zero, nodeInfo: nodeInfo,
                                 maxPayload: IPv6Layer.maximumMTU(version))
            proto.tableKeys = { [unowned self] limit in
                self.selections += 1
                return KeySelection.smallest(table, limit: limit) { $0 }
            }
            proto.peerKeys = { [ProtoAnswerBudgetTests.key(1000)] }
            proto.sendToKey = { [unowned self] key, data in self.answers.append((key, data[1] == ProtoHandler.debug ? data[2] : data[1])) }
            proto.clock = { [unowned self] in self.now }
        }
        func ask(_ request: [UInt8], from key: PublicKey, times: Int = 1) -> Int {
            let before = answers.count
            for _ in 0..<times { proto.handle(request, from: key) }
            return answers.count - before
        }
    }

    /// One key asking for small answers: its burst of 16, then 4 a second.
    @Test func oneKeyGetsItsBurstThenItsRate() {
        let n = Node()
        let k = Self.key(1)
        #expect(n.ask(Self.selfRequest, from: k, times: 100) == 16)
        #expect(n.proto.answers.refusedPerKey == 84)
        n.now += 1
        #expect(n.ask(Self.nodeInfoRequest, from: k, times: 100) == 4)
        // Another key is not held back by the first one's budget.
        #expect(n.ask(Self.selfRequest, from: Self.key(2), times: 3) == 3)
        // A quiet key is back to its full burst.
        n.now += 10
        #expect(n.ask(Self.selfRequest, from: k, times: 100) == 16)
    }

    /// Table answers from many keys: the total budget (1 MiB burst, 512 KiB a second, a table
    /// answer charged its largest size) lets 16 through at once, then 8 a second, and refused
    /// requests select nothing from the table.
    @Test(arguments: ProtocolVersion.allCases)
    func tableAnswersFromManyKeysAreBoundedInAll(_ version: ProtocolVersion) {
        let n = Node(version: version)
        var sent = 0
        for i in 0..<1000 { sent += n.ask(Self.tableRequest, from: Self.key(i)) }
        let burst = Int(ProtoAnswerBudget.totalBurstBytes) / n.proto.maxPayload
        #expect(sent == burst)
        #expect(n.selections == burst)
        #expect(n.proto.answers.refusedTotal == 1000 - burst)
        n.now += 1
        sent = 0
        for i in 1000..<2000 { sent += n.ask(Self.tableRequest, from: Self.key(i)) }
        // What the burst left over, plus a second's worth.
        let left = Int(ProtoAnswerBudget.totalBurstBytes) - burst * n.proto.maxPayload
        #expect(sent == (left + Int(ProtoAnswerBudget.totalBytesPerSecond)) / n.proto.maxPayload)
        #expect((8...10).contains(sent))
        // Small answers are charged 1 KiB each: the total lets about 512 a second through.
        n.now += 10
        sent = 0
        for i in 0..<5000 { sent += n.ask(Self.selfRequest, from: Self.key(i)) }
        #expect(sent == 1024)
    }

    /// A large NodeInfo document is charged its size.
    @Test func nodeInfoIsChargedItsSize() {
        let big = "{\"x\":\"" + String(repeating: "a", count: 16_000) + "\"}"
        let n = Node(nodeInfo: big)
        var sent = 0
        for i in 0..<1000 { sent += n.ask(Self.nodeInfoRequest, from: Self.key(i)) }
        #expect(sent == Int(ProtoAnswerBudget.totalBurstBytes) / (2 + big.utf8.count))
    }

    /// Ever new keys at the total budget's rate: the remembered keys stay within the cap (keys
    /// whose bucket has refilled are forgotten), and a key that used its burst is still refused
    /// a moment later, however many keys came in between.
    @Test func rememberedKeysStayCappedAndBusyKeysAreKept() {
        var b = ProtoAnswerBudget()
        var now = 0.0
        let busy = Self.key(1_000_000)
        var most = 0
        for i in 0..<20_000 {
            now += 1.0 / 512
            _ = b.allow(Self.key(i), bytes: 0, now: now)
            most = max(most, b.trackedKeys)
            if i == 10_000 { while b.allow(busy, bytes: 0, now: now) {} }
            if i == 10_050 { let again = b.allow(busy, bytes: 0, now: now); #expect(!again) }
        }
        #expect(most == ProtoAnswerBudget.defaultMaxKeys)  // reached, never passed
        #expect(b.answered >= 20_000)
    }

    /// When no remembered key has refilled, the one added first is forgotten.
    @Test func atTheCapWithEveryKeyBusyTheOldestGoes() {
        var b = ProtoAnswerBudget(maxKeys: 8)
        for i in 0..<8 { while b.allow(Self.key(i), bytes: 0, now: 0) {} }
        #expect(b.trackedKeys == 8)
        let newcomer = b.allow(Self.key(8), bytes: 0, now: 0.01)
        #expect(newcomer)
        #expect(b.trackedKeys == 8)
        // Key 0 was forgotten: it gets a fresh burst (and key 1 goes to make room for it); key 2
        // is still remembered, and spent.
        let forgotten = b.allow(Self.key(0), bytes: 0, now: 0.02)
        let spent = b.allow(Self.key(2), bytes: 0, now: 0.02)
        #expect(forgotten)
        #expect(!spent)
    }
}

/// A peer that stops reading (issue 13): protocol frames stop queueing past one more high mark,
/// and the link closes after 30 s without the peer taking anything.
@Suite(.live, .serialized) struct LinkStallTests {
    /// A protocol (non-traffic) frame of the version, `size` bytes.
    static func protocolFrame(_ version: ProtocolVersion, size: Int) -> [UInt8] {
        [version == .v04 ? WireType.tree.rawValue : LinkHandler.firstProtocolType05] + [UInt8](repeating: 0x5a, count: size - 1)
    }

    static func stopReading(_ l: LinkLayer05Tests.Link) {
        l.channel.isWritable = false
        l.channel.pipeline.fireChannelWritabilityChanged()
    }

    @Test(arguments: ProtocolVersion.allCases)
    func linkClosesAfterThePeerTakesNothingFor30s(_ version: ProtocolVersion) throws {
        let l = try LinkLayer05Tests.Link(version: version)
        var reason: String?
        Self.stopReading(l)
        l.advance(29_000)
        #expect(l.channel.isActive)
        // Taking bytes again (below the low mark) resets the clock.
        l.channel.isWritable = true
        l.channel.pipeline.fireChannelWritabilityChanged()
        l.advance(5_000)
        Self.stopReading(l)
        l.advance(29_900)
        #expect(l.channel.isActive)
        l.advance(200)
        #expect(!l.channel.isActive)
        reason = l.handler.closeReason
        #expect(reason?.hasPrefix("peer stopped reading") == true)
    }

    @Test(arguments: ProtocolVersion.allCases)
    func protocolFramesForANonReadingPeerAreBounded(_ version: ProtocolVersion) throws {
        let l = try LinkLayer05Tests.Link(version: version)
        _ = try l.written()
        Self.stopReading(l)
        let frame = Self.protocolFrame(version, size: 1000)
        var queued = 0, accepted = 0
        for _ in 0..<3000 {  // 3 MB offered
            if l.send(frame) { accepted += 1 }
            queued += try l.written().count
        }
        let bound = l.handler.maxProtocolBytesWhileUnwritable
        #expect(bound == LinkManager.writeBufferWaterMark.high)
        #expect(queued <= bound)
        #expect(queued > bound - 2000)
        #expect(l.handler.droppedProtocol == UInt64(3000 - accepted))
        #expect(l.handler.droppedProtocol > 0)
        // Writable again: frames flow.
        l.channel.isWritable = true
        l.channel.pipeline.fireChannelWritabilityChanged()
        #expect(l.send(frame))
        #expect(try l.written().count > 1000)
    }
}

/// Handshake budgets and stage deadlines (issue 13), on loopback sockets.
@Suite(.live, .serialized) struct HandshakeBudgetTests {
    typealias W = LiveLink05Tests

    /// A plain TCP connection that sends nothing, as an idle attacker holds it (from `source`,
    /// a loopback address, when given).
    static func idleConnection(port: Int, source: String? = nil) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            _ = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return fd
    }

    /// A TCP listener (on `address`, network order; a free port) that never accepts: the kernel
    /// completes each connect into its backlog and nobody answers.
    struct ListenerFailure: Error { var reason: String }
    static func silentListener(on address: in_addr_t, backlog: Int32) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = address
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0, listen(fd, backlog) == 0 else {
            close(fd)
            throw ListenerFailure(reason: String(cString: strerror(errno)))
        }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    static func manager(_ keys: SigningKeyPair, loop: EventLoop, lines: W.Lines) -> LinkManager {
        LinkManager(eventLoop: loop, localKey: keys.publicKey, allowedKeys: [], tls: { try TLSIdentity(keys: keys) },
                    log: Logger(label: "budget", factory: { _ in W.CaptureLog(lines: lines) }))
    }

    final class World: @unchecked Sendable {
        let events = W.Events()
        let targetEvents = W.Events()
        var a: LinkManager!
        var b: LinkManager!
    }

    /// 300 idle inbound connections from one address hold at most 8 handshake slots, and the
    /// node still dials its configured peer at once (before, they filled the 256 shared slots
    /// for up to 6 s, renewable).
    @Test func idleInboundConnectionsCannotBlockAnOutboundDial() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let ours = SigningKeyPair.generate(), theirs = SigningKeyPair.generate()
        let w = World(), lines = W.Lines()
        let (portA, portB) = try loop.flatSubmit { () -> EventLoopFuture<(Int, Int)> in
            w.a = Self.manager(ours, loop: loop, lines: lines)
            w.a.events = w.events
            w.b = Self.manager(theirs, loop: loop, lines: lines)
            w.b.events = w.targetEvents
            let la = w.a.listen(try! PeerURI("tcp://127.0.0.1:0"))
            let lb = w.b.listen(try! PeerURI("tcp://127.0.0.1:0"))
            return la.and(lb).map { ($0.0.port!, $0.1.port!) }
        }.wait()
        var fds: [Int32] = []
        defer { fds.forEach { close($0) } }
        for _ in 0..<300 { fds.append(Self.idleConnection(port: portA)) }
        #expect(fds.allSatisfy { $0 >= 0 })
        // Let the listener accept (and refuse) them all.
        #expect(try W.waitFor(3, on: loop) { w.a.inboundHandshakeCounts(address: "127.0.0.1").fromAddress == 8 })
        usleep(300_000)
        let held = try loop.submit { w.a.inboundHandshakeCounts(address: "127.0.0.1") }.wait()
        #expect(held.total == LinkManager.maxInboundHandshakesPerAddress && held.fromAddress == held.total)
        try loop.submit { try w.a.addPeer(PeerURI("tcp://127.0.0.1:\(portB)"), fromConfig: true) }.wait()
        #expect(try W.waitFor(3, on: loop) { w.events.up.contains { $0.remoteKey == theirs.publicKey } }, "\(lines.all.suffix(5))")
        try loop.flatSubmit { w.a.stop().and(w.b.stop()).map { _ in } }.wait()
    }

    /// 400 idle inbound connections from 50 addresses fill the inbound budget (256), not the
    /// outbound one: the configured peer is still dialled at once.
    @Test func fullInboundBudgetLeavesOutboundDialsFree() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let ours = SigningKeyPair.generate(), theirs = SigningKeyPair.generate()
        let w = World(), lines = W.Lines()
        let (portA, portB) = try loop.flatSubmit { () -> EventLoopFuture<(Int, Int)> in
            w.a = Self.manager(ours, loop: loop, lines: lines)
            w.a.events = w.events
            w.b = Self.manager(theirs, loop: loop, lines: lines)
            w.b.events = w.targetEvents
            let la = w.a.listen(try! PeerURI("tcp://127.0.0.1:0"))
            let lb = w.b.listen(try! PeerURI("tcp://127.0.0.1:0"))
            return la.and(lb).map { ($0.0.port!, $0.1.port!) }
        }.wait()
        var fds: [Int32] = []
        defer { fds.forEach { close($0) } }
        for i in 0..<400 { fds.append(Self.idleConnection(port: portA, source: "127.0.1.\(1 + i % 50)")) }
        #expect(try W.waitFor(3, on: loop) { w.a.inboundHandshakeCounts(address: nil).total == LinkManager.maxInboundHandshakes })
        try loop.submit { try w.a.addPeer(PeerURI("tcp://127.0.0.1:\(portB)"), fromConfig: true) }.wait()
        #expect(try W.waitFor(3, on: loop) { w.events.up.contains { $0.remoteKey == theirs.publicKey } }, "\(lines.all.suffix(5))")
        #expect(try loop.submit { w.a.inboundHandshakeCounts(address: nil).total }.wait() <= LinkManager.maxInboundHandshakes)
        try loop.flatSubmit { w.a.stop().and(w.b.stop()).map { _ in } }.wait()
    }

    /// Multicast beacons come from anyone on the LAN with any key: the dials they start hold at
    /// most `maxDiscoveredHandshakes` outbound slots, and a configured peer still gets one.
    @Test func discoveredDialsLeaveOutboundSlotsForConfiguredPeers() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let ours = SigningKeyPair.generate(), theirs = SigningKeyPair.generate()
        let w = World(), lines = W.Lines()
        // On every loopback address (127.0.2.x reach it too): each dial waits in its link
        // handshake for metadata that never comes (6 s).
        let (silent, silentPort) = try Self.silentListener(on: INADDR_ANY, backlog: 256)
        defer { close(silent) }
        let portB = try loop.flatSubmit { () -> EventLoopFuture<Int> in
            w.a = Self.manager(ours, loop: loop, lines: lines)
            w.a.events = w.events
            w.b = Self.manager(theirs, loop: loop, lines: lines)
            w.b.events = w.targetEvents
            return w.b.listen(try! PeerURI("tcp://127.0.0.1:0")).map { $0.port! }
        }.wait()
        // Twice the cap of beacons, each from a different address: the cap's worth is dialled.
        let beacons = try (1...(2 * LinkManager.maxDiscoveredHandshakes)).map { try PeerURI("tcp://127.0.2.\($0):\(silentPort)") }
        try loop.submit { beacons.forEach { w.a.dialDiscovered($0, interface: "") } }.wait()
        #expect(try W.waitFor(3, on: loop) { w.a.outboundHandshakesInProgress == LinkManager.maxDiscoveredHandshakes })
        // Still full a second later (the dials are stuck in their handshake, not failed).
        usleep(1_000_000)
        #expect(try loop.submit { w.a.outboundHandshakesInProgress }.wait() == LinkManager.maxDiscoveredHandshakes)
        // More beacons change nothing; a configured peer is dialled and comes up.
        try loop.submit { beacons.forEach { w.a.dialDiscovered($0, interface: "") } }.wait()
        try loop.submit { try w.a.addPeer(PeerURI("tcp://127.0.0.1:\(portB)"), fromConfig: true) }.wait()
        #expect(try W.waitFor(3, on: loop) { w.events.up.contains { $0.remoteKey == theirs.publicKey } }, "\(lines.all.suffix(5))")
        #expect(try loop.submit { w.a.outboundHandshakesInProgress }.wait() <= LinkManager.maxDiscoveredHandshakes)
        try loop.flatSubmit { w.a.stop().and(w.b.stop()).map { _ in } }.wait()
    }

    /// What a refused connection looks like from the client's side: still open and silent, or
    /// closed (EOF or reset), or with data (the node's metadata: a handshake in progress).
    enum ClientView { case quiet, closed, data }
    static func view(_ fd: Int32) -> ClientView {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if n > 0 { return .data }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return .quiet }
        return .closed
    }

    /// Connections over the per-address handshake budget are held unread and reset after
    /// `refusalHold`, not closed at once (a client that reconnects as soon as it is closed made
    /// the node accept and close ~2,000 connections a second); at most `maxHeldRefusals` are
    /// held, and any beyond are reset at once.
    @Test func refusedConnectionsAreHeldThenReset() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let ours = SigningKeyPair.generate()
        let w = World(), lines = W.Lines()
        let port = try loop.flatSubmit { () -> EventLoopFuture<Int> in
            w.a = Self.manager(ours, loop: loop, lines: lines)
            w.a.events = w.events
            return w.a.listen(try! PeerURI("tcp://127.0.0.1:0")).map { $0.port! }
        }.wait()
        let over = LinkManager.maxHeldRefusals + 10
        var fds: [Int32] = []
        defer { fds.forEach { close($0) } }
        for _ in 0..<(LinkManager.maxInboundHandshakesPerAddress + over) { fds.append(Self.idleConnection(port: port)) }
        #expect(fds.allSatisfy { $0 >= 0 })
        #expect(try W.waitFor(5, on: loop) { w.a.refusedConnections == UInt64(over) }, "\(lines.all.suffix(5))")
        #expect(try loop.submit { w.a.heldRefusals }.wait() == LinkManager.maxHeldRefusals)
        usleep(1_000_000)
        // A second on: the 8 in their handshake have the node's metadata, the held ones are open
        // and silent, and only the 10 beyond the cap were closed.
        var views = fds.map(Self.view)
        #expect(views.filter { $0 == .data }.count == LinkManager.maxInboundHandshakesPerAddress)
        #expect(views.filter { $0 == .quiet }.count == LinkManager.maxHeldRefusals)
        #expect(views.filter { $0 == .closed }.count == 10)
        // After the hold, every held one is reset and the node holds none.
        #expect(try W.waitFor(Double(LinkManager.refusalHold.nanoseconds) / 1e9 + 2, on: loop) { w.a.heldRefusals == 0 })
        // The count drops when the node starts each close; the reset reaches the client a moment later.
        let resetBy = ContinuousClock.now + .seconds(2)
        repeat { views = fds.map(Self.view) } while views.contains(.quiet) && ContinuousClock.now < resetBy && usleep(20_000) == 0
        #expect(views.filter { $0 == .quiet }.count == 0)
        try loop.flatSubmit { w.a.stop() }.wait()
    }

    /// A SOCKS proxy that accepts the TCP connection and then says nothing: the dial fails at
    /// the SOCKS deadline and its handshake slot is freed.
    @Test func silentSOCKSProxyFreesItsSlotAtTheDeadline() throws {
        let (listener, proxyPort) = try Self.silentListener(on: inet_addr("127.0.0.1"), backlog: 16)
        defer { close(listener) }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let w = World(), lines = W.Lines()
        try loop.submit {
            w.a = Self.manager(SigningKeyPair.generate(), loop: loop, lines: lines)
            w.a.events = w.events
            w.a.socksTimeout = .milliseconds(400)
            try w.a.addPeer(PeerURI("socks://127.0.0.1:\(proxyPort)/192.0.2.1:9999"), fromConfig: true)
        }.wait()
        // Connected to the proxy and waiting: the slot is held.
        #expect(try W.waitFor(2, on: loop) { w.a.outboundHandshakesInProgress == 1 })
        #expect(try W.waitFor(2, on: loop) {
            w.a.configuredPeerStatus.first?.lastError?.contains("i/o timeout") == true && w.a.outboundHandshakesInProgress == 0
        }, "\(lines.all.suffix(5))")
        try loop.flatSubmit { w.a.stop() }.wait()
    }
}

/// Holds a loop-confined object for closures that run on its loop.
final class LoopBound<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// The admin socket's limits (issue 13).
@Suite(.live, .serialized) struct AdminLimitTests {
    /// Values found incrementally match the one-shot scan, whatever the chunking.
    @Test func incrementalSplittingMatchesTheOneShotScan() {
        let text = Array(#"  {"a":1,"s":"x}\"]"} {"b":[1,{"c":"}"}]}[1,2]"str\"ing" 42 {"k":"v"}"#.utf8)
        var expected: [Int] = []
        var rest = text[...]
        while let n = JSONValueSplitter.firstValueLength(in: rest) {
            expected.append(n)
            rest = rest.dropFirst(n)
        }
        #expect(expected.count == 6)
        for chunk in [1, 2, 3, 7, 100] {
            var s = JSONValueSplitter()
            var buffer: [UInt8] = [], got: [Int] = []
            var i = 0
            while i < text.count {
                buffer += text[i..<min(i + chunk, text.count)]
                i += chunk
                while let n = s.nextValueLength(in: buffer[...]) {
                    got.append(n)
                    buffer.removeFirst(n)
                }
            }
            #expect(got == expected, "chunk \(chunk)")
        }
    }

    /// A 1 MB request arriving one byte per read is scanned once: bytes examined = bytes sent.
    @Test func dribbledRequestCostsLinearWork() throws {
        let pad = String(repeating: "x", count: 1_000_000)
        let request = Array(#"{"request":"list","pad":""#.utf8) + Array(pad.utf8) + Array(#""}"#.utf8)
        var s = JSONValueSplitter()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(request.count)
        var found: Int?
        for byte in request {
            buffer.append(byte)
            if let n = s.nextValueLength(in: buffer[...]) { found = n }
        }
        #expect(found == request.count)
        #expect(s.scannedBytes == request.count)

        // Through the connection handler, one byte per channel read (100 kB: the embedded channel
        // costs more per read than the scan).
        let channel = EmbeddedChannel()
        let server = AdminServer(eventLoop: channel.embeddedEventLoop, log: Logger(label: "admin-test"))
        let handler = AdminConnectionHandler(server: server)
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        #expect(server.openConnections == 1)
        let small = Array(#"{"request":"list","pad":""#.utf8) + [UInt8](repeating: 0x78, count: 100_000) + Array(#""}"#.utf8)
        for byte in small { try channel.writeInbound(channel.allocator.buffer(bytes: [byte])) }
        #expect(handler.scannedBytes == small.count)
        var reply: [UInt8] = []
        while var out = try channel.readOutbound(as: ByteBuffer.self) { reply += out.readBytes(length: out.readableBytes)! }
        #expect(String(decoding: reply, as: UTF8.self).contains("\"list\""))
        // Answered without keepalive: closed, and its place given back.
        _ = try? channel.finish()
        #expect(server.openConnections == 0)
    }

    static func connect(port: Int) -> Int32 {
        let fd = HandshakeBudgetTests.idleConnection(port: port)
        var tv = timeval(tv_sec: 0, tv_usec: 300_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Whether the server closed `fd` (recv sees end of file) rather than keeping it open.
    static func closedByServer(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        for _ in 0..<10 {
            let n = recv(fd, &byte, 1, 0)
            if n == 0 { return true }
            if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return true }
        }
        return false
    }

    /// 64 admin connections are held; then the server stops accepting, so a 65th waits in the
    /// backlog (neither served nor closed) and is taken in, and answered, once a place is freed.
    @Test func the65thAdminConnectionWaitsForAPlace() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        // As the daemon does: made and started off the loop (start waits for the bind).
        let box = LoopBound(AdminServer(eventLoop: loop, log: Logger(label: "admin-cap")))
        let server = box.value
        try server.start(.tcp(host: "127.0.0.1", port: 0))
        let port = try #require(try loop.submit { box.value.localAddress?.port }.wait())
        var fds = (0..<AdminServer.maxConnections).map { _ in Self.connect(port: port) }
        defer { fds.forEach { close($0) } }
        #expect(try LiveLink05Tests.waitFor(3, on: loop) { box.value.openConnections == AdminServer.maxConnections })
        #expect(try loop.submit { box.value.acceptPaused }.wait())
        let extra = Self.connect(port: port)
        defer { close(extra) }
        let request = Array(#"{"request":"list"}"#.utf8)
        #expect(send(extra, request, request.count, 0) == request.count)
        // Not closed, not answered, not even accepted while the 64 are held.
        #expect(!Self.closedByServer(extra))
        #expect(try loop.submit { (box.value.openConnections, box.value.refusedConnections) }.wait() == (AdminServer.maxConnections, 0))
        // One leaves: the waiting client is accepted and answered.
        close(fds.removeLast())
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<20 {
            let n = recv(extra, &chunk, chunk.count, 0)
            if n > 0 { reply += chunk[..<n] } else if n == 0 { break }
        }
        #expect(String(decoding: reply, as: UTF8.self).contains("\"list\""))
        #expect(try loop.submit { box.value.refusedConnections }.wait() == 0)
        try loop.flatSubmit { box.value.stop() }.wait()
    }

    /// A non-loopback tcp:// admin endpoint is warned about; local ones are not.
    @Test func exposedAdminEndpointIsWarnedAbout() throws {
        for text in ["tcp://0.0.0.0:9001", "tcp://[::]:9001", "tcp://192.0.2.7:9001", "tcp://[2001:db8::1]:9001", "tcp://example.org:9001"] {
            let warning = try AdminEndpoint(text).exposureWarning
            #expect(warning?.contains("without authentication") == true, "\(text)")
        }
        for text in ["tcp://127.0.0.1:9001", "tcp://localhost:9001", "tcp://[::1]:9001", "unix:///run/rhizome/rhizome.sock"] {
            #expect(try AdminEndpoint(text).exposureWarning == nil, "\(text)")
        }
        #expect(try AdminEndpoint(NodeConfig.defaultAdminListen).isLocalOnly)
    }
}
