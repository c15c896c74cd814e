import RhizomeNode

/// `rhizomectl reload`: the node's reload report as text. The outcome comes first, then what
/// was applied, then what waits for a restart.
enum RenderReload {
    static func text(_ response: JSONValue) -> String {
        let obj = response.objectValue ?? JSONObject()
        func strings(_ key: String) -> [String] { (obj[key]?.arrayValue ?? []).compactMap(\.stringValue) }
        var rows: [[String]] = []
        if let error = obj["error"]?.stringValue {
            rows.append(["Reload:", "failed, nothing changed"])
            rows.append(["Error:", error])
        } else {
            rows.append(["Reload:", "done in \(Format.scalar(obj["seconds"])) s"])
            let applied = strings("applied")
            rows.append(["Applied:", applied.isEmpty ? "nothing (no change)" : applied.joined(separator: ", ")])
        }
        let restart = strings("restart_needed")
        if !restart.isEmpty { rows.append(["Needs a restart:", restart.joined(separator: ", ")]) }
        var out = Table(rows: rows).render()
        for change in strings("changes") { out += "  " + change + "\n" }
        return out
    }

    /// Whether the report says nothing was applied (rhizomectl then exits 1).
    static func failed(_ response: JSONValue) -> Bool { response.objectValue?["error"]?.stringValue != nil }
}
