import RhizomeCore
import RhizomeCrypto

/// What the IPv6 layer asks its caller to do, in order.
public enum IPv6Action: Sendable, Equatable {
    /// Send through the session layer (SEND) to `key`. `data` is already prefixed with the core
    /// type byte 0x01 (traffic), followed by one IPv6 packet.
    case sendToSession(key: PublicKey, data: [UInt8])
    /// 0.4: send `payload` to `to` as a network-layer *out-of-band* payload (kind 2): key lookups
    /// (`to` is a partial key) and key responses.
    case sendOutOfBand(to: PublicKey, payload: [UInt8])
    /// 0.5: ask the routing layer for a path lookup (ironwood `SendLookup`) of a partial key
    /// (an address's or a subnet's). The routing layer throttles repeats; the answer comes back
    /// through `learnKey`.
    case lookup(partialKey: PublicKey)
    /// Write this IPv6 packet to the TUN device.
    case writeToTUN([UInt8])
}

/// Drops and events, for the admin API and tests.
public struct IPv6Counters: Sendable, Equatable {
    /// Packets (either direction) whose version nibble is not 6, or that are empty.
    public var droppedNotIPv6 = 0
    /// Packets (either direction) shorter than the 40-byte IPv6 header.
    public var droppedTooShort = 0
    /// Outgoing packets whose source is neither our address nor in our /64 (e.g. fe80:: from the kernel).
    public var droppedBadSource = 0
    /// Outgoing packets to something outside 200::/8 and 300::/8.
    public var droppedBadDestination = 0
    /// Incoming packets not addressed to our address or /64.
    public var droppedNotForUs = 0
    /// Incoming packets whose source is neither the sending key's address nor in its /64.
    public var droppedSpoofedSource = 0
    /// Incoming packets larger than our MTU, answered with an ICMPv6 Packet Too Big.
    public var packetTooBigSent = 0
    public var lookupsSent = 0
    public var lookupsAnswered = 0
    /// Lookups not for our /64, or with a bad signature.
    public var lookupsIgnored = 0
    public var responsesAccepted = 0
    public var responsesRejected = 0
    /// Out-of-band payloads of the wrong length or type, and every one in 0.5 (which has none).
    public var droppedBadOutOfBand = 0
    /// 0.5: keys learned from path notifications (`learnKey`).
    public var keysLearned = 0
    /// Pending packets overwritten by a newer one to the same unresolved destination.
    public var pendingReplaced = 0
    /// Pending packets dropped to respect `maxPending` / `maxPendingBytes`.
    public var pendingEvicted = 0
    /// Key-cache entries dropped to respect `maxCacheEntries`.
    public var cacheEvicted = 0
    public init() {}
}

/// yggdrasil's IPv6 read/write layer (`src/ipv6rwc`, spec sessions-and-ipv6.md §6, v05 spec §6)
/// as a sans-IO state machine: address/subnet → key cache, key lookups, one pending packet per
/// unresolved address and subnet, source/destination checks and ICMPv6 Packet Too Big.
///
/// The `version` decides how keys are looked up. 0.4.7: signed out-of-band lookups and responses
/// (`sendOutOfBand`, `handleOutOfBand`). 0.5.12: the routing layer's path lookup (`lookup`
/// actions) answered by its path-notify callback (`learnKey`); out-of-band input is ignored. 0.5
/// also raises the maximum MTU from 53049 to 65535.
///
/// Entry points take `now` (monotonic seconds); results accumulate in `actions` (drain with
/// `takeActions()`); call `tick(now:)` at `nextWakeup` (entry points also expire due state first).
///
/// Bounds: the key cache holds at most `maxCacheEntries` keys; pending packets at most `maxPending`
/// destinations (addresses and subnets together) and `maxPendingBytes` bytes. When a limit is hit
/// the entry with the earliest deadline — the least recently used key, the least recently written
/// pending packet — is dropped. The newest pending packet is always kept. Cache entries are made
/// by signed key responses (0.4; unsolicited ones too, as in Go), by path notifications (0.5;
/// signed by the key's owner, checked by the routing layer) and by packets arriving through a
/// session, so a flood of fresh keys can only push out idle entries, which a lookup restores.
public struct IPv6Layer: Sendable {
    public static let minimumMTU = 1280
    /// The 0.4 core MTU: the session layer's 53050 minus the core type byte.
    public static let maximumMTU = 53049
    /// The 0.5 core MTU: min(session layer's 130914 − 1, 65535), the largest IPv6 packet.
    public static let maximumMTU05 = 65535

    /// The largest layer MTU of `version`.
    public static func maximumMTU(_ version: ProtocolVersion) -> Int {
        switch version {
        case .v04: maximumMTU
        case .v05: maximumMTU05
        }
    }
    /// Lifetime of cache entries (after last use) and of pending packets.
    public static let keyStoreTimeout: Double = 120
    public static let headerLength = 40

    public static let oobLookup: UInt8 = 0x01
    public static let oobResponse: UInt8 = 0x02
    public static let oobLength = 1 + Signature.byteCount

    public let keys: SigningKeyPair
    /// How keys are looked up, and the MTU range.
    public let version: ProtocolVersion
    public let address: Address
    public let subnet: Subnet
    /// The layer MTU (the TUN's); incoming packets above it are answered with Packet Too Big.
    public private(set) var mtu = IPv6Layer.minimumMTU

    public let maxCacheEntries: Int
    public let maxPending: Int
    public let maxPendingBytes: Int

    struct CacheEntry: TimedEntry, Sendable {
        let address: IPv6Bytes
        let subnet: UInt64
        let generation: UInt64
        var expiry: Double
    }

    enum Destination: Hashable, Sendable {
        case address(IPv6Bytes)
        case subnet(UInt64)
    }

    struct Pending: TimedEntry, Sendable {
        let generation: UInt64
        /// The lookup's network destination and (0.4) payload. Ed25519 signatures are
        /// deterministic, so this is signed once and resent as is for every packet while
        /// unresolved. Empty in 0.5, where the routing layer looks keys up.
        let partialKey: PublicKey
        let lookup: [UInt8]
        var packet: [UInt8]
        var expiry: Double
    }

    var cache: [PublicKey: CacheEntry] = [:]
    var byAddress: [IPv6Bytes: PublicKey] = [:]
    var bySubnet: [UInt64: PublicKey] = [:]
    var cacheTimers = DeadlineHeap<PublicKey>()
    var pending: [Destination: Pending] = [:]
    var pendingTimers = DeadlineHeap<Destination>()
    var pendingBytes = 0
    var generationCounter: UInt64 = 0

    public var actions: [IPv6Action] = []
    public var counters = IPv6Counters()

    public init(
        keys: SigningKeyPair, version: ProtocolVersion = .v04, maxCacheEntries: Int = 65536, maxPending: Int = 4096,
        maxPendingBytes: Int = 16 << 20
    ) {
        precondition(maxCacheEntries > 0 && maxPending > 0 && maxPendingBytes > 0)
        self.keys = keys
        self.version = version
        self.address = Address(key: keys.publicKey)
        self.subnet = Subnet(key: keys.publicKey)
        self.maxCacheEntries = maxCacheEntries
        self.maxPending = maxPending
        self.maxPendingBytes = maxPendingBytes
    }

    public mutating func takeActions() -> [IPv6Action] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }

    /// SetMTU: clamped to [1280, 53049] (0.4) or [1280, 65535] (0.5).
    public mutating func setMTU(_ value: Int) {
        mtu = min(max(value, Self.minimumMTU), Self.maximumMTU(version))
    }

    mutating func nextGeneration() -> UInt64 {
        generationCounter &+= 1
        return generationCounter
    }

    // MARK: queries

    /// The cached key for `address` (exact /128 match) or for its /64, if any.
    public func cachedKey(for address: IPv6Bytes) -> PublicKey? {
        byAddress[address] ?? bySubnet[address.high]
    }

    public var cacheCount: Int { cache.count }
    public var pendingCount: Int { pending.count }

    // MARK: timers

    public var nextWakeup: Double? { earlierDeadline(cacheTimers.earliest, pendingTimers.earliest) }

    public mutating func tick(now: Double) {
        for (key, entry) in cacheTimers.expire(in: &cache, now: now) { unindex(key, entry) }
        for (_, p) in pendingTimers.expire(in: &pending, now: now) { pendingBytes -= p.packet.count }
        cacheTimers.compactIfNeeded(liveIn: cache)
        pendingTimers.compactIfNeeded(liveIn: pending)
    }

    @inline(__always)
    mutating func expireDue(now: Double) {
        if let w = nextWakeup, w <= now { tick(now: now) }
    }

    /// Removes the address/subnet index entries that still point at `key`.
    mutating func unindex(_ key: PublicKey, _ entry: CacheEntry) {
        if byAddress[entry.address] == key { byAddress[entry.address] = nil }
        if bySubnet[entry.subnet] == key { bySubnet[entry.subnet] = nil }
    }

    // MARK: outgoing (from the TUN)

    /// WRITE(pkt): an IPv6 packet read from the TUN.
    public mutating func handleOutgoing(_ packet: [UInt8], now: Double) {
        let key = packet.withUnsafeBytes { outgoingKey($0, now: now) }
        if let key { actions.append(.sendToSession(key: key, data: Self.traffic(packet))) }
    }

    /// WRITE for the data path: the key to send `packet` to (as session data 0x01 ‖ packet) when it
    /// is cached. Otherwise the packet is dealt with here — dropped and counted, or kept behind a
    /// key lookup — and nil is returned.
    public mutating func outgoingKey(_ packet: UnsafeRawBufferPointer, now: Double) -> PublicKey? {
        expireDue(now: now)
        guard let first = packet.first, first >> 4 == 6 else {
            counters.droppedNotIPv6 += 1
            return nil
        }
        guard packet.count >= Self.headerLength else {
            counters.droppedTooShort += 1
            return nil
        }
        let src = IPv6Bytes(bytes: packet, offset: 8)
        let dst = IPv6Bytes(bytes: packet, offset: 24)
        guard src == address.bytes || src.high == subnet.prefix else {
            counters.droppedBadSource += 1
            return nil
        }
        let destination: Destination
        let cached: PublicKey?
        switch dst[0] {
        case Address.prefix:
            destination = .address(dst)
            cached = byAddress[dst]
        case Subnet.prefixByte:
            destination = .subnet(dst.high)
            cached = bySubnet[dst.high]
        default:
            counters.droppedBadDestination += 1
            return nil
        }
        if let key = cached {
            // By index: `cache[key]?.expiry = …` goes through a modify coroutine that allocates.
            if let index = cache.index(forKey: key) { cache.values[index].expiry = now + Self.keyStoreTimeout }
            return key
        }
        buffer(Array(packet), for: destination, now: now)
        return nil
    }

    /// Core type byte of session data that carries an IPv6 packet (0x02 is protocol traffic).
    public static let sessionTypeTraffic: UInt8 = 0x01

    /// 0x01 ‖ packet: the session data for an IPv6 packet.
    public static func traffic<C: Collection>(_ packet: C) -> [UInt8] where C.Element == UInt8 {
        var data = [UInt8]()
        data.reserveCapacity(packet.count + 1)
        data.append(sessionTypeTraffic)
        data.append(contentsOf: packet)
        return data
    }

    /// Keeps `packet` as the one pending packet for `destination` (restarting its 120 s timer) and
    /// sends a key lookup — for every packet, as yggdrasil 0.4.7 and 0.5.12 do (0.5's routing
    /// layer throttles them).
    mutating func buffer(_ packet: [UInt8], for destination: Destination, now: Double) {
        let expiry = now + Self.keyStoreTimeout
        let partialKey: PublicKey
        let lookup: [UInt8]
        if let index = pending.index(forKey: destination) {
            counters.pendingReplaced += 1
            pendingBytes += packet.count - pending.values[index].packet.count
            pending.values[index].packet = packet
            pending.values[index].expiry = expiry
            partialKey = pending.values[index].partialKey
            lookup = pending.values[index].lookup
        } else {
            if pending.count >= maxPending, let (_, old) = pendingTimers.evictEarliest(from: &pending) {
                pendingBytes -= old.packet.count
                counters.pendingEvicted += 1
            }
            switch destination {
            case .address(let a): partialKey = Address(bytes: a).partialKey.key
            case .subnet(let s): partialKey = Subnet(prefix: s).partialKey.key
            }
            lookup = version == .v04 ? Self.signedOutOfBand(Self.oobLookup, over: partialKey, keys: keys) : []
            let generation = nextGeneration()
            pending[destination] = Pending(generation: generation, partialKey: partialKey, lookup: lookup, packet: packet, expiry: expiry)
            pendingTimers.push(destination, deadline: expiry, generation: generation)
            pendingBytes += packet.count
        }
        // Over the byte budget: drop the least recently written others (the newest has the
        // latest deadline, so it goes last; it is never dropped).
        while pendingBytes > maxPendingBytes, pending.count > 1, let (_, old) = pendingTimers.evictEarliest(from: &pending) {
            pendingBytes -= old.packet.count
            counters.pendingEvicted += 1
        }
        counters.lookupsSent += 1
        switch version {
        case .v04: actions.append(.sendOutOfBand(to: partialKey, payload: lookup))
        case .v05: actions.append(.lookup(partialKey: partialKey))
        }
    }

    /// Sends a key lookup for an address or subnet without buffering a packet (for the admin
    /// `ping`); the response fills the cache like any other.
    public mutating func sendLookup(for destination: IPv6Bytes) {
        let partialKey: PublicKey
        switch destination[0] {
        case Address.prefix: partialKey = Address(bytes: destination).partialKey.key
        case Subnet.prefixByte: partialKey = Subnet(prefix: destination.high).partialKey.key
        default: return
        }
        counters.lookupsSent += 1
        switch version {
        case .v04:
            actions.append(.sendOutOfBand(to: partialKey, payload: Self.signedOutOfBand(Self.oobLookup, over: partialKey, keys: keys)))
        case .v05:
            actions.append(.lookup(partialKey: partialKey))
        }
    }

    // MARK: path notifications (0.5)

    /// The routing layer's path-notify callback (v05 spec §6.2): a path to `key` was learned,
    /// whether or not this node asked. Creates or refreshes the cache entry; a new entry
    /// releases the packets pending for `key`'s address and subnet. (A 0.4 router never calls
    /// it; if called, it acts the same.)
    public mutating func learnKey(_ key: PublicKey, now: Double) {
        expireDue(now: now)
        counters.keysLearned += 1
        updateCache(key, now: now)
    }

    /// type ‖ Ed25519-sign(our key, the 32 bytes of `key`).
    static func signedOutOfBand(_ type: UInt8, over key: PublicKey, keys: SigningKeyPair) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(oobLength)
        out.append(type)
        keys.sign(key.bytes).append(to: &out)
        return out
    }

    // MARK: incoming (from the session layer)

    /// READ(fromKey, pkt): an IPv6 packet that arrived in a session from `key` (the session
    /// payload with its 0x01 type byte removed).
    public mutating func handleIncoming(from key: PublicKey, packet: ArraySlice<UInt8>, now: Double) {
        let accepted = packet.withUnsafeBytes { acceptIncoming(from: key, packet: $0, now: now) }
        if accepted { actions.append(.writeToTUN(Array(packet))) }
    }

    public mutating func handleIncoming(from key: PublicKey, packet: [UInt8], now: Double) {
        handleIncoming(from: key, packet: packet[...], now: now)
    }

    /// READ for the data path: true when `packet` is to be written to the TUN as it is. Otherwise
    /// it was dealt with here (dropped and counted, or answered with Packet Too Big).
    public mutating func acceptIncoming(from key: PublicKey, packet: UnsafeRawBufferPointer, now: Double) -> Bool {
        expireDue(now: now)
        guard let first = packet.first else { return false }
        guard first >> 4 == 6 else {
            counters.droppedNotIPv6 += 1
            return false
        }
        guard packet.count >= Self.headerLength else {
            counters.droppedTooShort += 1
            return false
        }
        if packet.count > mtu {
            counters.packetTooBigSent += 1
            handleOutgoing(ICMPv6.packetTooBig(for: packet, mtu: mtu), now: now)
            return false
        }
        let src = IPv6Bytes(bytes: packet, offset: 8)
        let dst = IPv6Bytes(bytes: packet, offset: 24)
        guard dst == address.bytes || dst.high == subnet.prefix else {
            counters.droppedNotForUs += 1
            return false
        }
        let entry = updateCache(key, now: now)
        guard src == entry.address || src.high == entry.subnet else {
            counters.droppedSpoofedSource += 1
            return false
        }
        return true
    }

    /// UPDATE_CACHE(key): create or refresh the entry; a new entry releases the packets pending
    /// for its address and then its subnet, sent to `key`.
    @discardableResult
    mutating func updateCache(_ key: PublicKey, now: Double) -> CacheEntry {
        let expiry = now + Self.keyStoreTimeout
        if let index = cache.index(forKey: key) {
            cache.values[index].expiry = expiry
            return cache.values[index]
        }
        if cache.count >= maxCacheEntries, let (oldKey, old) = cacheTimers.evictEarliest(from: &cache) {
            unindex(oldKey, old)
            counters.cacheEvicted += 1
        }
        let address = Address(key: key).bytes
        let subnet = Subnet(key: key).prefix
        let entry = CacheEntry(address: address, subnet: subnet, generation: nextGeneration(), expiry: expiry)
        cache[key] = entry
        byAddress[address] = key
        bySubnet[subnet] = key
        cacheTimers.push(key, deadline: expiry, generation: entry.generation)
        for destination in [Destination.address(address), .subnet(subnet)] {
            if let p = pending.removeValue(forKey: destination) {
                pendingBytes -= p.packet.count
                actions.append(.sendToSession(key: key, data: Self.traffic(p.packet)))
            }
        }
        return entry
    }

    // MARK: out-of-band (key lookups and responses)

    /// An out-of-band payload that the network layer delivered here: `from` is its source key,
    /// `to` its destination (a partial key for lookups). 0.5 has no out-of-band lookups: ignored.
    public mutating func handleOutOfBand(from: PublicKey, to: PublicKey, payload: [UInt8], now: Double) {
        expireDue(now: now)
        guard version == .v04, payload.count == Self.oobLength else {
            counters.droppedBadOutOfBand += 1
            return
        }
        let sig = Signature(bytes: payload[1...])!
        switch payload[0] {
        case Self.oobLookup:
            // Only the /64 is compared, even for address lookups (as Go).
            if Subnet(key: to) == subnet && Ed25519.verify(sig, message: to.bytes, publicKey: from) {
                counters.lookupsAnswered += 1
                actions.append(.sendOutOfBand(to: from, payload: Self.signedOutOfBand(Self.oobResponse, over: from, keys: keys)))
            } else {
                counters.lookupsIgnored += 1
            }
        case Self.oobResponse:
            // Unsolicited responses are accepted: they can only add a true key → address mapping.
            if Ed25519.verify(sig, message: to.bytes, publicKey: from) {
                counters.responsesAccepted += 1
                updateCache(from, now: now)
            } else {
                counters.responsesRejected += 1
            }
        default:
            counters.droppedBadOutOfBand += 1
        }
    }
}
