/// Finds where the first complete JSON value ends in a byte stream, so requests can be read
/// from a socket without newline framing (0.4.7 clients send one value, possibly split over
/// writes, possibly several back to back). Only structure is tracked: strings, escapes and
/// nesting; the value is parsed properly afterwards.
struct JSONValueSplitter {
    /// Length of the first complete value in `bytes` (leading whitespace included), or nil if
    /// more bytes are needed.
    static func firstValueLength<C: Collection>(in bytes: C) -> Int? where C.Element == UInt8, C.Index == Int {
        var depth = 0
        var inString = false
        var escaped = false
        var started = false
        var scalarStart: Int?
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let c = bytes[i]
            if inString {
                if escaped { escaped = false }
                else if c == UInt8(ascii: "\\") { escaped = true }
                else if c == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return i - bytes.startIndex + 1 }
                }
            } else if let start = scalarStart {
                // A bare scalar (number, true, …) at the top level ends at a delimiter.
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 || c == UInt8(ascii: "{") || c == UInt8(ascii: "[") || c == UInt8(ascii: "\"") {
                    _ = start
                    return i - bytes.startIndex
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
                    if depth <= 0 { return i - bytes.startIndex + 1 }
                default:
                    if !started && depth == 0 { scalarStart = i; started = true }
                }
            }
            i += 1
        }
        return nil
    }
}
