import RhizomeCrypto

/// Keys and messages of shared/spec/sessions-and-ipv6.md §12.1, §12.6 and §12.7, copied verbatim.
enum V {
    static func bytes(_ hex: String) -> [UInt8] {
        guard let raw = Hex.decode(String(hex.filter { !$0.isWhitespace })) else { fatalError("bad hex in test vector") }
        return raw
    }

    static let node1 = try! SigningKeyPair(privateKey: bytes("224d439a26ee3d99d4a22e892b20c341f184b02d495c59102fc4f7d5694c2cd862a99f49ad5eccc57cc45d669b3b66f1e83ce6120344dc8781c3ebaf60e7926b"))
    static let node2 = try! SigningKeyPair(privateKey: bytes("173f4e0128ccf476cd7c7424659038cc3ade6250fb80a146872778178f0dc6dab448b1b4c680b117c50e5ef241f155da938c557d485670f4e12030992fbab5e7"))

    static let realE = bytes("62547b3bd5c45eeabef98c9e30cddee45d3442ab05f087baca8202c50c070d3b")
    static let realBoxKey = bytes("64539d334a7308ba82fe6219a776b4106685edd98046db30eb0e671287ada83d")
    static let realSig = bytes("5df752c7207c5e479000234cf1fdfc5cbbb0858f20d5bf3ec8dfaa29800ea92c8ed48a0170e30d1c5edd86d6a00c93b6e42afdd79d443cf40f1ab91b830c9703")
    static let realCurrent = bytes("2c863d278b2e28d228da6a63d3f618251a15f37a8ad2cf3d9db3bafab80d0e19")
    static let realNext = bytes("5e4b8faaeae20da23825efecd15b7bf22b59a34ae480b6d7cc1e1af1172d2760")
    static let recipientX = bytes("a5482eb049d8df30ddfb9372cd08a84d3c90381862a0c968b42d172557b36127")
    static let ephPriv = bytes("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20")
    static let ephPub = bytes("07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c")
    static let curPriv = bytes("2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40")
    static let curPub = bytes("5869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b")
    static let nextPriv = bytes("4142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60")
    static let nextPub = bytes("64b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d48466")
    static let detSig = bytes("d4e7ffc943b8087907dc7312da23c718e4e220f572b1eb1259acede5b537cd6a772461854027c942715c057d2820205f9ea15b0d81066005158cd4989dca0b09")
    static let beforenm = bytes("85f5474d4616516357faf661ab1f6dbde2b94c07f8f9f9ae85308e72e6358941")
    static let sendPriv = bytes("6162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80")
    static let sendPub = bytes("244fe3b963e899dd295baffce248d3530f3a9a7479ba063002680ebfe7adad49")
    static let recvPriv = bytes("8182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0")
    static let recvPub = bytes("883186b800b41d5cf0429695da9b3cc4f328ebcd184a6e482fa578c103f06c77")
    static let sharedKey = bytes("04a35c79ac048ec15939879353ec8cde496a5fce27b32fd4f7339c8676ac2de4")
    static let senderNextPub = bytes("ad438bfae31f6c093d61d4339255ea798092c9fadd07b97827f4b0ae9dee7c1c")
    static let inner = bytes("016000000000083a400201755982d94a84ccea0cee8a6593120200976e9c9672fe9dd075e3421b7c1d8000f2e500010001")
    static let header2 = bytes("03ac02ab02f0a204")
    static let realInit = bytes("0162547b3bd5c45eeabef98c9e30cddee45d3442ab05f087baca8202c50c070d3b2e2690513f85312df2cba44bd1096b8b4479e74992a335ce127f6bb646626a4b66edd0b31fdb12044e87f61fd5abfab68c62c8edbd65a939d8e25d00a01a8bcb8959a9dee4cb5a9af611651ec63cc5a9b5728756621c96ceef9542a8f1b47b4edee879a886273b9dac477a50a23971e52c61423a69101038e8c9cddf4f7477b7b432f05ed1220ad33c8c2098563084220d4e77a8ef5e8f60ec56d4d6c7e89354")
    static let detInit = bytes("0107a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7cd8e6a2cb1ee1696b9079cb5aba665845e2ea0afab1e111cd603505d400556afedebce387b0de4de5b9eacc99157e112b853101b4654eaa8ce5f5e32c25ac0feeeb51c807fd6bc55c137b2d27b57113cc77fd47e7c0d68087a1174cf8becdfce74c595abc1003ba9b545d829e4ce0072ed7f68bcf0463037b7ca63bd4a9deb51e5688c32c0a94c6fb2ec491321a48c09cdb54c32659122aaa0055acdd83a1fa55")
    static let traffic1 = bytes("030101017b2c771195886f80e7a8532ef073d61880035eaabb321981ff3ef14f5ad21f6ba36e4662ea03a20e7665521cf164c2de04180faa82b7a9a72751d16329d9caa24f4ce618ce3e55e852bec7983fb0dbbb30446380f1d78fea089d19723733e596cb")
    static let traffic2 = bytes("03ac02ab02f0a2045d4cb0107a283b7e7c8ef886dcfd881bef6c2f2c3f2c59b50d6e0ec6616ae7bddee5eaa8112278c21e18cd7e20a3a340eb923cef6415b35772f99319be047be2b17d81889d48474fe58dd4aa66d6ffef6ea25e1a96ee54893edd2f744510b8f401")
}
