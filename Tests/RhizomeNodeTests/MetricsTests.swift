import Logging
import NIOCore
import NIOPosix
import Testing
import RhizomeTestSupport
import RhizomeCrypto
@testable import RhizomeNode
#if canImport(Glibc)
import Glibc
#endif

/// The metrics endpoint: the text it serves, the `MetricsListen` field, and the server's bounds.
@Suite(.live, .serialized) struct MetricsTests {
    static func families(value: Int, root: String, label: String = #"a"b\c"# + "\nd") -> [MetricFamily] {
        var m = MetricsBuilder()
        m.counter("rhizome_test_bytes_total", #"Bytes with a \ backslash in the help."#, label: "direction", ["in": value, "out": 2 * value])
        m.counter("rhizome_test_escape_total", "A label value that needs escaping.", [([("reason", label)], 1)])
        m.gauge("rhizome_test_root_info", "Root (one series).", [([("root", root)], 1)])
        m.gauge("rhizome_test_plain", "A gauge without labels.", 42)
        return m.families
    }

    static func text(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func expositionHasHelpTypeAndEscapedLabels() {
        let lines = Self.text(MetricsExposition().render(Self.families(value: 7, root: "ab")))
        #expect(lines.contains(#"# HELP rhizome_test_bytes_total Bytes with a \\ backslash in the help."#))
        #expect(lines.contains("# TYPE rhizome_test_bytes_total counter"))
        #expect(lines.contains(#"rhizome_test_bytes_total{direction="in"} 7"#))
        #expect(lines.contains(#"rhizome_test_bytes_total{direction="out"} 14"#))
        #expect(lines.contains(#"rhizome_test_escape_total{reason="a\"b\\c\nd"} 1"#))
        #expect(lines.contains("# TYPE rhizome_test_root_info gauge"))
        #expect(lines.contains("rhizome_test_plain 42.0"))
        // Every sample line belongs to a family announced by a TYPE line before it.
        var typed = Set<String>()
        for line in lines {
            if line.hasPrefix("# TYPE ") {
                typed.insert(String(line.split(separator: " ")[2]))
            } else if !line.hasPrefix("#") {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                #expect(typed.contains(name), "\(line) has no TYPE line before it")
            }
        }
    }

    @Test func countersFollowTheNodeAndStaleSeriesGo() {
        let exposition = MetricsExposition()
        _ = exposition.render(Self.families(value: 7, root: "old"))
        let lines = Self.text(exposition.render(Self.families(value: 9, root: "new")))
        #expect(lines.contains(#"rhizome_test_bytes_total{direction="in"} 9"#))
        #expect(lines.contains(#"rhizome_test_root_info{root="new"} 1.0"#))
        #expect(!lines.contains { $0.contains(#"root="old""#) })
    }

    @Test func familiesOfOneNameMergeAndKeepTheirHelp() {
        var m = MetricsBuilder()
        m.counter("rhizome_x_total", "", [([("layer", "a")], 1)])
        m.counter("rhizome_x_total", "Help.", [([("layer", "b")], 2)])
        #expect(m.families.count == 1)
        #expect(m.families[0].help == "Help.")
        #expect(m.families[0].samples.count == 2)
    }

    // MARK: config

    func load(_ text: String) throws -> NodeConfig {
        var r = SeededRandom(seed: 3)
        return try NodeConfig.load(bytes: Array(text.utf8), random: &r).config
    }

    @Test func metricsListenIsOptionalAndRoundTrips() throws {
        let plain = try load("{ \"PrivateKey\": \"\(ConfigTests.key)\" }")
        #expect(plain.metricsListen == nil)
        #expect(!plain.jsonText().contains("MetricsListen"))
        #expect(!plain.hjsonText().contains("MetricsListen"))
        #expect(try load("{ \"PrivateKey\": \"\(ConfigTests.key)\", MetricsListen: \"\" }").metricsListen == nil)
        let on = try load("{ \"PrivateKey\": \"\(ConfigTests.key)\", metricslisten: \"127.0.0.1:9464\" }")
        #expect(on.metricsListen == "127.0.0.1:9464")
        let again = try load(on.jsonText())
        #expect(again.metricsListen == "127.0.0.1:9464")
        #expect(again == on)
        #expect(try load("{ \"PrivateKey\": \"\(ConfigTests.key)\", MetricsListen: \"[::1]:9464\" }").metricsListen == "[::1]:9464")
    }

    @Test(arguments: ["9464", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "::1:9464", "[127.0.0.1]:1", "example.org:9464", "127.0.0.1:x"])
    func badMetricsListenNamesTheField(_ value: String) throws {
        do {
            _ = try load("{ \"PrivateKey\": \"\(ConfigTests.key)\", MetricsListen: \"\(value)\" }")
            Issue.record("accepted \(value)")
        } catch let e as ConfigError {
            #expect(e.field == "MetricsListen")
        }
        #expect(throws: ConfigError.self) { try load("{ \"PrivateKey\": \"\(ConfigTests.key)\", MetricsListen: 9464 }") }
    }

    @Test func loopbackIsToldApart() throws {
        #expect(try MetricsListen("127.0.0.1:1").isLoopback)
        #expect(try MetricsListen("localhost:1").isLoopback)
        #expect(try MetricsListen("[::1]:1").isLoopback)
        #expect(try !MetricsListen("0.0.0.0:1").isLoopback)
        #expect(try !MetricsListen("[::]:1").isLoopback)
    }

    // MARK: server

    /// Runs a server on port 0 of 127.0.0.1 for `body`.
    func withServer(host: String = "127.0.0.1", log: Logger = Logger(label: "test"), idle: TimeAmount = MetricsServer.idleTimeout,
                    _ body: (Int) throws -> Void) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let server = MetricsServer(eventLoop: group.next(), log: log, idle: idle) {
            Self.families(value: 5, root: "r")
        }
        var listen = try MetricsListen("\(host):1")
        listen.port = 0
        try server.start(listen: listen)
        defer { try? server.stop().wait() }
        try body(server.localAddress!.port!)
    }

    /// A blocking client socket with a 3 s receive timeout.
    static func connectTo(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(rc == 0)
        return fd
    }

    static func send(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the peer closes (or the timeout): what it sent, and whether it closed.
    static func readAll(_ fd: Int32) -> (text: String, closed: Bool) {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { out += chunk[..<n]; continue }
            return (String(decoding: out, as: UTF8.self), n == 0 || errno == ECONNRESET)
        }
    }

    static func get(_ port: Int, _ path: String, method: String = "GET") -> String {
        let fd = connectTo(port)
        defer { close(fd) }
        send(fd, "\(method) \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return readAll(fd).text
    }

    @Test func servesMetricsOnlyAtItsPath() throws {
        try withServer { port in
            let ok = Self.get(port, "/metrics")
            #expect(ok.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(ok.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
            #expect(ok.contains("\r\n\r\n"))
            #expect(ok.contains(#"rhizome_test_bytes_total{direction="in"} 5"#))
            #expect(Self.get(port, "/metrics?x=1").hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(Self.get(port, "/").hasPrefix("HTTP/1.1 404 Not Found\r\n"))
            #expect(Self.get(port, "/metricsx").hasPrefix("HTTP/1.1 404 Not Found\r\n"))
            #expect(Self.get(port, "/metrics", method: "POST").hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
            let head = Self.get(port, "/metrics", method: "HEAD")
            #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n") && !head.contains("rhizome_test"))
        }
    }

    @Test func keepAliveServesSeveralScrapesOnOneConnection() throws {
        try withServer { port in
            let fd = Self.connectTo(port)
            defer { close(fd) }
            Self.send(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let (text, closed) = Self.readAll(fd)
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
            #expect(closed)
        }
    }

    @Test func oversizedRequestsAndExtraConnectionsAreClosed() throws {
        try withServer { port in
            // A request head far over the cap: closed without an answer.
            let big = Self.connectTo(port)
            Self.send(big, "GET /metrics HTTP/1.1\r\nX-Pad: " + String(repeating: "a", count: 40_000) + "\r\n\r\n")
            let (bigText, bigClosed) = Self.readAll(big)
            close(big)
            #expect(bigClosed && !bigText.contains("200 OK"))

            var held: [Int32] = []
            for _ in 0..<MetricsServer.maxConnections { held.append(Self.connectTo(port)) }
            usleep(200_000)
            let extra = Self.connectTo(port)
            Self.send(extra, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            let (extraText, extraClosed) = Self.readAll(extra)
            close(extra)
            #expect(extraClosed && extraText.isEmpty, "connection over the cap was served")
            // The held ones are still served.
            Self.send(held[0], "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(Self.readAll(held[0]).text.hasPrefix("HTTP/1.1 200 OK"))
            for fd in held { close(fd) }
            usleep(200_000)
            #expect(Self.get(port, "/metrics").hasPrefix("HTTP/1.1 200 OK"))
        }
    }

    @Test func idleConnectionsAreClosed() throws {
        try withServer(idle: .milliseconds(300)) { port in
            let fd = Self.connectTo(port)
            defer { close(fd) }
            Self.send(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            let start = NIODeadline.now()
            let (text, closed) = Self.readAll(fd)
            let waited = NIODeadline.now() - start
            #expect(text.hasPrefix("HTTP/1.1 200 OK"))
            #expect(closed, "an idle keep-alive connection stays open")
            #expect(waited >= .milliseconds(250) && waited < .seconds(3))
        }
    }

    @Test func aNonLoopbackAddressIsWarnedAbout() throws {
        let quiet = LiveLink05Tests.Lines(), loud = LiveLink05Tests.Lines()
        try withServer(log: Logger(label: "m", factory: { _ in LiveLink05Tests.CaptureLog(lines: quiet) })) { _ in }
        try withServer(host: "0.0.0.0", log: Logger(label: "m", factory: { _ in LiveLink05Tests.CaptureLog(lines: loud) })) { port in
            #expect(Self.get(port, "/metrics").hasPrefix("HTTP/1.1 200 OK"))
        }
        #expect(!quiet.all.contains { $0.hasPrefix("[warning]") })
        #expect(loud.all.contains { $0.hasPrefix("[warning]") && $0.contains("not a loopback address") && $0.contains("peers") })
    }
}
