import RhizomeCrypto

/// Zero-terminated uvarint port lists ("coords", routing.md §3): `p1 … pn 00`; the empty list
/// (the root's coordinates) is the single byte `00`. Ports are never 0, so 0 only terminates.
public enum Coords05 {
    public static func encodedLength(_ c: [PeerPort]) -> Int {
        WireWriter.portsLength(c) + 1
    }

    public static func append(_ c: [PeerPort], to out: inout [UInt8]) {
        WireWriter.appendPorts(c, to: &out)
        out.append(0)
    }

    /// Uvarints up to and including the first 0; returns the ports before it.
    /// Throws `unterminatedCoords` if the input ends first.
    public static func read(_ reader: inout WireReader) throws(WireError) -> [PeerPort] {
        var ports = [PeerPort]()
        while true {
            guard !reader.isAtEnd else { throw .unterminatedCoords }
            let port = try reader.readUvarint()
            if port == 0 { return ports }
            ports.append(port)
        }
    }

    /// Skips a coords list without allocating; returns its byte range (terminator included).
    public static func skip(_ reader: inout WireReader) throws(WireError) -> Range<Int> {
        let start = reader.offset
        while true {
            guard !reader.isAtEnd else { throw .unterminatedCoords }
            if try reader.readUvarint() == 0 { return start..<reader.offset }
        }
    }

    /// Whether coords bytes (as `skip` ranges them) are in the shortest encoding, so that
    /// forwarding them as they came equals decoding and encoding them again. An overlong uvarint
    /// (`c8 00` for 72) ends in a zero byte after a continuation byte; nothing else does.
    @inline(__always)
    public static func isCanonical(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var previous: UInt8 = 0
        for b in bytes {
            if b == 0 && previous & 0x80 != 0 { return false }
            previous = b
        }
        return true
    }

    /// Tree distance (§4.7): `len(a) + len(b) − 2·(common prefix length)`.
    public static func distance(_ a: [PeerPort], _ b: [PeerPort]) -> Int {
        var common = 0
        let n = min(a.count, b.count)
        while common < n && a[common] == b[common] { common += 1 }
        return a.count + b.count - 2 * common
    }

    /// The same, with `a` read straight from wire bytes (a zero-terminated coords list, already
    /// validated, e.g. a range from `Traffic05Header`). Allocation-free, for the data path. Bytes
    /// that end without a terminator count as ending the list there.
    public static func distance(wire a: UnsafeRawBufferPointer, _ b: [PeerPort]) -> Int {
        var offset = 0
        var count = 0
        var common = 0
        var diverged = false
        while offset < a.count {
            guard let (port, length) = try? Uvarint.decode(a, at: offset) else { break }
            offset += length
            if port == 0 { break }
            if !diverged {
                if count < b.count && b[count] == port { common += 1 } else { diverged = true }
            }
            count += 1
        }
        return count + b.count - 2 * common
    }
}
