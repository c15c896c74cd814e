import NIOCore
import NIOPosix
import Testing
import RhizomeTestSupport
@testable import RhizomeNode
#if canImport(Glibc)
import Glibc
#endif

/// The TUN reader hands over every packet waiting at a wakeup in one batch (one read-complete, so
/// one flush), up to its bound. A SOCK_SEQPACKET socket pair stands in for the TUN device: like
/// a TUN it returns one message per read and never merges two.
@Suite(.live, .serialized) struct TunReadBatchTests {
    /// Writes `sizes` messages into one end of a fresh pair, then reads the other end through
    /// `TunChannel` and returns the sizes seen and how many batches (read-completes) they came in.
    func run(sizes: [Int]) throws -> (packets: [Int], first: [UInt8], batches: Int) {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0, &fds) == 0)
        defer { close(fds[0]) }
        var sndbuf: Int32 = 4 << 20
        setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, socklen_t(MemoryLayout<Int32>.size))
        for (i, size) in sizes.enumerated() {
            let message = [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: size)
            #expect(message.withUnsafeBytes { write(fds[0], $0.baseAddress, size) } == size)
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        var packets: [Int] = []
        var first: [UInt8] = []
        var batches = 0
        let done = loop.makePromise(of: Void.self)
        let channel = try TunChannel.start(descriptor: fds[1], on: loop, onPacket: { packet in
            packets.append(packet.readableBytes)
            first.append(packet.getInteger(at: packet.readerIndex, as: UInt8.self) ?? 0xFF)
        }, onReadComplete: {
            batches += 1
            if packets.count == sizes.count { done.succeed(()) }
        })
        let timeout = loop.scheduleTask(in: .seconds(10)) { done.fail(ChannelError.ioOnClosedChannel) }
        try done.futureResult.wait()
        timeout.cancel()
        try channel.close().wait()
        return try loop.submit { (packets, first, batches) }.wait()
    }

    @Test func waitingPacketsComeInOneBatch() throws {
        let sizes = [1280, 40, 65535, 100, 60000]
        let (packets, first, batches) = try run(sizes: sizes)
        #expect(packets == sizes)
        #expect(first == [0, 1, 2, 3, 4])
        #expect(batches == 1)
    }

    @Test func aBatchEndsAtItsBound() throws {
        let count = TunReadHandler.maxBatchPackets + 6
        let (packets, _, batches) = try run(sizes: Array(repeating: 60, count: count))
        #expect(packets.count == count)
        #expect(batches == 2)
    }
}
