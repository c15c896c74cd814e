import NIOCore
import RhizomeCore
import RhizomeCrypto

/// The metadata exchange that opens every link. Both sides write immediately, then read the
/// peer's block within the handshake deadline (6 s):
///
/// * 0.4: exactly 38 bytes (`meta`, version 0.4, key).
/// * 0.5: the 123-byte signed block (`Metadata05`) with our priority and the link password; we
///   read 6 bytes, then the length they declare, and check the signature against our own
///   password for this link before the version.
///
/// On success the handler hands the channel to the `LinkManager`, which installs the framing
/// handlers and passes on any bytes that arrived after the metadata.
final class LinkHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Failure: Error, CustomStringConvertible {
        case timeout
        case incompatible(WireError)
        /// The 0.5 block was refused: wrong password, another version, malformed.
        case metadata05(Metadata05.DecodeError)
        case closedEarly
        var description: String {
            switch self {
            case .timeout: return "read handshake: i/o timeout"
            case .incompatible(.badVersion(0, 0x75)):
                // A 0.5 node's `meta 00 75 …` reads as version 0.117 here.
                return "remote node incompatible version (local 0.4, remote 0.5)"
            case .incompatible(let e): return "remote node incompatible version (\(e))"
            case .metadata05(let e): return e.description
            case .closedEarly: return "connection closed during the handshake"
            }
        }

        /// A refusal the operator can fix (version or password), as opposed to a network failure.
        var isRefusal: Bool {
            switch self {
            case .incompatible, .metadata05: return true
            case .timeout, .closedEarly: return false
            }
        }
    }

    /// What the peer told us: its key and (0.5) its priority for the link (0 in 0.4).
    struct Remote {
        var key: PublicKey
        var priority: UInt8
    }

    /// 0.5: what goes into our block and what the peer's must be signed with.
    struct Credentials {
        var signer: SigningKeyPair
        var priority: UInt8
        var password: [UInt8]
    }

    private let version: ProtocolVersion
    private let localKey: PublicKey
    private let credentials: Credentials?
    private let onComplete: (ChannelHandlerContext, Remote, ByteBuffer) -> Void
    private let onFailure: (Error) -> Void
    private var received: ByteBuffer?
    private var deadline: Scheduled<Void>?
    private var done = false

    /// 0.4 handshake.
    convenience init(localKey: PublicKey,
                     onComplete: @escaping (ChannelHandlerContext, Remote, ByteBuffer) -> Void,
                     onFailure: @escaping (Error) -> Void) {
        self.init(version: .v04, localKey: localKey, credentials: nil, onComplete: onComplete, onFailure: onFailure)
    }

    /// `credentials` are required for 0.5 and unused in 0.4.
    init(version: ProtocolVersion, localKey: PublicKey, credentials: Credentials?,
         onComplete: @escaping (ChannelHandlerContext, Remote, ByteBuffer) -> Void,
         onFailure: @escaping (Error) -> Void) {
        precondition(version == .v04 || credentials != nil, "a 0.5 handshake needs the signing key")
        self.version = version
        self.localKey = localKey
        self.credentials = credentials
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
        let block: [UInt8]
        switch version {
        case .v04: block = Metadata(key: localKey).encoded
        case .v05:
            let c = credentials!
            block = Metadata05.encode(signer: c.signer, priority: c.priority, password: c.password)
        }
        var out = context.channel.allocator.buffer(capacity: block.count)
        out.writeBytes(block)
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
        let outcome: Result<Remote, Failure>?
        switch version {
        case .v04: outcome = take04(&received!)
        case .v05: outcome = take05(&received!)
        }
        switch outcome {
        case nil: return
        case .failure(let failure): fail(context: context, failure)
        case .success(let remote):
            done = true
            deadline?.cancel()
            let leftover = received!
            received = nil
            onComplete(context, remote, leftover)
        }
    }

    /// 0.4: 38 bytes, or nil while fewer have arrived.
    private func take04(_ buf: inout ByteBuffer) -> Result<Remote, Failure>? {
        guard let bytes = buf.readBytes(length: Metadata.length) else { return nil }
        let decoded = bytes.withUnsafeBytes { raw in Result { () throws(WireError) -> Metadata in try Metadata(decoding: raw) } }
        return decoded.map { Remote(key: $0.key, priority: 0) }.mapError { .incompatible($0) }
    }

    /// 0.5: the 6-byte header, then the length it declares (at most 65535 bytes buffered).
    private func take05(_ buf: inout ByteBuffer) -> Result<Remote, Failure>? {
        guard buf.readableBytes >= Metadata05.headerLength else { return nil }
        let header = buf.withUnsafeReadableBytes { raw in
            Result { () throws(Metadata05.DecodeError) -> Int in
                try Metadata05.bodyLength(header: UnsafeRawBufferPointer(rebasing: raw[0..<Metadata05.headerLength]))
            }
        }
        let bodyLength: Int
        switch header {
        case .failure(let e): return .failure(.metadata05(e))
        case .success(let n): bodyLength = n
        }
        guard buf.readableBytes >= Metadata05.headerLength + bodyLength else { return nil }
        buf.moveReaderIndex(forwardBy: Metadata05.headerLength)
        let password = credentials!.password
        let decoded = buf.readSlice(length: bodyLength)!.withUnsafeReadableBytes { raw in
            Result { () throws(Metadata05.DecodeError) -> Metadata05 in try Metadata05(body: raw, password: password) }
        }
        return decoded.map { Remote(key: $0.key, priority: $0.priority) }.mapError { .metadata05($0) }
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
