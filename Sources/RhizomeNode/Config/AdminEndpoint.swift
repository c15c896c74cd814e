/// Where the admin API listens or is reached: `unix:///path` or `tcp://host:port`.
public enum AdminEndpoint: Equatable, Sendable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: UInt16)

    public init(_ text: String) throws {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            guard path.hasPrefix("/") || !path.isEmpty else {
                throw ConfigError(field: "AdminListen", message: "\"\(text)\" needs a socket path, as unix:///run/rhizome/rhizome.sock")
            }
            self = .unix(path: path)
        } else if text.hasPrefix("tcp://") {
            let rest = String(text.dropFirst("tcp://".count))
            do {
                let (host, port) = try PeerURI.splitHostPort(rest) { PeerURI.ParseError(uri: text, reason: $0) }
                self = .tcp(host: host, port: port)
            } catch let e as PeerURI.ParseError {
                throw ConfigError(field: "AdminListen", message: "\(e)")
            }
        } else {
            throw ConfigError(field: "AdminListen", message: "\"\(text)\" must be unix:///path, tcp://host:port or none")
        }
    }

    static func validate(_ text: String) throws { _ = try AdminEndpoint(text) }

    /// Whether only this machine can connect: a unix socket, or tcp on a loopback address
    /// (127.0.0.0/8, ::1, ::ffff:127.x.x.x, `localhost`).
    public var isLocalOnly: Bool {
        switch self {
        case .unix: return true
        case .tcp(let host, _):
            let h = host.lowercased()
            return h == "localhost" || h == "::1" || h.hasPrefix("127.") || h.hasPrefix("::ffff:127.")
                || h == "0:0:0:0:0:0:0:1"
        }
    }

    /// The start-up warning for an endpoint others can reach (nil for local-only ones). The admin
    /// API has no authentication: whoever connects can add and remove peers and read the node's
    /// keys, peers and sessions. Such an endpoint is never a default; it is used only because the
    /// operator wrote it in `AdminListen`.
    public var exposureWarning: String? {
        guard !isLocalOnly else { return nil }
        return "AdminListen \(description) is not a loopback address: anyone who can reach it can control this "
            + "node without authentication (add or remove peers, read its peers, sessions and routes); "
            + "use unix:///path or tcp://127.0.0.1:port unless it is firewalled"
    }

    public var description: String {
        switch self {
        case .unix(let path): return "unix://" + path
        case .tcp(let host, let port): return "tcp://" + (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        }
    }
}
