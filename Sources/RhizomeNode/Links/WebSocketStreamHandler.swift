import NIOCore
import NIOWebSocket

/// Turns a WebSocket connection back into the link's byte stream (ws and wss links,
/// node-sessions-admin.md §2.11): binary messages in are passed on as plain bytes (message
/// boundaries mean nothing: one message may hold several frames or part of one, and the
/// `FrameDecoder` behind us reassembles), and every buffer written becomes one binary message,
/// masked when we are the client. Sits right behind NIO's WebSocket codec, in front of the
/// `LinkHandshakeHandler`, so the metadata block and the frames travel exactly as over tcp.
///
/// A text message closes the link with 1003, as yggdrasil's side does; pings are answered; a
/// close frame is echoed and the connection closed. Closing the channel sends a 1000 close
/// frame first, as a Go peer does when its link ends.
///
/// A dialled link passes nothing on until `release()`: the server may send its metadata right
/// behind the 101 response, before the `LinkManager` has put the handshake in place. What is
/// held is bounded (`maxHeldBytes`); a peer that sends more before the handshake is closed.
final class WebSocketStreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    /// Clients mask what they send (RFC 6455 §5.3); servers must not.
    let isClient: Bool
    private var held: ByteBuffer?
    private var holding: Bool
    /// Inside a fragmented text message: its continuations are refused too.
    private var inTextMessage = false
    private var closeSent = false
    private var context: ChannelHandlerContext?

    /// More than the peer's metadata block and a few frames: plenty before the handshake starts.
    static let maxHeldBytes = 64 * 1024

    init(isClient: Bool, holdUntilReleased: Bool) {
        self.isClient = isClient
        self.holding = holdUntilReleased
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Passes on what arrived while held and lets everything through from now on.
    func release() {
        guard holding else { return }
        holding = false
        guard let context, let bytes = held else { return }
        held = nil
        if bytes.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(bytes))
            context.fireChannelReadComplete()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary:
            inTextMessage = false
            deliver(frame, context: context)
        case .continuation:
            if inTextMessage { return }
            deliver(frame, context: context)
        case .text:
            inTextMessage = true
            refuse(context: context, code: .unacceptableData, reason: "")
        case .ping:
            guard !closeSent else { return }
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: maskKey(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            // Echo the peer's code (RFC 6455 §5.5.1), then hang up.
            var body = frame.unmaskedData
            let code = body.readableBytes >= 2 ? body.readInteger(as: UInt16.self) : nil
            sendClose(context: context, code: code.map { WebSocketErrorCode(codeNumber: Int($0)) }, reason: "")
            context.close(promise: nil)
        default:
            refuse(context: context, code: .protocolError, reason: "")
        }
    }

    private func deliver(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        let bytes = frame.unmaskedData
        guard bytes.readableBytes > 0 else { return }
        if !holding {
            context.fireChannelRead(wrapInboundOut(bytes))
            return
        }
        var incoming = bytes
        if held == nil { held = incoming } else { held!.writeBuffer(&incoming) }
        if held!.readableBytes > Self.maxHeldBytes {
            held = nil
            refuse(context: context, code: .policyViolation, reason: "")
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: maskKey(), data: bytes)
        context.write(wrapOutboundOut(frame), promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all && context.channel.isActive { sendClose(context: context, code: .normalClosure, reason: "") }
        context.close(mode: mode, promise: promise)
    }

    /// A close frame with `code`, then the connection ends.
    private func refuse(context: ChannelHandlerContext, code: WebSocketErrorCode, reason: String) {
        sendClose(context: context, code: code, reason: reason)
        context.close(promise: nil)
    }

    private func sendClose(context: ChannelHandlerContext, code: WebSocketErrorCode?, reason: String) {
        guard !closeSent else { return }
        closeSent = true
        var body = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        if let code {
            body.write(webSocketErrorCode: code)
            body.writeString(reason)
        }
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: maskKey(), data: body)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    private func maskKey() -> WebSocketMaskingKey? { isClient ? .random() : nil }
}
