import NIOHTTP1

/// What a ws listener does with an HTTP request, decided from its head alone, in the order
/// yggdrasil 0.5.12 (coder/websocket 1.8.12 behind Go's HTTP server) decides it
/// (node-sessions-admin.md §2.11):
///
/// 1. `/health` or `/healthz` (any method, upgrade or not): 200, body `OK`.
/// 2. Not HTTP/1.1 or later, no `Upgrade` token in `Connection`, no `websocket` token in
///    `Upgrade`: 426 Upgrade Required.
/// 3. Not GET: 405. `Sec-WebSocket-Version` other than 13, a missing, repeated or malformed
///    `Sec-WebSocket-Key`: 400.
/// 4. An `Origin` whose host differs from `Host`: 403.
/// 5. Otherwise the upgrade (101). The `ygg-ws` subprotocol is echoed in the spelling the client
///    used; a client that did not offer it exactly is upgraded and then closed with 1008.
struct WebSocketRequestCheck: Equatable {
    enum Verdict: Equatable {
        case health
        /// An HTTP error reply: status, extra headers, and the text of the body.
        case refuse(HTTPResponseStatus, [(String, String)], String)
        /// Upgrade; the subprotocol to echo (nil when none was offered).
        case upgrade(subprotocol: String?)

        static func == (a: Verdict, b: Verdict) -> Bool {
            switch (a, b) {
            case (.health, .health): return true
            case (.refuse(let s1, let h1, let t1), .refuse(let s2, let h2, let t2)):
                return s1 == s2 && t1 == t2 && h1.map { [$0.0, $0.1] } == h2.map { [$0.0, $0.1] }
            case (.upgrade(let p1), .upgrade(let p2)): return p1 == p2
            default: return false
            }
        }
    }

    let verdict: Verdict

    static let subprotocol = "ygg-ws"
    /// The close reason yggdrasil sends to a client that upgraded without `ygg-ws`.
    static let missingSubprotocolReason = "client must speak the ygg-ws subprotocol"

    init(_ head: HTTPRequestHead) {
        verdict = Self.decide(head)
    }

    /// Whether the upgraded connection may carry a link (the subprotocol was offered as `ygg-ws`).
    var speaksYggWS: Bool { verdict == .upgrade(subprotocol: Self.subprotocol) }

    /// For NIO's upgrader: the extra response headers of an upgrade, nil to refuse it (the request
    /// then reaches the `WebSocketHTTPResponder`, which answers with the verdict).
    var upgradeHeaders: HTTPHeaders? {
        guard case .upgrade(let proto) = verdict else { return nil }
        var headers = HTTPHeaders()
        if let proto { headers.add(name: "Sec-WebSocket-Protocol", value: proto) }
        return headers
    }

    private static func decide(_ head: HTTPRequestHead) -> Verdict {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if path == "/health" || path == "/healthz" { return .health }
        let upgradeHint = [("Connection", "Upgrade"), ("Upgrade", "websocket")]
        if head.version.major < 1 || (head.version.major == 1 && head.version.minor < 1) {
            return .refuse(.upgradeRequired, [], "WebSocket protocol violation: handshake request must be at least HTTP/1.1: \(quoted("HTTP/\(head.version.major).\(head.version.minor)"))")
        }
        if !tokens(head.headers, "Connection").contains(where: { $0.lowercased() == "upgrade" }) {
            return .refuse(.upgradeRequired, upgradeHint, "WebSocket protocol violation: Connection header \(quoted(head.headers.first(name: "Connection") ?? "")) does not contain Upgrade")
        }
        if !tokens(head.headers, "Upgrade").contains(where: { $0.lowercased() == "websocket" }) {
            return .refuse(.upgradeRequired, upgradeHint, "WebSocket protocol violation: Upgrade header \(quoted(head.headers.first(name: "Upgrade") ?? "")) does not contain websocket")
        }
        if head.method != .GET {
            return .refuse(.methodNotAllowed, [], "WebSocket protocol violation: handshake request method is not GET but \(quoted(head.method.rawValue))")
        }
        let version = head.headers.first(name: "Sec-WebSocket-Version") ?? ""
        if version != "13" {
            return .refuse(.badRequest, [("Sec-WebSocket-Version", "13")], "unsupported WebSocket protocol version (only 13 is supported): \(quoted(version))")
        }
        let keys = head.headers["Sec-WebSocket-Key"]
        if keys.isEmpty { return .refuse(.badRequest, [], "WebSocket protocol violation: missing Sec-WebSocket-Key") }
        if keys.count > 1 { return .refuse(.badRequest, [], "WebSocket protocol violation: multiple Sec-WebSocket-Key headers") }
        let key = keys[0].trimmedOfBlanks()
        if base64DecodedLength(key) != 16 {
            return .refuse(.badRequest, [], "WebSocket protocol violation: invalid Sec-WebSocket-Key \(quoted(key)), must be a 16 byte base64 encoded string")
        }
        if let origin = head.headers.first(name: "Origin") {
            let host = head.headers.first(name: "Host") ?? ""
            guard let originHost = originHost(origin), !originHost.isEmpty else {
                return .refuse(.forbidden, [], "request Origin \(quoted(origin)) is not a valid URL with a host")
            }
            if originHost.lowercased() != host.lowercased() {
                return .refuse(.forbidden, [], "request Origin \(quoted(originHost)) is not authorized for Host \(quoted(host))")
            }
        }
        let offered = tokens(head.headers, "Sec-WebSocket-Protocol")
        return .upgrade(subprotocol: offered.first { $0.lowercased() == subprotocol })
    }

    /// Comma-separated tokens of every value of a header, trimmed.
    static func tokens(_ headers: HTTPHeaders, _ name: String) -> [String] {
        headers[name].flatMap { $0.split(separator: ",") }.map { $0.trimmedOfBlanks() }.filter { !$0.isEmpty }
    }

    /// The host (and port) of an `Origin` URL such as `https://example.org:8443`; nil if it has
    /// no scheme.
    static func originHost(_ origin: String) -> String? {
        guard let sep = origin.firstRange(of: "://") else { return nil }
        var rest = origin[sep.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return String(rest)
    }

    /// Bytes that standard base64 text decodes to, nil if it is not padded base64.
    static func base64DecodedLength(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count % 4 == 0 else { return nil }
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let padding = bytes.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        guard padding <= 2, bytes.dropLast(padding).allSatisfy({ alphabet.contains($0) }) else { return nil }
        return bytes.count / 4 * 3 - padding
    }

    /// Go's `%q` for the plain ASCII that headers hold.
    private static func quoted(_ s: String) -> String {
        "\"" + s.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}

private extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmedOfBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
