import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Reads packets from a TUN device on the node's event loop. The device is read through a NIO
/// pipe channel with a fixed receive buffer larger than any packet, so each read is exactly one
/// packet; writes go straight to the descriptor (one `write` per packet: a TUN device must never
/// see two packets gathered into one write).
///
/// NIO stops reading after any read that leaves its buffer partly empty, which a packet always
/// does, so it alone would hand over one packet per wakeup. The read handler therefore reads on
/// from the descriptor itself (up to `TunReadHandler.maxBatchPackets` packets or
/// `maxBatchBytes`, or until the kernel has none) before the batch ends: under load one wakeup,
/// one flush and one link write then carry several packets instead of one each.
enum TunChannel {
    static func start(device: TunDevice, on eventLoop: EventLoop, onPacket: @escaping (ByteBuffer) -> Void,
                      onReadComplete: @escaping () -> Void) throws -> Channel {
        let readFD = dup(device.fd)
        guard readFD >= 0 else { throw TunDevice.Failure(message: "dup of the TUN descriptor failed") }
        return try start(descriptor: readFD, header: device.vnetHeader, on: eventLoop, onPacket: onPacket,
                         onReadComplete: onReadComplete)
    }

    /// Reads packets from `descriptor` (a TUN, or in tests any descriptor that keeps message
    /// boundaries), which the channel takes over and closes. Each read starts with `header`
    /// bytes (the TUN's virtio-net header) that are skipped.
    static func start(descriptor readFD: Int32, header: Int = 0, on eventLoop: EventLoop, onPacket: @escaping (ByteBuffer) -> Void,
                      onReadComplete: @escaping () -> Void) throws -> Channel {
        try NIOPipeBootstrap(group: eventLoop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: TunReadHandler.readCapacity + header))
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        TunReadHandler(descriptor: readFD, header: header, onPacket: onPacket, onReadComplete: onReadComplete))
                }
            }
            .takingOwnershipOfDescriptor(input: readFD)
            .wait()
    }
}

final class TunReadHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    /// Larger than any packet (0.5's 65535), so one read is one whole packet.
    static let readCapacity = 65536 + 64
    /// A batch ends after this many packets or bytes even if more wait: bounds the time links go
    /// unread and how much one flush collects (about the links' hand-off size).
    static let maxBatchPackets = 64
    static let maxBatchBytes = 256 * 1024
    let onPacket: (ByteBuffer) -> Void
    let onReadComplete: () -> Void
    /// The channel's descriptor, read directly for the rest of a batch (non-blocking: NIO set it so).
    let descriptor: Int32
    /// Bytes in front of each packet read (the TUN's virtio-net header), skipped.
    let header: Int
    /// Where the rest of a batch is read, one packet at a time; reused (`onPacket` keeps nothing).
    private var spare = ByteBufferAllocator().buffer(capacity: 0)

    init(descriptor: Int32, header: Int = 0, onPacket: @escaping (ByteBuffer) -> Void, onReadComplete: @escaping () -> Void) {
        self.descriptor = descriptor
        self.header = header
        self.onPacket = onPacket
        self.onReadComplete = onReadComplete
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var first = unwrapInboundIn(data)
        guard first.readableBytes > header else { return }
        first.moveReaderIndex(forwardBy: header)
        var bytes = first.readableBytes
        onPacket(first)
        var packets = 1
        let capacity = Self.readCapacity + header
        while packets < Self.maxBatchPackets && bytes < Self.maxBatchBytes && context.channel.isActive {
            spare.clear()
            let n = spare.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { out in
                max(0, Glibc.read(descriptor, out.baseAddress, capacity))
            }
            // 0: EAGAIN (nothing waits), an error or end of file; NIO's next read reports the latter.
            guard n > 0 else { break }
            guard n > header else { packets += 1; continue }
            spare.moveReaderIndex(forwardBy: header)
            onPacket(spare)
            packets += 1
            bytes += n
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        onReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A TUN read error is not fatal to the node; the channel closes and the error is logged.
        context.close(promise: nil)
    }
}
