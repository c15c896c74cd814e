import Logging
import NIOCore
import NIOPosix
import RhizomeCore
#if canImport(Glibc)
import Glibc
#endif

/// A command the admin API answers.
struct AdminCommand {
    var name: String
    var description: String
    var fields: [String]
    /// 0.5: the Go type yggdrasil 0.5.12 decodes the arguments into (`admin.GetSelfRequest`), for
    /// its argument-type error texts; nil = arguments are not checked (`list`, rhizome's own).
    var goRequestType: String?
    /// Produces the `response` object, or throws `AdminError` with the message for `error`.
    var handler: (JSONObject) -> EventLoopFuture<JSONValue>
}

struct AdminError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The admin socket: yggdrasil's protocol (one JSON request → one pretty-printed JSON reply with
/// `status`, `error`, `request`, `response`; `keepalive` keeps the connection), so Debian's
/// yggdrasilctl drives rhizome unchanged. The envelope follows the node's version: 0.4.7 answers
/// `"request": null`; 0.5.12 echoes the parsed request (spec node-sessions-admin.md §9.2) and
/// checks argument types with Go's error texts. Requests are capped in size; malformed input
/// gets an error reply and never affects the node.
final class AdminServer {
    let eventLoop: EventLoop
    let log: Logger
    private(set) var commands: [String: AdminCommand] = [:]
    private var channel: Channel?
    private var socketPath: String?
    /// Selects the envelope; the 0.5 commands set it when they are registered.
    var version: ProtocolVersion = .v04

    /// Largest request accepted (128 KiB: the largest real request, an addPeer or a NodeInfo
    /// query, is a few hundred bytes); a client that sends more gets an error and is disconnected.
    /// With `maxConnections` this bounds what admin clients can hold to 8 MiB.
    static let maxRequestBytes = 128 << 10
    /// Admin connections open at once at most, so idle clients cannot hold unbounded buffers.
    /// At the cap the server stops accepting: further clients wait in the listen backlog (64)
    /// until a connection closes, instead of being closed and reconnecting in a loop, which cost
    /// more than answering them. One accepted in the same read as the cap was reached is closed
    /// at once (counted in `refusedConnections`).
    static let maxConnections = 64
    /// A connection that completes no request for this long after it opened or after its last
    /// answer is closed, so clients that open connections and leave them (or drip a request that
    /// never ends) cannot hold the 64 places and lock the operator out.
    static let idleTimeout = TimeAmount.seconds(30)
    private(set) var openConnections = 0
    private(set) var refusedConnections = 0
    /// Whether accepting is paused because `openConnections` is at the cap.
    private(set) var acceptPaused = false

    /// Counts a new connection in; false if the server is full and the connection must go.
    func connectionOpened() -> Bool {
        guard openConnections < Self.maxConnections else {
            refusedConnections += 1
            return false
        }
        openConnections += 1
        if openConnections == Self.maxConnections { setAccepting(false) }
        return true
    }

    func connectionClosed() {
        openConnections -= 1
        if acceptPaused { setAccepting(true) }
    }

    private func setAccepting(_ on: Bool) {
        acceptPaused = !on
        // Stopping closes the listener before its connections: nothing to resume then.
        guard let channel, channel.isActive else { return }
        channel.setOption(ChannelOptions.autoRead, value: on).whenFailure { [log] error in
            log.warning("admin socket: cannot \(on ? "resume" : "pause") accepting: \(error)")
        }
    }

    /// How many admin requests the node answers a second, in all connections together.
    ///
    /// The admin server runs on the event loop that moves packets, so every answer is time the
    /// data path does not get. An operator's tools make a handful of requests a second; a runaway
    /// script (or 200 clients in a loop, `Benchmarks/hostile --scenario admin`) can make
    /// thousands. Requests beyond the budget are not refused: they wait, in the order they
    /// arrived, for the next token, so a client sees a slower answer, never an error, and the
    /// admin CPU stays bounded. 200 a second: at the ~200 µs an answer costs with its
    /// connection, about 4% of a core; a burst as large as a second's worth, so scripts that ask
    /// several things at once never wait.
    static func requestBudget() -> TokenBucket { TokenBucket(rate: 200, burst: 200) }
    private var budget: TokenBucket
    /// Requests waiting for a token: at most one live one per open connection (a connection sends
    /// its next request only after its answer), so at most `maxConnections` live. Those of
    /// connections that closed are skipped when reached, and purged as soon as more than
    /// `maxConnections` wait, so clients that send a request and hang up cannot grow the queue.
    private var waiting: [(live: () -> Bool, run: () -> Void)] = []
    private var waitingHead = 0
    private var drainScheduled = false
    /// Requests waiting for the budget now, closed connections' included until purged.
    var waitingRequests: Int { waiting.count - waitingHead }
    /// Requests that had to wait for the budget (tests and logs).
    private(set) var deferredRequests: UInt64 = 0
    /// Monotonic seconds; tests may replace it.
    var clock: () -> Double = { Double(NIODeadline.now().uptimeNanoseconds) / 1e9 }

    /// Runs `run` now if the budget allows and nobody is waiting, else once its turn comes;
    /// a waiter no longer `live` (its connection closed) is skipped without spending a token.
    func whenBudgetAllows(live: @escaping () -> Bool, _ run: @escaping () -> Void) {
        if waitingHead == waiting.count, budget.take(now: clock()) {
            run()
            return
        }
        deferredRequests &+= 1
        if waiting.count - waitingHead >= Self.maxConnections {
            waiting = waiting[waitingHead...].filter { $0.live() }
            waitingHead = 0
        }
        waiting.append((live, run))
        scheduleDrain()
    }

    private func scheduleDrain() {
        guard !drainScheduled, waitingHead < waiting.count else { return }
        drainScheduled = true
        let delay = max(budget.wait(now: clock()), 0.001)
        eventLoop.scheduleTask(in: .nanoseconds(Int64(delay * 1e9))) { [weak self] in self?.drain() }
    }

    private func drain() {
        drainScheduled = false
        while waitingHead < waiting.count {
            let next = waiting[waitingHead]
            if next.live() {
                guard budget.take(now: clock()) else { break }
                waitingHead += 1
                next.run()
            } else {
                waitingHead += 1
            }
        }
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingHead = 0
        } else if waitingHead >= Self.maxConnections, waitingHead * 2 >= waiting.count {
            // Under a steady stream the queue never empties: drop the answered front.
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
        scheduleDrain()
    }

    /// The address the server listens on (tcp: with the port the system chose for port 0).
    var localAddress: SocketAddress? { channel?.localAddress }

    init(eventLoop: EventLoop, log: Logger, budget: TokenBucket = AdminServer.requestBudget()) {
        self.eventLoop = eventLoop
        self.log = log
        self.budget = budget
        register("list", "List available commands") { [weak self] _ in
            guard let self else { return self!.eventLoop.makeSucceededFuture(.null) }
            let list = self.commands.values.sorted { $0.name < $1.name }.map { c -> JSONValue in
                var o = JSONObject([("command", .string(c.name)), ("description", .string(c.description))])
                if !c.fields.isEmpty { o["fields"] = .array(c.fields.map(JSONValue.string)) }
                return .object(o)
            }
            return self.eventLoop.makeSucceededFuture(.object(JSONObject([("list", .array(list))])))
        }
    }

    func register(_ name: String, _ description: String, fields: [String] = [], goType: String? = nil,
                  _ handler: @escaping (JSONObject) -> EventLoopFuture<JSONValue>) {
        commands[name.lowercased()] = AdminCommand(name: name.lowercased(), description: description, fields: fields,
                                                   goRequestType: goType, handler: handler)
    }

    /// A synchronous handler.
    func register(_ name: String, _ description: String, fields: [String] = [], goType: String? = nil,
                  sync: @escaping (JSONObject) throws -> JSONValue) {
        register(name, description, fields: fields, goType: goType) { [eventLoop] args in
            do { return eventLoop.makeSucceededFuture(try sync(args)) } catch { return eventLoop.makeFailedFuture(error) }
        }
    }

    func start(_ endpoint: AdminEndpoint) throws {
        let bootstrap = ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 64)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { [weak self] channel in
                guard let self else { return channel.eventLoop.makeSucceededVoidFuture() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AdminConnectionHandler(server: self))
                }
            }
        switch endpoint {
        case .unix(let path):
            try prepareSocketPath(path)
            channel = try bootstrap.bind(unixDomainSocketPath: path).wait()
            socketPath = path
            chmod(path, 0o660)
            log.info("UNIX admin socket listening on \(path)")
        case .tcp(let host, let port):
            channel = try bootstrap.serverChannelOption(.socketOption(.so_reuseaddr), value: 1).bind(host: host, port: Int(port)).wait()
            log.info("TCP admin socket listening on \(channel?.localAddress.map { "\($0)" } ?? "")")
            // Only ever the operator's own choice (the default is a unix socket): say what it risks.
            if let warning = endpoint.exposureWarning { log.warning("\(warning)") }
        }
    }

    /// A socket file left by a crashed run is removed; one that answers belongs to a running
    /// node, which is an error. The parent directory is created if missing.
    private func prepareSocketPath(_ path: String) throws {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            let dir = String(path[..<slash])
            var st = stat()
            if stat(dir, &st) != 0 { try makeDirectories(dir) }
        }
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw AdminError(message: "admin socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in bytes.enumerated() { buf[i] = b }
        }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected == 0 {
            throw AdminError(message: "admin socket \(path) already exists and is in use by another process")
        }
        log.debug("Admin socket \(path) already exists, cleaning up")
        guard unlink(path) == 0 else { throw AdminError(message: "cannot remove stale admin socket \(path): \(String(cString: strerror(errno)))") }
    }

    private func makeDirectories(_ dir: String) throws {
        var path = ""
        for part in dir.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw AdminError(message: "cannot create \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    func stop() -> EventLoopFuture<Void> {
        let done = channel?.close() ?? eventLoop.makeSucceededVoidFuture()
        return done.always { [socketPath] _ in
            if let socketPath { unlink(socketPath) }
        }
    }

    /// Handles one parsed request value; returns the reply and whether to keep the connection.
    func handle(requestBytes: [UInt8]) -> EventLoopFuture<(JSONValue, Bool)> {
        if version == .v05 { return handle05(requestBytes: requestBytes) }
        func reply(error: String) -> EventLoopFuture<(JSONValue, Bool)> {
            eventLoop.makeSucceededFuture((Self.envelope(error: error), false))
        }
        guard let text = String(validating: requestBytes, as: UTF8.self),
              let value = try? HJSONParser.parse(text, strict: true) else {
            return reply(error: "Failed to find request")
        }
        guard case .object(let req) = value else { return reply(error: "Failed to unmarshal request") }
        let keepalive = req["keepalive"]?.boolValue ?? false
        guard let nameValue = req["request"] else { return reply(error: "No request specified") }
        guard case .string(let name) = nameValue else { return reply(error: "Failed to unmarshal request") }
        guard !name.isEmpty else { return reply(error: "No request specified") }
        guard let command = commands[name.lowercased()] else {
            return eventLoop.makeSucceededFuture((Self.envelope(error: "Unknown action '\(name.lowercased())', try 'list' for help"), keepalive))
        }
        var args = JSONObject()
        switch req["arguments"] {
        case nil, .some(.null): break
        case .some(.object(let o)): args = o
        case .some(let other):
            return eventLoop.makeSucceededFuture((Self.envelope(error: "arguments must be an object, found \(other.typeName)"), keepalive))
        }
        return command.handler(args).map { (Self.envelope(response: $0), keepalive) }
            .flatMapErrorThrowing { error in (Self.envelope(error: "\(error)"), keepalive) }
    }

    /// The reply when the connection ends before a complete request (the version's envelope).
    var incompleteRequestReply: JSONValue {
        version == .v05 ? Self.envelope05(error: "Failed to find request", echo: Self.emptyEcho) : Self.envelope(error: "Failed to find request")
    }

    static func envelope(response: JSONValue) -> JSONValue {
        .object(JSONObject([("status", .string("success")), ("request", .null), ("response", response)]))
    }

    static func envelope(error: String) -> JSONValue {
        .object(JSONObject([("status", .string("error")), ("error", .string(error)), ("request", .null), ("response", .null)]))
    }
}

/// One admin connection: accumulates bytes, answers each complete JSON value in turn.
final class AdminConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: AdminServer
    /// Received bytes; those before `consumed` were answered already.
    private var buffer: [UInt8] = []
    private var consumed = 0
    private var splitter = JSONValueSplitter()
    /// Whether this connection was counted in (not refused at the cap).
    private var counted = false
    /// Closes the connection after `AdminServer.idleTimeout` without a complete request.
    private var idleTimer: Scheduled<Void>?
    /// Bytes the splitter has examined on this connection (tests check the cost stays linear).
    var scannedBytes: Int { splitter.scannedBytes }
    private var busy = false
    private var closed = false
    private var sawEOF = false
    /// After an oversized request: the reply is sent and further input is read and dropped
    /// until the client closes (or 2 s pass), so the client gets the reply instead of a reset.
    private var discarding = false

    init(server: AdminServer) { self.server = server }

    func channelActive(context: ChannelHandlerContext) {
        admit(context: context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context: context) }
    }

    /// Counts the connection in once, or closes it when the server is at `maxConnections`.
    private func admit(context: ChannelHandlerContext) {
        guard !counted, !closed else { return }
        counted = server.connectionOpened()
        if !counted {
            closed = true
            context.close(promise: nil)
            return
        }
        armIdleTimer(context: context)
    }

    private func armIdleTimer(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = context.eventLoop.scheduleTask(in: AdminServer.idleTimeout) { [weak self] in
            guard let self, !self.closed else { return }
            // A request being answered (or waiting for the budget) is not idleness.
            if self.busy { self.armIdleTimer(context: context) } else { context.close(promise: nil) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        if discarding || closed { return }
        buffer.append(contentsOf: chunk.readableBytesView)
        chunk.moveReaderIndex(to: chunk.writerIndex)
        if buffer.count - consumed > AdminServer.maxRequestBytes {
            buffer = []
            consumed = 0
            discarding = true
            let message = "request larger than \(AdminServer.maxRequestBytes) bytes"
            let reply = server.version == .v05 ? AdminServer.envelope05(error: message, echo: AdminServer.emptyEcho) : AdminServer.envelope(error: message)
            let text = JSONWriter.write(reply) + "\n"
            var out = context.channel.allocator.buffer(capacity: text.utf8.count)
            out.writeString(text)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
            context.eventLoop.scheduleTask(in: .seconds(2)) { context.close(promise: nil) }
            return
        }
        process(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            if discarding { context.close(promise: nil); return }
            sawEOF = true
            process(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        idleTimer?.cancel()
        idleTimer = nil
        if counted {
            counted = false
            server.connectionClosed()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func process(context: ChannelHandlerContext) {
        guard !busy, !closed else { return }
        guard let n = splitter.nextValueLength(in: buffer[consumed...]) else {
            if sawEOF {
                // As 0.4.7: whatever is left (nothing, or a partial value) gets this reply.
                respond(context: context, server.incompleteRequestReply, keep: false)
            }
            return
        }
        let request = Array(buffer[consumed..<consumed + n])
        consumed += n
        if consumed == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 65536)
            consumed = 0
        } else if consumed >= 65536, consumed * 2 >= buffer.count {
            buffer.removeFirst(consumed)
            consumed = 0
        }
        busy = true
        server.whenBudgetAllows(live: { [weak self] in self.map { !$0.closed } ?? false }) { [weak self] in
            self?.answer(request, context: context)
        }
    }

    private func answer(_ request: [UInt8], context: ChannelHandlerContext) {
        server.handle(requestBytes: request).whenComplete { [weak self] result in
            guard let self else { return }
            self.busy = false
            switch result {
            case .success(let (reply, keep)): self.respond(context: context, reply, keep: keep)
            case .failure(let error):
                let reply = self.server.version == .v05
                    ? AdminServer.envelope05(error: "\(error)", echo: AdminServer.emptyEcho) : AdminServer.envelope(error: "\(error)")
                self.respond(context: context, reply, keep: false)
            }
        }
    }

    private func respond(context: ChannelHandlerContext, _ reply: JSONValue, keep: Bool) {
        guard !closed else { return }
        let text = JSONWriter.write(reply) + "\n"
        var out = context.channel.allocator.buffer(capacity: text.utf8.count)
        out.writeString(text)
        if keep {
            armIdleTimer(context: context)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
            process(context: context)
        } else {
            closed = true
            context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in context.close(promise: nil) }
        }
    }
}
