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

    public var description: String {
        switch self {
        case .unix(let path): return "unix://" + path
        case .tcp(let host, let port): return "tcp://" + (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        }
    }
}
