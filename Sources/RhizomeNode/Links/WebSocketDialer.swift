import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket

/// The dialling side of ws and wss links (node-sessions-admin.md §2.11): over the connected
/// socket (through TLS for wss, SNI = the URI host) it sends the upgrade request yggdrasil 0.5.12
/// sends — `GET <path and query as written>`, `Host` = the URI host without port or zone,
/// subprotocol `ygg-ws`, version 13, no Origin, no compression — and on a valid 101 puts a
/// held `WebSocketStreamHandler` in place and completes `upgraded`. The `LinkManager` then adds
/// the metadata handshake and calls `release()`.
///
/// Like yggdrasil's dialler it does not insist on the `ygg-ws` answer: a 101 with the right
/// `Sec-WebSocket-Accept` is enough, and a server that names another subprotocol is refused.
final class WebSocketDialer {
    let uri: PeerURI
    let upgraded: EventLoopPromise<Void>
    private var stream: WebSocketStreamHandler?

    /// The request and the upgrade must be done within the link handshake's time (6 s).
    static let upgradeTimeout = TimeAmount.milliseconds(Int64(RhizomeCoreConstants.handshakeTimeout * 1000))

    init(uri: PeerURI, upgraded: EventLoopPromise<Void>) {
        precondition(uri.scheme.isWebSocket)
        self.uri = uri
        self.upgraded = upgraded
    }

    /// The `Host` header: the URI host without its port, brackets for an IPv6 literal, no zone.
    static func hostHeader(_ uri: PeerURI) -> String {
        let host = uri.host.split(separator: "%", maxSplits: 1).first.map(String.init) ?? uri.host
        return host.contains(":") ? "[\(host)]" : host
    }

    /// The wss client context, made on first use (a node without wss links never loads it).
    static let tlsContext: Result<NIOSSLContext, Error> = Result { try makeTLSContext() }

    /// wss: TLS 1.2 or 1.3 without certificate checks (the link metadata is the identity).
    /// Made on first use; Ed25519 certificates (a rhizome wss listener's) are accepted.
    static func makeTLSContext() throws -> NIOSSLContext {
        var config = TLSConfiguration.makeClientConfiguration()
        config.minimumTLSVersion = .tlsv12
        config.maximumTLSVersion = .tlsv13
        config.certificateVerification = .none
        config.verifySignatureAlgorithms = [.ed25519, .ecdsaSecp256R1Sha256, .ecdsaSecp384R1Sha384, .ecdsaSecp521R1Sha512,
                                            .rsaPssRsaeSha256, .rsaPssRsaeSha384, .rsaPssRsaeSha512,
                                            .rsaPkcs1Sha256, .rsaPkcs1Sha384, .rsaPkcs1Sha512]
        return try NIOSSLContext(configuration: config)
    }

    /// Builds the pipeline on a new channel (from the bootstrap's initializer). `tls` is needed
    /// for wss.
    func configure(_ channel: Channel, tls: NIOSSLContext?) throws {
        let sync = channel.pipeline.syncOperations
        if uri.scheme == .wss {
            guard let tls else { throw WebSocketDialError("TLS is not available") }
            let sniHost = uri.host.split(separator: "%", maxSplits: 1).first.map(String.init) ?? uri.host
            let isLiteral = IPv4Text.parse(sniHost) != nil || IPv6Text.isValid(sniHost)
            try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: isLiteral ? nil : sniHost))
        }
        let upgraded = self.upgraded
        let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: WebSocketListener.maxFrameSize, automaticErrorHandling: true) { [weak self] channel, response in
            if let proto = response.headers.first(name: "Sec-WebSocket-Protocol"), proto.lowercased() != WebSocketRequestCheck.subprotocol {
                let error = WebSocketDialError("the server chose subprotocol \"\(proto)\", not ygg-ws")
                upgraded.fail(error)
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }
            let stream = WebSocketStreamHandler(isClient: true, holdUntilReleased: true)
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(stream)
                self?.stream = stream
                upgraded.succeed(())
            }
        }
        let encoder = HTTPRequestEncoder()
        let decoder = ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes))
        let requester = WebSocketUpgradeRequester(head: requestHead(), upgraded: upgraded)
        let upgradeHandler = NIOHTTPClientUpgradeHandler(upgraders: [upgrader], httpHandlers: [encoder, decoder, requester],
                                                         upgradeCompletionHandler: { _ in })
        try sync.addHandlers([encoder, decoder, upgradeHandler, requester])
    }

    /// Lets the peer's bytes through to the handshake that is now in place.
    func release() { stream?.release() }

    func requestHead() -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: Self.hostHeader(uri))
        headers.add(name: "User-Agent", value: "Go-http-client/1.1")
        headers.add(name: "Sec-WebSocket-Protocol", value: WebSocketRequestCheck.subprotocol)
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: uri.requestTarget, headers: headers)
    }
}

struct WebSocketDialError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Sends the upgrade request once the connection is up, and fails the dial if the server
/// answers anything but a valid 101, closes, or takes too long. Leaves the pipeline (with the
/// other HTTP handlers) when the upgrade happens.
final class WebSocketUpgradeRequester: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let upgraded: EventLoopPromise<Void>
    private var sent = false
    private var timer: Scheduled<Void>?

    init(head: HTTPRequestHead, upgraded: EventLoopPromise<Void>) {
        self.head = head
        self.upgraded = upgraded
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = context
        timer = context.eventLoop.scheduleTask(in: WebSocketDialer.upgradeTimeout) { [weak self] in
            self?.fail(loopBound, WebSocketDialError("WebSocket upgrade: i/o timeout"))
        }
        if context.channel.isActive { send(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context)
        context.fireChannelActive()
    }

    private func send(_ context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Only a response that does not upgrade gets here.
        if case .head(let response) = unwrapInboundIn(data) {
            fail(context, WebSocketDialError("expected handshake response status code 101 but got \(response.status.code)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context, WebSocketDialError("connection closed during the WebSocket upgrade"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let e = error as? NIOHTTPClientUpgradeError, e == .upgraderDeniedUpgrade {
            fail(context, WebSocketDialError("WebSocket upgrade refused: bad Sec-WebSocket-Accept"))
        } else if error is NIOHTTPClientUpgradeError {
            // The response that follows says more (its status).
            return
        } else {
            fail(context, error)
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ error: Error) {
        timer?.cancel()
        timer = nil
        upgraded.fail(error)
        context.close(promise: nil)
    }
}
