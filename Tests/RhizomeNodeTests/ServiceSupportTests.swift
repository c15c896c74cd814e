import Foundation
import Logging
import NIOPosix
import Testing
@testable import RhizomeNode

/// The pieces of running under a service manager that need no daemon: syslog priorities,
/// NOTIFY_SOCKET addresses and messages, the watchdog interval, and `-user` parsing.
@Suite struct ServiceSupportTests {
    @Test func everyLevelHasItsSyslogPriority() {
        let expected: [(Logger.Level, Int32)] = [(.trace, LOG_DEBUG), (.debug, LOG_DEBUG), (.info, LOG_INFO), (.notice, LOG_NOTICE),
                                                 (.warning, LOG_WARNING), (.error, LOG_ERR), (.critical, LOG_CRIT)]
        for (level, priority) in expected { #expect(syslogPriority(level) == priority, "\(level)") }
    }

    @Test func notifySocketAddresses() throws {
        let base = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        let path = try #require(ServiceNotifier.socketAddress("/run/systemd/notify"))
        #expect(Int(path.1) == base + "/run/systemd/notify".utf8.count + 1)
        let abstract = try #require(ServiceNotifier.socketAddress("@rz-test"))
        #expect(Int(abstract.1) == base + "@rz-test".utf8.count)
        let first = withUnsafeBytes(of: abstract.0.sun_path) { $0[0] }
        #expect(first == 0, "an abstract name starts with a zero byte")
        #expect(ServiceNotifier.socketAddress("vsock:2:1234") == nil)
        #expect(ServiceNotifier.socketAddress("/" + String(repeating: "x", count: 200)) == nil)
    }

    @Test func watchdogIntervalIsHalfTheTimeoutAndOnlyForThisProcess() {
        let mine = ServiceNotifier(notifySocket: "/tmp/x", watchdogUSec: "400000", watchdogPID: "\(getpid())", readinessFD: nil)
        #expect(mine.watchdogInterval == .milliseconds(200))
        let other = ServiceNotifier(notifySocket: "/tmp/x", watchdogUSec: "400000", watchdogPID: "1", readinessFD: nil)
        #expect(other.watchdogInterval == nil)
        let noSocket = ServiceNotifier(notifySocket: nil, watchdogUSec: "400000", watchdogPID: nil, readinessFD: nil)
        #expect(noSocket.watchdogInterval == nil)
        #expect(!noSocket.send("READY=1"))
    }

    /// An abstract socket of the test's own receives what the notifier sends.
    @Test func messagesReachAnAbstractSocket() throws {
        let name = "rz-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var (addr, len) = try #require(ServiceNotifier.socketAddress("@" + name))
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        try #require(bound == 0)
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        func next() -> String {
            var buf = [UInt8](repeating: 0, count: 512)
            let n = recv(fd, &buf, buf.count, 0)
            return n > 0 ? String(decoding: buf[..<n], as: UTF8.self) : ""
        }
        let notifier = ServiceNotifier(notifySocket: "@" + name, watchdogUSec: nil, watchdogPID: nil, readinessFD: nil)
        notifier.ready()
        #expect(next() == "READY=1")
        notifier.reloading()
        let reloading = next().split(separator: "\n")
        #expect(reloading.first == "RELOADING=1")
        #expect(reloading.count == 2 && reloading[1].hasPrefix("MONOTONIC_USEC=") && UInt64(reloading[1].dropFirst(15)) != nil)
        notifier.stopping()
        #expect(next() == "STOPPING=1")
    }

    @Test func userSpecificationsAreCheckedBeforeUse() throws {
        let nobody = try PrivilegeDrop("nobody")
        #expect(nobody.uid == 65534)
        #expect(try PrivilegeDrop("65534").uid == 65534)
        #expect(try PrivilegeDrop("nobody:0").gid == 0)
        #expect(try PrivilegeDrop("root:nogroup").gid == 65534)
        for bad in ["", ":0", "0:", "#user", "-1", "no-such-user-rz", "nobody:no-such-group-rz"] {
            #expect(throws: PrivilegeDrop.Failure.self, "\(bad)") { try PrivilegeDrop(bad) }
        }
    }
}
