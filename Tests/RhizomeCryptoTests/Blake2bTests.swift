import Testing
import RhizomeCrypto

/// BLAKE2b-512 digests of public keys keyed with link passwords, from
/// shared/spec/v05/vectors (node-link-metadata.json, routing-captured.json V01–V04).
enum Blake2bVectors {
    /// BLAKE2b-512(key = password, message = public key) as the vector files give them.
    static let digests: [(publicKey: String, password: String, digest: String)] = [
        ("75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0", "", "11c0b33cdc6bdb34d7916659e882ecffbc2adf00df70111c4756516ed093f90062665ac9cdca5b0003df138889018b575aa49912c562788ee7dd6b9591cae7b2"),
        ("26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484", "", "6ab0506afcde049f9d49b6cb43d002dd32c666705180762d5130d7647633a1776b331b6ee442f3ca795b7969fb8085b4d48015ebb741da7edd404fc5fd8f5dff"),
        ("75b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0", "sekrit", "b661746ddbf2c4b7ef56558db8e08d04a8be39258b8537da65b60ede4dd0318a427173791c6f46006db66178a259895dea48cb82f28c34d96b771e4be6e6910f"),
        ("26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484", "sekrit", "a42e5ba6ca19534008da538465f915a4cbd103ac8690ffde509f8d93fc70730028c645f75e637bdf938e86abbfa4f10c1eb2843ba161d7a92c6a1020061c9897"),
        ("26e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484", "wrong", "2511a9ee41913bfea630f3fc3f52299809b9d5d3ddaa559f1dd36cbd0dace54941e1ac9a23be6603fc4386a9f583f62605e1a0c54215be8a01f3d921d68b99f2"),
        ("12a3d601988a425d19d5ec8a60f07169f7f165def127ceba483a1591b7330e5f", "swordfish", "82c107361b93f781de859d22788c3f117d2f0995fa73514fd3ba6a38179633f2846faf8277e610c331288780a54a89763d3f43508258e12963811dadb346133d"),
        ("065d5faf2dc03cfa871deeb0f1c745822221adc380cb83fdaa10e52a88df5368", "swordfish", "cf226f6e3d70f441d17d39a4c58500d28e165660fee4c9cd62d3c1ae6a7c21b5b448df1da5437aa2943219de208eff8ef6df54dbed1773aba91820d67adb6da9"),
        ("081751d2edbfdeecd67e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b84", "", "efeb7b14f7d86686f6ca8a00b3ea351eacf2c4056af97f86651b68717a3047a922b033c659a3219b9ed3fa631687cc639f17073bc774fed5580db12c8bd8424f"),
        ("12a3d601988a425d19d5ec8a60f07169f7f165def127ceba483a1591b7330e5f", "", "46e1b8b45e5c72d2bd3e65f6a9788878e67c8785c1a3ae55be3be96fe1f90f538280214da7d56c36c2057f21dd56159bc59bd1bacf0f10fb450bb43162dd0c54"),
    ]
}

@Suite struct Blake2bTests {
    @Test func unkeyedMatchesRFC7693() {
        // RFC 7693 Appendix A: BLAKE2b-512("abc").
        #expect(Hex.encode(Blake2b.hash512(Array("abc".utf8))) ==
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
    }

    @Test func keyedMatchesTheReferenceKnownAnswer() {
        // blake2b-kat.txt, first keyed entry: empty message, key 00 01 … 3f.
        let key = (0..<64).map { UInt8($0) }
        #expect(Hex.encode(Blake2b.hash512([], key: key)) ==
            "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568")
    }

    @Test(arguments: Blake2bVectors.digests.indices)
    func passwordKeyedDigestOfAPublicKey(index: Int) {
        let v = Blake2bVectors.digests[index]
        let key = PublicKey(hex: v.publicKey)!
        #expect(Hex.encode(Blake2b.hash512(key, password: Array(v.password.utf8))) == v.digest)
        // Keyed mode, not a prefix: hashing password ‖ key gives something else.
        if !v.password.isEmpty {
            #expect(Hex.encode(Blake2b.hash512(Array(v.password.utf8) + key.bytes)) != v.digest)
        }
    }
}
