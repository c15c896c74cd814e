import RhizomeCrypto

/// Keys and captured bytes of shared/spec/sessions-and-ipv6.md §12, typed in verbatim.
enum V {
    static func bytes(_ hex: String) -> [UInt8] {
        guard let raw = Hex.decode(String(hex.filter { !$0.isWhitespace })) else { fatalError("bad hex in test vector") }
        return raw
    }

    /// §12.1 #01 and #02 (config private keys: seed ‖ public key).
    static let node1 = try! SigningKeyPair(privateKey: bytes("224d439a26ee3d99d4a22e892b20c341f184b02d495c59102fc4f7d5694c2cd862a99f49ad5eccc57cc45d669b3b66f1e83ce6120344dc8781c3ebaf60e7926b"))
    static let node2 = try! SigningKeyPair(privateKey: bytes("173f4e0128ccf476cd7c7424659038cc3ade6250fb80a146872778178f0dc6dab448b1b4c680b117c50e5ef241f155da938c557d485670f4e12030992fbab5e7"))

    /// §12.8: the Packet Too Big node #02 (MTU 1280) sent for a 2048-byte echo request from #01.
    static let packetTooBig = bytes("""
        6000000002083aff0200976e9c9672fe9dd075e3421b7c1d0201755982d94a84
        ccea0cee8a6593120200c9ba00000500600e5d7307d83a400201755982d94a84
        ccea0cee8a6593120200976e9c9672fe9dd075e3421b7c1d80008e92411b0001
        1b4f026b00000000c2a2050000000000101112131415161718191a1b1c1d1e1f
        202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
        404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f
        606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f
        808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f
        a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
        c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf
        e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff
        000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
        202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
        404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f
        606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f
        808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f
        a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf
        c0c1c2c3c4c5c6c7c8c9cacbcccdcecf
        """)
}
