import Testing
import RhizomeCrypto
@testable import RhizomeIPv6

/// An IPv6 packet: version 6, `payload` bytes after the header (next header 58, hop limit 64).
func ipv6Packet(src: IPv6Bytes, dst: IPv6Bytes, payloadLength: Int = 16, fill: UInt8 = 0xab) -> [UInt8] {
    var p: [UInt8] = [0x60, 0, 0, 0, UInt8(payloadLength >> 8), UInt8(payloadLength & 0xff), 58, 64]
    p += src.bytes + dst.bytes
    p += [UInt8](repeating: fill, count: payloadLength)
    return p
}

func ip(_ text: String) -> IPv6Bytes { IPv6Bytes(text: text)! }

@Suite struct IPv6LayerTests {
    let a = V.node1, b = V.node2
    var addrA: IPv6Bytes { Address(key: a.publicKey).bytes }
    var addrB: IPv6Bytes { Address(key: b.publicKey).bytes }

    @Test func addressesOfTheVectorKeys() {
        #expect(addrA.description == "201:7559:82d9:4a84:ccea:cee:8a65:9312")
        #expect(addrB.description == "200:976e:9c96:72fe:9dd0:75e3:421b:7c1d")
    }

    /// §12.5: the captured lookups (address, then subnet) and the response, byte for byte, and the
    /// pending packets released by the response (address one first).
    @Test func capturedLookupsAndResponseReproduce() throws {
        var layerA = IPv6Layer(keys: a)
        var layerB = IPv6Layer(keys: b)
        let toAddress = ipv6Packet(src: addrA, dst: addrB, fill: 1)
        layerA.handleOutgoing(toAddress, now: 0)
        let lookupDest = PublicKey(hex: "b448b1b4c680b117c50e5ef241f17fffffffffffffffffffffffffffffffffff")!
        let lookupPayload = V.bytes("01a5f612ab282707606a84ebab3e8802cfda67724cf65f118823ea53d42c5a83a0d780c921bf5a96e498159e1e1b3c379daede1b997a9b8a7c2670a885d3dd250c")
        #expect(layerA.takeActions() == [.sendOutOfBand(to: lookupDest, payload: lookupPayload)])

        let toSubnet = ipv6Packet(src: addrA, dst: ip("300:976e:9c96:72fe::1"), fill: 2)
        layerA.handleOutgoing(toSubnet, now: 1)
        let subnetDest = PublicKey(hex: "b448b1b4c680ffffffffffffffffffffffffffffffffffffffffffffffffffff")!
        let subnetPayload = V.bytes("01069766b9ded0079ec2c0327fa8570a157a54a9ca80741b7074c301e9a0c57e055f4a10fcd8497b161337e7eaf8379bc9defb73b878ea79e2db05858d2ac17809")
        #expect(layerA.takeActions() == [.sendOutOfBand(to: subnetDest, payload: subnetPayload)])
        #expect(layerA.pendingCount == 2)

        // B answers the address lookup (its /64 matches) with the captured response.
        layerB.handleOutOfBand(from: a.publicKey, to: lookupDest, payload: lookupPayload, now: 0)
        let response = V.bytes("021732a6d7a57e3dcd822c606c73482f9ad36db155f9f195f676d23f6911420e1842e517ab5433f33819b08a3078cc77170a6b47d39465127076bb3b2e3d3c0008")
        #expect(layerB.takeActions() == [.sendOutOfBand(to: a.publicKey, payload: response)])
        // The subnet lookup is answered the same way (same requester, same response bytes).
        layerB.handleOutOfBand(from: a.publicKey, to: subnetDest, payload: subnetPayload, now: 0)
        #expect(layerB.takeActions() == [.sendOutOfBand(to: a.publicKey, payload: response)])

        // The response resolves both pending packets, address first.
        layerA.handleOutOfBand(from: b.publicKey, to: a.publicKey, payload: response, now: 2)
        #expect(layerA.takeActions() == [
            .sendToSession(key: b.publicKey, data: [1] + toAddress),
            .sendToSession(key: b.publicKey, data: [1] + toSubnet),
        ])
        #expect(layerA.pendingCount == 0)
        #expect(layerA.cachedKey(for: addrB) == b.publicKey)
        #expect(layerA.counters.responsesAccepted == 1)

        // Now resolved: packets go straight to the session layer, no lookup.
        layerA.handleOutgoing(toSubnet, now: 3)
        #expect(layerA.takeActions() == [.sendToSession(key: b.publicKey, data: [1] + toSubnet)])
    }

    @Test func everyPacketWhileUnresolvedSendsALookupAndOnlyTheLatestIsKept() {
        var layerA = IPv6Layer(keys: a)
        let first = ipv6Packet(src: addrA, dst: addrB, fill: 1)
        let second = ipv6Packet(src: addrA, dst: addrB, fill: 2)
        layerA.handleOutgoing(first, now: 0)
        layerA.handleOutgoing(second, now: 1)
        let actions = layerA.takeActions()
        #expect(actions.count == 2)
        #expect(actions[0] == actions[1])
        #expect(layerA.counters.lookupsSent == 2)
        #expect(layerA.counters.pendingReplaced == 1)
        layerA.handleOutOfBand(from: b.publicKey, to: a.publicKey, payload: IPv6Layer.signedOutOfBand(2, over: a.publicKey, keys: b), now: 2)
        #expect(layerA.takeActions() == [.sendToSession(key: b.publicKey, data: [1] + second)])
    }

    @Test func subnetDestinationResolvesThroughTheSubnetLookup() {
        var layerA = IPv6Layer(keys: a)
        var layerB = IPv6Layer(keys: b)
        let dst = ip("300:976e:9c96:72fe:1234::99")
        let pkt = ipv6Packet(src: addrA, dst: dst)
        layerA.handleOutgoing(pkt, now: 0)
        guard case let .sendOutOfBand(to: partial, payload: lookup)? = layerA.takeActions().first else {
            Issue.record("no lookup")
            return
        }
        #expect(partial == Subnet(key: b.publicKey).partialKey.key)
        #expect(Subnet(key: b.publicKey).partialKey.matches(b.publicKey))
        layerB.handleOutOfBand(from: a.publicKey, to: partial, payload: lookup, now: 0)
        guard case let .sendOutOfBand(to: requester, payload: response)? = layerB.takeActions().first else {
            Issue.record("no response")
            return
        }
        #expect(requester == a.publicKey)
        layerA.handleOutOfBand(from: b.publicKey, to: requester, payload: response, now: 0)
        #expect(layerA.takeActions() == [.sendToSession(key: b.publicKey, data: [1] + pkt)])
        #expect(layerA.cachedKey(for: dst) == b.publicKey)
    }

    @Test func lookupsForOtherSubnetsOrWithBadSignaturesAreIgnored() {
        var layerB = IPv6Layer(keys: b)
        let forB = Address(key: b.publicKey).partialKey.key
        // Signed by someone else than the claimed sender.
        var forged = IPv6Layer.signedOutOfBand(1, over: forB, keys: b)
        layerB.handleOutOfBand(from: a.publicKey, to: forB, payload: forged, now: 0)
        forged = IPv6Layer.signedOutOfBand(1, over: forB, keys: a)
        forged[10] ^= 1
        layerB.handleOutOfBand(from: a.publicKey, to: forB, payload: forged, now: 0)
        // A valid lookup for A's own subnet, which B does not own.
        let forA = Address(key: a.publicKey).partialKey.key
        layerB.handleOutOfBand(from: a.publicKey, to: forA, payload: IPv6Layer.signedOutOfBand(1, over: forA, keys: a), now: 0)
        // Wrong length and unknown type.
        layerB.handleOutOfBand(from: a.publicKey, to: forB, payload: [1, 2, 3], now: 0)
        layerB.handleOutOfBand(from: a.publicKey, to: forB, payload: [0] + [UInt8](repeating: 0, count: 64), now: 0)
        #expect(layerB.takeActions().isEmpty)
        #expect(layerB.counters.lookupsIgnored == 3)
        #expect(layerB.counters.droppedBadOutOfBand == 2)
        // A response with a bad signature does not enter the cache.
        var badResponse = IPv6Layer.signedOutOfBand(2, over: b.publicKey, keys: a)
        badResponse[5] ^= 0x40
        layerB.handleOutOfBand(from: a.publicKey, to: b.publicKey, payload: badResponse, now: 0)
        #expect(layerB.cacheCount == 0)
        #expect(layerB.counters.responsesRejected == 1)
    }

    /// §12.8: B (MTU 1280) receives a 2048-byte echo request from A and sends back this PTB.
    @Test func capturedPacketTooBigReproducesByteForByte() {
        let quote = Array(V.packetTooBig[48...])
        var original = quote
        while original.count < 2048 { original.append(UInt8(truncatingIfNeeded: original.count)) }
        #expect(original[4] == 0x07 && original[5] == 0xd8)  // payload length 2008: 2048 in all
        #expect(ICMPv6.packetTooBig(for: original, mtu: 1280) == V.packetTooBig)

        var layerB = IPv6Layer(keys: b)
        // Learn A's key first (a small packet from A), so the PTB goes straight to the session.
        let small = ipv6Packet(src: addrA, dst: addrB)
        layerB.handleIncoming(from: a.publicKey, packet: small, now: 0)
        #expect(layerB.takeActions() == [.writeToTUN(small)])
        layerB.handleIncoming(from: a.publicKey, packet: original, now: 1)
        #expect(layerB.takeActions() == [.sendToSession(key: a.publicKey, data: [1] + V.packetTooBig)])
        #expect(layerB.counters.packetTooBigSent == 1)
        // With the MTU raised, the same packet is delivered.
        layerB.setMTU(9000)
        layerB.handleIncoming(from: a.publicKey, packet: original, now: 2)
        #expect(layerB.takeActions() == [.writeToTUN(original)])
    }

    @Test func packetTooBigToAnUnknownSourceWaitsForALookup() {
        var layerB = IPv6Layer(keys: b)
        var big = ipv6Packet(src: addrA, dst: addrB, payloadLength: 1300)
        layerB.handleIncoming(from: a.publicKey, packet: big, now: 0)
        let actions = layerB.takeActions()
        #expect(actions == [.sendOutOfBand(to: Address(key: a.publicKey).partialKey.key,
                                           payload: IPv6Layer.signedOutOfBand(1, over: Address(key: a.publicKey).partialKey.key, keys: b))])
        #expect(layerB.pendingCount == 1)
        // A PTB whose source (the big packet's destination) is not ours is dropped by WRITE.
        big[24] = 0x02; big[25] = 0x99
        layerB.handleIncoming(from: a.publicKey, packet: big, now: 0)
        #expect(layerB.takeActions().isEmpty)
        #expect(layerB.counters.droppedBadSource == 1)
    }

    @Test func spoofedSourceIsDroppedAndCountedButTheSenderIsCached() {
        var layerB = IPv6Layer(keys: b)
        let spoofed = ipv6Packet(src: ip("200:1111:2222:3333::1"), dst: addrB)
        layerB.handleIncoming(from: a.publicKey, packet: spoofed, now: 0)
        #expect(layerB.takeActions().isEmpty)
        #expect(layerB.counters.droppedSpoofedSource == 1)
        // UPDATE_CACHE ran before the source check.
        #expect(layerB.cachedKey(for: addrA) == a.publicKey)
        // A source inside A's /64 is fine, as is B's /64 as destination.
        let fromSubnet = ipv6Packet(src: ip("301:7559:82d9:4a84::42"), dst: ip("300:976e:9c96:72fe::7"))
        layerB.handleIncoming(from: a.publicKey, packet: fromSubnet, now: 1)
        #expect(layerB.takeActions() == [.writeToTUN(fromSubnet)])
        #expect(layerB.counters.droppedSpoofedSource == 1)
        // Not for us.
        layerB.handleIncoming(from: a.publicKey, packet: ipv6Packet(src: addrA, dst: ip("200::1")), now: 1)
        #expect(layerB.takeActions().isEmpty)
        #expect(layerB.counters.droppedNotForUs == 1)
    }

    @Test func kernelLinkLocalAndOtherBadOutgoingPacketsAreDropped() {
        var layerA = IPv6Layer(keys: a)
        // Router solicitation from fe80:: to ff02::2.
        layerA.handleOutgoing(ipv6Packet(src: ip("fe80::1234:5678:9abc:def0"), dst: ip("ff02::2")), now: 0)
        #expect(layerA.counters.droppedBadSource == 1)
        // Our source, destination outside 200::/7.
        layerA.handleOutgoing(ipv6Packet(src: addrA, dst: ip("2001:db8::1")), now: 0)
        #expect(layerA.counters.droppedBadDestination == 1)
        // Not IPv6, too short.
        var v4 = ipv6Packet(src: addrA, dst: addrB)
        v4[0] = 0x45
        layerA.handleOutgoing(v4, now: 0)
        layerA.handleOutgoing(Array(ipv6Packet(src: addrA, dst: addrB).prefix(39)), now: 0)
        layerA.handleOutgoing([], now: 0)
        #expect(layerA.counters.droppedNotIPv6 == 2)
        #expect(layerA.counters.droppedTooShort == 1)
        #expect(layerA.takeActions().isEmpty)
        // Source in our own /64 is allowed.
        layerA.handleOutgoing(ipv6Packet(src: ip("301:7559:82d9:4a84::5"), dst: addrB), now: 0)
        #expect(layerA.takeActions().count == 1)
    }

    @Test func mtuIsClamped() {
        var layer = IPv6Layer(keys: a)
        #expect(layer.mtu == 1280)
        layer.setMTU(100)
        #expect(layer.mtu == 1280)
        layer.setMTU(65535)
        #expect(layer.mtu == 53049)
        layer.setMTU(9000)
        #expect(layer.mtu == 9000)
    }

    @Test func cacheAndPendingExpireAfter120sOfDisuse() {
        var layerA = IPv6Layer(keys: a)
        layerA.handleOutgoing(ipv6Packet(src: addrA, dst: ip("200:1::1")), now: 0)
        _ = layerA.takeActions()
        layerA.handleOutOfBand(from: b.publicKey, to: a.publicKey, payload: IPv6Layer.signedOutOfBand(2, over: a.publicKey, keys: b), now: 0)
        #expect(layerA.cacheCount == 1 && layerA.pendingCount == 1)
        // A use at 100 s keeps the entry until 220 s; the pending packet goes at 120 s.
        layerA.handleOutgoing(ipv6Packet(src: addrA, dst: addrB), now: 100)
        _ = layerA.takeActions()
        #expect(layerA.nextWakeup != nil && layerA.nextWakeup! <= 120)
        layerA.tick(now: 119.9)
        #expect(layerA.pendingCount == 1)
        layerA.tick(now: 120)
        #expect(layerA.pendingCount == 0 && layerA.cacheCount == 1)
        layerA.tick(now: 219.9)
        #expect(layerA.cacheCount == 1)
        while let w = layerA.nextWakeup, w <= 220 { layerA.tick(now: w) }
        #expect(layerA.cacheCount == 0)
        #expect(layerA.cachedKey(for: addrB) == nil)
        #expect(layerA.nextWakeup == nil)
        // Unresolved again: a lookup is sent.
        layerA.handleOutgoing(ipv6Packet(src: addrA, dst: addrB), now: 221)
        guard case .sendOutOfBand? = layerA.takeActions().first else {
            Issue.record("expected a lookup")
            return
        }
    }

    @Test func pendingAndCacheAreBounded() {
        var layer = IPv6Layer(keys: a, maxCacheEntries: 2, maxPending: 2, maxPendingBytes: 1 << 20)
        let d1 = ip("200:1::1"), d2 = ip("200:2::1"), d3 = ip("200:3::1")
        layer.handleOutgoing(ipv6Packet(src: addrA, dst: d1), now: 0)
        layer.handleOutgoing(ipv6Packet(src: addrA, dst: d2), now: 1)
        layer.handleOutgoing(ipv6Packet(src: addrA, dst: d1), now: 2)  // d1 refreshed: d2 is now oldest
        layer.handleOutgoing(ipv6Packet(src: addrA, dst: d3), now: 3)
        #expect(layer.pendingCount == 2)
        #expect(layer.counters.pendingEvicted == 1)
        #expect(layer.pending[.address(d2)] == nil && layer.pending[.address(d1)] != nil)

        var keys: [SigningKeyPair] = []
        var r = SeededRandom(seed: 5)
        for _ in 0..<3 { keys.append(SigningKeyPair.generate(using: &r)) }
        for (i, k) in keys.enumerated() {
            layer.handleOutOfBand(from: k.publicKey, to: a.publicKey, payload: IPv6Layer.signedOutOfBand(2, over: a.publicKey, keys: k), now: 10 + Double(i))
        }
        #expect(layer.cacheCount == 2)
        #expect(layer.counters.cacheEvicted == 1)
        #expect(layer.cachedKey(for: Address(key: keys[0].publicKey).bytes) == nil)
        #expect(layer.cachedKey(for: Address(key: keys[2].publicKey).bytes) == keys[2].publicKey)

        // Byte budget: two 1000-byte packets do not fit in 1500 bytes; the newest stays.
        var small = IPv6Layer(keys: a, maxPendingBytes: 1500)
        small.handleOutgoing(ipv6Packet(src: addrA, dst: d1, payloadLength: 960), now: 0)
        small.handleOutgoing(ipv6Packet(src: addrA, dst: d2, payloadLength: 960), now: 1)
        #expect(small.pendingCount == 1 && small.pending[.address(d2)] != nil)
        #expect(small.pendingBytes == 1000)
    }
}
