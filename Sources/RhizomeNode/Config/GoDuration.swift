/// Go's `time.ParseDuration` syntax, which 0.5.12 uses for `?maxbackoff=`: an optional sign, then
/// one or more decimal numbers each followed by a unit (ns, us, µs, ms, s, m, h), as 1h30m or 2.5s.
/// "0" alone is allowed. Returns seconds, or nil for anything else.
enum GoDuration {
    static func seconds(_ text: String) -> Double? {
        var s = Substring(text)
        var sign = 1.0
        if s.first == "-" || s.first == "+" {
            if s.first == "-" { sign = -1 }
            s = s.dropFirst()
        }
        if s == "0" { return 0 }
        guard !s.isEmpty else { return nil }
        var total = 0.0
        while !s.isEmpty {
            let number = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1,
                  let value = Double(number.hasPrefix(".") ? "0" + number : number.hasSuffix(".") ? number + "0" : number)
            else { return nil }
            s = s.dropFirst(number.count)
            let unitText = s.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units[String(unitText)] else { return nil }
            s = s.dropFirst(unitText.count)
            total += value * unit
        }
        return sign * total / 1e9
    }

    /// Nanoseconds per unit (Go counts in nanoseconds; summing those keeps 100us exact).
    static let units: [String: Double] = [
        "ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9,
    ]
}
