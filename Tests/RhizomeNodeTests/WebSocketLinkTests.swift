import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import Testing
import RhizomeTestSupport
@testable import RhizomeNode

/// ws and wss links (node-sessions-admin.md §2.11): URIs, the listener's answers, and the
/// stream handler that turns WebSocket messages back into the link's byte stream.
@Suite(.live, .serialized) struct WebSocketLinkTests {
    // MARK: URIs

    @Test func wsAndWssURIsKeepPathAndQueryForTheRequest() throws {
        let ws = try PeerURI("ws://10.56.0.1:7003/some/path?priority=2&password=")
        #expect(ws.scheme == .ws && ws.scheme.isWebSocket)
        #expect(ws.host == "10.56.0.1" && ws.port == 7003)
        #expect(ws.path == "/some/path" && ws.priority == 2)
        #expect(ws.requestTarget == "/some/path?priority=2&password=")
        let bare = try PeerURI("WSS://peer-a.test:443?sni=ignored.example")
        #expect(bare.scheme == .wss && bare.path == "/" && bare.requestTarget == "/?sni=ignored.example")
        #expect(WebSocketDialer.hostHeader(bare) == "peer-a.test")
        let v6 = try PeerURI("ws://[fe80::1%25eth0]:80/x")
        #expect(WebSocketDialer.hostHeader(v6) == "[fe80::1]")
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("ws://10.0.0.1/no-port") }
        #expect(throws: PeerURI.ParseError.self) { try PeerURI("ws://10.0.0.1:1?password=" + String(repeating: "x", count: 65)) }
        _ = try PeerURI("ws://0.0.0.0:7003", role: .listen)
        #expect(throws: PeerURI.UnsupportedScheme.self) { try PeerURI("wsx://10.0.0.1:1") }
    }

    @Test func dialRequestIsWhatYggdrasilSends() throws {
        let uri = try PeerURI("ws://peer-a.test:7003/p?priority=1")
        let dialer = WebSocketDialer(uri: uri, upgraded: EmbeddedEventLoop().makePromise())
        let head = dialer.requestHead()
        #expect(head.method == .GET && head.uri == "/p?priority=1" && head.version == .http1_1)
        #expect(head.headers["Host"] == ["peer-a.test"])
        #expect(head.headers["Sec-WebSocket-Protocol"] == ["ygg-ws"])
        #expect(head.headers["Origin"].isEmpty)
        dialer.upgraded.fail(WebSocketDialError("test over"))
    }

    // MARK: listener answers

    static func request(_ uri: String = "/", method: HTTPMethod = .GET, version: HTTPVersion = .http1_1,
                        _ headers: [(String, String)]) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: method, uri: uri, headers: HTTPHeaders(headers))
    }
    static let upgrade: [(String, String)] = [("Host", "10.0.0.1:7003"), ("Connection", "keep-alive, Upgrade"), ("Upgrade", "websocket"),
                                              ("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")]

    static func status(_ verdict: WebSocketRequestCheck.Verdict) -> Int {
        switch verdict {
        case .health: return 200
        case .refuse(let s, _, _): return Int(s.code)
        case .upgrade: return 101
        }
    }

    @Test func listenerAnswersAs0512() {
        func check(_ head: HTTPRequestHead) -> WebSocketRequestCheck.Verdict { WebSocketRequestCheck(head).verdict }
        #expect(check(Self.request("/health", [])) == .health)
        #expect(check(Self.request("/healthz?x=1", Self.upgrade)) == .health)
        #expect(Self.status(check(Self.request("/", [("Host", "x")]))) == 426)
        #expect(Self.status(check(Self.request("/", version: .http1_0, Self.upgrade))) == 426)
        #expect(Self.status(check(Self.request("/", [("Connection", "Upgrade"), ("Upgrade", "h2c")]))) == 426)
        #expect(Self.status(check(Self.request("/", method: .POST, Self.upgrade))) == 405)
        #expect(Self.status(check(Self.request("/", Self.upgrade.filter { $0.0 != "Sec-WebSocket-Version" }))) == 400)
        #expect(Self.status(check(Self.request("/", Self.upgrade.filter { $0.0 != "Sec-WebSocket-Key" } + [("Sec-WebSocket-Key", "short")]))) == 400)
        #expect(Self.status(check(Self.request("/", Self.upgrade + [("Origin", "http://evil.example")]))) == 403)
        #expect(check(Self.request("/", Self.upgrade + [("Origin", "https://10.0.0.1:7003")])) == .upgrade(subprotocol: nil))
        #expect(check(Self.request("/any", Self.upgrade + [("Sec-WebSocket-Protocol", "chat, ygg-ws")])) == .upgrade(subprotocol: "ygg-ws"))
        #expect(WebSocketRequestCheck(Self.request("/any", Self.upgrade + [("Sec-WebSocket-Protocol", "ygg-ws")])).speaksYggWS)
        // Echoed as the client spelt it, and then refused like a missing one (0.5.12 compares exactly).
        let upper = WebSocketRequestCheck(Self.request("/", Self.upgrade + [("Sec-WebSocket-Protocol", "YGG-WS")]))
        #expect(upper.verdict == .upgrade(subprotocol: "YGG-WS") && !upper.speaksYggWS)
        #expect(WebSocketRequestCheck(Self.request("/", Self.upgrade)).upgradeHeaders?["Sec-WebSocket-Protocol"] == [])
        #expect(WebSocketRequestCheck(Self.request("/", [])).upgradeHeaders == nil)
    }

    // MARK: the byte stream

    static func frame(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true, mask: WebSocketMaskingKey? = nil) -> WebSocketFrame {
        var data = ByteBuffer(bytes: bytes)
        if let mask { data.webSocketMask(mask) }
        return WebSocketFrame(fin: fin, opcode: opcode, maskKey: mask, data: data)
    }

    static func received(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var out: [UInt8] = []
        while var chunk = try channel.readInbound(as: ByteBuffer.self) { out += chunk.readBytes(length: chunk.readableBytes)! }
        return out
    }

    @Test func binaryMessagesAreOneByteStreamWhateverTheirBoundaries() throws {
        let channel = EmbeddedChannel(handler: WebSocketStreamHandler(isClient: false, holdUntilReleased: false))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        // A link frame split across three messages, the last carrying the start of the next.
        try channel.writeInbound(Self.frame(.binary, [0x05, 0x09], mask: .random()))
        try channel.writeInbound(Self.frame(.binary, [1, 2], fin: false, mask: .random()))
        try channel.writeInbound(Self.frame(.continuation, [3, 0x02, 0x01], mask: .random()))
        try channel.writeInbound(Self.frame(.pong, [9]))
        #expect(try Self.received(channel) == [0x05, 0x09, 1, 2, 3, 0x02, 0x01])
        #expect(channel.isActive)
    }

    @Test func writesBecomeBinaryMessagesMaskedOnlyByTheClient() throws {
        for isClient in [true, false] {
            let channel = EmbeddedChannel(handler: WebSocketStreamHandler(isClient: isClient, holdUntilReleased: false))
            try channel.writeOutbound(ByteBuffer(bytes: [1, 2, 3]))
            let frame = try #require(try channel.readOutbound(as: WebSocketFrame.self))
            #expect(frame.opcode == .binary && frame.fin)
            #expect((frame.maskKey != nil) == isClient)
            // Outbound frames carry plain data; the encoder masks it on the wire.
            #expect(Array(frame.data.readableBytesView) == [1, 2, 3])
        }
    }

    @Test func textMessagesCloseWith1003AndPingsArePonged() throws {
        let channel = EmbeddedChannel(handler: WebSocketStreamHandler(isClient: true, holdUntilReleased: false))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(Self.frame(.ping, [7, 7]))
        let pong = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(pong.opcode == .pong && pong.maskKey != nil && Array(pong.data.readableBytesView) == [7, 7])
        try channel.writeInbound(Self.frame(.text, Array("hello".utf8)))
        let close = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        var body = close.data
        #expect(close.opcode == .connectionClose && body.readWebSocketErrorCode() == .unacceptableData)
        #expect(!channel.isActive)
        #expect(try Self.received(channel).isEmpty)
    }

    @Test func aDialledStreamHoldsItsBytesUntilReleasedAndBoundsThem() throws {
        let handler = WebSocketStreamHandler(isClient: true, holdUntilReleased: true)
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(Self.frame(.binary, [1, 2]))
        try channel.writeInbound(Self.frame(.binary, [3]))
        #expect(try Self.received(channel).isEmpty)
        handler.release()
        #expect(try Self.received(channel) == [1, 2, 3])
        try channel.writeInbound(Self.frame(.binary, [4]))
        #expect(try Self.received(channel) == [4])

        let greedy = EmbeddedChannel(handler: WebSocketStreamHandler(isClient: true, holdUntilReleased: true))
        try greedy.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try greedy.writeInbound(Self.frame(.binary, [UInt8](repeating: 0, count: WebSocketStreamHandler.maxHeldBytes + 1)))
        #expect(!greedy.isActive, "more than the bound before the handshake closes the connection")
    }
}
