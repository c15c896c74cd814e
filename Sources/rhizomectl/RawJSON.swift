import RhizomeNode

/// JSON text handled as text: yggdrasilctl 0.5.12 prints some members exactly as the node sent
/// them and re-indents others without re-encoding, so escapes and number spellings survive.
/// The input has already been parsed once (the reply), so this only walks valid JSON.
enum RawJSON {
    /// The members of the object that `text` holds, each with the text of its value as sent.
    static func members(_ text: Substring) -> [(key: String, value: Substring)] {
        let u = Array(text.utf8)
        var out: [(String, Substring)] = []
        var i = skipSpace(u, 0)
        guard i < u.count, u[i] == UInt8(ascii: "{") else { return [] }
        i += 1
        while true {
            i = skipSpace(u, i)
            guard i < u.count, u[i] == UInt8(ascii: "\"") else { return out }
            let keyEnd = valueEnd(u, i)
            let key = decodedKey(u[(i + 1)..<(keyEnd - 1)])
            i = skipSpace(u, keyEnd)
            guard i < u.count, u[i] == UInt8(ascii: ":") else { return out }
            let start = skipSpace(u, i + 1)
            let end = valueEnd(u, start)
            out.append((key, substring(text, start, end)))
            i = skipSpace(u, end)
            guard i < u.count, u[i] == UInt8(ascii: ",") else { return out }
            i += 1
        }
    }

    /// The text of one member's value, as sent.
    static func member(_ key: String, of text: Substring) -> Substring? {
        members(text).first { $0.key == key }?.value
    }

    /// Re-indents as Go's json.MarshalIndent(raw, "", "  "): one member or element per line,
    /// `": "` after keys, empty objects and arrays as `{}` and `[]`, strings untouched.
    static func indented(_ text: Substring) -> String {
        let u = Array(text.utf8)
        var out: [UInt8] = []
        var depth = 0
        var i = 0
        func newline() {
            out.append(UInt8(ascii: "\n"))
            out += [UInt8](repeating: UInt8(ascii: " "), count: 2 * depth)
        }
        while i < u.count {
            let c = u[i]
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                i += 1
            case UInt8(ascii: "\""):
                let end = valueEnd(u, i)
                out += goEscaped(u[i..<end])
                i = end
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(c)
                let next = skipSpace(u, i + 1)
                if next < u.count, u[next] == UInt8(ascii: "}") || u[next] == UInt8(ascii: "]") {
                    out.append(u[next])
                    i = next + 1
                } else {
                    depth += 1
                    newline()
                    i += 1
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                newline()
                out.append(c)
                i += 1
            case UInt8(ascii: ","):
                out.append(c)
                newline()
                i += 1
            case UInt8(ascii: ":"):
                out += [c, UInt8(ascii: " ")]
                i += 1
            default:
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A string's text with `<`, `>`, `&`, U+2028 and U+2029 escaped, as Go's encoder writes them.
    static func goEscaped(_ s: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            switch c {
            case UInt8(ascii: "<"): out += Array("\\u003c".utf8)
            case UInt8(ascii: ">"): out += Array("\\u003e".utf8)
            case UInt8(ascii: "&"): out += Array("\\u0026".utf8)
            case 0xE2 where i + 2 < s.endIndex && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9):
                out += Array((s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                i += 2
            case UInt8(ascii: "\\"):
                out.append(c)
                if i + 1 < s.endIndex { out.append(s[i + 1]); i += 1 }
            default: out.append(c)
            }
            i += 1
        }
        return out
    }

    static func skipSpace(_ u: [UInt8], _ from: Int) -> Int {
        var i = from
        while i < u.count, [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(u[i]) { i += 1 }
        return i
    }

    /// One past the end of the value that starts at `start`.
    static func valueEnd(_ u: [UInt8], _ start: Int) -> Int {
        guard start < u.count else { return start }
        var i = start
        if u[i] == UInt8(ascii: "\"") {
            i += 1
            while i < u.count {
                if u[i] == UInt8(ascii: "\\") { i += 2; continue }
                if u[i] == UInt8(ascii: "\"") { return i + 1 }
                i += 1
            }
            return u.count
        }
        if u[i] == UInt8(ascii: "{") || u[i] == UInt8(ascii: "[") {
            var depth = 0
            while i < u.count {
                switch u[i] {
                case UInt8(ascii: "\""): i = valueEnd(u, i); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default: break
                }
                i += 1
            }
            return u.count
        }
        while i < u.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: " "),
                              UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains(u[i]) { i += 1 }
        return i
    }

    static func decodedKey(_ bytes: ArraySlice<UInt8>) -> String {
        let quoted = "\"" + String(decoding: bytes, as: UTF8.self) + "\""
        if case .string(let s)? = try? HJSONParser.parse(quoted, strict: false) { return s }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func substring(_ text: Substring, _ start: Int, _ end: Int) -> Substring {
        let u = text.utf8
        let a = u.index(u.startIndex, offsetBy: start), b = u.index(u.startIndex, offsetBy: end)
        return text[a..<b]
    }
}
