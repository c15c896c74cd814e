import Logging
import NIOCore
import NIOEmbedded
import Testing
@testable import RhizomeNode

/// Issue 13: an admin connection that completes no request for 30 s is closed, so leaked or
/// dripping clients cannot hold the 64 places.
@Suite struct AdminIdleTests {
    func connection(_ server: AdminServer, _ loop: EmbeddedEventLoop) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: AdminConnectionHandler(server: server), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    @Test func silentAndDrippingConnectionsAreClosedAfterTheIdleTimeout() throws {
        let loop = EmbeddedEventLoop()
        let server = AdminServer(eventLoop: loop, log: Logger(label: "admin-idle"))
        let silent = try connection(server, loop)
        let dripping = try connection(server, loop)
        #expect(server.openConnections == 2)
        for _ in 0..<29 {
            try dripping.writeInbound(dripping.allocator.buffer(string: #"{"request":"#))
            loop.advanceTime(by: .seconds(1))
        }
        #expect(silent.isActive && dripping.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(!silent.isActive && !dripping.isActive)
        #expect(server.openConnections == 0)
    }

    /// A keepalive client is given the full timeout again after each answer.
    @Test func eachAnswerRestartsTheTimeout() throws {
        let loop = EmbeddedEventLoop()
        let server = AdminServer(eventLoop: loop, log: Logger(label: "admin-idle"))
        let client = try connection(server, loop)
        loop.advanceTime(by: .seconds(20))
        try client.writeInbound(client.allocator.buffer(string: #"{"request":"list","keepalive":true}"#))
        #expect(try client.readOutbound(as: ByteBuffer.self) != nil)
        loop.advanceTime(by: .seconds(29))
        #expect(client.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(!client.isActive)
    }
}
