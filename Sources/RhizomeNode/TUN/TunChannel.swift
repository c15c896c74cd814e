import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Reads packets from a TUN device on the node's event loop. The device is read through a NIO
/// pipe channel with a fixed receive buffer larger than any packet, so each read is exactly one
/// packet; writes go straight to the descriptor (one `write` per packet: a TUN device must never
/// see two packets gathered into one write).
enum TunChannel {
    static func start(device: TunDevice, on eventLoop: EventLoop, onPacket: @escaping (ByteBuffer) -> Void,
                      onReadComplete: @escaping () -> Void) throws -> Channel {
        let readFD = dup(device.fd)
        guard readFD >= 0 else { throw TunDevice.Failure(message: "dup of the TUN descriptor failed") }
        return try NIOPipeBootstrap(group: eventLoop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536 + 64))
            .channelOption(.maxMessagesPerRead, value: 64)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TunReadHandler(onPacket: onPacket, onReadComplete: onReadComplete))
                }
            }
            .takingOwnershipOfDescriptor(input: readFD)
            .wait()
    }
}

final class TunReadHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let onPacket: (ByteBuffer) -> Void
    let onReadComplete: () -> Void

    init(onPacket: @escaping (ByteBuffer) -> Void, onReadComplete: @escaping () -> Void) {
        self.onPacket = onPacket
        self.onReadComplete = onReadComplete
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onPacket(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        onReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A TUN read error is not fatal to the node; the channel closes and the error is logged.
        context.close(promise: nil)
    }
}
