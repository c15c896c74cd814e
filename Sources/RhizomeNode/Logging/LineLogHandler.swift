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

/// The syslog priority of a swift-log level, so `-logto syslog` files each line where an
/// operator's filters expect it (yggdrasil sends everything as NOTICE).
public func syslogPriority(_ level: Logger.Level) -> Int32 {
    switch level {
    case .trace, .debug: return LOG_DEBUG
    case .info: return LOG_INFO
    case .notice: return LOG_NOTICE
    case .warning: return LOG_WARNING
    case .error: return LOG_ERR
    case .critical: return LOG_CRIT
    }
}

/// A log file that cannot be opened: a start-up error naming the path.
public struct LogFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot open log file \(path): \(reason)" }
}

/// A sink shared by every logger: one lock around one file descriptor (or syslog), so lines
/// from different threads never interleave.
public final class LogSink: @unchecked Sendable {
    private let lock = NSLockLike()
    private let fd: Int32
    private let useSyslog: Bool
    private let path: String?

    /// Opens the destination. A file that cannot be opened is an error: silently logging to
    /// stdout instead would hide every later line from whoever reads the file.
    public init(_ destination: LogDestination) throws {
        switch destination {
        case .stdout:
            fd = 1; useSyslog = false; path = nil
        case .syslog:
            fd = -1; useSyslog = true; path = nil
            openlog("rhizome", LOG_PID, LOG_DAEMON)
        case .file(let file):
            fd = try Self.openFile(file)
            useSyslog = false; path = file
        }
    }

    private static func openFile(_ path: String) throws -> Int32 {
        let opened = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard opened >= 0 else { throw LogFileError(path: path, reason: String(cString: strerror(errno))) }
        return opened
    }

    /// Opens the log file's path again (after logrotate renamed it) and writes there from now
    /// on; the descriptor number stays the same. Nothing to do for stdout or syslog. If the path
    /// cannot be opened the old file is kept and the reason is thrown.
    public func reopen() throws {
        guard let path else { return }
        let fresh = try Self.openFile(path)
        lock.withLock {
            _ = dup2(fresh, fd)
            close(fresh)
        }
    }

    func write(_ line: String, level: Logger.Level = .notice) {
        lock.withLock {
            if useSyslog {
                line.withCString { msg in withVaList([msg]) { vsyslog(syslogPriority(level), "%s", $0) } }
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

    /// Reopens the log file (logrotate); see `LogSink.reopen()`.
    public func reopen() throws { try sink.reopen() }

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
        sink.write(text, level: level)
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
