import Foundation
import Testing
@testable import RhizomeNode

/// `StartupPages`: which mappings it may drop, and that dropping them changes no byte the process
/// sees, while a mapping with copied-on-write pages (relocated data) keeps them.
@Suite struct StartupPagesTests {
    @Test func onlyCleanReadOnlyFileMappingsAreChosen() {
        let text = """
        00400000-00500000 r-xp 00000000 fd:01 123  /usr/bin/rhizome
        Size:               1024 kB
        Rss:                 512 kB
        Anonymous:             0 kB
        Private_Dirty:         0 kB
        VmFlags: rd ex mr mw me
        00500000-00540000 r--p 00100000 fd:01 123  /usr/bin/rhizome
        Rss:                 256 kB
        Anonymous:             4 kB
        00540000-00580000 rw-p 00140000 fd:01 123  /usr/bin/rhizome
        Rss:                 256 kB
        Anonymous:             0 kB
        00600000-00700000 rw-p 00000000 00:00 0    [heap]
        Rss:                 100 kB
        Anonymous:           100 kB
        7f0000000000-7f0000010000 r--p 00000000 fd:01 77  /usr/lib/x86_64-linux-gnu/libc.so.6
        Rss:                  64 kB
        Anonymous:             0 kB
        7f0000010000-7f0000020000 r--s 00000000 fd:01 78  /dev/shm/shared
        Rss:                  64 kB
        Anonymous:             0 kB
        7f0000020000-7f0000030000 r-xp 00000000 fd:01 79  /usr/lib/x86_64-linux-gnu/libm.so.6
        Rss:                  64 kB
        Private_Dirty:         8 kB
        7ffff7ff0000-7ffff7ff2000 r-xp 00000000 00:00 0    [vdso]
        Rss:                   8 kB
        Anonymous:             0 kB
        """
        let chosen = StartupPages.parse(smaps: text.split(separator: "\n").map(String.init))
        #expect(chosen == [
            .init(start: 0x400000, length: 0x100000, residentBytes: 512 * 1024),
            .init(start: 0x7f00_0000_0000, length: 0x10000, residentBytes: 64 * 1024),
        ])
    }

    /// Two private read-only mappings of one file: one only read, one written before it was made
    /// read-only (as the loader does with relocated data). After `release`, the first is no longer
    /// resident and reads the file's bytes again; the second keeps what was written.
    @Test func releaseDropsCleanPagesAndKeepsWrittenOnes() throws {
        let path = NSTemporaryDirectory() + "startup-pages-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let size = 16 * 4096
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { unlink(path) }
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let clean = try #require(mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0))
        let written = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0))
        try #require(clean != MAP_FAILED && written != MAP_FAILED)
        defer { munmap(clean, size); munmap(written, size) }
        var sum = 0
        for i in stride(from: 0, to: size, by: 4096) { sum &+= Int(clean.load(fromByteOffset: i, as: UInt8.self)) }
        written.storeBytes(of: 0xAB, toByteOffset: 100, as: UInt8.self)
        try #require(mprotect(written, size, PROT_READ) == 0)
        #expect(Self.residentKiB(at: clean) == size / 1024, "read pages are resident (sum \(sum))")

        let chosen = StartupPages.cleanReadOnlyFileMappings().map(\.start)
        #expect(chosen.contains(UInt(bitPattern: clean)))
        #expect(!chosen.contains(UInt(bitPattern: written)))
        StartupPages.release()

        #expect(Self.residentKiB(at: clean) == 0)
        #expect(memcmp(clean, bytes, size) == 0, "the file's bytes read back")
        #expect(written.load(fromByteOffset: 100, as: UInt8.self) == 0xAB, "a written page is kept")
        #expect(written.load(fromByteOffset: 101, as: UInt8.self) == bytes[101])
    }

    /// The `Rss` of the mapping that starts at `address`, from /proc/self/smaps.
    static func residentKiB(at address: UnsafeMutableRawPointer) -> Int? {
        // Read line by line: /proc files report size 0, which whole-file readers take literally.
        guard let file = fopen("/proc/self/smaps", "r") else { return nil }
        defer { fclose(file) }
        var lines: [String] = []
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while getline(&buffer, &capacity, file) > 0, let buffer { lines.append(String(cString: buffer)) }
        let start = String(UInt(bitPattern: address), radix: 16)
        var inside = false
        for line in lines {
            if let dash = line.firstIndex(of: "-"), !line.hasPrefix(" "), line[..<dash].allSatisfy(\.isHexDigit) {
                inside = line[..<dash].drop { $0 == "0" } == start.drop { $0 == "0" }
            } else if inside, line.hasPrefix("Rss:") {
                return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
            }
        }
        return nil
    }
}
