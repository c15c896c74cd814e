/// Plain-text tables: a header row, columns padded to their widest cell, two spaces between.
struct Table {
    var header: [String]?
    var rows: [[String]] = []

    func render() -> String {
        let all = (header.map { [$0] } ?? []) + rows
        guard let columns = all.map(\.count).max(), columns > 0 else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in all {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += cell
                if i < row.count - 1 { line += String(repeating: " ", count: widths[i] - cell.count + 2) }
            }
            out += line + "\n"
        }
        return out
    }
}

enum Format {
    /// Seconds as Go prints durations: 0s, 59s, 1m5s, 2h0m3s.
    static func duration(_ seconds: Double) -> String {
        let s = Int(max(0, seconds))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        return "\(s / 3600)h\((s % 3600) / 60)m\(s % 60)s"
    }

    /// Bytes in binary units: 512 B, 3.0 KiB, 146 KiB, 1.2 GiB.
    static func bytes(_ n: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n)
        var u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        if u == 0 { return "\(n) B" }
        let text = v < 10 ? String(Double(Int(v * 10)) / 10) : String(Int(v.rounded()))
        return "\(text) \(units[u])"
    }

    /// Coordinates and paths as Go prints a slice: [1 2 0].
    static func ports(_ v: JSONValue?) -> String {
        "[" + (v?.arrayValue ?? []).map { Self.scalar($0) }.joined(separator: " ") + "]"
    }

    static func scalar(_ v: JSONValue?) -> String {
        switch v {
        case .string(let s)?: return s
        case .number(let n)?: return n
        case .bool(let b)?: return b ? "true" : "false"
        case .null?, nil: return ""
        case .some(let other): return JSONWriter.write(other, indent: nil)
        }
    }
}

import RhizomeNode
