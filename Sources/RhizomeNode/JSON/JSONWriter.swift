/// Writes JSON the way Go's `json.MarshalIndent(v, "", "  ")` does, so output can be compared
/// with yggdrasil's: two-space indent, `"key": value`, `[]`/`{}` for empty containers, and
/// `<`, `>`, `&` escaped as `\u003c`, `\u003e`, `\u0026`.
public enum JSONWriter {
    public static func write(_ value: JSONValue, indent: String? = "  ") -> String {
        var out = ""
        emit(value, indent: indent, level: 0, into: &out)
        return out
    }

    static func emit(_ value: JSONValue, indent: String?, level: Int, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                newline(indent, level + 1, &out)
                emit(item, indent: indent, level: level + 1, into: &out)
            }
            newline(indent, level, &out)
            out += "]"
        case .object(let obj):
            if obj.isEmpty { out += "{}"; return }
            out += "{"
            for (i, entry) in obj.entries.enumerated() {
                if i > 0 { out += "," }
                newline(indent, level + 1, &out)
                quote(entry.key, into: &out)
                out += indent == nil ? ":" : ": "
                emit(entry.value, indent: indent, level: level + 1, into: &out)
            }
            newline(indent, level, &out)
            out += "}"
        }
    }

    static func newline(_ indent: String?, _ level: Int, _ out: inout String) {
        guard let indent else { return }
        out += "\n"
        for _ in 0..<level { out += indent }
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
