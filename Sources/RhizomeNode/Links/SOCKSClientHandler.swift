import NIOCore

/// A SOCKS5 client (RFC 1928, with RFC 1929 username/password when the URI carries user info),
/// the way 0.4.7 reaches `socks://[user[:pass]@]proxy:port/host:port` peers: greeting offering
/// methods "none" and "user/password", then CONNECT to the target (names are passed to the proxy,
/// not resolved here). When the proxy has connected, `done` succeeds; the link manager then adds
/// the metadata handshake behind this handler and calls `release`, which passes on anything that
/// arrived meanwhile and removes the handler.
///
/// A proxy must finish within `timeout` (10 s by default) of the TCP connect: one that goes
/// silent would otherwise hold the dial's handshake slot for ever.
final class SOCKSClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Failure: Error, CustomStringConvertible {
        case proxy(String)
        var description: String { switch self { case .proxy(let m): return "SOCKS proxy: \(m)" } }
    }

    private enum State { case greeting, authenticating, connecting, connected, failed }

    let targetHost: String
    let targetPort: UInt16
    let username: String
    let password: String
    let done: EventLoopPromise<Void>
    /// How long the proxy has, from the TCP connect, to report the CONNECT's success.
    static let defaultTimeout = TimeAmount.seconds(10)
    let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var state = State.greeting
    private var buffer: ByteBuffer?
    private var context: ChannelHandlerContext?

    init(target: String, userInfo: String?, done: EventLoopPromise<Void>, timeout: TimeAmount = defaultTimeout) throws {
        self.timeout = timeout
        guard let colon = target.lastIndex(of: ":"), let port = UInt16(target[target.index(after: colon)...]) else {
            throw Failure.proxy("bad target \(target)")
        }
        var host = String(target[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        targetHost = host
        targetPort = port
        let parts = (userInfo ?? "").split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        username = parts.first.map(String.init) ?? ""
        password = parts.count > 1 ? String(parts[1]) : ""
        self.done = done
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { sendGreeting(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendGreeting(context)
        context.fireChannelActive()
    }

    private var greeted = false
    private func sendGreeting(_ context: ChannelHandlerContext) {
        guard !greeted else { return }
        greeted = true
        write(context, [0x05, 0x02, 0x00, 0x02])
        timer = context.eventLoop.scheduleTask(in: timeout) { [weak self] in
            guard let self, self.state != .connected else { return }
            self.fail(context, "i/o timeout (no answer within \(self.timeout.nanoseconds / 1_000_000) ms)")
        }
    }

    private func write(_ context: ChannelHandlerContext, _ bytes: [UInt8]) {
        var out = context.channel.allocator.buffer(capacity: bytes.count)
        out.writeBytes(bytes)
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        if buffer == nil { buffer = chunk } else { buffer!.writeBuffer(&chunk) }
        // Replies are a few hundred bytes at most; a proxy sending more is not one.
        if state != .connected, buffer!.readableBytes > 4096 { return fail(context, "reply too long") }
        step(context)
    }

    private func fail(_ context: ChannelHandlerContext, _ message: String) {
        guard state != .failed else { return }
        state = .failed
        timer?.cancel()
        done.fail(Failure.proxy(message))
        context.close(promise: nil)
    }

    private func step(_ context: ChannelHandlerContext) {
        guard var buf = buffer else { return }
        switch state {
        case .greeting:
            guard let reply = buf.readBytes(length: 2) else { return }
            buffer = buf
            guard reply[0] == 0x05 else { return fail(context, "not a SOCKS5 proxy") }
            switch reply[1] {
            case 0x00:
                sendConnect(context)
            case 0x02:
                state = .authenticating
                let u = Array(username.utf8.prefix(255)), p = Array(password.utf8.prefix(255))
                write(context, [0x01, UInt8(u.count)] + u + [UInt8(p.count)] + p)
            default:
                return fail(context, "no acceptable authentication method")
            }
            step(context)
        case .authenticating:
            guard let reply = buf.readBytes(length: 2) else { return }
            buffer = buf
            guard reply[1] == 0x00 else { return fail(context, "authentication refused") }
            sendConnect(context)
            step(context)
        case .connecting:
            guard buf.readableBytes >= 5, let head = buf.getBytes(at: buf.readerIndex, length: 5) else { return }
            let addressLength: Int
            switch head[3] {
            case 0x01: addressLength = 4
            case 0x04: addressLength = 16
            case 0x03: addressLength = 1 + Int(head[4])
            default: return fail(context, "bad reply address type \(head[3])")
            }
            let total = 4 + addressLength + 2
            guard buf.readableBytes >= total else { return }
            buf.moveReaderIndex(forwardBy: total)
            buffer = buf
            guard head[1] == 0x00 else { return fail(context, "CONNECT refused (code \(head[1]))") }
            state = .connected
            timer?.cancel()
            done.succeed(())
        case .connected, .failed:
            return
        }
    }

    private func sendConnect(_ context: ChannelHandlerContext) {
        state = .connecting
        var request: [UInt8] = [0x05, 0x01, 0x00]
        if let v4 = IPv4Text.parse(targetHost) {
            request += [0x01] + v4
        } else if let v6 = IPv6Bytes(text: targetHost) {
            request += [0x04] + v6.bytes
        } else {
            let name = Array(targetHost.utf8.prefix(255))
            request += [0x03, UInt8(name.count)] + name
        }
        request += [UInt8(targetPort >> 8), UInt8(targetPort & 0xff)]
        write(context, request)
    }

    /// Passes on bytes that followed the proxy's reply and leaves the pipeline.
    func release() {
        guard let context else { return }
        if let rest = buffer, rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
        buffer = nil
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state != .connected { fail(context, "connection closed") }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if state != .connected { fail(context, "\(error)") } else { context.fireErrorCaught(error) }
    }
}

import RhizomeIPv6

enum IPv4Text {
    static func parse(_ s: String) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { UInt8($0) }
        return bytes.count == 4 ? bytes : nil
    }
}
