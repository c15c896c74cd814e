import Testing
import RhizomeCore
import RhizomeCrypto
@testable import RhizomeIPv6

/// The IPv6 layer in 0.5 mode (v05 spec §6): routing-layer lookups and path notifications
/// instead of out-of-band messages, and the 65535 MTU; 0.4 alongside where they differ.
@Suite struct IPv6Layer05Tests {
    let a = V.node1, b = V.node2
    var addrA: IPv6Bytes { Address(key: a.publicKey).bytes }
    var addrB: IPv6Bytes { Address(key: b.publicKey).bytes }

    /// §6.2: every packet to an unresolved address asks for a lookup of the address's partial
    /// key; only the latest packet is kept; the path notify flushes it to the key.
    @Test func addressLookupAndPathNotify() {
        var layer = IPv6Layer(keys: a, version: .v05)
        let p1 = ipv6Packet(src: addrA, dst: addrB, fill: 1)
        let p2 = ipv6Packet(src: addrA, dst: addrB, fill: 2)
        let partial = Address(key: b.publicKey).partialKey.key
        layer.handleOutgoing(p1, now: 0)
        #expect(layer.takeActions() == [.lookup(partialKey: partial)])
        layer.handleOutgoing(p2, now: 0.5)
        #expect(layer.takeActions() == [.lookup(partialKey: partial)])
        #expect(layer.counters.lookupsSent == 2 && layer.counters.pendingReplaced == 1 && layer.pendingCount == 1)
        layer.learnKey(b.publicKey, now: 1)
        #expect(layer.takeActions() == [.sendToSession(key: b.publicKey, data: [1] + p2)])
        #expect(layer.pendingCount == 0 && layer.pendingBytes == 0 && layer.counters.keysLearned == 1)
        // Resolved: later packets go straight to the key.
        layer.handleOutgoing(p1, now: 2)
        #expect(layer.takeActions() == [.sendToSession(key: b.publicKey, data: [1] + p1)])
        #expect(layer.cachedKey(for: addrB) == b.publicKey)
    }

    /// A subnet destination looks up the subnet's partial key; one path notify releases the
    /// packets pending for the address and for the subnet, address first.
    @Test func subnetLookupAndOneNotifyForBoth() {
        var layer = IPv6Layer(keys: a, version: .v05)
        let inSubnet = IPv6Bytes(high: Subnet(key: b.publicKey).prefix, low: 9)
        let toSubnet = ipv6Packet(src: addrA, dst: inSubnet, fill: 3)
        let toAddress = ipv6Packet(src: addrA, dst: addrB, fill: 4)
        layer.handleOutgoing(toSubnet, now: 0)
        layer.handleOutgoing(toAddress, now: 0)
        #expect(layer.takeActions() == [
            .lookup(partialKey: Subnet(key: b.publicKey).partialKey.key),
            .lookup(partialKey: Address(key: b.publicKey).partialKey.key),
        ])
        layer.learnKey(b.publicKey, now: 1)
        #expect(layer.takeActions() == [
            .sendToSession(key: b.publicKey, data: [1] + toAddress),
            .sendToSession(key: b.publicKey, data: [1] + toSubnet),
        ])
        #expect(layer.cachedKey(for: inSubnet) == b.publicKey)
    }

    /// Unsolicited notifications fill the cache too, and every one refreshes the entry's 120 s;
    /// a refresh of a known key releases nothing.
    @Test func everyNotificationRefreshesTheCache() {
        var layer = IPv6Layer(keys: a, version: .v05)
        layer.learnKey(b.publicKey, now: 0)
        #expect(layer.takeActions().isEmpty && layer.cacheCount == 1)
        layer.learnKey(b.publicKey, now: 100)
        #expect(layer.takeActions().isEmpty && layer.cacheCount == 1)
        layer.tick(now: 150)
        #expect(layer.cachedKey(for: addrB) == b.publicKey)
        while let w = layer.nextWakeup, w <= 220 { layer.tick(now: w) }
        #expect(layer.cacheCount == 0 && layer.cachedKey(for: addrB) == nil)
        // Unresolved again: another lookup.
        layer.handleOutgoing(ipv6Packet(src: addrA, dst: addrB), now: 221)
        #expect(layer.takeActions() == [.lookup(partialKey: Address(key: b.publicKey).partialKey.key)])
    }

    /// 0.5 has no out-of-band lookups: a signed lookup for our subnet gets no response and a
    /// signed response fills no cache.
    @Test func outOfBandInputIsIgnored() {
        var layerB = IPv6Layer(keys: b, version: .v05)
        let target = Subnet(key: b.publicKey).partialKey.key
        layerB.handleOutOfBand(from: a.publicKey, to: target, payload: IPv6Layer.signedOutOfBand(1, over: target, keys: a), now: 0)
        #expect(layerB.takeActions().isEmpty)
        layerB.handleOutOfBand(from: a.publicKey, to: b.publicKey, payload: IPv6Layer.signedOutOfBand(2, over: b.publicKey, keys: a), now: 0)
        #expect(layerB.cacheCount == 0)
        #expect(layerB.counters.lookupsAnswered == 0 && layerB.counters.responsesAccepted == 0)
        #expect(layerB.counters.droppedBadOutOfBand == 2)
        // The same two in 0.4: answered, and cached.
        var old = IPv6Layer(keys: b)
        old.handleOutOfBand(from: a.publicKey, to: target, payload: IPv6Layer.signedOutOfBand(1, over: target, keys: a), now: 0)
        #expect(old.counters.lookupsAnswered == 1)
        old.handleOutOfBand(from: a.publicKey, to: b.publicKey, payload: IPv6Layer.signedOutOfBand(2, over: b.publicKey, keys: a), now: 0)
        #expect(old.cacheCount == 1)
    }

    /// The admin ping's lookup follows the version.
    @Test(arguments: ProtocolVersion.allCases)
    func sendLookupFollowsTheVersion(_ version: ProtocolVersion) {
        var layer = IPv6Layer(keys: a, version: version)
        let partial = Address(key: b.publicKey).partialKey.key
        layer.sendLookup(for: addrB)
        let actions = layer.takeActions()
        switch version {
        case .v05:
            #expect(actions == [.lookup(partialKey: partial)])
        case .v04:
            #expect(actions == [.sendOutOfBand(to: partial, payload: IPv6Layer.signedOutOfBand(1, over: partial, keys: a))])
        }
        layer.sendLookup(for: ip("fe80::1"))
        #expect(layer.takeActions().isEmpty && layer.counters.lookupsSent == 1)
        #expect(layer.pendingCount == 0)
    }

    /// §6.4: clamp(TUN MTU, 1280, 65535) in 0.5; 53049 stays 0.4's ceiling. Packets above the
    /// MTU are answered with Packet Too Big up to the new ceiling.
    @Test(arguments: ProtocolVersion.allCases)
    func mtuRange(_ version: ProtocolVersion) {
        var layer = IPv6Layer(keys: b, version: version)
        #expect(layer.mtu == 1280)
        layer.setMTU(100)
        #expect(layer.mtu == 1280)
        layer.setMTU(1 << 20)
        #expect(layer.mtu == (version == .v05 ? 65535 : 53049))
        #expect(IPv6Layer.maximumMTU(version) == layer.mtu)
        // A 60,008-byte packet (the captured large ping) fits 0.5's MTU, not 0.4's.
        layer.learnKey(a.publicKey, now: 0)
        let big = ipv6Packet(src: addrA, dst: addrB, payloadLength: 60_008 - 40)
        let accepted = big.withUnsafeBytes { layer.acceptIncoming(from: a.publicKey, packet: $0, now: 0) }
        #expect(accepted == (version == .v05))
        #expect(layer.counters.packetTooBigSent == (version == .v05 ? 0 : 1))
    }
}
