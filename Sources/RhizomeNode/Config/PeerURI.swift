/// A link URI from `Peers`, `InterfacePeers`, `Listen` or the admin `addPeer` command:
/// `tcp://HOST:PORT`, `tls://HOST:PORT`, `unix:///path`, `socks://[USER[:PASS]@]PROXY:PORT/HOST:PORT`,
/// 0.5's `sockstls://` (same form; TLS to the target through the proxy's tunnel),
/// and 0.5's `ws://HOST:PORT[/PATH]` and `wss://HOST:PORT[/PATH]` (WebSocket, and WebSocket over
/// TLS) and `quic://HOST:PORT`, each with optional `?key=HEX` (repeatable, peers only), `priority=N`, `sni=NAME` (tls
/// only; accepted and ignored on ws, wss and quic, as 0.5.12 does), and 0.5's `password=TEXT` and
/// `maxbackoff=DURATION`. Other schemes throw `UnsupportedScheme`. Whether the node's protocol
/// version speaks a scheme (0.4 has no ws, wss or quic) is the `LinkManager`'s concern.
public struct PeerURI: Equatable, Sendable, CustomStringConvertible {
    public enum Scheme: String, Sendable, CaseIterable {
        case tcp, tls, unix, socks, ws, wss, sockstls, quic
        /// ws and wss: the link's byte stream travels in WebSocket binary messages.
        public var isWebSocket: Bool { self == .ws || self == .wss }
        /// socks and sockstls: dialled through a SOCKS5 proxy; `path` is the target.
        public var isSOCKS: Bool { self == .socks || self == .sockstls }
        /// Link types yggdrasil 0.4.7 does not have: a 0.4 node skips them with a warning.
        public var isV05Only: Bool { isWebSocket || self == .sockstls || self == .quic }
        /// The same, as the quic code names it.
        public var needsV05: Bool { isV05Only }
    }

    public var scheme: Scheme
    /// `host:port` as written (brackets kept for IPv6), the proxy for socks; empty for unix.
    public var authority: String
    public var host: String
    public var port: UInt16
    /// unix: the socket path; socks: the target `host:port`; ws/wss: the HTTP path as written
    /// (percent escapes kept), "/" when the URI has none.
    public var path: String
    /// The text after `?`, as written. ws/wss send it to the server in the upgrade request.
    public var query: String
    public var userInfo: String?
    public var pinnedKeys: [[UInt8]]
    public var priority: UInt8
    public var sni: String?
    /// 0.5 `?password=`: shared secret for the link handshake (BLAKE2b key); empty = none.
    public var password: [UInt8]
    /// 0.5 `?maxbackoff=`: the longest wait between redials, in seconds; nil = the default.
    public var maxBackoff: Double?
    /// The text as given, for logs and the admin API.
    public var original: String

    public var description: String { original }

    public struct ParseError: Error, Equatable, CustomStringConvertible, Sendable {
        public var uri: String
        public var reason: String
        public var description: String { "\"\(uri)\": \(reason)" }
    }

    /// A well-formed URI whose scheme this node does not speak (0.5's sockstls, or
    /// anything newer). Not a config error: 0.5.12 accepts such peers and only fails to dial them,
    /// so the node skips them with a log line and keeps the rest of its config.
    public struct UnsupportedScheme: Error, Equatable, CustomStringConvertible, Sendable {
        public var uri: String
        /// Lowercased.
        public var scheme: String
        public var reason: String {
            let known = Self.knownElsewhere.contains(scheme) ? "a Yggdrasil 0.5 link type " : ""
            return "scheme \"\(scheme)\" is \(known)not supported by this node (it speaks tcp, tls, unix, socks, sockstls, ws, wss and quic)"
        }
        public var description: String { "\"\(uri)\": \(reason)" }
        /// Link types yggdrasil 0.5.12 has and this node does not (none today).
        public static let knownElsewhere: Set<String> = []
    }

    public enum Role: Sendable { case peer, listen }

    /// RFC 3986: a letter, then letters, digits, `+`, `-` or `.`.
    static func isWellFormedScheme(_ s: Substring) -> Bool {
        guard let first = s.first, first.isASCII, first.isLetter else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }

    public init(_ text: String, role: Role = .peer) throws {
        func fail(_ reason: String) -> ParseError { ParseError(uri: text, reason: reason) }
        original = text
        guard let sep = text.firstRange(of: "://"), Self.isWellFormedScheme(text[..<sep.lowerBound]) else {
            throw fail("not a URI (expected scheme://…)")
        }
        // Schemes match case-insensitively, as Go's URL parser lowercases them.
        let schemeText = text[..<sep.lowerBound].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw UnsupportedScheme(uri: text, scheme: schemeText)
        }
        if role == .listen && scheme.isSOCKS { throw fail("\(schemeText):// cannot be a listener") }
        self.scheme = scheme
        var rest = String(text[sep.upperBound...])
        query = ""
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = String(rest[..<q])
        }
        var authorityPart = rest
        var pathPart = ""
        if let slash = rest.firstIndex(of: "/") {
            authorityPart = String(rest[..<slash])
            pathPart = String(rest[slash...])
        }
        userInfo = nil
        if let at = authorityPart.lastIndex(of: "@") {
            userInfo = String(authorityPart[..<at])
            authorityPart = String(authorityPart[authorityPart.index(after: at)...])
        }
        authority = authorityPart
        host = ""
        port = 0
        path = ""
        switch scheme {
        case .unix:
            guard authorityPart.isEmpty, pathPart.hasPrefix("/") else { throw fail("unix:// needs an absolute path, as unix:///run/peer.sock") }
            path = Self.percentDecode(pathPart)
        case .tcp, .tls, .socks, .sockstls, .quic:
            (host, port) = try Self.splitHostPort(authorityPart, fail: fail)
            if scheme.isSOCKS {
                let target = String(pathPart.drop(while: { $0 == "/" }))
                guard !target.isEmpty else { throw fail("\(schemeText):// needs a target, as \(schemeText)://proxy:1080/host:port") }
                _ = try Self.splitHostPort(target, fail: fail)
                path = target
            } else if !(pathPart.isEmpty || pathPart == "/") {
                throw fail("unexpected path \"\(pathPart)\"")
            }
        case .ws, .wss:
            (host, port) = try Self.splitHostPort(authorityPart, fail: fail)
            path = pathPart.isEmpty ? "/" : pathPart
        }
        pinnedKeys = []
        priority = 0
        sni = nil
        password = []
        maxBackoff = nil
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.percentDecode(String(kv[0]))
            let value = kv.count > 1 ? Self.percentDecode(String(kv[1])) : ""
            switch name {
            case "key":
                guard role == .peer else { throw fail("key= pinning applies to peers, not listeners") }
                guard value.count == 64, let raw = Hex.decode(value) else {
                    throw fail("key=\(value) is not a 64-character hex public key")
                }
                pinnedKeys.append(raw)
            case "priority":
                guard let p = UInt8(value) else { throw fail("priority=\(value) is not a number from 0 to 255") }
                priority = p
            case "sni":
                // quic never sends SNI (§2.10).
                if scheme.isWebSocket || scheme == .quic { continue }
                guard scheme == .tls || scheme == .sockstls else { throw fail("sni= applies to tls:// and sockstls:// only") }
                sni = value
            case "password":
                let bytes = Array(value.utf8)
                guard bytes.count <= Self.maxPasswordBytes else { throw fail("invalid password supplied") }
                password = bytes
            case "maxbackoff":
                guard let d = GoDuration.seconds(value), d >= Self.minimumMaxBackoff else {
                    throw fail("max backoff duration invalid")
                }
                maxBackoff = d
            default:
                // Unknown options are ignored, as 0.4.7 ignores them (later versions add some).
                break
            }
        }
    }

    /// What a ws/wss dial asks for: the path and the query as written (0.5.12 sends the link
    /// options, `password` included, to the server this way).
    public var requestTarget: String { query.isEmpty ? path : path + "?" + query }

    /// 0.5.12 refuses longer link passwords (BLAKE2b keys are at most 64 bytes).
    public static let maxPasswordBytes = 64
    /// 0.5.12 refuses a `maxbackoff` below 30 seconds.
    public static let minimumMaxBackoff: Double = 30

    static func splitHostPort(_ s: String, fail: (String) -> ParseError) throws -> (String, UInt16) {
        var host: String
        var portText: String
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { throw fail("missing ']' in an IPv6 address") }
            host = String(s[s.index(after: s.startIndex)..<close])
            let after = s[s.index(after: close)...]
            guard after.hasPrefix(":") else { throw fail("missing port (write [addr]:port)") }
            portText = String(after.dropFirst())
            host = percentDecode(host)
            guard host.split(separator: "%").first.map({ IPv6Text.isValid(String($0)) }) ?? false else {
                throw fail("\"\(host)\" is not an IPv6 address")
            }
        } else {
            guard let colon = s.lastIndex(of: ":") else { throw fail("missing port (write host:port)") }
            host = String(s[..<colon])
            portText = String(s[s.index(after: colon)...])
            guard !host.contains(":") else { throw fail("IPv6 addresses must be in brackets, as [::1]:port") }
        }
        guard !host.isEmpty else { throw fail("missing host") }
        guard let port = UInt16(portText) else { throw fail("port \"\(portText)\" is not a number from 0 to 65535") }
        return (host, port)
    }

    static func percentDecode(_ s: String) -> String {
        guard s.contains("%") else { return s }
        var out = [UInt8]()
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let hi = Hex.nibble(b[i + 1]), let lo = Hex.nibble(b[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

import RhizomeCrypto
import RhizomeIPv6

enum IPv6Text {
    static func isValid(_ s: String) -> Bool { IPv6Bytes(text: s) != nil }
}
