import NIOCore
import RhizomeCore

/// Carries frames between an established link and the node: passes each received frame up,
/// prefixes and writes outgoing ones, sends a keepalive after `peerKeepalive` seconds without a
/// write and closes the link after `peerTimeout` seconds without a read (ironwood's rules).
/// One timer each, re-armed lazily: nothing is scheduled per frame.
final class LinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    weak var link: PeerLink?
    let onFrame: (PeerLink, ByteBuffer) -> Void
    let onReadComplete: () -> Void
    let onClose: (PeerLink, String?) -> Void
    var closeReason: String?
    private var context: ChannelHandlerContext?
    private var lastRead = NIODeadline.now()
    private var lastWrite = NIODeadline.now()
    private var keepaliveTimer: Scheduled<Void>?
    private var timeoutTimer: Scheduled<Void>?
    private var pendingFlush = false

    static let keepalive = TimeAmount.milliseconds(Int64(Constants.peerKeepalive * 1000))
    static let timeout = TimeAmount.milliseconds(Int64(Constants.peerTimeout * 1000))

    init(link: PeerLink, onFrame: @escaping (PeerLink, ByteBuffer) -> Void, onReadComplete: @escaping () -> Void,
         onClose: @escaping (PeerLink, String?) -> Void) {
        self.link = link
        self.onFrame = onFrame
        self.onReadComplete = onReadComplete
        self.onClose = onClose
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        armKeepalive(at: lastWrite + Self.keepalive)
        armTimeout(at: lastRead + Self.timeout)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastRead = .now()
        guard let link else { return }
        link.bytesReceived &+= UInt64(frame.readableBytes + 2)
        onFrame(link, frame)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        onReadComplete()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepaliveTimer?.cancel()
        timeoutTimer?.cancel()
        if let link { onClose(link, closeReason) }
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if closeReason == nil { closeReason = "\(error)" }
        context.close(promise: nil)
    }

    /// Traffic frames dropped because the link's send buffer was full.
    private(set) var droppedTraffic: UInt64 = 0

    /// Queues a frame. The send buffer is bounded by the channel's write-buffer water mark: when
    /// it is above the high mark, traffic frames (types 9 and 10) are dropped — TCP inside the
    /// overlay recovers, as it does from ironwood's 25 ms queue drops — while protocol frames are
    /// always queued (they are small and rare).
    func write(frame: UnsafeRawBufferPointer) {
        guard let context, frame.count <= Constants.maxFrameLength else { return }
        if let type = frame.first, type == WireType.dhtTraffic.rawValue || type == WireType.pathTraffic.rawValue,
           !context.channel.isWritable {
            droppedTraffic &+= 1
            return
        }
        var buf = context.channel.allocator.buffer(capacity: frame.count + 2)
        buf.writeInteger(UInt16(frame.count))
        buf.writeBytes(frame)
        link?.bytesSent &+= UInt64(buf.readableBytes)
        context.write(wrapOutboundOut(buf), promise: nil)
        pendingFlush = true
        lastWrite = .now()
    }

    func flush() {
        guard pendingFlush, let context else { return }
        pendingFlush = false
        context.flush()
    }

    private func armKeepalive(at when: NIODeadline) {
        guard let context else { return }
        keepaliveTimer = context.eventLoop.scheduleTask(deadline: when) { [weak self] in
            guard let self else { return }
            let due = self.lastWrite + Self.keepalive
            if due <= .now() {
                let keepaliveFrame: [UInt8] = [WireType.dummy.rawValue]
                keepaliveFrame.withUnsafeBytes { self.write(frame: $0) }
                self.flush()
                self.armKeepalive(at: self.lastWrite + Self.keepalive)
            } else {
                self.armKeepalive(at: due)
            }
        }
    }

    private func armTimeout(at when: NIODeadline) {
        guard let context else { return }
        timeoutTimer = context.eventLoop.scheduleTask(deadline: when) { [weak self] in
            guard let self, let context = self.context else { return }
            let due = self.lastRead + Self.timeout
            if due <= .now() {
                self.closeReason = "read timeout: nothing received for \(Int(Constants.peerTimeout)) s"
                context.close(promise: nil)
            } else {
                self.armTimeout(at: due)
            }
        }
    }
}
