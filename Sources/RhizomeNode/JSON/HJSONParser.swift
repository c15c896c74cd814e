/// A parse error with the 1-based line and column where it was found.
public struct JSONParseError: Error, Equatable, CustomStringConvertible, Sendable {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Parses HJSON (hjson.github.io), of which JSON is a subset: what `yggdrasil -genconf` writes by
/// default. Supports `#`, `//` and `/* */` comments, quoteless keys, quoteless string values that
/// run to the end of the line, `'single'` and `'''multi-line'''` strings, optional commas, and
/// omitted root braces. With `strict: true` it accepts only RFC 8259 JSON (the admin API).
public struct HJSONParser {
    private let s: [UInt8]
    private var i = 0
    private let strict: Bool
    private var depth = 0
    /// Nesting limit: input is untrusted, and recursion must not overflow the stack.
    public static let maxDepth = 128

    public init(_ text: String, strict: Bool = false) {
        self.s = Array(text.utf8)
        self.strict = strict
    }

    public static func parse(_ text: String, strict: Bool = false) throws -> JSONValue {
        var p = HJSONParser(text, strict: strict)
        return try p.parseRoot()
    }

    mutating func parseRoot() throws -> JSONValue {
        skipWhitespace()
        if i >= s.count {
            if strict { throw error("empty input") }
            return .object(JSONObject())
        }
        let value: JSONValue
        if s[i] == UInt8(ascii: "{") || s[i] == UInt8(ascii: "[") || strict {
            value = try parseValue()
        } else {
            value = .object(try parseMembers(braced: false))
        }
        skipWhitespace()
        if i < s.count { throw error("unexpected \(describe(s[i])) after the end of the document") }
        return value
    }

    // MARK: values

    mutating func parseValue() throws -> JSONValue {
        skipWhitespace()
        guard i < s.count else { throw error("unexpected end of input where a value was expected") }
        switch s[i] {
        case UInt8(ascii: "{"):
            i += 1
            try enter()
            defer { depth -= 1 }
            return .object(try parseMembers(braced: true))
        case UInt8(ascii: "["):
            i += 1
            try enter()
            defer { depth -= 1 }
            return .array(try parseElements())
        case UInt8(ascii: "\""):
            return .string(try parseQuoted())
        case UInt8(ascii: "'") where !strict:
            if peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'") { return .string(try parseMultiline()) }
            return .string(try parseQuoted())
        default:
            return strict ? try parseJSONLiteral() : try parseQuoteless()
        }
    }

    mutating func enter() throws {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
    }

    mutating func parseMembers(braced: Bool) throws -> JSONObject {
        var obj = JSONObject()
        while true {
            skipWhitespace()
            if i >= s.count {
                if braced { throw error("unexpected end of input: missing '}'") }
                return obj
            }
            if braced && s[i] == UInt8(ascii: "}") { i += 1; return obj }
            let key = try parseKey()
            skipWhitespace()
            guard i < s.count, s[i] == UInt8(ascii: ":") else {
                throw error("expected ':' after the key \"\(key)\"")
            }
            i += 1
            let value = try parseValue()
            obj.entries.append((key, value))
            try afterElement(closer: braced ? UInt8(ascii: "}") : nil)
        }
    }

    mutating func parseElements() throws -> [JSONValue] {
        var items: [JSONValue] = []
        while true {
            skipWhitespace()
            guard i < s.count else { throw error("unexpected end of input: missing ']'") }
            if s[i] == UInt8(ascii: "]") { i += 1; return items }
            items.append(try parseValue())
            try afterElement(closer: UInt8(ascii: "]"))
        }
    }

    /// After a member or element: a comma, or (HJSON) a line break, or the closing bracket.
    mutating func afterElement(closer: UInt8?) throws {
        let start = i
        skipWhitespace()
        guard i < s.count else { return }
        if s[i] == UInt8(ascii: ",") {
            i += 1
            if strict {
                skipWhitespace()
                if i < s.count, let closer, s[i] == closer { throw error("trailing comma before \(describe(closer))") }
            }
            return
        }
        if let closer, s[i] == closer { return }
        if strict { throw error("expected ',' or \(closer.map(describe) ?? "end of input"), found \(describe(s[i]))") }
        // HJSON: a newline separates members as a comma would.
        if !s[start..<i].contains(UInt8(ascii: "\n")) {
            throw error("expected ',' or a new line, found \(describe(s[i]))")
        }
    }

    mutating func parseKey() throws -> String {
        if s[i] == UInt8(ascii: "\"") || (!strict && s[i] == UInt8(ascii: "'")) { return try parseQuoted() }
        if strict { throw error("expected a quoted key, found \(describe(s[i]))") }
        let start = i
        while i < s.count {
            let c = s[i]
            if c == UInt8(ascii: ":") { break }
            if isWhitespace(c) || isPunctuator(c) {
                throw error("unexpected \(describe(c)) in a key name (quote keys that contain it)")
            }
            i += 1
        }
        if i == start { throw error("expected a key name") }
        return String(decoding: s[start..<i], as: UTF8.self)
    }

    mutating func parseQuoted() throws -> String {
        let quote = s[i]
        i += 1
        var out = [UInt8]()
        while true {
            guard i < s.count else { throw error("unterminated string") }
            let c = s[i]
            if c == quote { i += 1; break }
            if c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") || (strict && c < 0x20) {
                throw error("line break or control character inside a string")
            }
            if c == UInt8(ascii: "\\") {
                i += 1
                guard i < s.count else { throw error("unterminated escape") }
                let e = s[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "'") where !strict: out.append(e)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), peek(0) == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else { scalar = 0xFFFD }
                    }
                    let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(u).utf8))
                default:
                    i -= 1
                    throw error("invalid escape \\\(String(decoding: [e], as: UTF8.self))")
                }
                continue
            }
            out.append(c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 <= s.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let n = hexValue(s[i]) else { throw error("invalid \\u escape") }
            v = v << 4 | UInt32(n)
            i += 1
        }
        return v
    }

    /// `'''` strings: the text between the fences, with the indentation of the opening fence
    /// removed from each line and the final line break dropped.
    mutating func parseMultiline() throws -> String {
        var lineStart = i
        while lineStart > 0 && s[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
        let indent = i - lineStart
        i += 3
        while i < s.count && (s[i] == UInt8(ascii: " ") || s[i] == UInt8(ascii: "\t") || s[i] == UInt8(ascii: "\r")) { i += 1 }
        if i < s.count && s[i] == UInt8(ascii: "\n") { i += 1 }
        var out = [UInt8]()
        var column = 0
        while true {
            guard i < s.count else { throw error("unterminated ''' string") }
            if s[i] == UInt8(ascii: "'") && peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'") {
                i += 3
                if out.last == UInt8(ascii: "\n") { out.removeLast() }
                if out.last == UInt8(ascii: "\r") { out.removeLast() }
                return String(decoding: out, as: UTF8.self)
            }
            let c = s[i]
            i += 1
            if c == UInt8(ascii: "\n") { out.append(c); column = 0; continue }
            if column < indent && (c == UInt8(ascii: " ") || c == UInt8(ascii: "\t")) { column += 1; continue }
            column = indent
            out.append(c)
        }
    }

    /// An HJSON value with no quotes: `true`, `false`, `null` and numbers keep their type when they
    /// stand alone (optionally followed by a comma, a closing bracket or a comment); anything else
    /// is a string running to the end of the line, trailing blanks removed.
    mutating func parseQuoteless() throws -> JSONValue {
        let start = i
        if isPunctuator(s[i]) {
            throw error("found \(describe(s[i])) where a value was expected")
        }
        var end = i
        while end < s.count && s[end] != UInt8(ascii: "\n") && s[end] != UInt8(ascii: "\r") { end += 1 }
        var tokenEnd = start
        while tokenEnd < end && !isWhitespace(s[tokenEnd]) && !isPunctuator(s[tokenEnd])
            && s[tokenEnd] != UInt8(ascii: "#") && !(s[tokenEnd] == UInt8(ascii: "/") && tokenEnd + 1 < end && (s[tokenEnd + 1] == UInt8(ascii: "/") || s[tokenEnd + 1] == UInt8(ascii: "*"))) {
            tokenEnd += 1
        }
        let token = String(decoding: s[start..<tokenEnd], as: UTF8.self)
        if let typed = Self.literal(token) {
            var j = tokenEnd
            while j < end && isWhitespace(s[j]) { j += 1 }
            let restStartsClean = j >= end || isPunctuator(s[j]) || s[j] == UInt8(ascii: "#")
                || (s[j] == UInt8(ascii: "/") && j + 1 < end && (s[j + 1] == UInt8(ascii: "/") || s[j + 1] == UInt8(ascii: "*")))
            if restStartsClean {
                i = tokenEnd
                return typed
            }
        }
        var last = end
        while last > start && isWhitespace(s[last - 1]) { last -= 1 }
        i = end
        return .string(String(decoding: s[start..<last], as: UTF8.self))
    }

    mutating func parseJSONLiteral() throws -> JSONValue {
        let start = i
        while i < s.count && !isWhitespace(s[i]) && !isPunctuator(s[i]) { i += 1 }
        let token = String(decoding: s[start..<i], as: UTF8.self)
        if let v = Self.literal(token) { return v }
        i = start
        throw error(token.isEmpty ? "found \(describe(s[i])) where a value was expected" : "invalid value \(token.prefix(40))")
    }

    static func literal(_ token: String) -> JSONValue? {
        switch token {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        default: return isJSONNumber(token) ? .number(token) : nil
        }
    }

    /// RFC 8259 number grammar.
    static func isJSONNumber(_ t: String) -> Bool {
        let b = Array(t.utf8)
        var k = 0
        func digit(_ x: Int) -> Bool { x < b.count && b[x] >= 0x30 && b[x] <= 0x39 }
        if k < b.count && b[k] == UInt8(ascii: "-") { k += 1 }
        guard digit(k) else { return false }
        if b[k] == 0x30 { k += 1 } else { while digit(k) { k += 1 } }
        if k < b.count && b[k] == UInt8(ascii: ".") {
            k += 1
            guard digit(k) else { return false }
            while digit(k) { k += 1 }
        }
        if k < b.count && (b[k] == UInt8(ascii: "e") || b[k] == UInt8(ascii: "E")) {
            k += 1
            if k < b.count && (b[k] == UInt8(ascii: "+") || b[k] == UInt8(ascii: "-")) { k += 1 }
            guard digit(k) else { return false }
            while digit(k) { k += 1 }
        }
        return k == b.count
    }

    // MARK: lexing helpers

    mutating func skipWhitespace() {
        while i < s.count {
            let c = s[i]
            if isWhitespace(c) { i += 1; continue }
            if strict { return }
            if c == UInt8(ascii: "#") || (c == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "/")) {
                while i < s.count && s[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            }
            if c == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "*") {
                i += 2
                while i < s.count && !(s[i] == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/")) { i += 1 }
                i = min(s.count, i + 2)
                continue
            }
            return
        }
    }

    func peek(_ ahead: Int) -> UInt8? { i + ahead < s.count ? s[i + ahead] : nil }
    func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
    func isPunctuator(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "{") || c == UInt8(ascii: "}") || c == UInt8(ascii: "[") || c == UInt8(ascii: "]")
            || c == UInt8(ascii: ",") || c == UInt8(ascii: ":")
    }
    func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    func describe(_ c: UInt8) -> String {
        c >= 0x21 && c < 0x7f ? "'\(String(decoding: [c], as: UTF8.self))'" : String(format0x: c)
    }

    func error(_ message: String) -> JSONParseError {
        var line = 1, column = 1
        for k in 0..<min(i, s.count) {
            if s[k] == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        return JSONParseError(line: line, column: column, message: message)
    }
}

extension String {
    init(format0x c: UInt8) {
        let h = String(c, radix: 16)
        self = "byte 0x" + (h.count == 1 ? "0" + h : h)
    }
}
