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
    /// Set while the node has this link in its list of links to flush.
    var inDirtyList = false

    /// Frames written since the last hand-off to the channel, length prefixes included. Reused:
    /// once the channel has written a handed-off buffer and let go of it, `clear()` finds the
    /// storage unshared and keeps it, so in the steady state sending allocates nothing. It grows
    /// to what the link's traffic needs (at most the hand-off size plus one frame).
    private var sendBuffer = ByteBufferAllocator().buffer(capacity: 0)
    /// Frames collect up to this many bytes before they are handed to the channel mid-batch.
    static let sendBufferHandOff = 256 * 1024

    /// Queues a frame (type byte and body). See `writeFrame(length:_:)`.
    func write(frame: UnsafeRawBufferPointer) {
        _ = writeFrame(length: frame.count) { $0.copyMemory(from: frame) }
    }

    /// Queues a frame of `length` bytes that `fill` writes in place, after its 2-byte length
    /// prefix, in the link's send buffer. The send buffer is bounded by the channel's write-buffer
    /// water mark: when it is above the high mark, traffic frames (types 9 and 10, told apart by
    /// the first byte `fill` writes) are dropped — TCP inside the overlay recovers, as it does from
    /// ironwood's 25 ms queue drops — while protocol frames are always queued (they are small and
    /// rare). Returns false if the frame was dropped.
    func writeFrame(length: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> Bool {
        guard let context, length > 0, length <= Constants.maxFrameLength else { return false }
        if sendBuffer.readableBytes > 0 && sendBuffer.readableBytes + length + 2 > Self.sendBufferHandOff {
            handOff(context)
        }
        let start = sendBuffer.writerIndex
        sendBuffer.writeInteger(UInt16(length))
        sendBuffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out in
            fill(UnsafeMutableRawBufferPointer(rebasing: out[0..<length]))
            return length
        }
        let type = sendBuffer.getInteger(at: start + 2, as: UInt8.self)
        if type == WireType.dhtTraffic.rawValue || type == WireType.pathTraffic.rawValue, !context.channel.isWritable {
            sendBuffer.moveWriterIndex(to: start)
            droppedTraffic &+= 1
            return false
        }
        link?.bytesSent &+= UInt64(length + 2)
        pendingFlush = true
        lastWrite = .now()
        return true
    }

    /// Writes and flushes the collected frames, then starts collecting again in the same storage
    /// (copied only if the channel still holds it, i.e. the socket did not take it all).
    private func handOff(_ context: ChannelHandlerContext) {
        guard sendBuffer.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(sendBuffer), promise: nil)
        sendBuffer.clear()
    }

    func flush() {
        guard pendingFlush, let context else { return }
        pendingFlush = false
        handOff(context)
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
