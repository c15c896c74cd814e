import Foundation

extension SimReport {
    /// Machine-readable form: stable key order, so equal reports give equal bytes.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// A human-readable report.
    public func text() -> String {
        var out: [String] = []
        let c = config
        out.append("rhizome-sim: protocol \(c.protocolVersion), \(nodes) nodes, \(c.topology.rawValue) topology, seed \(c.seed)")
        out.append("  links \(edges) (average degree \(fmt(averageDegree))), diameter \(diameterExact ? "" : "≥")\(diameter), hop limit \(hopLimit)")
        out.append("  latency \(fmt(c.network.minLatency * 1000))–\(fmt(c.network.maxLatency * 1000)) ms, traffic loss \(fmt(c.network.trafficLoss)), control retransmit \(fmt(c.network.controlLoss))")
        out.append("  expected root \(expectedRoot.prefix(16))…  deterministic hashing: \(deterministicHashing ? "on" : "OFF (run not reproducible)")")
        for p in phases {
            out.append("")
            out.append("[\(p.name)] t=\(fmt(p.startTime)) s: \(p.description)")
            let cv = p.convergence
            if cv.converged, let t = cv.time {
                let what = cv.final.keyspaceChecked ? "root and predecessors" : cv.final.lookupChecked ? "root and lookup reachability" : "root"
                out.append("  converged in \(fmt(t)) s (\(what) held for \(fmt(c.stableWindow)) s; \(cv.final.components) component(s))")
            } else {
                out.append("  NOT converged within \(fmt(c.maxConvergenceWait)) s: \(cv.final.wrongRoot) wrong roots, \(cv.final.wrongRootSeq) stale seqs, \(cv.final.wrongPredecessor) wrong predecessors, \(cv.final.wrongLookup) nodes whose lookups do not reach")
                for e in cv.final.examples { out.append("    \(e)") }
            }
            out.append("  worst while waiting (checks every \(fmt(c.checkInterval)) s): \(cv.peakDistinctRoots) distinct roots, \(cv.peakWrongRoot) wrong roots, \(cv.final.keyspaceChecked ? "\(cv.peakWrongPredecessor) wrong predecessors" : "\(cv.peakWrongLookup) nodes whose lookups do not reach")")
            let s = p.state
            out.append("  (1) roots: \(s.distinctRoots) distinct over \(s.components) component(s); wrong \(s.wrongRoot), stale seq \(s.wrongRootSeq)  \(mark(s.rootOK))")
            out.append("      tree coordinates shared by two nodes of a component: \(s.sharedCoords) nodes  \(mark(s.coordsOK))")
            if s.keyspaceChecked {
                out.append("  (2) predecessors wrong: \(s.wrongPredecessor)  \(mark(s.predecessorOK))   (successors wrong: \(s.wrongSuccessor))")
            } else if s.lookupChecked {
                out.append("  (2) lookups toward \(s.lookupTargets) targets along the tree by bloom filters: nodes that do not reach: \(s.wrongLookup)  \(mark(s.lookupOK))")
                out.append("      filters from on-tree peers: bits set mean \(fmt(s.filterFillMean)) max \(fmt(s.filterFillMax)), mean false-positive rate \(fmt(s.filterFalsePositiveMean))")
            }
            if let t = p.traffic {
                out.append("  (3) delivery, \(t.orderedPairs) ordered pairs\(t.allPairs ? " (all)" : " (sample)"):")
                for (label, r) in [("first ", t.first), ("second", t.second)] {
                    out.append("      \(label): delivered \(r.delivered)/\(r.sent), routing failures \(r.routingFailures), lost on links \(r.lostOnLink), unreachable \(r.unreachable), duplicates \(r.duplicates)")
                    let via = c.protocolVersion == .v04
                        ? "via DHT \(r.viaDHT), source route \(r.viaSourceRoute), fallback \(r.viaFallback)"
                        : "via tree \(r.viaTree)"
                    out.append("              \(via); hops mean \(fmt(r.hops.mean)) max \(fmt(r.hops.max))")
                }
                out.append("  (4) loops (> \(t.hopLimit) hops): \(t.first.loops + t.second.loops)  \(mark(t.first.loops + t.second.loops == 0))")
                if c.protocolVersion == .v04 {
                    out.append("  (7) stretch: first send mean \(fmt(t.first.stretch.mean)) max \(fmt(t.first.stretch.max)) [DHT-routed mean \(fmt(t.first.stretchDHT.mean)) max \(fmt(t.first.stretchDHT.max)), n=\(t.first.stretchDHT.count)]")
                    out.append("              second send mean \(fmt(t.second.stretch.mean)) max \(fmt(t.second.stretch.max)) [source-routed mean \(fmt(t.second.stretchSourceRouted.mean)) max \(fmt(t.second.stretchSourceRouted.max)), n=\(t.second.stretchSourceRouted.count)]")
                } else {
                    out.append("  (7) stretch: first send (after lookup) mean \(fmt(t.first.stretch.mean)) max \(fmt(t.first.stretch.max)), second send mean \(fmt(t.second.stretch.mean)) max \(fmt(t.second.stretch.max))")
                }
            }
            let tb = p.tables
            let tables = tb.tables.map { "\($0.name) \($0.max)/\(fmt($0.mean))" }.joined(separator: ", ")
            out.append("  (5) tables max/mean: \(tables)  \(mark(tb.withinCaps))")
            out.append("  frames in this phase: " + zip(messageNames, p.framesSent).filter { $0.1 > 0 }.map { "\($0) \($1)" }.joined(separator: ", "))
        }
        out.append("")
        let sent = zip(messageNames, frames.sent).map { "\($0) \($1)" }.joined(separator: ", ")
        out.append("frames: \(sent); \(frames.bytes) bytes")
        out.append("  dropped by loss \(frames.droppedByLoss), retransmitted \(frames.retransmitted), lost in flight at link down \(frames.droppedLinkDown), protocol closes \(frames.closes)")
        if c.protocolVersion == .v04 {
            out.append("router counters: no route \(counters.droppedNoRoute), bad signature \(counters.droppedBadSignature), table full \(counters.droppedTableFull), oversize \(counters.droppedOversize)")
        } else {
            out.append("router counters: broken \(counters.trafficBroken), unsolicited notify \(counters.droppedUnsolicitedNotify), off-tree lookups \(counters.lookupsFromOffTreePeers), bad notify signature \(counters.droppedBadSignature), infos full \(counters.droppedTableFull), evicted \(counters.evicted), oversize \(counters.droppedOversize)")
        }
        out.append("simulated \(fmt(simulatedSeconds)) s, \(linkIncarnations) link incarnations")
        out.append("")
        if passed {
            out.append("PASS")
        } else {
            out.append("FAIL")
            for f in failures { out.append("  - \(f)") }
        }
        return out.joined(separator: "\n")
    }
}

private func mark(_ ok: Bool) -> String { ok ? "ok" : "FAIL" }

private func fmt(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
    return String(format: "%.4g", x)
}
