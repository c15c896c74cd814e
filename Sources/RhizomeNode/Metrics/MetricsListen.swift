import Glibc

/// A `MetricsListen` value: `HOST:PORT`, where HOST is an IPv4 address, a bracketed IPv6 address
/// or `localhost`. No name lookup: the address a scraper may reach is the one the operator wrote.
struct MetricsListen: Equatable {
    var host: String
    var port: Int

    init(_ text: String) throws {
        func bad(_ why: String) -> ConfigError {
            ConfigError(field: "MetricsListen", message: "\"\(text)\" \(why) (expected HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464)")
        }
        guard let colon = text.lastIndex(of: ":") else { throw bad("has no port") }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = Int(portText), (1...65535).contains(port) else { throw bad("has no port from 1 to 65535") }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            guard host.contains(":") else { throw bad("has brackets around a non-IPv6 host") }
        } else if host.contains(":") {
            throw bad("needs brackets around an IPv6 address")
        }
        if host == "localhost" { host = "127.0.0.1" }
        guard Self.isIPAddress(host) else { throw bad("does not name an IP address") }
        self.host = host
        self.port = port
    }

    /// An IPv4 or IPv6 literal, as the socket layer reads it. Plain libc, so the config code
    /// that checks this field builds without NIO (the fuzz build compiles it alone).
    static func isIPAddress(_ host: String) -> Bool {
        var buffer = in6_addr()
        return inet_pton(AF_INET, host, &buffer) == 1 || inet_pton(AF_INET6, host, &buffer) == 1
    }

    /// Loopback: 127.0.0.0/8 or ::1. Anything else lets other hosts read the node's peers and traffic.
    var isLoopback: Bool { host.hasPrefix("127.") || host == "::1" }
}
