import Foundation
import RhizomeCore
import RhizomeCrypto

/// Debugging aid (`rhizome-sim --watch`): follows a few nodes through a run. Prints the tree and
/// bloom frames exchanged among them as they are sent, and after each phase's state check each
/// one's view (parent, on-tree peers, which watched keys each peer's filter holds), so that a
/// failed lookup check can be traced hop by hop. Passive: it never changes what the run does.
public struct Watch: Sendable {
    public var nodes: [Int]
    public init(nodes: [Int]) { self.nodes = nodes }
}

extension Simulator {
    /// Logs tree and bloom frames sent between two watched nodes (and announcements about a
    /// watched key sent to one).
    func installWatch(_ watch: Watch, log: @escaping (String) -> Void) {
        let watched = Set(watch.nodes)
        let keyIndex = self.keyIndex
        let xforms = watch.nodes.map { ($0, KeyTransform05.subnetKey(keys[$0])) }
        let name: (PublicKey) -> String = { key in keyIndex[key].map { "n\($0)" } ?? String(key.hex.prefix(6)) }
        linkObserver = { t, a, b, link, up in
            guard watched.contains(a) || watched.contains(b) else { return }
            log(String(format: "t=%.3f link %d n%d–n%d %@", t, link, a, b, up ? "up" : "down"))
        }
        frameObserver = { t, from, to, link, frame in
            guard watched.contains(from) || watched.contains(to), R.protocolVersion == .v05,
                  let type = frame.first, [3, 4, 5].contains(type) else { return }
            guard let message = try? Message05(decoding: frame) else { return }
            let head = String(format: "t=%.3f n%d→n%d link %d", t, from, to, link)
            switch message {
            case .announce(let a) where watched.contains(from) && watched.contains(to)
                    || watched.contains(keyIndex[a.key] ?? -1):
                log("\(head) announce \(name(a.key)) parent \(name(a.parent)) port \(a.port) seq \(a.seq)")
            case .bloom(let b) where watched.contains(from) && watched.contains(to):
                let held = xforms.filter { b.contains($0.1) }.map { "n\($0.0)" }
                log("\(head) bloom holds [\(held.joined(separator: " "))]")
            case .sigResponse where watched.contains(from) && watched.contains(to):
                log("\(head) sigRes")
            default:
                break
            }
        }
    }

    /// One block per watched node: its parent and its on-tree peers with what their filters hold.
    func describeWatched(_ watch: Watch) -> [String] {
        let xforms = watch.nodes.map { ($0, KeyTransform05.subnetKey(keys[$0])) }
        let name: (PublicKey) -> String = { key in self.keyIndex[key].map { "n\($0)" } ?? String(key.hex.prefix(6)) }
        var lines: [String] = []
        for v in watch.nodes {
            guard let view = withRouter(v, { $0.simLookupView }) else { continue }
            let own = withRouter(v, { $0.simOnTreePeers })?.map(name).joined(separator: " ") ?? "?"
            lines.append(String(format: "t=%.3f n%d parent %@; router's on-tree peers [%@]", now, v, name(view.parent), own))
            for (key, filter) in view.onTreePeers {
                let held = xforms.filter { filter.contains($0.1) }.map { "n\($0.0)" }
                lines.append("    on-tree peer \(name(key)) (its parent \(withRouter(keyIndex[key] ?? v) { $0.simLookupView?.parent }.map(name) ?? "?")) filter holds [\(held.joined(separator: " "))]")
            }
        }
        return lines
    }
}
