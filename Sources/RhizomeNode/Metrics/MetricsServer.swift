import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves `GET /metrics` in the Prometheus text format on the node's event loop (HTTP/1.1,
/// keep-alive). It answers only that path (404 elsewhere, 405 for methods other than GET and
/// HEAD) and is bounded so a scraper, or anything else that finds the port, cannot grow it:
/// at most `maxConnections` at once (more are closed on accept), at most `maxRequestBytes` read
/// per request, and a connection that sends nothing for `idleTimeout` is closed.
final class MetricsServer {
    static let maxConnections = 16
    static let maxRequestBytes = 16 * 1024
    static let idleTimeout = TimeAmount.seconds(10)

    let eventLoop: EventLoop
    let log: Logger
    /// Gathers the node's metrics; called on the event loop for each scrape.
    private let gather: () -> [MetricFamily]
    private let exposition = MetricsExposition()
    private var channel: Channel?
    private var connections: [ObjectIdentifier: Channel] = [:]
    private(set) var listen: MetricsListen?
    private let idle: TimeAmount

    /// - Parameter idle: how long a connection may send nothing (`idleTimeout`; shorter in tests).
    init(eventLoop: EventLoop, log: Logger, idle: TimeAmount = MetricsServer.idleTimeout,
         gather: @escaping () -> [MetricFamily]) {
        self.eventLoop = eventLoop
        self.log = log
        self.idle = idle
        self.gather = gather
    }

    /// The bound address (the port the kernel chose, for tests).
    var localAddress: SocketAddress? { channel?.localAddress }

    /// Binds and starts serving. Blocks until bound; call it off the event loop.
    func start(listen: MetricsListen) throws {
        let bootstrap = ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [weak self] channel in
                guard let self else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture { try self.accept(channel) }
            }
        channel = try bootstrap.bind(to: listen.socketAddress).wait()
        self.listen = listen
        log.info("Metrics served at http://\(listen.host.contains(":") ? "[\(listen.host)]" : listen.host):\(listen.port)/metrics")
        if !listen.isLoopback {
            log.warning("MetricsListen \(listen.host):\(listen.port) is not a loopback address: anyone who reaches it can read this node's peers and traffic figures")
        }
    }

    /// Closes the listener and every open scrape connection.
    func stop() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            let closes = ([self.channel].compactMap { $0 } + self.connections.values).map { $0.close() }
            self.channel = nil
            self.connections.removeAll()
            return EventLoopFuture.andAllComplete(closes, on: self.eventLoop)
        }
    }

    private func accept(_ channel: Channel) throws {
        guard connections.count < Self.maxConnections else {
            channel.close(promise: nil)
            return
        }
        let id = ObjectIdentifier(channel)
        connections[id] = channel
        channel.closeFuture.whenComplete { [weak self] _ in self?.connections[id] = nil }
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = 4096
        limits.maxHeaderListSize = 8192
        limits.maxHeaderFieldCount = 64
        let limiter = RequestSizeLimiter(limit: Self.maxRequestBytes)
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(IdleStateHandler(readTimeout: idle))
        try sync.addHandler(limiter)
        try sync.addHandler(HTTPResponseEncoder())
        try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes,
                                                                    informationalResponseStrategy: .drop,
                                                                    limitConfiguration: limits),
                                                 maximumBufferSize: Self.maxRequestBytes))
        try sync.addHandler(MetricsHTTPHandler(limiter: limiter) { [weak self] in
            guard let self else { return [] }
            return self.exposition.render(self.gather())
        })
    }
}

/// Closes a connection that sends more than `limit` bytes for one request (the HTTP handler
/// resets the count after each response).
final class RequestSizeLimiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let limit: Int
    private var received = 0

    init(limit: Int) { self.limit = limit }

    func requestAnswered() { received = 0 }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytes
        guard received <= limit else {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
    }
}

/// Answers each request once it has been read whole.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let limiter: RequestSizeLimiter
    private let render: () -> [UInt8]
    private var head: HTTPRequestHead?

    init(limiter: RequestSizeLimiter, render: @escaping () -> [UInt8]) {
        self.limiter = limiter
        self.render = render
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, to: head)
        }
    }

    private func respond(context: ChannelHandlerContext, to request: HTTPRequestHead) {
        let status: HTTPResponseStatus
        var body: [UInt8]
        var headers = HTTPHeaders()
        let path = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        if request.method != .GET && request.method != .HEAD {
            status = .methodNotAllowed
            body = Array("method not allowed\n".utf8)
            headers.add(name: "Allow", value: "GET, HEAD")
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        } else if path != "/metrics" {
            status = .notFound
            body = Array("not found: metrics are at /metrics\n".utf8)
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        } else {
            status = .ok
            body = render()
            headers.add(name: "Content-Type", value: MetricsExposition.contentType)
        }
        headers.add(name: "Content-Length", value: "\(body.count)")
        let keepAlive = request.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        if request.method == .HEAD { body = [] }
        let version = HTTPVersion(major: 1, minor: 1)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let done = context.writeAndFlushPromise()
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        limiter.requestAnswered()
        if !keepAlive { done.futureResult.whenComplete { _ in context.close(promise: nil) } }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A malformed request (or headers over the limits): answer nothing, close.
        context.close(promise: nil)
    }
}

private extension ChannelHandlerContext {
    func writeAndFlushPromise() -> EventLoopPromise<Void> { eventLoop.makePromise() }
}

extension MetricsListen {
    /// `host` was checked as an IP literal when the value was made.
    var socketAddress: SocketAddress { try! SocketAddress(ipAddress: host, port: port) }
}
