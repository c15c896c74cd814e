import RhizomeNode
#if canImport(Glibc)
import Glibc
#endif

/// Tables laid out as yggdrasilctl 0.5.12 prints them (tablewriter v0.0.5 without borders or
/// header line, TAB padding, left-aligned cells): headers centred in their column, each followed
/// by a TAB, the last by a space; every cell padded to its column's width and followed by a TAB.
struct GoTable {
    var header: [String]?
    var rows: [[String]] = []

    mutating func append(_ row: [String]) { rows.append(row) }

    func render() -> String {
        let all = (header.map { [$0] } ?? []) + rows
        guard let columns = all.map(\.count).max(), columns > 0 else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        if let header {
            for (i, cell) in header.enumerated() {
                let gap = widths[i] - cell.count
                out += spaces(gap / 2) + cell + spaces(gap - gap / 2)
                out += i == header.count - 1 ? " " : "\t"
            }
            out += "\n"
        }
        for row in rows {
            for (i, cell) in row.enumerated() { out += cell + spaces(widths[i] - cell.count) + "\t" }
            out += "\n"
        }
        return out
    }

    private func spaces(_ n: Int) -> String { String(repeating: " ", count: max(0, n)) }
}

/// Go's text for the values yggdrasilctl 0.5.12 prints.
enum GoFormat {
    /// `admin.DataUnit`: binary multiples with one decimal and a `KB`/`MB`/`GB`/`TB` suffix from
    /// 100 bytes up ("0.3KB", "3.7KB"), bare bytes below ("98B").
    static func data(_ n: UInt64) -> String {
        let k = 1024.0
        let v = Double(n)
        switch n {
        case 1 << 40 ... UInt64.max: return printf("%2.1fTB", v / k / k / k / k)
        case 1 << 30 ..< 1 << 40: return printf("%2.1fGB", v / k / k / k)
        case 1 << 20 ..< 1 << 30: return printf("%2.1fMB", v / k / k)
        case 100 ..< 1 << 20: return printf("%2.1fKB", v / k)
        default: return "\(n)B"
        }
    }

    /// A `time.Duration` of whole seconds as Go prints it: 0s, 24s, 1m24s, 25h0m3s.
    static func seconds(_ s: Int64) -> String {
        let sign = s < 0 ? "-" : ""
        let a = s.magnitude
        if a < 60 { return "\(sign)\(a)s" }
        if a < 3600 { return "\(sign)\(a / 60)m\(a % 60)s" }
        return "\(sign)\(a / 3600)h\((a % 3600) / 60)m\(a % 60)s"
    }

    /// Float seconds truncated to whole seconds (Go's `time.Duration(f) * time.Second`).
    static func truncatedSeconds(_ v: JSONValue?) -> String {
        let f = double(v)
        return seconds(f.isFinite && abs(f) < 9e15 ? Int64(f) : 0)
    }

    /// Nanoseconds rounded to whole seconds, halves away from zero (`Duration.Round(time.Second)`).
    static func roundedNanoseconds(_ ns: Int64) -> String {
        let q = ns / 1_000_000_000, r = ns % 1_000_000_000
        if r >= 500_000_000 { return seconds(q + 1) }
        if r <= -500_000_000 { return seconds(q - 1) }
        return seconds(q)
    }

    /// A latency in nanoseconds as milliseconds with two decimals, from whole microseconds.
    static func milliseconds(_ ns: Int64) -> String {
        printf("%.02fms", Double(ns / 1000) / 1000)
    }

    static func double(_ v: JSONValue?) -> Double {
        switch v {
        case .number(let n)?: return Double(n) ?? 0
        case .string(let s)?: return Double(s) ?? 0
        default: return 0
        }
    }

    static func unsigned(_ v: JSONValue?) -> UInt64 {
        if case .number(let n)? = v { return UInt64(n) ?? UInt64(exactly: (Double(n) ?? 0).rounded(.towardZero)) ?? 0 }
        return 0
    }

    static func signed(_ v: JSONValue?) -> Int64 {
        if case .number(let n)? = v { return Int64(n) ?? Int64(exactly: (Double(n) ?? 0).rounded(.towardZero)) ?? 0 }
        return 0
    }

    /// `%d` of an integer member; 0 when absent, as Go's decoder leaves it.
    static func integer(_ v: JSONValue?) -> String {
        if case .number(let n)? = v, !n.contains("."), !n.contains("e"), !n.contains("E") { return n }
        return String(unsigned(v))
    }

    /// The URI without its query, as yggdrasilctl shows a peer's `remote`.
    static func uriWithoutQuery(_ uri: String) -> String {
        guard let q = uri.firstIndex(of: "?") else { return uri }
        let fragment = uri[q...].firstIndex(of: "#").map { String(uri[$0...]) } ?? ""
        return String(uri[..<q]) + fragment
    }

    static func printf(_ format: String, _ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
