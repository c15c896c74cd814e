import RhizomeCore
import RhizomeCrypto

/// Debugging aid (`rhizome-sim --explain-losses`): for every test packet a 0.5 traffic round did
/// not deliver (and no link dropped), right after that round: what the source holds for the
/// destination (path entry, rumor), the destination's real coordinates, and a replay of greedy
/// forwarding over the routers' current state (the stored coordinates, then the real ones, and the
/// notify's way back), printing the node where forwarding stops and that node's view of its peers
/// next to each peer's own coordinates. Passive: the replay reads next hops, it sends nothing.
extension Simulator where R == Router05 {
    func explainLost(firstID: Int) -> [String] {
        var lines: [String] = []
        if (firstID..<packets.count).contains(where: { !packets[$0].delivered && !packets[$0].lostOnLink }) {
            lines += stalePorts()
        }
        for id in firstID..<packets.count {
            let p = packets[id]
            guard !p.delivered, !p.lostOnLink else { continue }
            let s = Int(p.src), d = Int(p.dst)
            let dkey = keys[d], skey = keys[s]
            let stored = withRouter(s) { $0.path(to: dkey) }
            let state = withRouter(s) { $0.debugPathState(for: dkey) }
            let rumor = withRouter(s) { $0.debugRumor(for: dkey) }
            let real = withRouter(d) { $0.coords }
            let sReal = withRouter(s) { $0.coords }
            var head = "lost r\(p.round + 1) n\(s)→n\(d): hops \(p.hops), last at \(p.lastAt < 0 ? "source" : "n\(p.lastAt)")"
            head += "; source's path entry \(stored.map(fmt) ?? "none")"
            if let state { head += String(format: " (broken %@, holds packet %@, created t=%.2f)", "\(state.broken)", "\(state.holdsPacket)", state.created) }
            head += "; rumor \(rumor.exists ? (rumor.holdsPacket ? "holds packet" : "empty") : "none")"
            head += "; dest's coords \(fmt(real)), source's \(fmt(sReal)); roots n\(keyIndex[withRouter(s) { $0.rootKey }] ?? -1)/n\(keyIndex[withRouter(d) { $0.rootKey }] ?? -1)"
            lines.append(head)
            if let stored {
                lines.append("  traffic along the stored coords:")
                lines += replay(from: s, toward: stored, target: d)
            }
            if stored != real {
                lines.append("  traffic along the dest's real coords:")
                lines += replay(from: s, toward: real, target: d)
            }
            lines.append("  a notify from the dest toward the source's coords:")
            lines += replay(from: d, toward: sReal, target: s)
            _ = skey
        }
        return lines
    }

    /// Greedy forwarding from `start` toward `coords` as the routers would do it now.
    func replay(from start: Int, toward coords: [PeerPort], target: Int) -> [String] {
        var lines: [String] = []
        var watermark = UInt64.max
        var at = start
        var trail = ["n\(start)"]
        for _ in 0..<Int(hopLimit) {
            guard let next = withRouter(at, { $0.debugNextHop(toward: coords, watermark: &watermark) }) else { break }
            at = keyIndex[next] ?? -1
            trail.append("n\(at)")
            if at < 0 { break }
        }
        lines.append("    " + trail.joined(separator: " → ") + (at == target ? " (arrives)" : " STOPS"))
        guard at >= 0, at != target else { return lines }
        let selfCoords = withRouter(at) { $0.coords }
        let dist = Coords05.distance(selfCoords, coords)
        lines.append("    at n\(at): own coords \(fmt(selfCoords)) distance \(dist), watermark \(watermark == .max ? "max" : String(watermark)), parent n\(keyIndex[withRouter(at) { $0.parentKey } ?? keys[at]] ?? -1), root n\(keyIndex[withRouter(at) { $0.rootKey }] ?? -1)")
        for peer in withRouter(at, { $0.debugPeers() }) {
            let pi = keyIndex[peer.key] ?? -1
            let own = pi >= 0 ? withRouter(pi) { $0.coords } : []
            let ownRoot = pi >= 0 ? keyIndex[withRouter(pi) { $0.rootKey }] ?? -1 : -1
            lines.append("      peer n\(pi) port \(peer.port) placed \(peer.placed) onTree \(peer.onTree): coords here \(fmt(peer.coords)) (distance \(Coords05.distance(peer.coords, coords))), its own \(fmt(own)) root n\(ownRoot)")
        }
        return lines
    }

    /// Nodes whose stored announcement names a port their parent no longer numbers them by:
    /// their coordinates may equal another child's.
    func stalePorts() -> [String] {
        var stale: [String] = []
        for v in 0..<nodeCount {
            guard let parent = withRouter(v, { $0.parentKey }), parent != keys[v], let pv = keyIndex[parent],
                  let announced = withRouter(v, { $0.debugAnnouncedPort }) else { continue }
            let actual = withRouter(pv) { $0.debugPort(of: keys[v]) }
            if actual != announced {
                stale.append("n\(v) (parent n\(pv): announced port \(announced), parent numbers it \(actual.map(String.init) ?? "not a peer"))")
            }
        }
        return ["announcements with a stale port: \(stale.count)" + (stale.isEmpty ? "" : ": " + stale.prefix(20).joined(separator: ", "))]
    }

    private func fmt(_ c: [PeerPort]) -> String { "[" + c.map(String.init).joined(separator: " ") + "]" }
}
