/// The NodeInfo document a node serves: the configured object plus build details (unless
/// NodeInfoPrivacy), serialised as Go's encoding/json would (sorted keys at every level, compact,
/// `<>&` escaped), because 0.4.7 clients show it as received.
public enum NodeInfo {
    public static func document(config: JSONValue, privacy: Bool) -> String {
        var obj = config.objectValue ?? JSONObject()
        if !privacy {
            obj["buildname"] = .string(BuildInfo.name)
            obj["buildversion"] = .string(BuildInfo.version)
            obj["buildplatform"] = .string(platform)
            obj["buildarch"] = .string(architecture)
        }
        return JSONWriter.write(canonical(.object(obj)), indent: nil)
    }

    static func canonical(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o):
            var seen: [String: JSONValue] = [:]
            for e in o.entries { seen[e.key] = e.value }
            return .object(JSONObject(seen.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map { ($0, canonical(seen[$0]!)) }))
        case .array(let a):
            return .array(a.map(canonical))
        case .number(let text):
            // Go decodes config numbers as float64: 1e3 prints as 1000, 1.50 as 1.5.
            if let d = Double(text), d.isFinite {
                if d == d.rounded(), abs(d) < 1e21 { return .number(String(Int64(exactly: d).map(String.init) ?? "\(d)")) }
                return .number("\(d)")
            }
            return v
        default:
            return v
        }
    }

    static let platform = "linux"

    /// Go's GOARCH names.
    static var architecture: String {
        #if arch(x86_64)
        return "amd64"
        #elseif arch(arm64)
        return "arm64"
        #elseif arch(i386)
        return "386"
        #elseif arch(arm)
        return "arm"
        #else
        return "unknown"
        #endif
    }
}
