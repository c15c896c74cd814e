import RhizomeCrypto

/// The spanning tree: signature requests and link cost (§4.3), announcement acceptance (§4.4),
/// parent selection (§4.5), propagation (§4.6) and coordinates (§4.7).
extension Router05 {
    // MARK: requests and responses (§4.3)

    /// seq = our announcement's seq + 1; a fresh random nonce.
    mutating func newRequest() -> SigRequest05 {
        SigRequest05(seq: (infos[localKey]?.seq ?? 0) &+ 1, nonce: random.next())
    }

    mutating func sendRequest(peer i: Int, link j: Int, now: Double) {
        guard let request = peers[i].request else { return }
        peers[i].links[j].responded = false
        peers[i].links[j].requestSentAt = now
        send(request.frame, on: peers[i].links[j].link)
    }

    /// After every parent change or new root: forget all requests and responses, ask every peer
    /// key anew (one nonce per key), on every link.
    mutating func sendRequests(now: Double) {
        for i in peers.indices {
            peers[i].request = newRequest()
            peers[i].response = nil
            for j in peers[i].links.indices { sendRequest(peer: i, link: j, now: now) }
        }
    }

    /// A verified sigRes: the first one matching the outstanding request is kept as the key's
    /// response; each link gives one latency sample per request (first sample doubled).
    mutating func handleResponse(_ response: SigResponse05, peer i: Int, link: LinkID, now: Double) {
        guard let j = peers[i].links.firstIndex(where: { $0.link == link }) else { return }
        peers[i].links[j].responseReceivedAt = now
        guard let request = peers[i].request, request.seq == response.seq, request.nonce == response.nonce else { return }
        if peers[i].response == nil { peers[i].response = response }
        guard !peers[i].links[j].responded else { return }
        peers[i].links[j].responded = true
        let rtt = max(0, now - (peers[i].links[j].requestSentAt ?? now))
        if let lag = peers[i].links[j].lag {
            peers[i].links[j].lag = lag * 7 / 8 + min(rtt, 2 * lag) / 8
        } else {
            peers[i].links[j].lag = 2 * rtt
        }
    }

    // MARK: acceptance (§4.4)

    enum UpdateResult { case accepted, rejected, full }

    /// `_update`: the acceptance rule, identical on every node (seq, then lower parent, then lower
    /// nonce). Accepting clears the key from every sent-set and (re)starts its timer.
    mutating func update(_ ann: Announcement05, now: Double) -> UpdateResult {
        if let info = infos[ann.key] {
            if info.seq > ann.seq { return .rejected }
            if info.seq == ann.seq {
                if info.parent < ann.parent { return .rejected }
                if !(ann.parent < info.parent) && !(ann.nonce < info.nonce) { return .rejected }
            }
        } else if ann.key != localKey && infos.count >= limits.infos
                    && peerIndex[ann.key] == nil && !protectedKeys.contains(ann.key) {
            return .full
        }
        for i in peers.indices { peers[i].sent.remove(ann.key) }
        coordsDirty = true
        let own = ann.key == localKey
        let info = Info05(parent: ann.parent, seq: ann.seq, nonce: ann.nonce, port: ann.port, psig: ann.psig,
                          sig: ann.sig, expiry: own ? .infinity : now + Self.routerTimeout,
                          generation: nextGeneration())
        infos[ann.key] = info
        if own {
            selfRefreshAt = now + Self.routerRefresh
        } else {
            infoTimers.push(ann.key, deadline: info.expiry, generation: info.generation)
        }
        return .accepted
    }

    /// An announcement expired (or was evicted): it is no longer ours to send.
    mutating func forget(_ key: PublicKey) {
        for i in peers.indices { peers[i].sent.remove(key) }
        coordsDirty = true
    }

    /// `_handleAnnounce`, after the §3.4 check.
    mutating func handleAnnounce(_ ann: Announcement05, peer i: Int, link: LinkID, now: Double) {
        switch update(ann, now: now) {
        case .accepted:
            // Someone relayed an old announcement of ours (we restarted): re-sign.
            if ann.key == localKey { refresh = true }
            peers[i].sent.insert(ann.key)
            promotePending(below: ann.key, now: now)
        case .rejected:
            peers[i].sent.insert(ann.key)
            if let stored = infos[ann.key], !stored.sameFields(ann) {
                // Tell the sender what we know (how a restarted node learns its old seq).
                send(stored.announcement(ann.key).frame, on: link)
            }
        case .full:
            counters.droppedInfosFull += 1
            holdPending(ann)
        }
    }

    /// Keeps a refused announcement for a while (bounded, oldest dropped first).
    mutating func holdPending(_ ann: Announcement05) {
        if pendingInfos.updateValue(ann, forKey: ann.key) == nil {
            pendingOrder.append(ann.key)
            if pendingOrder.count > limits.pendingInfos {
                pendingInfos[pendingOrder.removeFirst()] = nil
            }
        }
    }

    /// After accepting a wanted key, its held-back ancestors are wanted too.
    mutating func promotePending(below key: PublicKey, now: Double) {
        guard !pendingInfos.isEmpty, peerIndex[key] != nil || protectedKeys.contains(key) else { return }
        var current = key
        for _ in 0..<limits.pendingInfos {
            guard let parent = infos[current]?.parent, parent != current,
                  let ann = pendingInfos.removeValue(forKey: parent) else { return }
            pendingOrder.removeAll { $0 == parent }
            protectedKeys.insert(parent)
            guard update(ann, now: now) == .accepted else { return }
            current = parent
        }
    }

    /// Recomputed every tick: keys that must fit in `infos` even when it is full.
    mutating func updateProtectedKeys() {
        var keys = Set<PublicKey>()
        for chain in [ancestry(of: localKey)] + peers.map(\.ancestry) {
            keys.formUnion(chain)
            if let top = chain.first, let parent = infos[top]?.parent { keys.insert(parent) }
        }
        for p in peers { keys.insert(p.key) }
        protectedKeys = keys
    }

    // MARK: parent selection (§4.5)

    /// `_fix`, every tick.
    mutating func fixParent(now: Double) {
        var bestRoot = localKey
        var bestParent = localKey
        var bestCost = UInt64.max
        let parent = infos[localKey]?.parent
        if let parent, let p = peerIndex[parent] {
            let (root, depth, _) = rootAndDepth(localKey)
            if root < bestRoot {
                bestRoot = root
                bestParent = parent
                bestCost = peers[p].links.map { depth &* $0.cost }.min() ?? .max
            }
        }
        for peer in peers where peer.response != nil && infos[peer.key] != nil {
            let (root, depth, loops) = rootAndDepth(peer.key)
            if loops { continue }
            let cost = peer.links.map { depth &* $0.cost }.min() ?? .max
            if root < bestRoot {
                (bestRoot, bestParent, bestCost) = (root, peer.key, cost)
            } else if root != bestRoot {
                continue
            }
            if (refresh && cost &* 2 < bestCost) || (bestParent != parent && cost < bestCost) {
                (bestRoot, bestParent, bestCost) = (root, peer.key, cost)
            }
        }
        guard refresh || doRoot1 || doRoot2 || parent != bestParent || parentRenumberedUs(parent) else { return }
        if bestRoot != localKey, let p = peerIndex[bestParent], let response = peers[p].response,
           useResponse(response, from: bestParent, now: now) {
            (refresh, doRoot1, doRoot2) = (false, false, false)
            sendRequests(now: now)
        } else if doRoot2 {
            becomeRoot(now: now)
            (refresh, doRoot1, doRoot2) = (false, false, false)
            sendRequests(now: now)
        } else if !doRoot1 {
            doRoot1 = true  // root next tick unless a parent turns up
        }
    }

    /// Whether our parent's current response gives us another port than our announcement names.
    /// A parent numbers a peer key anew (the lowest free port) when its last link comes back;
    /// if that happened between two of our ticks, the parent never looked lost, so nothing else
    /// re-signs, and the old port may by now be a sibling's: two nodes with the same
    /// coordinates, and traffic for one stops at the other (ironwood 743fe2f's `_fix` keeps the
    /// old announcement then: seen in the 10,000-node simulation after link flaps). Re-signing
    /// under the new response costs one announcement and keeps coordinates unique.
    func parentRenumberedUs(_ parent: PublicKey?) -> Bool {
        guard let parent, parent != localKey, let own = infos[localKey], own.parent == parent,
              let p = peerIndex[parent], let response = peers[p].response else { return false }
        return response.port != own.port
    }

    /// Our announcement under `parent`, countersigning its response.
    mutating func useResponse(_ response: SigResponse05, from parent: PublicKey, now: Double) -> Bool {
        update(Announcement05(signer: keys, parent: parent, response: response), now: now) == .accepted
    }

    mutating func becomeRoot(now: Double) {
        let request = newRequest()
        _ = update(Announcement05(rootSigner: keys, seq: request.seq, nonce: request.nonce), now: now)
    }

    /// The root of `key`'s chain, the number of parent steps to it, and whether the chain passes
    /// through us (`_getRootAndDists`).
    func rootAndDepth(_ key: PublicKey) -> (root: PublicKey, depth: UInt64, containsSelf: Bool) {
        var seen = Set<PublicKey>()
        var next = key
        var root = key
        while let info = infos[next], seen.insert(next).inserted {
            root = next
            next = info.parent
        }
        return (root, UInt64(max(0, seen.count - 1)), seen.contains(localKey))
    }

    // MARK: propagation (§4.6)

    /// Each tick, each peer key gets what it has not been sent of our ancestry, then of its own.
    mutating func sendAnnouncements() {
        let own = ancestry(of: localKey)
        for i in peers.indices {
            peers[i].ancestry = ancestry(of: peers[i].key)  // after this tick's parent choice
            var frames: [[UInt8]] = []
            for k in own + peers[i].ancestry where !peers[i].sent.contains(k) {
                peers[i].sent.insert(k)
                if let info = infos[k] { frames.append(info.announcement(k).frame) }
            }
            for link in peers[i].links {
                for frame in frames { send(frame, on: link.link) }
            }
        }
    }

    /// `key`, its parent, … up to the root or the first missing or repeated key; root first.
    func ancestry(of key: PublicKey) -> [PublicKey] {
        var chain: [PublicKey] = []
        var seen = Set<PublicKey>()
        var here = key
        while infos[here] != nil, seen.insert(here).inserted {
            chain.append(here)
            here = infos[here]!.parent
        }
        return chain.reversed()
    }

    // MARK: coordinates (§4.7)

    /// The ports from the root down to `key`; empty for a root, a missing link or a loop.
    func coords(of key: PublicKey) -> [PeerPort] { placedCoords(of: key) ?? [] }

    /// The ports from the root down to `key`, or nil when `key` is not placed: its chain of
    /// announcements has a gap (no announcement yet) or a loop. Empty only for a root, so a
    /// key we know nothing about is not mistaken for the root.
    func placedCoords(of key: PublicKey) -> [PeerPort]? {
        var ports: [PeerPort] = []
        var seen = Set<PublicKey>()
        var here = key
        while true {
            guard let info = infos[here], seen.insert(here).inserted else { return nil }
            if info.parent == here { break }
            ports.append(info.port)
            here = info.parent
        }
        return ports.reversed()
    }

    /// Rebuilds our and the peers' coordinates if the tree changed since they were cached.
    @inline(__always)
    mutating func refreshCoords() {
        guard coordsDirty else { return }
        selfCoords = coords(of: localKey)
        let root = rootAndDepth(localKey).root
        for i in peers.indices {
            // Empty coords stand for our root only when the peer is that root: a new peer's
            // first announcement is often as a root of its own, before it has joined our tree.
            let placed = placedCoords(of: peers[i].key).flatMap { !$0.isEmpty || peers[i].key == root ? $0 : nil }
            peers[i].placed = placed != nil
            peers[i].coords = placed ?? []
        }
        coordsDirty = false
    }
}
