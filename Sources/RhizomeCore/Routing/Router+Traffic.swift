import RhizomeCrypto

/// Traffic between end nodes (spec routing.md §3.7): source-routed when a route is known,
/// greedy through keyspace otherwise, falling back from one to the other wherever a route breaks.
extension Router {
    /// Sends `payload` to `dest` (kind standard for session traffic, out-of-band for key lookups).
    public mutating func send(payload: [UInt8], to dest: PublicKey, kind: TrafficKind = .standard, now: Double) {
        let traffic = DHTTraffic(source: localKey, dest: dest, kind: kind, payload: payload)
        if let route = touchPath(dest, now: now) {
            forwardPathTraffic(PathTraffic(route: route, traffic: traffic), now: now)
        } else {
            forwardDHTTraffic(traffic, arrivedFromLink: false, now: now)
        }
        runPendingBootstrap(now: now)
    }

    mutating func forwardDHTTraffic(_ t: DHTTraffic, arrivedFromLink: Bool, now: Double) {
        if let link = keyspaceNextHop(t.dest, mode: .traffic) {
            return send(t, on: link)
        }
        if t.dest == localKey { maybeNotify(t.source, keepAlive: !arrivedFromLink, now: now) }
        switch t.kind {
        case .standard:
            if t.dest == localKey {
                actions.append(.deliver(source: t.source, payload: t.payload))
            } else {
                counters.droppedNoRoute += 1
            }
        case .outOfBand:
            actions.append(.deliverOutOfBand(source: t.source, destination: t.dest, payload: t.payload))
        default:
            break
        }
    }

    mutating func forwardPathTraffic(_ p: PathTraffic, now: Double) {
        var p = p
        let port = p.route.first ?? 0
        if !p.route.isEmpty { p.route.removeFirst() }
        if port != 0, let link = portToLink[port] {
            return send(p, on: link)
        }
        forwardDHTTraffic(p.traffic, arrivedFromLink: false, now: now)
    }
}
