import RhizomeCrypto

/// Bloom filters along tree edges (§4.9.4) and the lookup multicast they guide (§4.10).
extension Router05 {
    /// A peer is on-tree if it is our parent or names us as its parent. A peer leaving the tree
    /// gets the empty filter, so a later return starts without stale bits.
    mutating func fixOnTree() {
        guard let ownParent = infos[localKey]?.parent else { return }
        for i in peers.indices {
            let was = peers[i].onTree
            let key = peers[i].key
            peers[i].onTree = ownParent == key || infos[key]?.parent == localKey
            if was && !peers[i].onTree {
                peers[i].bloomSend = .empty
                let frame = BloomFilter05.empty.frame
                for link in peers[i].links { send(frame, on: link.link) }
            }
        }
    }

    /// Each on-tree peer gets our transformed key plus what the other on-tree peers sent us,
    /// keeping previously sent ones for a round (ones travel before zeros); unchanged filters are
    /// re-sent once an hour.
    mutating func sendBlooms() {
        for i in peers.indices where peers[i].onTree {
            var fresh = selfBloom
            for j in peers.indices where j != i && peers[j].onTree { fresh.formUnion(peers[j].bloomRecv) }
            var bloom = fresh
            var zDirty = peers[i].zDirty
            if !zDirty {
                bloom.formUnion(peers[i].bloomSend)
                if bloom != fresh { zDirty = true }
            } else {
                zDirty = false
            }
            var isNew = false
            if bloom != peers[i].bloomSend {
                // The flag change only sticks with a changed filter, as in ironwood.
                peers[i].bloomSend = bloom
                peers[i].zDirty = zDirty
                isNew = true
            }
            peers[i].bloomTicks &+= 1
            if isNew || peers[i].bloomTicks >= Self.bloomResendTicks {
                let frame = peers[i].bloomSend.frame
                for link in peers[i].links { send(frame, on: link.link) }
                peers[i].bloomTicks = 0
            }
        }
    }

    /// Sends `frame` to every on-tree peer other than `fromKey` whose filter holds `xform`, on
    /// its lowest-priority link.
    mutating func multicast(_ frame: [UInt8], xform: PublicKey, fromKey: PublicKey) {
        for peer in peers where peer.onTree && peer.key != fromKey && peer.bloomRecv.contains(xform) {
            guard var best = peer.links.first else { continue }
            for link in peer.links.dropFirst() where link.priority < best.priority { best = link }
            send(frame, on: best.link)
        }
    }
}
