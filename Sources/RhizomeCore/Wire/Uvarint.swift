/// Unsigned LEB128 as Go's `encoding/binary.PutUvarint` writes it: 7 bits per byte, least
/// significant group first, high bit = more follows, 1–10 bytes.
///
/// Encoding is always minimal, because Go re-encodes decoded values to build signed byte strings
/// (§2.1) and a non-minimal encoding would not be reproduced. Decoding is strict about truncation
/// and overflow (Go reads those as 0; honest nodes never send them) but, like Go, accepts a
/// non-minimal encoding such as `81 00` for 1.
public enum Uvarint {
    public static let maxLength = 10

    /// Bytes that `encode` writes for `value`.
    @inline(__always)
    public static func encodedLength(_ value: UInt64) -> Int {
        // One byte per started group of 7 significant bits; 0 still takes one byte.
        let bits = 64 - value.leadingZeroBitCount
        return bits == 0 ? 1 : (bits + 6) / 7
    }

    public static func encode(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: v))
    }

    /// Writes `value` at the start of `out` (which must hold `encodedLength(value)` bytes) and
    /// returns the bytes written: for building messages inside a caller's buffer.
    @discardableResult
    public static func encode(_ value: UInt64, into out: UnsafeMutableRawBufferPointer) -> Int {
        precondition(out.count >= encodedLength(value))
        var v = value
        var i = 0
        while v >= 0x80 {
            out[i] = UInt8(truncatingIfNeeded: v) | 0x80
            v >>= 7
            i += 1
        }
        out[i] = UInt8(truncatingIfNeeded: v)
        return i + 1
    }

    public static func encode(_ value: UInt64) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(encodedLength(value))
        encode(value, into: &out)
        return out
    }

    /// Decodes the uvarint starting at `offset` of `buffer`.
    /// - Returns: the value and the number of bytes it occupied.
    public static func decode(
        _ buffer: UnsafeRawBufferPointer, at offset: Int = 0
    ) throws(WireError) -> (value: UInt64, length: Int) {
        guard offset >= 0, offset <= buffer.count else { throw .uvarintTruncated }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var index = offset
        for i in 0..<maxLength {
            guard index < buffer.count else { throw .uvarintTruncated }
            let byte = buffer[index]
            // The 10th byte may only contribute the 64th bit, and may not continue.
            if i == maxLength - 1 && byte > 1 { throw .uvarintOverflow }
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return (result, i + 1) }
            shift += 7
            index += 1
        }
        throw .uvarintOverflow  // unreachable: the 10th byte either ends or overflows above
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> (value: UInt64, length: Int) {
        let result = bytes.withUnsafeBytes { buf in
            Result { () throws(WireError) in try decode(buf) }
        }
        return try result.get()
    }
}
