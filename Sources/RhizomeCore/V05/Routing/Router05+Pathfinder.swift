import RhizomeCrypto

/// Lookups, notifies, path entries and rumors (§4.10, §4.11), and the general traffic path with
/// broken messages (§4.12).
extension Router05 {
    // MARK: lookups

    /// `_sendLookup`: throttled only within a second of a path entry's creation.
    mutating func sendLookup(_ dest: PublicKey, now: Double) {
        if let entry = paths[dest], now - entry.created < Self.pathThrottle { return }
        refreshCoords()
        handleLookup(PathLookup05(source: localKey, dest: dest, from: selfCoords), fromKey: localKey, now: now)
    }

    /// `_handleLookup`: pass it on along the tree where filters match; answer if it is for us.
    mutating func handleLookup(_ lookup: PathLookup05, fromKey: PublicKey, now: Double) {
        let xform = KeyTransform05.subnetKey(lookup.dest)
        multicast(lookup.frame, xform: xform, fromKey: fromKey)
        guard xform == selfXform else { return }
        refreshCoords()
        let seq = unixSeconds(now)
        // One signature per second at most: the signed info is reused while seq and coords hold.
        let info: NotifyInfo05
        if let cached = notifyInfo, cached.seq == seq, cached.path == selfCoords {
            info = cached
        } else {
            info = NotifyInfo05(signedBy: keys, seq: seq, path: selfCoords)
            notifyInfo = info
        }
        let notify = PathNotify05(path: lookup.from, watermark: .max, source: localKey, dest: lookup.source, info: info)
        handleNotify(notify, now: now)
    }

    /// `_rumorSendLookup` (ironwood's `SendLookup`): at most one lookup per second per
    /// transformed key.
    mutating func rumorLookup(_ target: PublicKey, now: Double) {
        let xform = KeyTransform05.subnetKey(target)
        if var rumor = rumors[xform] {
            if now - rumor.sendTime < Self.pathThrottle { return }
            rumor.sendTime = now
            rumor.expiry = now + Self.pathTimeout
            rumors[xform] = rumor
        } else {
            if rumors.count >= limits.rumors, rumorTimers.evictEarliest(from: &rumors) != nil {
                counters.rumorsEvicted += 1
            }
            let rumor = Rumor05(sendTime: now, expiry: now + Self.pathTimeout, generation: nextGeneration())
            rumors[xform] = rumor
            rumorTimers.push(xform, deadline: rumor.expiry, generation: rumor.generation)
        }
        sendLookup(target, now: now)
    }

    // MARK: notifies

    /// `_handleNotify`: relayed toward `path`; at its destination it creates or updates the path
    /// entry (with a rumor or an entry only, newer seq, new coordinates, valid signature).
    mutating func handleNotify(_ notify: PathNotify05, now: Double) {
        var notify = notify
        if let (i, j) = nextHop(ArrayCoords05(notify.path), watermark: &notify.watermark) {
            return send(notify.frame, on: peers[i].links[j].link)
        }
        guard notify.dest == localKey else { return }
        let source = notify.source
        var entry: Path05
        if let existing = paths[source] {
            entry = existing
            guard notify.info.seq > entry.seq, notify.info.path != entry.coords else { return }
            guard notify.info.verify(key: source) else {
                counters.droppedBadNotifySignature += 1
                return
            }
            entry.expiry = now + Self.pathTimeout
        } else {
            let xform = KeyTransform05.subnetKey(source)
            guard rumors[xform] != nil else {
                counters.droppedUnsolicitedNotify += 1
                return
            }
            guard notify.info.verify(key: source) else {
                counters.droppedBadNotifySignature += 1
                return
            }
            if paths.count >= limits.paths, pathTimers.evictEarliest(from: &paths) != nil {
                counters.pathsEvicted += 1
            }
            entry = Path05(coords: [], seq: 0, created: now, expiry: now + Self.pathTimeout, generation: nextGeneration())
            pathTimers.push(source, deadline: entry.expiry, generation: entry.generation)
            if let cached = rumors[xform]?.cached, cached.dest == source {
                entry.cached = cached
                rumors[xform]?.cached = nil
            }
        }
        entry.coords = notify.info.path
        entry.seq = notify.info.seq
        entry.broken = false
        let resend = entry.cached
        entry.cached = nil
        paths[source] = entry
        actions.append(.learnedKey(source))
        if let resend { sendLocal(payload: resend.payload, to: resend.dest, now: now) }
    }

    // MARK: traffic

    /// `WriteTo` → `_handleTraffic` for a local packet: along the path entry if there is one
    /// (keeping a copy for a re-send after the next notify), else look the key up and keep the
    /// packet with the rumor until the notify comes.
    mutating func sendLocal(payload: [UInt8], to dest: PublicKey, now: Double) {
        guard payload.count <= Self.mtu else {
            counters.droppedTooLong += 1
            return
        }
        if var entry = paths[dest] {
            refreshCoords()
            let traffic = Traffic05(path: entry.coords, from: selfCoords, source: localKey, dest: dest,
                                    watermark: .max, payload: payload)
            entry.cached = CachedPacket05(dest: dest, payload: payload)
            paths[dest] = entry
            routeTraffic(traffic, now: now)
        } else {
            rumorLookup(dest, now: now)
            rumors[KeyTransform05.subnetKey(dest)]?.cached = CachedPacket05(dest: dest, payload: payload)
        }
    }

    /// `handleTraffic`: on to the next hop, delivered if for us, else broken back to the source.
    mutating func routeTraffic(_ traffic: Traffic05, now: Double) {
        var traffic = traffic
        if let (i, j) = nextHop(ArrayCoords05(traffic.path), watermark: &traffic.watermark) {
            send(traffic.frame, on: peers[i].links[j].link)
        } else if traffic.dest == localKey {
            resetPathTimeout(traffic.source, now: now)
            actions.append(.deliver(source: traffic.source, payload: traffic.payload))
        } else {
            counters.trafficBroken += 1
            let broken = PathBroken05(path: traffic.from, watermark: .max, source: traffic.source, dest: traffic.dest)
            handleBroken(broken, now: now)
        }
    }

    /// Traffic from `key` arrived: its path entry lives on (unless marked broken). Once per
    /// received packet: one hash, the entry changed in place.
    @inline(__always)
    mutating func resetPathTimeout(_ key: PublicKey, now: Double) {
        if let i = paths.index(forKey: key), !paths.values[i].broken { paths.values[i].expiry = now + Self.pathTimeout }
    }

    /// `_handleBroken`: relayed toward the traffic's source, which marks the path broken and
    /// looks the destination up again (the old coordinates stay in use meanwhile).
    mutating func handleBroken(_ broken: PathBroken05, now: Double) {
        var broken = broken
        if let (i, j) = nextHop(ArrayCoords05(broken.path), watermark: &broken.watermark) {
            return send(broken.frame, on: peers[i].links[j].link)
        }
        guard broken.source == localKey, paths[broken.dest] != nil else { return }
        paths[broken.dest]!.broken = true
        sendLookup(broken.dest, now: now)
    }
}
