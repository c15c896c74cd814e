#if canImport(Glibc)
import Glibc
#endif

/// A blocking client for the admin API (rhizome's, yggdrasil 0.4.7's or 0.5.12's): one request,
/// one reply. Replies are pretty-printed JSON without framing, so the reply is read until one
/// complete JSON value has arrived (or the server closes).
public enum AdminClient {
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// A reply parsed, and its text as received (yggdrasilctl prints some members verbatim).
    public struct Reply: Sendable {
        public var object: JSONObject
        public var text: String
    }

    /// Sends `{"request": command, "arguments": {...}}` and returns the whole reply object.
    public static func call(endpoint: String, command: String, arguments: [(String, String)], timeout: Double = 10) throws -> JSONObject {
        try exchange(endpoint: endpoint, command: command, arguments: arguments, timeout: timeout).object
    }

    /// As `call`, keeping the reply's text too.
    public static func exchange(endpoint: String, command: String, arguments: [(String, String)], timeout: Double = 10) throws -> Reply {
        let fd = try connect(endpoint, timeout: timeout)
        defer { close(fd) }
        let args = JSONObject(arguments.sorted { $0.0 < $1.0 }.map { ($0.0, JSONValue.string($0.1)) })
        let request = JSONWriter.write(.object(JSONObject([("request", .string(command)), ("arguments", .object(args))])), indent: nil) + "\n"
        var bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeMutableBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw Failure(message: "sending the request failed: \(String(cString: strerror(errno)))") }
            sent += n
        }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while JSONValueSplitter.firstValueLength(in: reply) == nil {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(message: errno == EAGAIN ? "no reply within \(Int(timeout)) s" : "reading the reply failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            reply += chunk[0..<n]
            if reply.count > 64 << 20 { throw Failure(message: "reply larger than 64 MiB") }
        }
        let length = JSONValueSplitter.firstValueLength(in: reply) ?? reply.count
        guard let text = String(validating: reply[0..<length], as: UTF8.self),
              case .object(let obj)? = try? HJSONParser.parse(text, strict: false) else {
            throw Failure(message: "the node's reply is not a JSON object")
        }
        return Reply(object: obj, text: text)
    }

    static func connect(_ endpoint: String, timeout: Double) throws -> Int32 {
        let parsed: AdminEndpoint
        do { parsed = try AdminEndpoint(endpoint) } catch {
            throw Failure(message: "bad endpoint \"\(endpoint)\": use unix:///path or tcp://host:port")
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        switch parsed {
        case .unix(let path):
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(message: "socket: \(String(cString: strerror(errno)))") }
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { close(fd); throw Failure(message: "socket path too long") }
            withUnsafeMutableBytes(of: &addr.sun_path) { buf in for (i, b) in bytes.enumerated() { buf[i] = b } }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard rc == 0 else {
                let why = String(cString: strerror(errno))
                close(fd)
                throw Failure(message: "cannot connect to \(endpoint): \(why)")
            }
            return fd
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var res: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &res) == 0, let first = res else {
                throw Failure(message: "cannot resolve \(host)")
            }
            defer { freeaddrinfo(res) }
            var lastError = "no address"
            var ai: UnsafeMutablePointer<addrinfo>? = first
            while let a = ai {
                let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
                if fd >= 0 {
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                    if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
                    lastError = String(cString: strerror(errno))
                    close(fd)
                }
                ai = a.pointee.ai_next
            }
            throw Failure(message: "cannot connect to \(endpoint): \(lastError)")
        }
    }
}
