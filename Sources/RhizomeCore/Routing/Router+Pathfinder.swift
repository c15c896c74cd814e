import RhizomeCrypto

/// A destination we have sent to recently, and the source route to it once one is known.
struct PathEntry {
    /// Ports to follow (without the final 0); nil until a path response arrives.
    var route: [PeerPort]?
    var expiry: Double
    var lastLookup: Double
    var lastNotify: Double
}

/// The pathfinder (spec routing.md §3.8): notify → lookup → response gives a source route.
extension Router {
    /// Most destinations tracked at once. A new destination beyond it evicts the entry closest
    /// to expiry, so a flood of destinations costs old routes, never memory.
    public static let maxPathEntries = 65536

    /// P1: touch the entry for a destination we are sending to; returns its route, if known.
    mutating func touchPath(_ dest: PublicKey, now: Double) -> [PeerPort]? {
        if paths[dest] == nil {
            if paths.count >= Self.maxPathEntries, let victim = paths.min(by: { $0.value.expiry < $1.value.expiry }) {
                paths[victim.key] = nil
                counters.droppedTableFull += 1
            }
            paths[dest] = PathEntry(route: nil, expiry: now, lastLookup: now - Constants.pathfinderThrottle,
                                    lastNotify: now - Constants.pathfinderThrottle)
        }
        paths[dest]!.expiry = now + Constants.pathfinderTimeout
        scheduleSweep(now: now)
        return paths[dest]!.route
    }

    /// P2: tell a node that sends to us where we are, if we also send to it.
    mutating func maybeNotify(_ source: PublicKey, keepAlive: Bool, now: Double) {
        guard var entry = paths[source] else { return }
        let throttle = keepAlive ? Constants.pathfinderTimeout : Constants.pathfinderThrottle
        guard now - entry.lastNotify > throttle else { return }
        entry.lastNotify = now
        paths[source] = entry
        routeNotify(PathNotify(signedBy: keys, dest: source, label: makeLabel()), now: now)
    }

    /// P3: a notify travels by keyspace to its destination, which answers with a lookup.
    mutating func routeNotify(_ n: PathNotify, now: Double) {
        if let link = keyspaceNextHop(n.dest, mode: .traffic) {
            return send(n, on: link)
        }
        guard var entry = paths[n.label.key], now - entry.lastLookup >= Constants.pathfinderThrottle else { return }
        guard n.check() else {
            counters.droppedBadSignature += 1
            return
        }
        entry.lastLookup = now
        paths[n.label.key] = entry
        routeLookup(PathLookup(notify: n, rpath: []), now: now)
    }

    /// P5: a lookup travels by tree coordinates to the notifying node, which answers.
    mutating func routeLookup(_ q: PathLookup, now: Double) {
        if case .link(let link) = treeNextHop(q.notify.label) {
            return send(q, on: link)
        }
        guard q.notify.label.key == localKey, q.notify.check() else { return }
        routeResponse(PathResponse(from: localKey, route: q.rpath.reversed(), rpath: []), now: now)
    }

    /// P7: a response follows its route back; at the end, the reversed rpath is the route.
    mutating func routeResponse(_ r: PathResponse, now: Double) {
        var r = r
        let port = r.route.first ?? 0
        if !r.route.isEmpty { r.route.removeFirst() }
        if port != 0, let link = portToLink[port] {
            return send(r, on: link)
        }
        guard paths[r.from] != nil else { return }
        paths[r.from]!.route = r.rpath.reversed()
    }

    /// The pathfinder table for `getPaths`: destination key and stored route (with its final 0),
    /// empty until a response arrived.
    /// In key-byte order, the `limit` smallest keys (see `KeySelection`).
    public func pathEntries(limit: Int = .max) -> [(key: PublicKey, path: [PeerPort])] {
        KeySelection.smallest(paths, limit: limit) { $0.key }.map { ($0.key, $0.value.route.map { $0 + [0] } ?? []) }
    }

    public var pathEntries: [(key: PublicKey, path: [PeerPort])] { pathEntries() }
}
