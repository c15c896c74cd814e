/// A JSON document as parsed, keeping object key order (the config and the admin API print
/// fields in a fixed order) and numbers as their source text (so `1e3` and 64-bit integers
/// survive until a field's type is known).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public static func int<I: BinaryInteger>(_ v: I) -> JSONValue { .number(String(v)) }

    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }

    /// The number as a non-negative integer, accepting exponent forms that denote one (`1e3`).
    public var unsignedValue: UInt64? {
        guard case .number(let text) = self else { return nil }
        if let v = UInt64(text) { return v }
        guard let d = Double(text), d >= 0, d <= Double(UInt64.max), d.rounded() == d else { return nil }
        return UInt64(d)
    }

    /// A short rendering of the value for error messages.
    public var brief: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let s): return "\"\(s)\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The JSON type name, as a person would say it.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// An object with its keys in source order. Lookups are linear: objects here are small.
public struct JSONObject: Equatable, Sendable {
    public var entries: [(key: String, value: JSONValue)]

    public init(_ entries: [(key: String, value: JSONValue)] = []) { self.entries = entries }

    public subscript(key: String) -> JSONValue? {
        get { entries.last { $0.key == key }?.value }
        set {
            if let i = entries.lastIndex(where: { $0.key == key }) {
                if let v = newValue { entries[i].value = v } else { entries.remove(at: i) }
            } else if let v = newValue {
                entries.append((key, v))
            }
        }
    }

    /// Case-insensitive lookup, as Go's encoding/json matches struct fields.
    public func lookup(caseInsensitive key: String) -> JSONValue? {
        let k = key.lowercased()
        return entries.last { $0.key.lowercased() == k }?.value
    }

    public var keys: [String] { entries.map(\.key) }
    public var isEmpty: Bool { entries.isEmpty }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
