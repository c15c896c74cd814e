import RhizomeCrypto

/// Identity of a DHT path in the table: its source and the tree it was built on.
struct DHTKey: Hashable {
    var source: PublicKey
    var root: PublicKey
    var rootSeq: UInt64
}

/// One DHT path passing through (or starting or ending at) this node.
struct DHTEntry {
    var seq: UInt64
    /// Toward the source; nil if we are the source.
    var peer: LinkID?
    /// Toward the destination; nil if we are the destination.
    var rest: LinkID?
    var expiry: Double

    func teardown(_ key: DHTKey) -> DHTTeardown {
        DHTTeardown(seq: seq, key: key.source, root: key.root, rootSeq: key.rootSeq)
    }
}

/// The DHT (spec routing.md §3.5–3.6): each node keeps a path to its keyspace predecessor.
extension Router {
    /// Most DHT paths stored at once. A setup that would exceed it is refused with a teardown
    /// (the source retries through its bootstrap loop), so remote nodes cannot grow the table
    /// without bound.
    public static let maxDHTEntries = 65536

    /// Our predecessor path is valid when it was built on our current tree.
    var prevValid: Bool {
        guard let prev, dht[prev] != nil else { return false }
        return prev.root == selfInfo.root && prev.rootSeq == selfInfo.seq
    }

    /// Our keyspace predecessor, when the path to it is valid.
    public var predecessor: PublicKey? { prevValid ? prev.flatMap { destOf[$0] } : nil }
    /// The node whose path ends at us (our successor), if any.
    public var successor: PublicKey? { next?.source }

    /// Maybe bootstrap (`_doBootstrap`): at most once a second while our predecessor path is not
    /// valid; the root has no predecessor and never bootstraps.
    mutating func maybeBootstrap(now: Double) {
        guard bootstrapTimer == nil else { return }
        guard !prevValid else { return }
        guard !isRoot else { return }
        handleBootstrap(DHTBootstrap(label: makeLabel()), now: now)
        bootstrapTimer = now + Constants.bootstrapInterval
    }

    /// A bootstrap that must run after the current message (a teardown of our prev asks for one).
    mutating func runPendingBootstrap(now: Double) {
        guard bootstrapPending else { return }
        bootstrapPending = false
        maybeBootstrap(now: now)
    }

    mutating func handleBootstrap(_ b: DHTBootstrap, now: Double) {
        if let n = keyspaceNextHop(b.label.key, mode: .bootstrap) {
            return send(b, on: n)
        }
        guard b.label.key != localKey else { return }
        guard b.label.check() else {
            counters.droppedBadSignature += 1
            return
        }
        let token = DHTSetupToken(signedBy: keys, source: b.label.key, dest: makeLabel())
        handleBootstrapAck(DHTBootstrapAck(bootstrap: b, response: token), now: now)
    }

    mutating func handleBootstrapAck(_ ack: DHTBootstrapAck, now: Double) {
        if case .link(let n) = treeNextHop(ack.bootstrap.label) {
            return send(ack, on: n)
        }
        let candidate = ack.response.dest.key
        guard candidate != localKey,
              ack.bootstrap.label.key == localKey,
              ack.response.source == localKey,
              ack.response.dest.root == selfInfo.root,
              ack.response.dest.seq == selfInfo.seq else { return }
        if let prev, let current = destOf[prev] {
            let closer = current < candidate && candidate < localKey
            let refresh = candidate == current && !prevValid
            guard closer || refresh else { return }
        }
        guard ack.response.check() else {
            counters.droppedBadSignature += 1
            return
        }
        prev = nil
        // Also our older path to this same node on this same tree, if one survived (e.g. the tree
        // switched away and back): it holds the table slot the new setup needs. Ironwood keeps it
        // and then drops its own setup as a duplicate, leaving `prev` empty and bootstrapping
        // every second until the root's seq changes (up to 30 min); found by the simulator.
        let slot = DHTKey(source: localKey, root: ack.response.dest.root, rootSeq: ack.response.dest.seq)
        for (key, dest) in destOf where dest != candidate || key == slot {
            if let entry = dht[key] { handleTeardown(entry.teardown(key), from: nil, now: now) }
        }
        setupSeq &+= 1
        let setup = DHTSetup(signedBy: keys, seq: setupSeq, token: ack.response)
        handleSetup(setup, from: nil, now: now)
    }

    /// A setup, checked already if it came from a link; `link` nil when we made it.
    mutating func handleSetup(_ s: DHTSetup, from link: LinkID?, now: Double) {
        let hop = treeNextHop(s.token.dest)
        let dest = s.token.dest.key
        let teardown = s.teardown
        var forward: LinkID?
        switch hop {
        case .link(let l): forward = l
        case .here, .deadEnd:
            // No link to forward to: only the destination may keep the path. (`.here` also
            // means "no peer is closer to these coordinates than we are", which happens for a
            // stale label that now points at us; Go's `_treeLookup` returns nil for both.)
            if dest != localKey {
                if let link { send(teardown, on: link) }
                return
            }
        }
        let key = DHTKey(source: s.token.source, root: s.token.dest.root, rootSeq: s.token.dest.seq)
        guard key.root == selfInfo.root, key.rootSeq == selfInfo.seq, dht[key] == nil else {
            if let link { send(teardown, on: link) }
            return
        }
        guard dht.count < Self.maxDHTEntries else {
            counters.droppedTableFull += 1
            if let link { send(teardown, on: link) }
            return
        }
        dht[key] = DHTEntry(seq: s.seq, peer: link, rest: forward, expiry: now + Constants.dhtPathLifetime)
        scheduleSweep(now: now)
        if link == nil {
            prev = key
            destOf[key] = dest
        }
        if let forward {
            send(s, on: forward)
        } else if let current = next {
            if key.source == current.source || (localKey < key.source && key.source < current.source) {
                if let entry = dht[current] { handleTeardown(entry.teardown(current), from: nil, now: now) }
                next = key
            } else {
                handleTeardown(teardown, from: nil, now: now)
            }
        } else {
            next = key
        }
    }

    /// A teardown from `link`, or a local one (`link` nil) for a path we start or end.
    mutating func handleTeardown(_ t: DHTTeardown, from link: LinkID?, now: Double) {
        let key = DHTKey(source: t.key, root: t.root, rootSeq: t.rootSeq)
        guard let entry = dht[key], entry.seq == t.seq else { return }
        let out: LinkID?
        if link == entry.peer {
            out = entry.rest
        } else if link == entry.rest {
            out = entry.peer
        } else {
            return
        }
        dht[key] = nil
        destOf[key] = nil
        if let out { send(t, on: out) }
        if next == key { next = nil }
        if prev == key {
            prev = nil
            bootstrapPending = true
        }
    }

    /// Expires DHT paths (2 h) and pathfinder entries (60 s). Runs at most once a second while
    /// either table has entries.
    mutating func sweep(now: Double) {
        for (key, entry) in dht where entry.expiry <= now {
            if let peer = entry.peer { send(entry.teardown(key), on: peer) }
            handleTeardown(entry.teardown(key), from: entry.peer, now: now)
        }
        paths = paths.filter { $0.value.expiry > now }
        scheduleSweep(now: now)
    }

    mutating func scheduleSweep(now: Double) {
        guard nextSweep == nil, !dht.isEmpty || !paths.isEmpty else { return }
        nextSweep = now + (paths.isEmpty ? 60 : 1)
    }

    /// The DHT table for `getDHT`: each path's source, and our ports toward source and destination,
    /// in key-byte order (the `limit` smallest keys; see `KeySelection`).
    public func dhtEntries(limit: Int = .max) -> [(key: PublicKey, port: PeerPort, rest: PeerPort)] {
        KeySelection.smallest(dht, limit: limit) { $0.key.source }.map { key, e in
            (key.source, e.peer.flatMap { peerIndex[$0] }.map { peers[$0].port } ?? 0,
             e.rest.flatMap { peerIndex[$0] }.map { peers[$0].port } ?? 0)
        }
    }

    public var dhtEntries: [(key: PublicKey, port: PeerPort, rest: PeerPort)] { dhtEntries() }

    /// The sources of the `limit` smallest DHT keys, in key-byte order (remote `getDHT`).
    public func dhtKeys(limit: Int) -> [PublicKey] {
        KeySelection.smallest(dht.keys.lazy.map(\.source), limit: limit) { $0 }
    }
}
