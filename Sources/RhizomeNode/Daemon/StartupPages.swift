#if canImport(Glibc)
import Glibc
#endif

/// Lets go of the pages start-up touched and the running node does not need. Start-up (config
/// parsing, key checks, the dynamic loader's relocations, NIO bootstrap) runs through several MiB
/// of the executable's and the libraries' code and read-only data, and the kernel maps them in
/// 64 KiB groups; they would stay in the daemon's resident set for its whole life. Once the node
/// runs, this unmaps them: the pages stay in the page cache (shared with any other process using
/// the same files), and what the node goes on using comes back at the next touch as a minor
/// fault. Then free heap pages go back to the system (`malloc_trim`).
///
/// Only mappings that cannot differ from their file are dropped: file-backed, not writable, and
/// with no private (copied-on-write) page, so a fault reads back exactly what was there. A mapping
/// the dynamic loader relocated (RELRO) has private pages and is kept.
enum StartupPages {
    /// Drops the clean read-only file mappings and trims the heap. Returns the resident bytes
    /// the dropped mappings held (0 where /proc is missing).
    @discardableResult
    static func release() -> Int {
        var dropped = 0
        for mapping in cleanReadOnlyFileMappings()
        where madvise(UnsafeMutableRawPointer(bitPattern: mapping.start), mapping.length, MADV_DONTNEED) == 0 {
            dropped += mapping.residentBytes
        }
        trimHeap()
        return dropped
    }

    /// glibc's `malloc_trim(0)` (not in the Glibc module): returns free heap pages to the system.
    static func trimHeap() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        typealias MallocTrim = @convention(c) (Int) -> Int32
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }

    struct Mapping: Equatable {
        var start: UInt
        var length: Int
        var residentBytes: Int
    }

    /// The mappings of /proc/self/smaps that `release` may drop.
    static func cleanReadOnlyFileMappings() -> [Mapping] {
        guard let file = fopen("/proc/self/smaps", "r") else { return [] }
        defer { fclose(file) }
        var lines: [String] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            lines.append(String(cString: line))
        }
        return parse(smaps: lines)
    }

    /// Reads smaps text: a header line per mapping (`start-end perms offset dev inode [path]`)
    /// followed by `Field: value kB` lines.
    static func parse(smaps lines: [String]) -> [Mapping] {
        var result: [Mapping] = []
        var current: (mapping: Mapping, eligible: Bool)?
        func finish() {
            if let c = current, c.eligible { result.append(c.mapping) }
            current = nil
        }
        for line in lines {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.hasSuffix(":") {
                guard current != nil, fields.count >= 2, let value = Int(fields[1]) else { continue }
                switch first {
                case "Rss:": current!.mapping.residentBytes = value * 1024
                case "Anonymous:", "Private_Dirty:", "Shared_Dirty:", "Swap:":
                    if value != 0 { current!.eligible = false }
                default: break
                }
                continue
            }
            finish()
            let bounds = first.split(separator: "-")
            guard bounds.count == 2, fields.count >= 6,
                  let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start else { continue }
            let perms = fields[1]
            let path = fields[5]
            let eligible = path.hasPrefix("/") && !perms.contains("w") && perms.hasSuffix("p")
            current = (Mapping(start: start, length: Int(end - start), residentBytes: 0), eligible)
        }
        finish()
        return result
    }
}
