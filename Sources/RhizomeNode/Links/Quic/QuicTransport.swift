import NIOCore
import NIOPosix
import CQuic
#if canImport(Glibc)
import Glibc
#endif

/// QUIC links on UDP sockets (node-sessions-admin.md §2.10): binds a NIO datagram channel and
/// drives a sans-IO `QuicConnectionEngine` on the node's event loop. A listener is one socket that
/// accepts connections; every outbound dial gets its own ephemeral socket, as yggdrasil 0.5.12
/// does, which closes when its connection ends. Each connection's stream is a
/// `QuicStreamChannel` the link code runs its usual pipeline on.
///
/// One pass (`service`) per batch of received datagrams, per timer and per burst of writes:
/// engine events to the stream channels, then every datagram the engine has to send, written
/// and flushed once, then one timer for the engine's next deadline.
final class QuicSocket: QuicStreamChannel.Carrier {
    let eventLoop: EventLoop
    let engine: QuicConnectionEngine
    let acceptsInbound: Bool
    /// The UDP channel; set once bound.
    private(set) var udp: Channel?
    private var channels: [Int: QuicStreamChannel] = [:]
    private var dials: [Int: (promise: EventLoopPromise<Channel>, timeout: Scheduled<Void>)] = [:]
    /// Called with the old and the new UDP channel when the socket had to be bound again.
    var onRebind: ((Channel, Channel) -> Void)?
    /// Listener: called for each accepted connection's stream channel, before it is activated.
    var onInbound: ((QuicStreamChannel) -> Void)?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var serviceScheduled = false
    /// Set once the socket is being closed for good (not by a send error).
    fileprivate var closed = false

    /// Datagrams per `recvmmsg`, and the receive buffer they share (2 KiB each: QUIC datagrams
    /// stay under the path MTU; a larger one arrives truncated and the engine drops it).
    static let vectorReadCount = 32
    static let datagramBufferSize = 2048
    /// Kernel receive buffer asked for: bursts at line rate, or a flood, wait in the kernel for
    /// the next read instead of being dropped there. Forced past net.core.rmem_max when the node
    /// has CAP_NET_ADMIN (it has for its TUN), else capped by it; quic-go does the same for 7 MB.
    static let receiveBufferSize = 4 << 20

    private init(eventLoop: EventLoop, engine: QuicConnectionEngine, acceptsInbound: Bool) {
        self.eventLoop = eventLoop
        self.engine = engine
        self.acceptsInbound = acceptsInbound
    }

    /// Binds a UDP socket on `local` (port 0 picks one) and makes its engine there.
    static func bind(on eventLoop: EventLoop, local: SocketAddress, acceptsInbound: Bool,
                     makeEngine: @escaping QuicEngineFactory) -> EventLoopFuture<QuicSocket> {
        let handler = DatagramHandler()
        return openUDP(on: eventLoop, local: local, handler: handler).flatMapThrowing { channel in
            do {
                let engine = try makeEngine(channel.localAddress ?? local, acceptsInbound)
                let socket = QuicSocket(eventLoop: eventLoop, engine: engine, acceptsInbound: acceptsInbound)
                return (socket, socket.attach(channel, handler: handler))
            } catch {
                channel.close(promise: nil)
                throw error
            }
        }.flatMap { (socket: QuicSocket, filtered: EventLoopFuture<Void>) in filtered.map { socket } }
    }

    private static func openUDP(on eventLoop: EventLoop, local: SocketAddress, handler: DatagramHandler) -> EventLoopFuture<Channel> {
        DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize))
            .channelOption(.datagramVectorReadMessageCount, value: vectorReadCount)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: vectorReadCount * datagramBufferSize))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .bind(to: local)
            .flatMap { channel in
                channel.setOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_RCVBUFFORCE)), value: SocketOptionValue(receiveBufferSize))
                    .recover { _ in }
                    .map { channel }
            }
    }

    /// The future completes once the kernel filter is in place (or could not be).
    @discardableResult
    private func attach(_ channel: Channel, handler: DatagramHandler) -> EventLoopFuture<Void> {
        if let old = udp ?? previous { onRebind?(old, channel) }
        previous = nil
        udp = channel
        bound = channel.localAddress
        handler.socket = self
        channel.closeFuture.whenComplete { [self] _ in udpClosed(channel) }
        guard let tag = engine.connectionIDTag else { return eventLoop.makeSucceededVoidFuture() }
        return Self.attachFilter(to: channel, tag: tag)
    }

    /// Has the kernel drop every datagram that cannot be QUIC for this socket (`rzq_cid_filter`):
    /// a flood of garbage then costs no wake-up, copy or allocation here. Best effort; without
    /// it the engine drops the same datagrams after one header decode.
    private static func attachFilter(to channel: Channel, tag: UInt32) -> EventLoopFuture<Void> {
        guard let provider = channel as? SocketOptionProvider else { return channel.eventLoop.makeSucceededVoidFuture() }
        let program = UnsafeMutablePointer<rzq_bpf_insn>.allocate(capacity: Int(RZQ_CID_FILTER_LEN))
        let length = rzq_cid_filter(program, tag)
        return provider.unsafeSetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(rzq_so_attach_filter()),
                                              value: rzq_bpf_prog(len: UInt16(length), filter: program))
            .always { _ in program.deallocate() }
            .recover { _ in }
    }

    /// Where the socket is bound, to bind again there if the kernel fails it.
    private var bound: SocketAddress?
    private var rebinds = 0
    /// The channel that failed, while a new one is being bound.
    private var previous: Channel?
    /// NIO closes a UDP channel on a send error other than EHOSTUNREACH or EMSGSIZE (ENETUNREACH
    /// while an interface is down, say). QUIC rides out such gaps, so the socket is bound again
    /// on the same address and port, with the engine and its connections kept; after this many
    /// failed binds in a row it gives up and closes its connections.
    static let maxRebinds = 30

    var localAddress: SocketAddress? { udp?.localAddress }

    /// Dials `remote`; the future gives the stream channel once the handshake is done, or fails
    /// after `timeout` (the connection is then dropped).
    func connect(to remote: SocketAddress, timeout: TimeAmount) -> EventLoopFuture<Channel> {
        eventLoop.preconditionInEventLoop()
        let promise = eventLoop.makePromise(of: Channel.self)
        do {
            let connection = try engine.connect(to: remote, now: .now())
            let timer = eventLoop.scheduleTask(in: timeout) { [weak self] in
                guard let self, let dial = self.dials.removeValue(forKey: connection) else { return }
                self.engine.close(connection, reason: "", now: .now())
                dial.promise.fail(ChannelError.connectTimeout(timeout))
                self.service()
            }
            dials[connection] = (promise, timer)
            service()
        } catch {
            promise.fail(error)
            closeIfIdle()
        }
        return promise.futureResult
    }

    /// The socket is being closed for good: every connection sends its CONNECTION_CLOSE first.
    fileprivate func closing() {
        guard !closed else { return }
        for connection in Array(channels.keys) + Array(dials.keys) { engine.close(connection, reason: "", now: .now()) }
        transmit()
        closed = true
    }

    // MARK: Carrier

    func send(_ bytes: ByteBuffer, on connection: Int) -> Bool {
        guard engine.send(bytes, on: connection) else { return false }
        scheduleService()
        return true
    }

    func close(_ connection: Int, reason: String) {
        engine.close(connection, reason: reason, now: .now())
        scheduleService()
    }

    func forget(_ connection: Int) {
        channels[connection] = nil
        scheduleService()
    }

    // MARK: the engine pass

    fileprivate func received(_ envelope: AddressedEnvelope<ByteBuffer>) {
        envelope.data.withUnsafeReadableBytes { engine.receive($0, from: envelope.remoteAddress, now: .now()) }
    }

    /// Writes from the link code arrive one link at a time: one pass after the current burst.
    private func scheduleService() {
        guard !serviceScheduled, !closed else { return }
        serviceScheduled = true
        eventLoop.execute { [self] in service() }
    }

    func service() {
        serviceScheduled = false
        guard !closed else { return }
        var touched: [QuicStreamChannel] = []
        // Events can make more (a channel that writes or closes in response): a few rounds at most.
        for _ in 0..<4 {
            var any = false
            while let event = engine.pollEvent() {
                any = true
                handle(event, touched: &touched)
            }
            for channel in touched { channel.readComplete() }
            touched.removeAll(keepingCapacity: true)
            guard any else { break }
        }
        transmit()
        closeIfIdle()
        armTimer()
    }

    private func handle(_ event: QuicEngineEvent, touched: inout [QuicStreamChannel]) {
        switch event {
        case .connected(let connection, let remote):
            guard let dial = dials.removeValue(forKey: connection) else {
                engine.close(connection, reason: "", now: .now())
                return
            }
            dial.timeout.cancel()
            let channel = makeChannel(connection, remote: remote)
            channel.activate()
            dial.promise.succeed(channel)
        case .accepted(let connection, let remote):
            guard acceptsInbound, let onInbound else {
                engine.close(connection, reason: "", now: .now())
                return
            }
            let channel = makeChannel(connection, remote: remote)
            onInbound(channel)
            channel.activate()
        case .data(let connection, let bytes):
            guard let channel = channels[connection] else { return }
            channel.received(bytes)
            if !touched.contains(where: { $0 === channel }) { touched.append(channel) }
        case .writable(let connection):
            channels[connection]?.engineWritable()
        case .closed(let connection, let reason):
            if let dial = dials.removeValue(forKey: connection) {
                dial.timeout.cancel()
                dial.promise.fail(QuicStreamChannel.ConnectionClosed(reason: reason.isEmpty ? "connection closed" : reason))
            } else if let channel = channels.removeValue(forKey: connection) {
                channel.connectionClosed(reason: reason)
            }
        }
    }

    private func makeChannel(_ connection: Int, remote: SocketAddress) -> QuicStreamChannel {
        let channel = QuicStreamChannel(eventLoop: eventLoop, connection: connection, carrier: self,
                                        local: udp?.localAddress, remote: remote, parent: udp)
        channels[connection] = channel
        return channel
    }

    /// Everything the engine has to send, flushed once.
    private func transmit() {
        guard let udp, udp.isActive else { return }
        var wrote = false
        engine.pollTransmit(now: .now()) { bytes, remote, segmentSize in
            var buffer = udp.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            let metadata = segmentSize > 0 && segmentSize < bytes.count
                ? AddressedEnvelope<ByteBuffer>.Metadata(ecnState: .transportNotCapable, packetInfo: nil, segmentSize: segmentSize) : nil
            udp.write(AddressedEnvelope(remoteAddress: remote, data: buffer, metadata: metadata), promise: nil)
            wrote = true
        }
        if wrote { udp.flush() }
    }

    private func armTimer() {
        guard let deadline = engine.nextTimeout else {
            timer?.cancel()
            timer = nil
            timerDeadline = nil
            return
        }
        if timer != nil, timerDeadline == deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = eventLoop.scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.timerDeadline = nil
            self.engine.handleTimeout(now: .now())
            self.service()
        }
    }

    /// An outbound socket lives as long as its connection.
    private func closeIfIdle() {
        guard !acceptsInbound, !closed, channels.isEmpty, dials.isEmpty, let udp else { return }
        closed = true
        timer?.cancel()
        udp.close(promise: nil)
    }

    fileprivate func udpClosed(_ channel: Channel) {
        guard udp === channel else { return }
        udp = nil
        previous = channel
        closed ? shutDown() : rebind()
    }

    private func rebind() {
        guard !closed, let bound, rebinds < Self.maxRebinds else { return shutDown() }
        rebinds += 1
        let handler = DatagramHandler()
        eventLoop.scheduleTask(in: rebinds == 1 ? .zero : .milliseconds(500)) { [self] in
            guard !closed else { return shutDown() }
            Self.openUDP(on: eventLoop, local: bound, handler: handler).whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    guard !closed else { channel.close(promise: nil); return }
                    attach(channel, handler: handler)
                    service()
                    // The count starts again once a socket has lived a while.
                    eventLoop.scheduleTask(in: .seconds(5)) { [weak self] in if self?.udp === channel { self?.rebinds = 0 } }
                case .failure:
                    rebind()
                }
            }
        }
    }

    /// Fails pending dials and ends every connection's channel.
    private func shutDown() {
        closed = true
        timer?.cancel()
        timer = nil
        for dial in dials.values {
            dial.timeout.cancel()
            dial.promise.fail(ChannelError.ioOnClosedChannel)
        }
        dials.removeAll()
        let open = channels.values
        channels.removeAll()
        for channel in open { channel.connectionClosed(reason: "") }
    }

    /// The UDP pipeline's only handler: datagrams into the engine, one pass per read batch. A
    /// close asked for through the pipeline (the link manager stopping a listener) is final; NIO
    /// closing the socket itself on a send error is not (see `maxRebinds`).
    fileprivate final class DatagramHandler: ChannelDuplexHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundIn = AddressedEnvelope<ByteBuffer>
        var socket: QuicSocket?

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            socket?.received(unwrapInboundIn(data))
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            socket?.service()
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            if context.channel.isWritable { socket?.service() }
        }

        /// A failed send (EHOSTUNREACH, an oversized datagram) is not fatal to QUIC.
        func errorCaught(context: ChannelHandlerContext, error: Error) {}

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            socket?.closing()
            context.close(mode: mode, promise: promise)
        }

        func channelInactive(context: ChannelHandlerContext) {
            socket = nil
            context.fireChannelInactive()
        }
    }
}
