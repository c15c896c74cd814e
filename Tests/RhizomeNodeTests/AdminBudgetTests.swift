import Logging
import NIOCore
import NIOEmbedded
import Testing
@testable import RhizomeNode

/// Issue 13: admin requests are answered at a bounded rate; the rest wait in arrival order.
@Suite struct AdminBudgetTests {
    @Test func tokenBucketRefillsAtItsRateUpToItsBurst() {
        var b = TokenBucket(rate: 10, burst: 3)
        func takes(_ n: Int, at now: Double) -> [Bool] { (0..<n).map { _ in b.take(now: now) } }
        #expect(takes(5, at: 0) == [true, true, true, false, false])
        let wait = b.wait(now: 0)
        #expect(abs(wait - 0.1) < 1e-9)
        #expect(takes(1, at: 0.05) == [false])
        #expect(takes(1, at: 0.1 + 1e-9) == [true])
        // A long pause refills to the burst, not beyond.
        #expect(takes(5, at: 100) == [true, true, true, false, false])
        // A clock that goes backwards gives nothing back.
        #expect(takes(1, at: 50) == [false])
    }

    /// Eight clients each send one request; a budget of 3 at once and 10 a second answers three
    /// at once and the rest one per tenth of a second, skipping a client that left while waiting.
    @Test func requestsBeyondTheBudgetWaitTheirTurn() throws {
        let loop = EmbeddedEventLoop()
        let server = AdminServer(eventLoop: loop, log: Logger(label: "admin-budget"),
                                 budget: TokenBucket(rate: 10, burst: 3))
        var now = 0.0
        server.clock = { now }
        var channels: [EmbeddedChannel] = []
        for _ in 0..<8 {
            let channel = EmbeddedChannel(handler: AdminConnectionHandler(server: server), loop: loop)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            channels.append(channel)
        }
        for channel in channels {
            try channel.writeInbound(channel.allocator.buffer(string: #"{"request":"list"}"#))
        }
        func answered() throws -> [Bool] {
            try channels.map { c in
                guard var out = try c.readOutbound(as: ByteBuffer.self) else { return false }
                let text = out.readString(length: out.readableBytes) ?? ""
                return text.contains("\"status\": \"success\"") || text.contains("\"status\":\"success\"")
            }
        }
        #expect(try answered() == [true, true, true, false, false, false, false, false])
        #expect(server.deferredRequests == 5)
        // One tenth of a second later, the next in line.
        func advance(_ seconds: Double) {
            now += seconds
            loop.advanceTime(by: .nanoseconds(Int64(seconds * 1e9)))
        }
        advance(0.15)
        #expect(try answered() == [false, false, false, true, false, false, false, false])
        // Client 4 leaves while waiting: its turn costs no token, client 5 is answered next.
        try channels[4].close().wait()
        advance(0.1)
        let afterLeave = try answered()
        #expect(afterLeave == [false, false, false, false, false, true, false, false], "\(afterLeave)")
        advance(1)
        #expect(try answered() == [false, false, false, false, false, false, true, true])
        for c in channels where c.isActive { try c.close().wait() }
        #expect(server.openConnections == 0)
    }
}

/// Clients that send a request and hang up while it waits leave nothing behind for long: the
/// waiting queue never holds more than `maxConnections` plus the newest.
@Suite struct AdminBudgetQueueTests {
    @Test func hangUpsWhileWaitingDoNotGrowTheQueue() throws {
        let loop = EmbeddedEventLoop()
        let server = AdminServer(eventLoop: loop, log: Logger(label: "admin-budget"),
                                 budget: TokenBucket(rate: 1, burst: 1))
        server.clock = { 0 }
        var peak = 0
        for _ in 0..<300 {
            let channel = EmbeddedChannel(handler: AdminConnectionHandler(server: server), loop: loop)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try channel.writeInbound(channel.allocator.buffer(string: #"{"request":"list"}"#))
            if channel.isActive { try channel.close().wait() }
            peak = max(peak, server.waitingRequests)
        }
        #expect(server.deferredRequests == 299)
        #expect(server.openConnections == 0)
        #expect(peak <= AdminServer.maxConnections + 1, "peak \(peak)")
    }
}
