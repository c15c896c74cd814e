import NIOCore
import RhizomeCore
import RhizomeCrypto

/// The 38-byte metadata exchange that opens every link (`meta`, version 0.4, key). Both sides
/// write immediately, then read exactly 38 bytes within the handshake deadline. On success the
/// handler hands the channel to the `LinkManager`, which installs the framing handlers and
/// passes on any bytes that arrived after the metadata.
final class LinkHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Failure: Error, CustomStringConvertible {
        case timeout
        case badMagic
        case incompatibleVersion(UInt8, UInt8)
        case closedEarly
        var description: String {
            switch self {
            case .timeout: return "read handshake: i/o timeout"
            case .badMagic: return "remote node is incompatible version (bad metadata magic)"
            case .incompatibleVersion(let ma, let mi): return "remote node is incompatible version (local 0.4, remote \(ma).\(mi))"
            case .closedEarly: return "connection closed during the handshake"
            }
        }
    }

    private let localKey: PublicKey
    private let onComplete: (ChannelHandlerContext, PublicKey, ByteBuffer) -> Void
    private let onFailure: (Error) -> Void
    private var received: ByteBuffer?
    private var deadline: Scheduled<Void>?
    private var done = false

    init(localKey: PublicKey,
         onComplete: @escaping (ChannelHandlerContext, PublicKey, ByteBuffer) -> Void,
         onFailure: @escaping (Error) -> Void) {
        self.localKey = localKey
        self.onComplete = onComplete
        self.onFailure = onFailure
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private var started = false
    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        var out = context.channel.allocator.buffer(capacity: Constants.metadataLength)
        out.writeBytes(Constants.metadataMagic)
        out.writeInteger(Constants.protocolMajorVersion)
        out.writeInteger(Constants.protocolMinorVersion)
        out.writeBytes(localKey.bytes)
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        let loopBoundContext = context
        deadline = context.eventLoop.scheduleTask(in: .milliseconds(Int64(Constants.handshakeTimeout * 1000))) { [weak self] in
            self?.fail(context: loopBoundContext, .timeout)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        var chunk = unwrapInboundIn(data)
        if received == nil { received = chunk } else { received!.writeBuffer(&chunk) }
        guard var buf = received, buf.readableBytes >= Constants.metadataLength else { return }
        let meta = buf.readBytes(length: Constants.metadataLength)!
        guard Array(meta[0..<4]) == Constants.metadataMagic else { return fail(context: context, .badMagic) }
        guard meta[4] == Constants.protocolMajorVersion, meta[5] == Constants.protocolMinorVersion else {
            return fail(context: context, .incompatibleVersion(meta[4], meta[5]))
        }
        let key = PublicKey(bytes: meta[6..<38])!
        done = true
        deadline?.cancel()
        received = nil
        onComplete(context, key, buf)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done { fail(context: context, .closedEarly) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !done {
            done = true
            deadline?.cancel()
            onFailure(error)
            context.close(promise: nil)
        } else {
            context.fireErrorCaught(error)
        }
    }

    private func fail(context: ChannelHandlerContext, _ error: Failure) {
        guard !done else { return }
        done = true
        deadline?.cancel()
        onFailure(error)
        context.close(promise: nil)
    }
}
