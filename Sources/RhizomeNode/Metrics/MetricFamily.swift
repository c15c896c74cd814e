/// One metric as a scrape reads it from the node: name, help, type and its samples. Gathered
/// fresh from the runtime on every scrape, so nothing is counted twice and the data path only
/// keeps the integer counters it already has.
struct MetricFamily: Equatable {
    enum Kind: String { case counter, gauge }
    struct Sample: Equatable {
        /// Label names and values, in a fixed order. Every label set is bounded: schemes,
        /// directions, layers, reasons, tables; never a key or an address (the tree root, in
        /// one single-series info gauge, is the only key).
        var labels: [Label]
        var value: Int64
    }
    struct Label: Equatable {
        var name: String
        var value: String
    }

    var name: String
    var help: String
    var kind: Kind
    var samples: [Sample]
}

/// Collects families in the order they are added.
struct MetricsBuilder {
    private(set) var families: [MetricFamily] = []

    /// A counter's name ends in `_total`, as the text format's conventions ask.
    mutating func counter(_ name: String, _ help: String, _ value: Int) {
        counter(name, help, [([], value)])
    }

    mutating func counter(_ name: String, _ help: String, _ samples: [([(String, String)], Int)]) {
        precondition(name.hasSuffix("_total"), "a counter's name ends in _total")
        add(name, help, .counter, samples)
    }

    mutating func gauge(_ name: String, _ help: String, _ value: Int) {
        gauge(name, help, [([], value)])
    }

    mutating func gauge(_ name: String, _ help: String, _ samples: [([(String, String)], Int)]) {
        add(name, help, .gauge, samples)
    }

    /// One counter family with one label whose values are fixed (`reason`, `direction`...).
    mutating func counter(_ name: String, _ help: String, label: String, _ values: KeyValuePairs<String, Int>) {
        counter(name, help, values.map { ([(label, $0.key)], $0.value) })
    }

    private mutating func add(_ name: String, _ help: String, _ kind: MetricFamily.Kind, _ samples: [([(String, String)], Int)]) {
        let converted = samples.map { labels, value in
            MetricFamily.Sample(labels: labels.map { MetricFamily.Label(name: $0.0, value: $0.1) }, value: Int64(clamping: value))
        }
        // Families sharing a name (drops from several layers) become one.
        if let i = families.firstIndex(where: { $0.name == name }) {
            families[i].samples += converted
            if families[i].help.isEmpty { families[i].help = help }
        } else {
            families.append(MetricFamily(name: name, help: help, kind: kind, samples: converted))
        }
    }
}
