import NIOCore
import RhizomeCore

/// Carries frames between an established link and the node: passes each received frame up,
/// prefixes and writes outgoing ones, and keeps the link alive by the rules of its version:
///
/// * 0.4 (ironwood ec61cea): a keepalive after `peerKeepalive` seconds without a write; the link
///   closes after `peerTimeout` seconds without a read.
/// * 0.5 (routing.md §2.4): a received frame of type ≥ 2 asks for a keepalive `01 01` within 1 s
///   unless something else is sent first; a sent frame of type ≥ 2 arms a 3 s read deadline (if
///   none is armed) that any received frame clears. An idle link carries nothing.
///
/// One timer each, re-armed lazily: nothing is scheduled per frame (a timer that fires early
/// re-arms once for the current due time; one with nothing due stops until it is needed again).
///
/// A peer that stops reading: once the channel is above its write-buffer high mark (unwritable),
/// traffic frames are dropped, protocol frames are queued only up to one more high mark's worth
/// (`maxProtocolBytesWhileUnwritable`; beyond it they are dropped and counted), and if the
/// channel stays unwritable for `stallTimeout` (30 s) the link is closed ("peer stopped reading").
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
    let version: ProtocolVersion
    /// 0.5: when the keepalive asked for by a received frame is due; nil once anything is sent.
    private var keepaliveDue: NIODeadline?
    /// 0.5: when the link closes unless a frame arrives; nil when no reply is awaited.
    private var readDeadline: NIODeadline?

    /// How long the channel may stay unwritable (the peer taking nothing) before the link closes.
    /// A property so tests can shorten it.
    var stallTimeout = TimeAmount.seconds(30)
    /// Protocol-frame bytes queued at most while the channel is unwritable: one more high mark of
    /// `LinkManager.writeBufferWaterMark`, so a non-reading peer costs at most about twice the
    /// high mark (plus one hand-off buffer). Frames beyond it are dropped (`droppedProtocol`).
    var maxProtocolBytesWhileUnwritable = LinkManager.writeBufferWaterMark.high
    /// When the channel last became unwritable; nil while writable.
    private var unwritableSince: NIODeadline?
    private var queuedWhileUnwritable = 0
    private var stallTimer: Scheduled<Void>?
    /// Protocol frames dropped because the peer was not reading.
    private(set) var droppedProtocol: UInt64 = 0

    /// 0.5 timers (routing.md §2.4, ironwood 743fe2f `peerKeepAliveDelay`, `peerTimeout`).
    static let keepaliveDelay05 = TimeAmount.seconds(1)
    static let timeout05 = TimeAmount.seconds(3)
    /// 0.5 message types: 0 dummy and 1 keepalive neither ask for nor arm anything; 9 is traffic.
    static let firstProtocolType05: UInt8 = 2
    static let trafficType05: UInt8 = 9

    static let keepalive = TimeAmount.milliseconds(Int64(Constants.peerKeepalive * 1000))
    static let timeout = TimeAmount.milliseconds(Int64(Constants.peerTimeout * 1000))

    init(link: PeerLink, version: ProtocolVersion = .v04, onFrame: @escaping (PeerLink, ByteBuffer) -> Void, onReadComplete: @escaping () -> Void,
         onClose: @escaping (PeerLink, String?) -> Void) {
        self.link = link
        self.version = version
        self.onFrame = onFrame
        self.onReadComplete = onReadComplete
        self.onClose = onClose
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // 0.5 arms its timers only when a frame asks for them.
        guard version == .v04 else { return }
        armKeepalive(at: lastWrite + Self.keepalive)
        armTimeout(at: lastRead + Self.timeout)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if version == .v04 {
            lastRead = .now()
        } else {
            readDeadline = nil
            if keepaliveDue == nil, let type = frame.getInteger(at: frame.readerIndex, as: UInt8.self),
               type >= Self.firstProtocolType05 {
                keepaliveDue = context.eventLoop.now + Self.keepaliveDelay05
                if keepaliveTimer == nil { armKeepalive05(at: keepaliveDue!) }
            }
        }
        guard let link else { return }
        link.bytesReceived &+= UInt64(frame.readableBytes + FrameDecoder.prefixLength(frame.readableBytes, version))
        onFrame(link, frame)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        onReadComplete()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            unwritableSince = nil
            queuedWhileUnwritable = 0
            stallTimer?.cancel()
            stallTimer = nil
        } else if unwritableSince == nil {
            let since = context.eventLoop.now
            unwritableSince = since
            stallTimer = context.eventLoop.scheduleTask(deadline: since + stallTimeout) { [weak self] in
                guard let self, let context = self.context, self.unwritableSince == since else { return }
                self.closeReason = "peer stopped reading: nothing taken for \(self.stallTimeout.nanoseconds / 1_000_000_000) s"
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepaliveTimer?.cancel()
        timeoutTimer?.cancel()
        stallTimer?.cancel()
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

    /// Queues a frame of `length` bytes that `fill` writes in place, after its length prefix
    /// (u16 in 0.4, uvarint in 0.5), in the link's send buffer. A frame above the version's
    /// largest is not sent, as ironwood does. The send buffer is bounded by the channel's
    /// write-buffer water mark: when it is above the high mark, traffic frames (0.4: types 9 and
    /// 10; 0.5: type 9; told apart by the first byte `fill` writes) are dropped — TCP inside the
    /// overlay recovers, as it does from ironwood's 25 ms queue drops — while protocol frames are
    /// queued up to `maxProtocolBytesWhileUnwritable` more. Returns false if the frame was dropped.
    func writeFrame(length: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> Bool {
        guard let context, length > 0, length <= FrameDecoder.maxFrameLength(version) else { return false }
        let prefix = FrameDecoder.prefixLength(length, version)
        if sendBuffer.readableBytes > 0 && sendBuffer.readableBytes + length + prefix > Self.sendBufferHandOff {
            handOff(context)
        }
        let start = sendBuffer.writerIndex
        if version == .v04 {
            sendBuffer.writeInteger(UInt16(length))
        } else {
            sendBuffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Uvarint.maxLength) { out in
                Uvarint.encode(UInt64(length), into: out)
            }
        }
        sendBuffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out in
            fill(UnsafeMutableRawBufferPointer(rebasing: out[0..<length]))
            return length
        }
        let type = sendBuffer.getInteger(at: start + prefix, as: UInt8.self) ?? 0
        let isTraffic = version == .v04
            ? type == WireType.dhtTraffic.rawValue || type == WireType.pathTraffic.rawValue
            : type == Self.trafficType05
        if !context.channel.isWritable {
            if isTraffic {
                sendBuffer.moveWriterIndex(to: start)
                droppedTraffic &+= 1
                return false
            }
            if queuedWhileUnwritable + length + prefix > maxProtocolBytesWhileUnwritable {
                sendBuffer.moveWriterIndex(to: start)
                droppedProtocol &+= 1
                return false
            }
            queuedWhileUnwritable += length + prefix
        }
        link?.bytesSent &+= UInt64(length + prefix)
        pendingFlush = true
        if version == .v04 {
            lastWrite = .now()
        } else {
            keepaliveDue = nil
            if readDeadline == nil && type >= Self.firstProtocolType05 {
                readDeadline = context.eventLoop.now + Self.timeout05
                if timeoutTimer == nil { armTimeout05(at: readDeadline!) }
            }
        }
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

    // MARK: 0.5 timers

    /// Sends `01 01` when the keepalive is due; a send in the meantime cleared `keepaliveDue`.
    private func armKeepalive05(at when: NIODeadline) {
        guard let context else { return }
        keepaliveTimer = context.eventLoop.scheduleTask(deadline: when) { [weak self] in
            guard let self, let context = self.context else { return }
            self.keepaliveTimer = nil
            guard let due = self.keepaliveDue else { return }
            if due <= context.eventLoop.now {
                let keepaliveFrame: [UInt8] = [1]
                keepaliveFrame.withUnsafeBytes { self.write(frame: $0) }
                self.flush()
            } else {
                self.armKeepalive05(at: due)
            }
        }
    }

    /// Closes the link when a reply was awaited for 3 s; a received frame cleared `readDeadline`.
    private func armTimeout05(at when: NIODeadline) {
        guard let context else { return }
        timeoutTimer = context.eventLoop.scheduleTask(deadline: when) { [weak self] in
            guard let self, let context = self.context else { return }
            self.timeoutTimer = nil
            guard let deadline = self.readDeadline else { return }
            if deadline <= context.eventLoop.now {
                self.closeReason = "read timeout: nothing received for 3 s after sending"
                context.close(promise: nil)
            } else {
                self.armTimeout05(at: deadline)
            }
        }
    }

    // MARK: 0.4 timers

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
