import Foundation
import Testing
import CTun
#if canImport(Glibc)
import Glibc
#endif

/// `rz_tun_write_vnet`, what the node writes to a TUN opened with a virtio-net header: read back
/// through a pipe, a TCP segment carries a "checksum partial" header whose completion (what a
/// kernel does before a packet leaves by a device without checksum offload) gives back the
/// segment's own checksum; anything else goes with an empty header and unchanged.
@Suite struct TunVnetWriteTests {
    /// One's-complement sum of 16-bit big-endian words (an odd last byte padded with zero).
    static func sum(_ bytes: ArraySlice<UInt8>, into start: UInt32 = 0) -> UInt32 {
        var s = start
        var i = bytes.startIndex
        while i + 1 < bytes.endIndex { s += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]); i += 2 }
        if i < bytes.endIndex { s += UInt32(bytes[i]) << 8 }
        while s >> 16 != 0 { s = (s & 0xffff) + (s >> 16) }
        return s
    }

    /// An IPv6 TCP segment with a correct checksum: `payload` bytes after a 20-byte TCP header.
    static func segment(payload: Int, nextHeader: UInt8 = 6, seed: UInt8) -> [UInt8] {
        var p = [UInt8](repeating: 0, count: 40 + 20 + payload)
        p[0] = 0x60
        let length = 20 + payload
        p[4] = UInt8(length >> 8); p[5] = UInt8(length & 0xff)
        p[6] = nextHeader; p[7] = 64
        for i in 8..<40 { p[i] = UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ i &* 7) }
        p[40] = 0x1f; p[41] = 0x90; p[42] = 0xc3; p[43] = 0x50
        p[52] = 5 << 4   // data offset: 20 bytes
        for i in 60..<p.count { p[i] = UInt8(truncatingIfNeeded: i &* 13 &+ Int(seed)) }
        var pseudo = Array(p[8..<40])
        pseudo += [UInt8(length >> 24 & 0xff), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), 0, 0, 0, nextHeader]
        let total = sum(p[40...], into: sum(pseudo[...]))
        let check = ~UInt16(total)
        p[56] = UInt8(check >> 8); p[57] = UInt8(check & 0xff)
        return p
    }

    /// Writes `packet` with `rz_tun_write_vnet` into a pipe and reads back header and packet.
    static func written(_ packet: [UInt8]) throws -> (header: [UInt8], packet: [UInt8], result: Int) {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let result = packet.withUnsafeBufferPointer { rz_tun_write_vnet(fds[1], $0.baseAddress, UInt($0.count)) }
        var out = [UInt8](repeating: 0, count: packet.count + 64)
        var got = 0
        while got < packet.count + Int(RZ_VNET_HDR_LEN) {
            let n = out.withUnsafeMutableBytes { read(fds[0], $0.baseAddress! + got, $0.count - got) }
            if n <= 0 { break }
            got += n
        }
        return (Array(out[0..<10]), Array(out[10..<got]), result)
    }

    @Test(arguments: [0, 1, 7, 1200, 65_000])
    func tcpSegmentGoesChecksumPartialAndCompletesToItsOwnChecksum(payload: Int) throws {
        let original = Self.segment(payload: payload, seed: UInt8(payload % 251))
        let (header, sent, result) = try Self.written(original)
        #expect(result == original.count)
        #expect(sent.count == original.count)
        // flags NEEDS_CSUM, no GSO, hdr_len 60, csum_start 40, csum_offset 16 (little-endian).
        #expect(header == [1, 0, 60, 0, 0, 0, 40, 0, 16, 0], "\(header)")
        // Everything but the checksum field is as it was.
        #expect(Array(sent[0..<56]) == Array(original[0..<56]) && Array(sent[58...]) == Array(original[58...]))
        // Completing the checksum from csum_start, seeded with the field, gives the original.
        let completed = ~UInt16(Self.sum(sent[40...]))
        #expect(completed == UInt16(original[56]) << 8 | UInt16(original[57]),
                "completed \(String(completed, radix: 16)), original \(String(UInt16(original[56]) << 8 | UInt16(original[57]), radix: 16))")
    }

    /// Not a plain TCP segment (UDP, an extension header, a length that disagrees, too short):
    /// an all-zero header and the packet byte for byte.
    @Test(arguments: ["udp", "hop-by-hop", "bad-length", "short"])
    func anythingElseGoesUnchangedWithAnEmptyHeader(kind: String) throws {
        var packet: [UInt8]
        switch kind {
        case "udp": packet = Self.segment(payload: 100, nextHeader: 17, seed: 3)
        case "hop-by-hop": packet = Self.segment(payload: 100, nextHeader: 0, seed: 4)
        case "bad-length": packet = Self.segment(payload: 100, seed: 5); packet[5] &+= 1
        default: packet = Array(Self.segment(payload: 0, seed: 6)[0..<50])
        }
        let (header, sent, result) = try Self.written(packet)
        #expect(result == packet.count)
        #expect(header == [UInt8](repeating: 0, count: 10))
        #expect(sent == packet)
    }
}
