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
        case incompatible(WireError)
        case closedEarly
        var description: String {
            switch self {
            case .timeout: return "read handshake: i/o timeout"
            case .incompatible(let e): return "remote node is incompatible version (\(e))"
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
        var out = context.channel.allocator.buffer(capacity: Metadata.length)
        out.writeBytes(Metadata(key: localKey).encoded)
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
        guard var buf = received, buf.readableBytes >= Metadata.length else { return }
        let bytes = buf.readBytes(length: Metadata.length)!
        let decoded = bytes.withUnsafeBytes { raw in Result { () throws(WireError) -> Metadata in try Metadata(decoding: raw) } }
        let key: PublicKey
        switch decoded {
        case .success(let meta): key = meta.key
        case .failure(let error): return fail(context: context, .incompatible(error))
        }
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
