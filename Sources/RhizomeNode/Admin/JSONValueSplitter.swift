/// Finds where the first complete JSON value ends in a byte stream, so requests can be read
/// from a socket without newline framing (0.4.7 clients send one value, possibly split over
/// writes, possibly several back to back). Only structure is tracked: strings, escapes and
/// nesting; the value is parsed properly afterwards.
///
/// Incremental: the scan state (position, depth, string and escape flags) is kept between calls,
/// so a request that arrives a byte at a time is scanned once in all, not once per read.
struct JSONValueSplitter {
    /// Bytes of the current value already scanned (from the start of the bytes given).
    private(set) var position = 0
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var started = false
    private var inScalar = false
    /// Bytes examined over the splitter's life (for tests of the linear cost).
    private(set) var scannedBytes = 0

    /// Length of the first complete value in `bytes` (leading whitespace included), or nil if
    /// more bytes are needed. `bytes` must be what the previous call saw, plus bytes appended;
    /// after a value is found the state restarts for the bytes that follow it (the caller drops
    /// the value's bytes from the front before the next call).
    mutating func nextValueLength<C: Collection>(in bytes: C) -> Int? where C.Element == UInt8, C.Index == Int {
        var i = bytes.startIndex + position
        while i < bytes.endIndex {
            let c = bytes[i]
            if inString {
                if escaped { escaped = false }
                else if c == UInt8(ascii: "\\") { escaped = true }
                else if c == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return finish(i - bytes.startIndex + 1, scanned: i + 1 - bytes.startIndex) }
                }
            } else if inScalar {
                // A bare scalar (number, true, …) at the top level ends at a delimiter.
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 || c == UInt8(ascii: "{") || c == UInt8(ascii: "[") || c == UInt8(ascii: "\"") {
                    return finish(i - bytes.startIndex, scanned: i + 1 - bytes.startIndex)
                }
            } else {
                switch c {
                case 0x20, 0x0A, 0x0D, 0x09:
                    break
                case UInt8(ascii: "\""):
                    inString = true
                    started = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    started = true
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth <= 0 { return finish(i - bytes.startIndex + 1, scanned: i + 1 - bytes.startIndex) }
                default:
                    if !started && depth == 0 { inScalar = true; started = true }
                }
            }
            i += 1
        }
        let scanned = i - bytes.startIndex
        scannedBytes += scanned - position
        position = scanned
        return nil
    }

    /// A value of `length` bytes ends here: counts the bytes examined and restarts the state.
    private mutating func finish(_ length: Int, scanned: Int) -> Int {
        let total = scannedBytes + scanned - position
        self = JSONValueSplitter()
        scannedBytes = total
        return length
    }

    /// One-shot form: the first value's length in `bytes`, scanning from the start.
    static func firstValueLength<C: Collection>(in bytes: C) -> Int? where C.Element == UInt8, C.Index == Int {
        var s = JSONValueSplitter()
        return s.nextValueLength(in: bytes)
    }
}
