/// Why a frame, message body or handshake could not be decoded (or a frame could not be encoded).
///
/// Any decode failure on a link closes that link (spec §1.4), so the cases are specific enough to
/// make the log line that accompanies the disconnect useful.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A frame whose length prefix is 0 ("empty packet", §1.2).
    case emptyPacket
    /// A message type byte outside 0...10 ("unrecognized packet type", §1.4).
    case unknownType(UInt8)
    /// A fixed-size field needed `needed` bytes but only `available` were left.
    case truncated(needed: Int, available: Int)
    /// Bytes remained after a structure that must end its enclosing range.
    case leftoverBytes(Int)
    /// The input ended in the middle of a uvarint.
    case uvarintTruncated
    /// A uvarint longer than 10 bytes or with a value above 2^64 − 1.
    case uvarintOverflow
    /// An inner length field (ack `bootLen`, lookup `notifyLen`) runs past the end of the body.
    case lengthOutOfRange(declared: UInt64, available: Int)
    /// An `rpath` contains a 0 port (Go rejects an rpath that ends in, or is cut short by, a 0).
    case zeroInRpath
    /// A `route` (path response / path traffic) is not terminated by a 0 port.
    case unterminatedRoute
    /// A fixed-length structure (teardown, metadata) has the wrong size.
    case wrongLength(expected: Int, actual: Int)
    /// The link handshake does not start with ASCII `meta`.
    case badMagic
    /// The link handshake carries a protocol version other than 0.4.
    case badVersion(major: UInt8, minor: UInt8)
    /// A frame's u16 length prefix disagrees with the number of bytes supplied.
    case frameLengthMismatch(declared: Int, actual: Int)
    /// An encoded message (type byte + body) would exceed 65535 bytes; Go silently drops such
    /// messages instead of sending them, and so must the caller.
    case messageTooLong(Int)
    /// The body of a message of the given type failed to decode for the wrapped reason.
    indirect case malformed(WireType, WireError)
    /// 0.5: a zero-terminated coordinate list ends before its terminating 0.
    case unterminatedCoords
    /// 0.5: a bloom filter marks word `word` as both all-zero and all-ones.
    case bloomFlagsConflict(word: Int)
    /// 0.5: the body of a message of the given 0.5 type failed to decode for the wrapped reason.
    indirect case malformed05(WireType05, WireError)

    public var description: String {
        switch self {
        case .emptyPacket: return "empty packet"
        case .unknownType(let t): return "unrecognized packet type \(t)"
        case .truncated(let needed, let available): return "truncated: needed \(needed) bytes, \(available) left"
        case .leftoverBytes(let n): return "\(n) unexpected bytes left over"
        case .uvarintTruncated: return "truncated uvarint"
        case .uvarintOverflow: return "uvarint overflows 64 bits"
        case .lengthOutOfRange(let declared, let available):
            return "inner length \(declared) exceeds the \(available) bytes left"
        case .zeroInRpath: return "rpath contains port 0"
        case .unterminatedRoute: return "route is not terminated by port 0"
        case .wrongLength(let expected, let actual): return "wrong length \(actual), expected \(expected)"
        case .badMagic: return "bad metadata magic (expected \"meta\")"
        case .badVersion(let major, let minor): return "unsupported protocol version \(major).\(minor)"
        case .frameLengthMismatch(let declared, let actual):
            return "frame length prefix says \(declared) bytes, got \(actual)"
        case .messageTooLong(let n): return "message of \(n) bytes exceeds the maximum"
        case .malformed(let type, let reason): return "malformed \(type) message: \(reason)"
        case .unterminatedCoords: return "coordinates are not terminated by port 0"
        case .bloomFlagsConflict(let word): return "bloom word \(word) flagged both zero and all-ones"
        case .malformed05(let type, let reason): return "malformed \(type) message: \(reason)"
        }
    }
}
