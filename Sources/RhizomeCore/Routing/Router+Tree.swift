import RhizomeCrypto

/// The spanning tree (spec routing.md §3.2): root election, parent selection and announcements.
extension Router {
    /// Our coordinates: the ports from the root down to us (root: empty).
    public var coords: [PeerPort] { selfInfo.coords }
    public var root: PublicKey { selfInfo.root }
    public var rootSeq: UInt64 { selfInfo.seq }
    public var isRoot: Bool { selfInfo.root == localKey }

    /// A verified announcement arrived on `link` (`peer._handleTree` + `dhtree.update`).
    mutating func handleTree(_ ann: TreeAnnouncement, from link: LinkID, now: Double) {
        guard let i = peerIndex[link] else { return }
        guard !ann.hops.isEmpty else { return close(link, "tree announcement without hops") }
        guard ann.sender == peers[i].key else { return close(link, "tree announcement sender is not the link's key") }
        guard ann.destination == localKey else { return close(link, "tree announcement is not addressed to us") }
        guard ann.verifySignatures() else { return close(link, "invalid tree announcement signature") }

        hseqCounter += 1
        let info = TreeInfo(announcement: ann, time: now, hseq: hseqCounter, state: newState())
        if let e = expired[ann.root] {
            if e.seq < ann.seq { expired[ann.root] = (ann.seq, now) }
        } else {
            expired[ann.root] = (ann.seq, now)
            capExpired()
        }
        let first = peers[i].info == nil
        peers[i].info = info
        if first { sendSelf(to: i) }
        if parent == link {
            let bad = selfInfo.root < ann.root || (ann.root == selfInfo.root && ann.seq <= selfInfo.seq)
            parent = nil
            selfAbsent = true
            if bad {
                // Bad news: poison our subtree for a while by announcing ourselves as a seq-0 root.
                holdDownUntil = now + Constants.badNewsHoldDown
                selfInfo = TreeInfo(announcement: TreeAnnouncement(root: localKey, seq: 0), time: now, hseq: 0, state: newState())
                selfAbsent = false
                selfTimer = nil
                for j in peers.indices where peers[j].info != nil { sendSelf(to: j) }
            }
        }
        if holdDownUntil == nil {
            fix(now: now)
            maybeBootstrap(now: now)
        }
    }

    /// Select parent (`dhtree._fix`).
    mutating func fix(now: Double) {
        let old = selfAbsent ? nil : Optional(selfInfo.state)
        if selfAbsent || localKey < selfInfo.root {
            selfInfo = TreeInfo(announcement: TreeAnnouncement(root: localKey, seq: unixSeconds(now)), time: now, hseq: 0, state: newState())
            selfAbsent = false
            parent = nil
        }
        for p in peers {
            guard let info = p.info else { continue }
            if let e = expired[info.root], !(e.seq < info.seq || (e.seq == info.seq && info.time < e.time)) { continue }
            expired[info.root] = (info.seq, info.time)
        }
        for p in peers {
            guard let info = p.info, let e = expired[info.root] else { continue }
            if info.seq < e.seq { continue }
            if info.seq == e.seq && now - e.time > Constants.treeTimeout { continue }
            if !Self.loopFree(info.announcement) { continue }
            if info.isBetter(than: selfInfo) {
                selfInfo = info
                parent = p.link
            }
        }
        if selfInfo.state != old {
            if parent == nil {
                selfTimer = (now + Constants.treeAnnounce, selfInfo.state)
            } else {
                let firstSeen = expired[selfInfo.root]?.time ?? now
                selfTimer = (firstSeen + Constants.treeTimeout, selfInfo.state)
            }
            for j in peers.indices where peers[j].info != nil { sendSelf(to: j) }
        }
        let root = selfInfo.root
        expired = expired.filter { !(root < $0.key) }
    }

    /// No key may appear twice in root, hops[].next (our own key is the last one).
    static func loopFree(_ ann: TreeAnnouncement) -> Bool {
        var seen = Set<PublicKey>()
        seen.insert(ann.root)
        for hop in ann.hops {
            if !seen.insert(hop.next).inserted { return false }
        }
        return true
    }

    /// Sends our current state to one peer, with a hop signed for that link.
    mutating func sendSelf(to index: Int) {
        let p = peers[index]
        let ann = selfInfo.announcement.appendingHop(next: p.key, port: p.port, signedBy: keys)
        send(ann, on: p.link)
    }

    /// Bounds `expired`: entries for roots larger than ours are pruned by `fix`; this caps the
    /// rest (stale smaller roots) by dropping the oldest-seen ones.
    mutating func capExpired() {
        let cap = 4096
        guard expired.count > cap else { return }
        let victims = expired.sorted { $0.value.time < $1.value.time }.prefix(expired.count - cap)
        for v in victims where v.key != selfInfo.root { expired[v.key] = nil }
    }

    // MARK: tree routing

    /// Our label: key, root, seq and coordinates, signed.
    func makeLabel() -> TreeLabel {
        TreeLabel(signedBy: keys, root: selfInfo.root, seq: selfInfo.seq, path: selfInfo.coords)
    }

    /// `len(a) + len(b) − 2·common prefix`.
    static func distance(_ a: [PeerPort], _ b: [PeerPort]) -> Int {
        var common = 0
        while common < a.count && common < b.count && a[common] == b[common] { common += 1 }
        return a.count + b.count - 2 * common
    }

    enum TreeHop { case here, deadEnd, link(LinkID) }

    /// Next hop toward a label by tree distance (`dhtree._treeLookup`).
    func treeNextHop(_ dest: TreeLabel) -> TreeHop {
        if dest.key == localKey { return .here }
        var bestRoot = selfInfo.root, bestSeq = selfInfo.seq
        var bestDist = selfInfo.root == dest.root ? Self.distance(selfInfo.coords, dest.path) : Int.max
        var bestSender = parent.flatMap { peerIndex[$0] }.map { peers[$0].key } ?? localKey
        var bestIndex: Int?
        for (i, p) in peers.enumerated() {
            guard let info = p.info, info.root == dest.root, info.seq == dest.seq else { continue }
            let d = Self.distance(p.coords, dest.path)
            var take = d < bestDist
            if !take && d == bestDist {
                if p.key < bestSender { take = true }
                else if let b = bestIndex, peers[b].key == p.key, p.priority < peers[b].priority { take = true }
            }
            if take {
                bestRoot = info.root; bestSeq = info.seq; bestDist = d; bestSender = p.key; bestIndex = i
            }
        }
        if bestRoot != dest.root || bestSeq != dest.seq { return .deadEnd }
        return bestIndex.map { .link(peers[$0].link) } ?? .here
    }

    // MARK: keyspace routing

    enum LookupMode { case traffic, bootstrap }

    /// Greedy next hop toward key `target` through keyspace (`dhtree._dhtLookup`); nil = here.
    func keyspaceNextHop(_ target: PublicKey, mode: LookupMode) -> LinkID? {
        // Traffic for us: no key lies strictly between us and ourselves, and the exact-match rule
        // only applies once the best key is not already the target, so the scan below ends with
        // no link unless a peer claims our own key (step 4; the node refuses such links). Skipped,
        // because every packet that arrives here asks.
        if mode == .traffic && target == localKey && !peers.contains(where: { $0.key == localKey }) { return nil }
        var bestKey = localKey
        var bestLink: LinkID?
        @inline(__always) func between(_ a: PublicKey, _ b: PublicKey, _ c: PublicKey) -> Bool { a < b && b < c }
        func improve(_ k: PublicKey, _ link: LinkID?) -> Bool {
            if (mode == .traffic && k == target && bestKey != target) || between(bestKey, k, target) {
                bestKey = k
                bestLink = link
                return true
            }
            return false
        }
        // 1. Past the target already (or it is us, bootstrapping): restart from the root.
        if (mode == .bootstrap && localKey == target) || between(selfInfo.root, target, localKey) {
            bestKey = selfInfo.root
            bestLink = parent
        }
        // 2. Our own ancestry, through the parent.
        _ = improve(selfInfo.root, parent)
        for hop in selfInfo.announcement.hops { _ = improve(hop.next, parent) }
        // 3. Every peer's ancestry; among equal keys prefer the longer-stable announcement.
        for p in peers {
            guard let info = p.info else { continue }
            _ = improve(info.root, p.link)
            for hop in info.announcement.hops {
                _ = improve(hop.next, p.link)
                if let b = bestLink, bestKey == hop.next, let bi = peerIndex[b], let binfo = peers[bi].info, info.hseq < binfo.hseq {
                    bestLink = p.link
                }
            }
        }
        // 4. A direct peer is reached directly.
        for p in peers where p.info != nil && p.key == bestKey { bestLink = p.link }
        // 5. Sources of DHT paths through us.
        for (key, entry) in dht { _ = improve(key.source, entry.peer) }
        // 6. Among links to the same node, the lowest priority value.
        if let b = bestLink, let bi = peerIndex[b] {
            var chosen = bi
            for (i, p) in peers.enumerated() where p.info != nil && p.key == peers[chosen].key && p.priority < peers[chosen].priority {
                chosen = i
            }
            bestLink = peers[chosen].link
        }
        return bestLink
    }
}
