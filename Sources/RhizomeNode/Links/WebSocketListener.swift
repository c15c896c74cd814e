import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The accepting side of ws links (and of wss links behind our own TLS): an HTTP/1.1 server on
/// each accepted connection that upgrades to WebSocket as `WebSocketRequestCheck` decides, then
/// hands the upgraded channel to the link layer with a `WebSocketStreamHandler` in front.
enum WebSocketListener {
    /// Largest WebSocket frame accepted from a peer: two of the largest link frames with their
    /// prefixes, the most the `FrameDecoder` buffers too. yggdrasil writes one link frame, or a
    /// 4 KiB batch of small ones, per message.
    static let maxFrameSize = FrameDecoder.maximumBufferSize(.v05)
    /// A connection that has not upgraded within this time is closed (Go's HTTP server read
    /// timeout in 0.5.12's ws listener).
    static let requestTimeout = TimeAmount.seconds(10)

    /// Sets up `channel` for one inbound connection. `onLink` runs once the connection has
    /// upgraded with `ygg-ws` and must put the link handshake behind the stream handler.
    static func configure(_ channel: Channel, onLink: @escaping (Channel) -> EventLoopFuture<Void>) throws {
        let responder = WebSocketHTTPResponder()
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: maxFrameSize,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                channel.eventLoop.makeSucceededFuture(WebSocketRequestCheck(head).upgradeHeaders)
            },
            upgradePipelineHandler: { channel, head in
                guard WebSocketRequestCheck(head).speaksYggWS else {
                    // 0.5.12 upgrades such a client, then closes with 1008. The close frame goes
                    // straight to the WebSocket encoder: no stream handler (which takes only
                    // ByteBuffers) is installed for a link that never starts.
                    var reason = channel.allocator.buffer(capacity: 64)
                    reason.write(webSocketErrorCode: .policyViolation)
                    reason.writeString(WebSocketRequestCheck.missingSubprotocolReason)
                    let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: reason)
                    return channel.writeAndFlush(frame).flatMap { channel.close() }
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WebSocketStreamHandler(isClient: false, holdUntilReleased: false))
                }.flatMap { onLink(channel) }
            })
        let encoder = HTTPResponseEncoder()
        let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        let upgradeHandler = HTTPServerUpgradeHandler(upgraders: [upgrader], httpEncoder: encoder,
                                                      extraHTTPHandlers: [decoder, responder], upgradeCompletionHandler: { _ in })
        try channel.pipeline.syncOperations.addHandlers([encoder, decoder, upgradeHandler, responder])
    }
}

/// Answers the HTTP requests of a ws listener that do not upgrade: `/health` and `/healthz`
/// with 200 `OK`, everything else with the error `WebSocketRequestCheck` gives (426, 405, 400,
/// 403), then closes the connection. Also closes a connection that sends no complete request in
/// time. Leaves the pipeline when the connection upgrades.
final class WebSocketHTTPResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var verdict: WebSocketRequestCheck.Verdict?
    private var timer: Scheduled<Void>?
    private var answered = false

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = context
        timer = context.eventLoop.scheduleTask(in: WebSocketListener.requestTimeout) {
            loopBound.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            verdict = WebSocketRequestCheck(head).verdict
        case .body:
            break
        case .end:
            guard !answered, let verdict else { return }
            answered = true
            respond(context: context, verdict)
        }
    }

    private func respond(context: ChannelHandlerContext, _ verdict: WebSocketRequestCheck.Verdict) {
        let status: HTTPResponseStatus
        var headers = HTTPHeaders()
        let body: String
        switch verdict {
        case .health:
            (status, body) = (.ok, "OK")
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        case .refuse(let s, let extra, let text):
            (status, body) = (s, text + "\n")
            for (name, value) in extra { headers.add(name: name, value: value) }
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            headers.add(name: "X-Content-Type-Options", value: "nosniff")
        case .upgrade:
            // Only reached if NIO did not attempt the upgrade the check allows.
            (status, body) = (.badRequest, "WebSocket upgrade failed\n")
        }
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        headers.add(name: "Connection", value: "close")
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let loopBound = context
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.close(promise: nil) }
    }

    /// Upgrade attempts that fail (a bad key, say) are reported here before the request arrives;
    /// the reply to the request says what went wrong.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is HTTPParserError { context.close(promise: nil) }
    }
}
