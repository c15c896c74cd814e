import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An admin socket that answers from a table of fixed reply texts, one request per connection,
/// on a UNIX socket in a temporary directory: it shows what a control tool prints for a given
/// reply, byte for byte. Requests are recorded (their `request` names) for the tests to inspect.
final class FakeAdminServer: @unchecked Sendable {
    let directory: String
    let path: String
    var endpoint: String { "unix://\(path)" }
    private let fd: Int32
    private let lock = NSLock()
    private var replies: [String: String]
    private var received: [String] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// `replies` by lower-cased request name; `"*"` answers any other request.
    init(replies: [String: String]) throws {
        self.replies = replies
        directory = NSTemporaryDirectory() + "rhizomectl-fake-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/admin.sock"
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in for (i, b) in path.utf8.enumerated() { buf[i] = b } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, listen(fd, 16) == 0 else { throw CocoaError(.fileWriteUnknown) }
        Thread.detachNewThread { [self] in serve() }
    }

    func setReplies(_ r: [String: String]) { lock.withLock { replies = r } }

    /// Request names seen so far, in order.
    var requests: [String] { lock.withLock { received } }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(fd, Int32(SHUT_RDWR))
        done.wait()
        close(fd)
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func serve() {
        defer { done.signal() }
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, 100)
            if lock.withLock({ stopped }) { return }
            if n <= 0 { continue }
            let c = accept(fd, nil, nil)
            if c < 0 { if lock.withLock({ stopped }) { return } else { continue } }
            handle(c)
            close(c)
        }
    }

    private func handle(_ c: Int32) {
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !buffer.contains(UInt8(ascii: "\n")) {
            let n = chunk.withUnsafeMutableBytes { recv(c, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { break }
            buffer += chunk[0..<n]
        }
        let obj = try? JSONSerialization.jsonObject(with: Data(buffer)) as? [String: Any]
        let name = (obj?["request"] as? String) ?? ""
        let reply: String? = lock.withLock {
            received.append(name)
            return replies[name.lowercased()] ?? replies["*"]
        }
        guard let reply else { return }
        let bytes = Array(reply.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(c, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
    }
}
