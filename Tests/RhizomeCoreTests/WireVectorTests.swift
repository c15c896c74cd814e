import Testing
import RhizomeCrypto
@testable import RhizomeCore

/// Appendix A of routing.md: decode every captured frame, check its fields, re-encode it
/// byte-for-byte, verify its signatures and regenerate them from the published seeds.
@Suite struct WireVectorTests {
    typealias V = Vectors

    // MARK: helpers

    func decode(_ frame: [UInt8]) throws -> WireMessage {
        try Frame.decode(frame: frame)
    }

    func reencoded(_ message: WireMessage) throws -> [UInt8] {
        try Frame.encode(message)
    }

    @Test func seedsDeriveThePublishedKeys() {
        #expect(V.pairA.publicKey == V.keyA)
        #expect(V.pairB.publicKey == V.keyB)
        #expect(V.pairC.publicKey == V.keyC)
        #expect(V.keyA < V.keyB && V.keyB < V.keyC)
    }

    // MARK: TV-1

    @Test func tv1Metadata() throws {
        let a = try Metadata(decoding: V.tv1A)
        let b = try Metadata(decoding: V.tv1B)
        #expect(a.key == V.keyA)
        #expect(b.key == V.keyB)
        #expect(a.majorVersion == 0 && a.minorVersion == 4)
        #expect(Metadata(key: V.keyA).encoded == V.tv1A)
        #expect(Metadata(key: V.pairB.publicKey).encoded == V.tv1B)
        #expect(V.tv1A.count == 38)
    }

    // MARK: TV-2, TV-4, TV-5 (tree)

    @Test func tv2LinkUpAnnouncement() throws {
        guard case .tree(let ann) = try decode(V.tv2) else { Issue.record("not a tree"); return }
        #expect(ann.root == V.keyA)
        #expect(ann.seq == 0)
        #expect(ann.hops.count == 1)
        #expect(ann.hops[0].next == V.keyB)
        #expect(ann.hops[0].port == 1)
        #expect(ann.hops[0].signature == V.sig("""
            83a9146e76d0efd153653d4dde91a534d11a8f81c8cc517437f0c0d2bb60f157
            5d237a431176f0da0655ddd8eac129cedc58837d2ab1c53d948f71bbd8136c01
            """))
        #expect(ann.sender == V.keyA)
        #expect(ann.destination == V.keyB)
        #expect(ann.coords == [1])
        #expect(ann.bytesForSignature(upTo: 0) == V.keyA.bytes + [0, 0, 0, 0, 0, 0, 0, 0] + V.keyB.bytes + [1])
        #expect(ann.verifySignatures())
        #expect(try reencoded(.tree(ann)) == V.tv2)
        #expect(V.tv2.count == 2 + 138)

        let resigned = TreeAnnouncement(root: V.keyA, seq: 0).appendingHop(next: V.keyB, port: 1, signedBy: V.pairA)
        #expect(resigned == ann)
    }

    @Test func tv4RootAnnouncement() throws {
        guard case .tree(let ann) = try decode(V.tv4) else { Issue.record("not a tree"); return }
        #expect(ann.root == V.keyA)
        #expect(ann.seq == 1_795_313_042)
        #expect(ann.hops.map(\.next) == [V.keyB])
        #expect(ann.coords == [1])
        #expect(ann.hops[0].signature == V.sig("""
            a3f5cb9a16fdd2d83396555a961c9024b036fc5918cce3f28b5b091b9416ed3c
            58156c791c4a2c3f3c2c1946dafae0da0ee37fb3629c923cc15e3e1886cb550b
            """))
        #expect(ann.verifySignatures())
        #expect(try reencoded(.tree(ann)) == V.tv4)
        let resigned = TreeAnnouncement(root: V.keyA, seq: V.rootSeq).appendingHop(next: V.keyB, port: 1, signedBy: V.pairA)
        #expect(resigned == ann)
    }

    @Test func tv5RelayedAnnouncement() throws {
        guard case .tree(let ann) = try decode(V.tv5),
              case .tree(let tv4) = try decode(V.tv4)
        else { Issue.record("not a tree"); return }
        #expect(ann.root == V.keyA)
        #expect(ann.seq == V.rootSeq)
        #expect(ann.hops.map(\.next) == [V.keyB, V.keyA])
        #expect(ann.coords == [1, 1])
        #expect(ann.hops[0] == tv4.hops[0])
        #expect(ann.hops[1].signature == V.sig("""
            867b23e4498dcef0c834a0f54b8a1686b5f817fb7bac38d1231d53918f6f49a5
            ae87a475d1ca80e26491779182e8b70afe91dd0d80a2a923d8822e80694b1003
            """))
        // Sent by B to A: the sender is the signer of the last hop, the destination is A.
        #expect(ann.sender == V.keyB)
        #expect(ann.destination == V.keyA)
        #expect(ann.verifySignatures())
        #expect(try reencoded(.tree(ann)) == V.tv5)
        #expect(V.tv5.count == 2 + 235)

        // B appends its hop for A (its port 1) to the state it adopted from A.
        let resigned = tv4.appendingHop(next: V.keyA, port: 1, signedBy: V.pairB)
        #expect(resigned == ann)
        // The second hop signs the cumulative prefix without the first signature.
        var expected = V.keyA.bytes + [0, 0, 0, 0, 0x6b, 0x02, 0x4d, 0x92]
        expected += V.keyB.bytes + [1] + V.keyA.bytes + [1]
        #expect(ann.bytesForSignature(upTo: 1) == expected)
        #expect(Ed25519.verify(ann.hops[1].signature, message: expected, publicKey: V.keyB))
    }

    // MARK: TV-3, TV-9 (dummy)

    @Test func tv3PriorityDummy() throws {
        #expect(try decode(V.tv3) == .dummy(Dummy(priority: 3)))
        #expect(try reencoded(.dummy(Dummy(priority: 3))) == V.tv3)
    }

    @Test func tv9Keepalive() throws {
        #expect(try decode(V.tv9) == .dummy(.keepalive))
        #expect(try reencoded(.dummy(.keepalive)) == V.tv9)
        #expect(Frame.keepalive == V.tv9)
    }

    // MARK: TV-6, TV-7, TV-8 (DHT)

    @Test func tv6Bootstrap() throws {
        guard case .dhtBootstrap(let boot) = try decode(V.tv6) else { Issue.record("not a bootstrap"); return }
        let label = boot.label
        #expect(label.key == V.keyB)
        #expect(label.root == V.keyA)
        #expect(label.seq == 0)
        #expect(label.path == [1])
        #expect(label.signature == V.sig("""
            f8eb6e140cda36369618ebf9afd703e307032a7cf5d607be3974fd86934a0cdd
            c2153ec2bd76984a32ae7c0bdfd37a488f9435659460b0075a2b7fbd72841002
            """))
        #expect(label.bytesForSignature == V.keyA.bytes + [0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(label.encodedLength == 137)
        #expect(label.check())
        #expect(boot.check())
        #expect(try reencoded(.dhtBootstrap(boot)) == V.tv6)
        #expect(TreeLabel(signedBy: V.pairB, root: V.keyA, seq: 0, path: [1]) == label)
    }

    /// A's label as carried in TV-7, TV-8, TV-12 and TV-13, regenerated from A's seed.
    var labelA: TreeLabel { TreeLabel(signedBy: V.pairA, root: V.keyA, seq: V.rootSeq, path: []) }

    @Test func tv7BootstrapAck() throws {
        guard case .dhtBootstrapAck(let ack) = try decode(V.tv7),
              case .dhtBootstrap(let boot) = try decode(V.tv6)
        else { Issue.record("wrong types"); return }
        #expect(Array(V.tv7[3..<5]) == [0x89, 0x01])  // bootLen 137
        #expect(ack.bootstrap == boot)
        let token = ack.response
        #expect(token.source == V.keyB)
        #expect(token.dest.key == V.keyA)
        #expect(token.dest.root == V.keyA)
        #expect(token.dest.seq == V.rootSeq)
        #expect(token.dest.path == [])
        #expect(token.signature == V.sig("""
            1bbf88977c9c76d9499095c64fc60841a31f94013ce2ff7e7050f4389197f349
            abfd23a30eaf7ccdd023b12eb1be2bf439b5f215823689637e0ee42f57d81d04
            """))
        #expect(token.dest.signature == V.sig("""
            96d6bc9dac0d3296a6fe0eedf22f889f598b152febdb78c177616e6587f4fb71
            0bbdc6b343cc7b76a3ec8d5b5025ff44eab816452fb7c516431171c983458504
            """))
        #expect(token.dest.check())
        #expect(token.check())
        #expect(ack.check())
        #expect(try reencoded(.dhtBootstrapAck(ack)) == V.tv7)

        #expect(labelA == token.dest)
        let resigned = DHTSetupToken(signedBy: V.pairA, source: V.keyB, dest: labelA)
        #expect(resigned == token)
        #expect(DHTBootstrapAck(bootstrap: boot, response: resigned).encoded == V.body(V.tv7))
    }

    @Test func tv8Setup() throws {
        guard case .dhtSetup(let setup) = try decode(V.tv8),
              case .dhtBootstrapAck(let ack) = try decode(V.tv7)
        else { Issue.record("wrong types"); return }
        #expect(setup.seq == 0x18ea_3bb3_ba27_ff55)
        #expect(setup.seq == 1_795_313_044_568_932_181)
        #expect(setup.token == ack.response)
        #expect(setup.signature == V.sig("""
            9b065d531a6d8de428f14358595c4352f2d3dbc06f1ccc1f8119be149a9707ef
            79841bea6b001a775d7c614d21dff72a6e4ddb392bba342af5b3839e2aacdc07
            """))
        #expect(setup.bytesForSignature == [0x18, 0xea, 0x3b, 0xb3, 0xba, 0x27, 0xff, 0x55] + setup.token.encoded)
        #expect(setup.check())
        #expect(try reencoded(.dhtSetup(setup)) == V.tv8)
        #expect(DHTSetup(signedBy: V.pairB, seq: setup.seq, token: ack.response) == setup)
        #expect(setup.teardown == DHTTeardown(seq: setup.seq, key: V.keyB, root: V.keyA, rootSeq: V.rootSeq))
    }

    // MARK: TV-10, TV-11 (DHT traffic)

    @Test func tv10OutOfBandTraffic() throws {
        guard case .dhtTraffic(let traffic) = try decode(V.tv10) else { Issue.record("not traffic"); return }
        let partial = PublicKey(hex: "864fcc29a15ec9e9e0617c7538dc7fffffffffffffffffffffffffffffffffff")!
        #expect(traffic.source == V.keyB)
        #expect(traffic.dest == partial)
        #expect(traffic.kind == .outOfBand)
        #expect(traffic.payload.count == 65)
        #expect(traffic.payload.first == 0x01)
        #expect(try reencoded(.dhtTraffic(traffic)) == V.tv10)
        // The payload is yggdrasil's key lookup: B's signature over the partial key it looks up.
        let lookupSig = Signature(bytes: traffic.payload[1...])!
        #expect(Ed25519.verify(lookupSig, message: partial.bytes, publicKey: V.keyB))

        let header = try TrafficHeader.parse(V.body(V.tv10))
        #expect(header.source == V.keyB)
        #expect(header.dest == partial)
        #expect(header.kind == .outOfBand)
        #expect(header.payloadRange == 65..<130)
    }

    @Test func tv11StandardTrafficHeader() throws {
        #expect(V.tv11.count == 2 + 0x0103)
        guard case .dhtTraffic(let traffic) = try decode(V.tv11) else { Issue.record("not traffic"); return }
        #expect(traffic.source == V.keyB)
        #expect(traffic.dest == V.keyA)
        #expect(traffic.kind == .standard)
        #expect(traffic.payload.count == 193)
        #expect(Array(traffic.payload.prefix(16)) == V.tv11PayloadStart)

        let body = V.body(V.tv11)
        let header = try TrafficHeader.parse(body)
        #expect(header.payloadRange == 65..<258)
        #expect(Array(body[header.payloadRange]) == V.tv11Payload)

        var out = [UInt8]()
        try V.tv11Payload.withUnsafeBytes { payload in
            try DHTTraffic.appendFrame(source: V.keyB, dest: V.keyA, kind: .standard, payload: payload, to: &out)
        }
        #expect(out == V.tv11)
    }

    // MARK: TV-12, TV-13, TV-14, TV-15 (pathfinder)

    @Test func tv12PathNotify() throws {
        guard case .pathNotify(let notify) = try decode(V.tv12),
              case .dhtBootstrapAck(let ack) = try decode(V.tv7)
        else { Issue.record("wrong types"); return }
        #expect(notify.dest == V.keyB)
        #expect(notify.label == labelA)
        #expect(notify.label.key == V.keyA)
        #expect(notify.label.seq == V.rootSeq)
        #expect(notify.label.path.isEmpty)
        // Signed over the same bytes as A's token for B, so the signatures coincide.
        #expect(notify.signature == ack.response.signature)
        #expect(notify.bytesForSignature == ack.response.bytesForSignature)
        #expect(notify.check())
        #expect(notify.encodedLength == 232)
        #expect(try reencoded(.pathNotify(notify)) == V.tv12)
        #expect(PathNotify(signedBy: V.pairA, dest: V.keyB, label: labelA) == notify)
    }

    @Test func tv13PathLookup() throws {
        guard case .pathLookup(let lookup) = try decode(V.tv13),
              case .pathNotify(let notify) = try decode(V.tv12)
        else { Issue.record("wrong types"); return }
        #expect(Array(V.tv13[3..<5]) == [0xe8, 0x01])  // notifyLen 232
        #expect(lookup.notify == notify)
        #expect(lookup.rpath == [])
        #expect(lookup.notify.check())
        #expect(try reencoded(.pathLookup(lookup)) == V.tv13)
        #expect(PathLookup(notify: notify).encoded == V.body(V.tv13))
    }

    @Test func tv14PathResponseRelayed() throws {
        guard case .pathResponse(let response) = try decode(V.tv14) else { Issue.record("not a response"); return }
        #expect(response.from == V.keyB)
        #expect(response.route == [])  // wire [0]
        #expect(response.rpath == [1])
        #expect(try reencoded(.pathResponse(response)) == V.tv14)
        #expect(PathResponse(from: V.keyB, route: [], rpath: [1]).encoded == V.keyB.bytes + [0, 1])
    }

    @Test func tv15PathResponseCreated() throws {
        guard case .pathResponse(let response) = try decode(V.tv15) else { Issue.record("not a response"); return }
        #expect(response.from == V.keyC)
        #expect(response.route == [1])  // wire [1, 0]
        #expect(response.rpath == [])
        #expect(try reencoded(.pathResponse(response)) == V.tv15)
    }

    // MARK: TV-16 (path traffic)

    @Test func tv16PathTraffic() throws {
        #expect(V.tv16.count == 2 + 0xe1)
        guard case .pathTraffic(let traffic) = try decode(V.tv16) else { Issue.record("not path traffic"); return }
        #expect(traffic.route == [1])  // wire [1, 0]
        #expect(traffic.traffic.source == V.keyC)
        #expect(traffic.traffic.dest == V.keyB)
        #expect(traffic.traffic.kind == .standard)
        #expect(traffic.traffic.payload == V.tv16Payload)
        #expect(try reencoded(.pathTraffic(traffic)) == V.tv16)

        let header = try PathTrafficHeader.parse(V.body(V.tv16))
        #expect(header.firstPort == 1)
        #expect(header.firstPortLength == 1)
        #expect(header.routeLength == 2)
        #expect(header.traffic.source == V.keyC)
        #expect(header.traffic.dest == V.keyB)
        #expect(header.traffic.kind == .standard)
        #expect(header.traffic.payloadRange == 67..<224)

        var out = [UInt8]()
        try V.tv16Payload.withUnsafeBytes { payload in
            try PathTraffic.appendFrame(
                route: [1], source: V.keyC, dest: V.keyB, kind: .standard, payload: payload, to: &out)
        }
        #expect(out == V.tv16)
    }

    /// A pops port 1 and sends B the same packet with path [0] — rewritten in place.
    @Test func tv16ForwardedByA() throws {
        var frame = V.tv16
        let header = try PathTrafficHeader.parse(V.body(V.tv16))
        let range = try frame.withUnsafeMutableBytes { buf in
            try header.forwardFrameInPlace(buf)
        }
        let forwarded = Array(frame[range])
        #expect(forwarded == [0x00, 0xe0, 0x0a, 0x00] + V.keyC.bytes + V.keyB.bytes + [0x01] + V.tv16Payload)
        guard case .pathTraffic(let atB) = try decode(forwarded) else { Issue.record("not path traffic"); return }
        #expect(atB.route == [])
        #expect(atB.traffic.source == V.keyC)
        #expect(atB.traffic.payload == V.tv16Payload)
        // At B the route is exhausted: the first port is the terminator.
        let atBHeader = try PathTrafficHeader.parse(Array(forwarded.dropFirst(3)))
        #expect(atBHeader.firstPort == 0)
        #expect(atBHeader.firstPortLength == 1)
        #expect(atBHeader.routeLength == 1)

        // The copying variant yields the same body.
        var copy = [UInt8]()
        try V.body(V.tv16).withUnsafeBytes { body in
            try Frame.append(type: .pathTraffic, body: UnsafeRawBufferPointer(rebasing: body[header.forwardedBodyRange]), to: &copy)
        }
        #expect(copy == forwarded)
    }

    /// If the next port is not a live link, the packet continues as DHT traffic (type 9).
    @Test func tv16FallsBackToDHTTraffic() throws {
        var frame = V.tv16
        let header = try PathTrafficHeader.parse(V.body(V.tv16))
        let range = try frame.withUnsafeMutableBytes { buf in
            try header.dhtFallbackFrameInPlace(buf)
        }
        let fallback = Array(frame[range])
        #expect(fallback == [0x00, 0xdf, 0x09] + V.keyC.bytes + V.keyB.bytes + [0x01] + V.tv16Payload)
        #expect(try decode(fallback) == .dhtTraffic(DHTTraffic(
            source: V.keyC, dest: V.keyB, kind: .standard, payload: V.tv16Payload)))
        #expect(Array(V.body(V.tv16)[header.dhtFallbackBodyRange]) == Array(fallback.dropFirst(3)))
    }

    // MARK: TV-17 (teardown)

    @Test func tv17Teardown() throws {
        guard case .dhtTeardown(let teardown) = try decode(V.tv17) else { Issue.record("not a teardown"); return }
        #expect(teardown.seq == 0x18ea_3bc1_b517_ff59)
        #expect(teardown.seq == 1_795_313_104_613_539_673)
        #expect(teardown.key == V.keyC)
        #expect(teardown.root == V.keyA)
        #expect(teardown.rootSeq == V.rootSeq)
        #expect(V.body(V.tv17).count == 80)
        #expect(try reencoded(.dhtTeardown(teardown)) == V.tv17)
    }

    // MARK: all vectors

    @Test(arguments: Vectors.allFrames.map(\.name))
    func everyVectorRoundTripsAndHasTheRightType(name: String) throws {
        let frame = Vectors.allFrames.first { $0.name == name }!.frame
        let message = try decode(frame)
        #expect(message.wireType.rawValue == frame[2])
        #expect(try reencoded(message) == frame)
        #expect(Int(frame[0]) << 8 | Int(frame[1]) == frame.count - 2)
        // Decoding the message without its prefix gives the same result.
        #expect(try WireMessage(decoding: Array(frame.dropFirst(2))) == message)
    }

    @Test func streamReassemblySplitsConcatenatedFrames() throws {
        let stream = V.tv2 + V.tv3 + V.tv9 + Array(V.tv6.prefix(50))
        var offset = 0
        var types: [WireType] = []
        while true {
            let slice = Array(stream[offset...])
            let next = try slice.withUnsafeBytes { buf in try Frame.nextMessage(in: buf) }
            guard let range = next else { break }
            let message = try WireMessage(decoding: Array(slice[range]))
            types.append(message.wireType)
            offset += range.upperBound
        }
        #expect(types == [.tree, .dummy, .dummy])
        #expect(offset == V.tv2.count + V.tv3.count + V.tv9.count)
    }
}
