#if canImport(Glibc)
import Glibc
#endif

/// Reading a whole file or standard input into bytes, with errors that name the path.
public enum ConfigSource {
    public static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConfigError(field: "", message: "cannot read config file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        return try readAll(fd, what: path)
    }

    public static func readStandardInput() throws -> [UInt8] {
        try readAll(0, what: "standard input")
    }

    /// Config files are small; refuse anything absurd rather than exhaust memory.
    public static let maxConfigBytes = 16 << 20

    static func readAll(_ fd: Int32, what: String) throws -> [UInt8] {
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConfigError(field: "", message: "cannot read \(what): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            if out.count > maxConfigBytes { throw ConfigError(field: "", message: "\(what) is larger than \(maxConfigBytes) bytes") }
        }
        return out
    }
}
