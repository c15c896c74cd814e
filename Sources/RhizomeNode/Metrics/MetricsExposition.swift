import Prometheus

/// Renders gathered families in the Prometheus text format (0.0.4) through swift-prometheus's
/// registry, which writes the HELP and TYPE lines and escapes label values. The node's counts
/// live in the runtime, so each scrape copies them into the registry's series: a counter is reset
/// to the node's count, a gauge set; a series the node no longer reports (an old tree root) is
/// unregistered. Used on one event loop only.
final class MetricsExposition {
    private let registry = PrometheusCollectorRegistry()
    private var counters: [SeriesKey: Counter] = [:]
    private var gauges: [SeriesKey: Gauge] = [:]

    private struct SeriesKey: Hashable {
        var name: String
        var labels: [String]
    }

    /// The text format's media type.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func render(_ families: [MetricFamily]) -> [UInt8] {
        var seen = Set<SeriesKey>()
        for family in families {
            for sample in family.samples {
                let labels = sample.labels.map { ($0.name, $0.value) }
                let key = SeriesKey(name: family.name, labels: sample.labels.flatMap { [$0.name, $0.value] })
                seen.insert(key)
                let value = max(0, sample.value)
                switch family.kind {
                case .counter:
                    let counter: Counter
                    if let existing = counters[key] {
                        counter = existing
                    } else {
                        counter = registry.makeCounter(name: family.name, labels: labels, help: family.help)
                        counters[key] = counter
                    }
                    counter.reset()
                    counter.increment(by: value)
                case .gauge:
                    let gauge: Gauge
                    if let existing = gauges[key] {
                        gauge = existing
                    } else {
                        gauge = registry.makeGauge(name: family.name, labels: labels, help: family.help)
                        gauges[key] = gauge
                    }
                    gauge.set(value)
                }
            }
        }
        for (key, counter) in counters where !seen.contains(key) {
            registry.unregisterCounter(counter)
            counters[key] = nil
        }
        for (key, gauge) in gauges where !seen.contains(key) {
            registry.unregisterGauge(gauge)
            gauges[key] = nil
        }
        var out: [UInt8] = []
        out.reserveCapacity(8192)
        registry.emit(into: &out)
        return out
    }
}
