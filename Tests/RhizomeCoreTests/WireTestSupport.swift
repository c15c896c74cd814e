import RhizomeCrypto
@testable import RhizomeCore

/// Keys, seeds and captured frames of routing.md Appendix A, typed in verbatim.
enum Vectors {
    static func bytes(_ hex: String) -> [UInt8] {
        guard let raw = Hex.decode(String(hex.filter { !$0.isWhitespace })) else {
            fatalError("bad hex in test vector")
        }
        return raw
    }

    static let seedA = bytes("2dcf93de2c06bb440e64ed0ff7629aabc2a2dff17f7de5425bf464a31834fbe5")
    static let seedB = bytes("b4d9e076494e30d0e76e7299620ed893d94594ab63717c1c8d2e7d8175ff7a9b")
    static let seedC = bytes("e38b7049f81516b50418006c7264b21651899acd072c5a129a8b9e2035f3195f")

    static let keyA = PublicKey(hex: "864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2647a3c3324")!
    static let keyB = PublicKey(hex: "8ab34f5c7bbf5ea14031f713691e39f04abf6995ef6ddec92b9115f73b26023c")!
    static let keyC = PublicKey(hex: "ab8788520f6af78ee56f9ac2ae7434a7bace6b0be8cb414c671f144e89e0ad44")!

    static let pairA = try! SigningKeyPair(seed: seedA)
    static let pairB = try! SigningKeyPair(seed: seedB)
    static let pairC = try! SigningKeyPair(seed: seedC)

    /// A's root seq in the captures (Unix time).
    static let rootSeq: UInt64 = 0x0000_0000_6b02_4d92

    static func sig(_ hex: String) -> Signature { Signature(bytes: bytes(hex))! }

    static let tv1A = bytes("6d657461 00 04 864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2647a3c3324")
    static let tv1B = bytes("6d657461 00 04 8ab34f5c7bbf5ea14031f713691e39f04abf6995ef6ddec92b9115f73b26023c")

    static let tv2 = bytes("""
        008a01864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2647a
        3c332400000000000000008ab34f5c7bbf5ea14031f713691e39f04abf6995ef
        6ddec92b9115f73b26023c0183a9146e76d0efd153653d4dde91a534d11a8f81
        c8cc517437f0c0d2bb60f1575d237a431176f0da0655ddd8eac129cedc58837d
        2ab1c53d948f71bbd8136c01
        """)

    static let tv3 = bytes("0003007003")

    static let tv4 = bytes("""
        008a01864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2647a
        3c3324000000006b024d928ab34f5c7bbf5ea14031f713691e39f04abf6995ef
        6ddec92b9115f73b26023c01a3f5cb9a16fdd2d83396555a961c9024b036fc59
        18cce3f28b5b091b9416ed3c58156c791c4a2c3f3c2c1946dafae0da0ee37fb3
        629c923cc15e3e1886cb550b
        """)

    static let tv5 = bytes("""
        00eb01864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2647a
        3c3324000000006b024d928ab34f5c7bbf5ea14031f713691e39f04abf6995ef
        6ddec92b9115f73b26023c01a3f5cb9a16fdd2d83396555a961c9024b036fc59
        18cce3f28b5b091b9416ed3c58156c791c4a2c3f3c2c1946dafae0da0ee37fb3
        629c923cc15e3e1886cb550b864fcc29a15ec9e9e0617c7538dc60e8eeb825b1
        67fd53030c13e2647a3c332401867b23e4498dcef0c834a0f54b8a1686b5f817
        fb7bac38d1231d53918f6f49a5ae87a475d1ca80e26491779182e8b70afe91dd
        0d80a2a923d8822e80694b1003
        """)

    static let tv6 = bytes("""
        008a02f8eb6e140cda36369618ebf9afd703e307032a7cf5d607be3974fd8693
        4a0cddc2153ec2bd76984a32ae7c0bdfd37a488f9435659460b0075a2b7fbd72
        8410028ab34f5c7bbf5ea14031f713691e39f04abf6995ef6ddec92b9115f73b
        26023c864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2647a
        3c3324000000000000000001
        """)

    static let tv7 = bytes("""
        0174038901f8eb6e140cda36369618ebf9afd703e307032a7cf5d607be3974fd
        86934a0cddc2153ec2bd76984a32ae7c0bdfd37a488f9435659460b0075a2b7f
        bd728410028ab34f5c7bbf5ea14031f713691e39f04abf6995ef6ddec92b9115
        f73b26023c864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2
        647a3c33240000000000000000011bbf88977c9c76d9499095c64fc60841a31f
        94013ce2ff7e7050f4389197f349abfd23a30eaf7ccdd023b12eb1be2bf439b5
        f215823689637e0ee42f57d81d048ab34f5c7bbf5ea14031f713691e39f04abf
        6995ef6ddec92b9115f73b26023c96d6bc9dac0d3296a6fe0eedf22f889f598b
        152febdb78c177616e6587f4fb710bbdc6b343cc7b76a3ec8d5b5025ff44eab8
        16452fb7c516431171c983458504864fcc29a15ec9e9e0617c7538dc60e8eeb8
        25b167fd53030c13e2647a3c3324864fcc29a15ec9e9e0617c7538dc60e8eeb8
        25b167fd53030c13e2647a3c3324000000006b024d92
        """)

    static let tv8 = bytes("""
        0131049b065d531a6d8de428f14358595c4352f2d3dbc06f1ccc1f8119be149a
        9707ef79841bea6b001a775d7c614d21dff72a6e4ddb392bba342af5b3839e2a
        acdc0718ea3bb3ba27ff551bbf88977c9c76d9499095c64fc60841a31f94013c
        e2ff7e7050f4389197f349abfd23a30eaf7ccdd023b12eb1be2bf439b5f21582
        3689637e0ee42f57d81d048ab34f5c7bbf5ea14031f713691e39f04abf6995ef
        6ddec92b9115f73b26023c96d6bc9dac0d3296a6fe0eedf22f889f598b152feb
        db78c177616e6587f4fb710bbdc6b343cc7b76a3ec8d5b5025ff44eab816452f
        b7c516431171c983458504864fcc29a15ec9e9e0617c7538dc60e8eeb825b167
        fd53030c13e2647a3c3324864fcc29a15ec9e9e0617c7538dc60e8eeb825b167
        fd53030c13e2647a3c3324000000006b024d92
        """)

    static let tv9 = bytes("000100")

    static let tv10 = bytes("""
        0083098ab34f5c7bbf5ea14031f713691e39f04abf6995ef6ddec92b9115f73b
        26023c864fcc29a15ec9e9e0617c7538dc7fffffffffffffffffffffffffffff
        ffffff0201e00890cfd308b0936cc76ff77d16c5697c36e503caa4e729904a45
        1fb7778a1e7969ed9f8bb0f248d5ad23a517132f9e805c2cccce46cd3e3e8766
        cf6c52a203
        """)

    static let tv12 = bytes("""
        00e9061bbf88977c9c76d9499095c64fc60841a31f94013ce2ff7e7050f43891
        97f349abfd23a30eaf7ccdd023b12eb1be2bf439b5f215823689637e0ee42f57
        d81d048ab34f5c7bbf5ea14031f713691e39f04abf6995ef6ddec92b9115f73b
        26023c96d6bc9dac0d3296a6fe0eedf22f889f598b152febdb78c177616e6587
        f4fb710bbdc6b343cc7b76a3ec8d5b5025ff44eab816452fb7c516431171c983
        458504864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2647a
        3c3324864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2647a
        3c3324000000006b024d92
        """)

    static let tv13 = bytes("""
        00eb07e8011bbf88977c9c76d9499095c64fc60841a31f94013ce2ff7e7050f4
        389197f349abfd23a30eaf7ccdd023b12eb1be2bf439b5f215823689637e0ee4
        2f57d81d048ab34f5c7bbf5ea14031f713691e39f04abf6995ef6ddec92b9115
        f73b26023c96d6bc9dac0d3296a6fe0eedf22f889f598b152febdb78c177616e
        6587f4fb710bbdc6b343cc7b76a3ec8d5b5025ff44eab816452fb7c516431171
        c983458504864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2
        647a3c3324864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2
        647a3c3324000000006b024d92
        """)

    static let tv14 = bytes("""
        0023088ab34f5c7bbf5ea14031f713691e39f04abf6995ef6ddec92b9115f73b
        26023c0001
        """)

    static let tv15 = bytes("""
        002308ab8788520f6af78ee56f9ac2ae7434a7bace6b0be8cb414c671f144e89
        e0ad440100
        """)

    static let tv17 = bytes("""
        00510518ea3bc1b517ff59ab8788520f6af78ee56f9ac2ae7434a7bace6b0be8
        cb414c671f144e89e0ad44864fcc29a15ec9e9e0617c7538dc60e8eeb825b167
        fd53030c13e2647a3c3324000000006b024d92
        """)

    // TV-11 and TV-16 are published truncated (header + first 16 payload bytes + total length).
    // These rebuild frames of the captured length from the published header; the payload bytes
    // after the first 16 are a filler pattern, not captured data.

    static let tv11PayloadStart = bytes("01375a6a4a6a74d2160f953bd59519f7")
    static let tv11PayloadLength = 193
    static let tv11Header = bytes("""
        0103 09
        8ab34f5c7bbf5ea14031f713691e39f04abf6995ef6ddec92b9115f73b26023c
        864fcc29a15ec9e9e0617c7538dc60e8eeb825b167fd53030c13e2647a3c3324
        01
        """)

    static let tv16PayloadStart = bytes("03010101fe145f375452f7e123a9ef81")
    static let tv16PayloadLength = 157
    static let tv16Header = bytes("""
        00e1 0a 0100
        ab8788520f6af78ee56f9ac2ae7434a7bace6b0be8cb414c671f144e89e0ad44
        8ab34f5c7bbf5ea14031f713691e39f04abf6995ef6ddec92b9115f73b26023c
        01
        """)

    static func filledPayload(start: [UInt8], length: Int) -> [UInt8] {
        start + (start.count..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    }

    static let tv11Payload = filledPayload(start: tv11PayloadStart, length: tv11PayloadLength)
    static let tv11 = tv11Header + tv11Payload
    static let tv16Payload = filledPayload(start: tv16PayloadStart, length: tv16PayloadLength)
    static let tv16 = tv16Header + tv16Payload

    /// Every complete frame above (TV-2..TV-17), for properties that hold for all of them.
    static let allFrames: [(name: String, frame: [UInt8])] = [
        ("TV-2", tv2), ("TV-3", tv3), ("TV-4", tv4), ("TV-5", tv5), ("TV-6", tv6), ("TV-7", tv7),
        ("TV-8", tv8), ("TV-9", tv9), ("TV-10", tv10), ("TV-11", tv11), ("TV-12", tv12),
        ("TV-13", tv13), ("TV-14", tv14), ("TV-15", tv15), ("TV-16", tv16), ("TV-17", tv17),
    ]

    /// The body (after prefix and type byte) of a frame.
    static func body(_ frame: [UInt8]) -> [UInt8] { Array(frame.dropFirst(3)) }
}
