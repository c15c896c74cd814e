import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where log lines go: `-logto stdout|syslog|PATH`.
public enum LogDestination: Sendable, Equatable {
    case stdout
    case syslog
    case file(String)

    public init(_ text: String) {
        switch text {
        case "stdout": self = .stdout
        case "syslog": self = .syslog
        default: self = .file(text)
        }
    }
}

/// Log levels in yggdrasil's order; each enables itself and those before it. An unknown name means
/// `info`, as in 0.4.7.
public func logLevel(named name: String) -> Logger.Level {
    switch name.lowercased() {
    case "error": return .error
    case "warn", "warning": return .warning
    case "debug": return .debug
    case "trace": return .trace
    default: return .info
    }
}

/// A sink shared by every logger: one lock around one file descriptor (or syslog), so lines
/// from different threads never interleave.
public final class LogSink: @unchecked Sendable {
    private let lock = NSLockLike()
    private let fd: Int32
    private let useSyslog: Bool

    /// Opens the destination; a file that cannot be opened falls back to stdout (as 0.4.7 does),
    /// and the reason is returned so the caller can log it.
    public init(_ destination: LogDestination) {
        switch destination {
        case .stdout:
            fd = 1; useSyslog = false
        case .syslog:
            fd = -1; useSyslog = true
            openlog("rhizome", LOG_PID, LOG_DAEMON)
        case .file(let path):
            let opened = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            fd = opened >= 0 ? opened : 1
            useSyslog = false
        }
    }

    func write(_ line: String) {
        lock.withLock {
            if useSyslog {
                line.withCString { msg in withVaList([msg]) { vsyslog(LOG_NOTICE, "%s", $0) } }
                return
            }
            let stamped = LogSink.timestamp() + " " + line + "\n"
            var bytes = Array(stamped.utf8)
            var off = 0
            while off < bytes.count {
                let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
                if n <= 0 { break }
                off += n
            }
        }
    }

    /// `YYYY/MM/DD HH:MM:SS` in local time, the format 0.4.7 logs with.
    static func timestamp() -> String {
        var t = time(nil)
        var tmv = tm()
        localtime_r(&t, &tmv)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(tmv.tm_year + 1900)/\(two(tmv.tm_mon + 1))/\(two(tmv.tm_mday)) \(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec))"
    }
}

/// swift-log handler writing `YYYY/MM/DD HH:MM:SS message` lines to a `LogSink`.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let sink: LogSink

    public init(sink: LogSink, level: Logger.Level) {
        self.sink = sink
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        var text = message.description
        let merged = metadata.merging(extra ?? [:]) { $1 }
        if !merged.isEmpty {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        sink.write(text)
    }
}

/// A minimal mutex over pthread (Foundation-free).
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
