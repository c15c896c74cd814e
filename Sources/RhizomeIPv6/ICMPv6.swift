/// ICMPv6 messages the IPv6 layer generates (only Packet Too Big, spec §6.5).
public enum ICMPv6 {
    /// How much of the offending packet a Packet Too Big quotes.
    public static let packetTooBigQuote = 512

    /// The Packet Too Big that answers `packet` (an IPv6 packet of at least 40 bytes): from its
    /// destination to its source, hop limit 255, carrying `mtu` and the first 512 bytes of `packet`,
    /// with the RFC 4443 checksum — byte for byte what yggdrasil 0.4.7 builds.
    public static func packetTooBig(for packet: UnsafeRawBufferPointer, mtu: Int) -> [UInt8] {
        precondition(packet.count >= 40)
        let quote = min(packetTooBigQuote, packet.count)
        let icmpLength = 8 + quote
        var out = [UInt8]()
        out.reserveCapacity(40 + icmpLength)
        out.append(contentsOf: [0x60, 0, 0, 0, UInt8(icmpLength >> 8), UInt8(icmpLength & 0xff), 58, 255])
        out.append(contentsOf: packet[24..<40])  // source = the packet's destination
        out.append(contentsOf: packet[8..<24])   // destination = the packet's source
        let m = UInt32(truncatingIfNeeded: mtu)
        out.append(contentsOf: [2, 0, 0, 0, UInt8(m >> 24), UInt8((m >> 16) & 0xff), UInt8((m >> 8) & 0xff), UInt8(m & 0xff)])
        out.append(contentsOf: packet[0..<quote])
        let sum = out.withUnsafeBytes { checksum(icmp: UnsafeRawBufferPointer(rebasing: $0[40...]), source: UnsafeRawBufferPointer(rebasing: $0[8..<24]), destination: UnsafeRawBufferPointer(rebasing: $0[24..<40])) }
        out[42] = UInt8(sum >> 8)
        out[43] = UInt8(sum & 0xff)
        return out
    }

    public static func packetTooBig(for packet: [UInt8], mtu: Int) -> [UInt8] {
        packet.withUnsafeBytes { packetTooBig(for: $0, mtu: mtu) }
    }

    /// RFC 4443 §2.3 checksum of an ICMPv6 message (checksum field zero) over the IPv6
    /// pseudo-header: source, destination, upper-layer length (32 bits), zeros, next header 58.
    static func checksum(icmp: UnsafeRawBufferPointer, source: UnsafeRawBufferPointer, destination: UnsafeRawBufferPointer) -> UInt16 {
        var sum: UInt64 = 0
        func add(_ bytes: UnsafeRawBufferPointer) {
            var i = 0
            while i + 1 < bytes.count {
                sum += UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1])
                i += 2
            }
            if i < bytes.count { sum += UInt64(bytes[i]) << 8 }
        }
        add(source)
        add(destination)
        sum += UInt64(UInt32(icmp.count) >> 16) + UInt64(UInt32(icmp.count) & 0xffff)
        sum += 58
        add(icmp)
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
