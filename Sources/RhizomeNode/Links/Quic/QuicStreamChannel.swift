import NIOCore
import Synchronization

/// The link byte stream of one QUIC connection (its single bidirectional stream, §2.10) as a NIO
/// `Channel`, so the link pipeline (handshake, frame decoder, link handler) runs on it exactly
/// as on a TCP socket. The `QuicSocket` that owns the connection feeds it received bytes,
/// writability and the end of the connection; what the pipeline writes and flushes goes to the
/// engine's send buffer.
///
/// Writes the engine refuses (its send buffer is above its high mark) wait here, in order, and
/// the channel reports itself unwritable until the engine says the buffer has drained: the link
/// handler then drops traffic frames as it does on a full TCP socket, while its few protocol
/// frames still queue. Reads are always on (the link code never turns `autoRead` off).
/// Confined to its event loop, except `isWritable` and `isActive`, which any thread may read.
final class QuicStreamChannel: Channel, ChannelCore, @unchecked Sendable {
    /// What the channel asks of the socket that carries it.
    protocol Carrier: AnyObject {
        func send(_ bytes: ByteBuffer, on connection: Int) -> Bool
        /// Closes the connection from our side (a CONNECTION_CLOSE goes out).
        func close(_ connection: Int, reason: String)
        /// The channel is done with the connection; called once.
        func forget(_ connection: Int)
    }

    /// The connection closed under the channel, with the engine's or the peer's reason.
    struct ConnectionClosed: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    let eventLoop: EventLoop
    let allocator = ByteBufferAllocator()
    let connection: Int
    let localAddress: SocketAddress?
    let remoteAddress: SocketAddress?
    /// The UDP channel the connection runs on.
    let parent: Channel?
    private weak var carrier: Carrier?
    private var _pipeline: ChannelPipeline!
    private let closePromise: EventLoopPromise<Void>
    private enum State { case idle, active, closed }
    private var state = State.idle
    /// Written, not yet flushed.
    private var unflushed = CircularBuffer<(ByteBuffer, EventLoopPromise<Void>?)>()
    /// Flushed, waiting for room in the engine's send buffer.
    private var waiting = CircularBuffer<(ByteBuffer, EventLoopPromise<Void>?)>()
    private let writable = Atomic<Bool>(true)
    private let active = Atomic<Bool>(false)
    /// Set once the engine has ended the connection: closing must not tell it again.
    private var engineClosed = false

    init(eventLoop: EventLoop, connection: Int, carrier: Carrier, local: SocketAddress?, remote: SocketAddress, parent: Channel?) {
        self.eventLoop = eventLoop
        self.connection = connection
        self.carrier = carrier
        self.localAddress = local
        self.remoteAddress = remote
        self.parent = parent
        closePromise = eventLoop.makePromise()
        _pipeline = ChannelPipeline(channel: self)
    }

    var pipeline: ChannelPipeline { _pipeline }
    var closeFuture: EventLoopFuture<Void> { closePromise.futureResult }
    var _channelCore: ChannelCore { self }
    var isWritable: Bool { writable.load(ordering: .relaxed) }
    var isActive: Bool { active.load(ordering: .relaxed) }

    // MARK: driven by the socket

    /// Registers the channel and makes it active, after the caller has put its handlers in.
    func activate() {
        eventLoop.preconditionInEventLoop()
        guard state == .idle else { return }
        state = .active
        active.store(true, ordering: .relaxed)
        pipeline.fireChannelRegistered()
        pipeline.fireChannelActive()
    }

    /// Stream bytes from the peer.
    func received(_ bytes: ByteBuffer) {
        guard state == .active else { return }
        pipeline.fireChannelRead(NIOAny(bytes))
    }

    /// The end of a batch of received bytes.
    func readComplete() {
        guard state == .active else { return }
        pipeline.fireChannelReadComplete()
    }

    /// The engine's send buffer has drained below its low mark.
    func engineWritable() {
        guard state == .active else { return }
        drain()
    }

    /// The engine ended the connection (the peer closed it, idle timeout, handshake failure).
    func connectionClosed(reason: String) {
        engineClosed = true
        guard state != .closed else { return }
        if state == .active && !reason.isEmpty {
            pipeline.fireErrorCaught(ConnectionClosed(reason: reason))
        }
        finish(error: ChannelError.eof)
    }

    // MARK: Channel

    func setOption<Option: ChannelOption>(_ option: Option, value: Option.Value) -> EventLoopFuture<Void> {
        if eventLoop.inEventLoop {
            return eventLoop.makeCompletedFuture { try setOption0(option, value: value) }
        }
        return eventLoop.submit { try self.setOption0(option, value: value) }
    }

    func getOption<Option: ChannelOption>(_ option: Option) -> EventLoopFuture<Option.Value> {
        if eventLoop.inEventLoop {
            return eventLoop.makeCompletedFuture { try getOption0(option) }
        }
        return eventLoop.submit { try self.getOption0(option) }
    }

    private func setOption0<Option: ChannelOption>(_ option: Option, value: Option.Value) throws {
        switch option {
        case _ as ChannelOptions.Types.AutoReadOption:
            guard value as! Bool else { throw ChannelError.operationUnsupported }
        case _ as ChannelOptions.Types.AllowRemoteHalfClosureOption:
            guard !(value as! Bool) else { throw ChannelError.operationUnsupported }
        default:
            throw ChannelError.operationUnsupported
        }
    }

    private func getOption0<Option: ChannelOption>(_ option: Option) throws -> Option.Value {
        switch option {
        case _ as ChannelOptions.Types.AutoReadOption: return true as! Option.Value
        case _ as ChannelOptions.Types.AllowRemoteHalfClosureOption: return false as! Option.Value
        default: throw ChannelError.operationUnsupported
        }
    }

    // MARK: ChannelCore

    func localAddress0() throws -> SocketAddress {
        guard let localAddress else { throw ChannelError.operationUnsupported }
        return localAddress
    }

    func remoteAddress0() throws -> SocketAddress {
        guard let remoteAddress else { throw ChannelError.operationUnsupported }
        return remoteAddress
    }

    func register0(promise: EventLoopPromise<Void>?) { promise?.succeed() }
    func registerAlreadyConfigured0(promise: EventLoopPromise<Void>?) { promise?.succeed() }
    func bind0(to: SocketAddress, promise: EventLoopPromise<Void>?) { promise?.fail(ChannelError.operationUnsupported) }
    func connect0(to: SocketAddress, promise: EventLoopPromise<Void>?) { promise?.fail(ChannelError.operationUnsupported) }

    func write0(_ data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard state != .closed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        unflushed.append((unwrapData(data, as: ByteBuffer.self), promise))
    }

    func flush0() {
        guard state == .active else { return }
        waiting.append(contentsOf: unflushed)
        unflushed.removeAll(keepingCapacity: true)
        drain()
    }

    /// Hands waiting writes to the engine in order until it refuses one; tracks writability.
    private func drain() {
        while let (bytes, promise) = waiting.first {
            guard let carrier, carrier.send(bytes, on: connection) else { break }
            waiting.removeFirst()
            promise?.succeed()
            guard state == .active else { return }
        }
        let nowWritable = waiting.isEmpty
        if nowWritable != isWritable {
            writable.store(nowWritable, ordering: .relaxed)
            pipeline.fireChannelWritabilityChanged()
        }
    }

    func read0() {}

    func close0(error: Error, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all else {
            promise?.fail(ChannelError.operationUnsupported)
            return
        }
        guard state != .closed else {
            promise?.fail(ChannelError.alreadyClosed)
            return
        }
        if !engineClosed {
            engineClosed = true
            carrier?.close(connection, reason: "")
        }
        finish(error: error)
        promise?.succeed()
    }

    /// Fails what is still queued, tells the pipeline, and lets go of the connection.
    private func finish(error: Error) {
        let wasActive = state == .active
        state = .closed
        active.store(false, ordering: .relaxed)
        let pending = Array(waiting) + Array(unflushed)
        waiting.removeAll()
        unflushed.removeAll()
        for (_, promise) in pending { promise?.fail(error) }
        carrier?.forget(connection)
        if wasActive {
            pipeline.fireChannelInactive()
            pipeline.fireChannelUnregistered()
        }
        eventLoop.execute {
            self.removeHandlers(pipeline: self.pipeline)
            self.closePromise.succeed()
        }
    }

    func triggerUserOutboundEvent0(_ event: Any, promise: EventLoopPromise<Void>?) {
        promise?.fail(ChannelError.operationUnsupported)
    }

    func channelRead0(_ data: NIOAny) {}
    func errorCaught0(error: Error) {}
}
