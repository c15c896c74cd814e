import RhizomeCrypto
@testable import RhizomeCore

/// routing.md (0.5.12) Appendix A: the captured frames V05–V24 of vectors/routing-captured.json and
/// the Python peer's frames of routing-derived.json, typed in verbatim (complete frames, uvarint
/// length prefix included), with the seeds that signed them.
enum V05Vectors {
    static func bytes(_ hex: String) -> [UInt8] { Vectors.bytes(hex) }

    static let seedA = bytes("2b9c3a53eaf43e73bfba7c102af062e23066b99aeda9eb7a986617613c24d818")
    static let keyA = PublicKey(hex: "081751d2edbfdeecd67e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b84")!
    static let pairA = try! SigningKeyPair(seed: seedA)
    static let transformedA = PublicKey(hex: "081751d2edbfdfffffffffffffffffffffffffffffffffffffffffffffffffff")!
    static let bitsA: [Int] = [520, 1224, 1860, 2887, 5204, 5927, 6231, 6631]
    static let seedB = bytes("1fcb23a824473fea485282407391384e5fd0ab3e7269c44fddd52ce113aa0cca")
    static let keyB = PublicKey(hex: "12a3d601988a425d19d5ec8a60f07169f7f165def127ceba483a1591b7330e5f")!
    static let pairB = try! SigningKeyPair(seed: seedB)
    static let transformedB = PublicKey(hex: "12a3d601988a4fffffffffffffffffffffffffffffffffffffffffffffffffff")!
    static let bitsB: [Int] = [943, 2021, 3641, 4079, 4579, 5657, 7037, 7475]
    static let seedC = bytes("11bb25f28cde3ad96b2990d235ee18c1d40b9deb8ac663b6bd4fcaeb8109376d")
    static let keyC = PublicKey(hex: "065d5faf2dc03cfa871deeb0f1c745822221adc380cb83fdaa10e52a88df5368")!
    static let pairC = try! SigningKeyPair(seed: seedC)
    static let transformedC = PublicKey(hex: "065d5faf2dc03fffffffffffffffffffffffffffffffffffffffffffffffffff")!
    static let bitsC: [Int] = [1136, 2087, 2559, 6673, 6891, 7145, 8071, 8148]

    /// Captured frames by vector id.
    static let frames: [String: [UInt8]] = [
        "V05": bytes("""
            0b0202f08f83a3ecacd7e92a
            """),
        "V06": bytes("""
            0c0203fbb7f6c299aa97f3ea01
            """),
        "V07": bytes("""
            4c0302f08f83a3ecacd7e92a012cd1fe8cffedf9923d88b59efffe0fb49b3642ec19df1d81d199cd5687b1f0a647af59
            cfcbc955b5946158f0e3d15f903871472e7009fb1c27e62a8dee492000
            """),
        "V08": bytes("""
            cd010412a3d601988a425d19d5ec8a60f07169f7f165def127ceba483a1591b7330e5f12a3d601988a425d19d5ec8a60
            f07169f7f165def127ceba483a1591b7330e5f01ccaa83e2a2b09681aa01001846d11ee8dd43558a95eb9019a2511cfd
            194f998fadb2b0e0ddf9872ea4031ec2a6564614f16dfe26b57da02afda935a387697f1cd9988a337770072bd9050318
            46d11ee8dd43558a95eb9019a2511cfd194f998fadb2b0e0ddf9872ea4031ec2a6564614f16dfe26b57da02afda935a3
            87697f1cd9988a337770072bd90503
            """),
        "V09": bytes("""
            cc0104065d5faf2dc03cfa871deeb0f1c745822221adc380cb83fdaa10e52a88df5368065d5faf2dc03cfa871deeb0f1
            c745822221adc380cb83fdaa10e52a88df536801a9d2acca83beafd24e009c459fea44741dc116efe966940571f294c4
            ad10ffdb22381114af7416e6225543c33d1c7259b2617277c249b78742a17232b5487bfc9e186f23df51e3f12c099c45
            9fea44741dc116efe966940571f294c4ad10ffdb22381114af7416e6225543c33d1c7259b2617277c249b78742a17232
            b5487bfc9e186f23df51e3f12c09
            """),
        "V10": bytes("""
            cc010412a3d601988a425d19d5ec8a60f07169f7f165def127ceba483a1591b7330e5f065d5faf2dc03cfa871deeb0f1
            c745822221adc380cb83fdaa10e52a88df536802f08f83a3ecacd7e92a012cd1fe8cffedf9923d88b59efffe0fb49b36
            42ec19df1d81d199cd5687b1f0a647af59cfcbc955b5946158f0e3d15f903871472e7009fb1c27e62a8dee4920008bf1
            ea2c134c7539c6c26f1c00b362ada664a80e6a80af34454307c3847f9cc0408d95d23d9e56b9b78526fee433633ed0be
            bb0f510d3ae5c80713c8bf8e2a03
            """),
        "V11": bytes("""
            cd0104081751d2edbfdeecd67e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b8412a3d601988a425d19d5ec8a60
            f07169f7f165def127ceba483a1591b7330e5f02f0f8bc8da9adc4e299010215c0817a94de5caf81fb7ac63e605d1ae2
            a1299615e4b7e67a2738b754dd499a62255a528a0ec7468ec6c0868e76678a910bb54c06aed0f6fae52d8a6176fa0b92
            6404db5fe14e946e2489aff2b8c31b35ce05b592de9fbf81d1fa9c1748091f218eeccee5b7e723d88cbd71d719dbb74c
            f6191043770065656c988d00bad102
            """),
        "V12": bytes("""
            2105ffffffffffffffffffffffffffffffff00000000000000000000000000000000
            """),
        "V13": bytes("""
            6105fffdfffeffffff7efeffff7ffffbf7ff000000000000000000000000000000000000800000000000000000200000
            000002000000000000000000800000000000000000080000000000000000020000002000000000000000000800000000
            0000
            """),
        "V14": bytes("""
            a10105fffdbffe7effff7efeffff7fff6af7fc0000000000000000000000000000000000008000000000000001000000
            000000000000200000000000000080000000008000000000000000020000000000000000008000000000000000000800
            000000000000000200000000000000000200000000080000000000200000000000000000000200000000000008000000
            00000000000000000000800000000000100000
            """),
        "V15": bytes("""
            4406081751d2edbfdeecd67e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b84065d5faf2dc03cfa871deeb0f1c7
            47ffffffffffffffffffffffffffffffffff010200
            """),
        "V16": bytes("""
            4406081751d2edbfdeecd67e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b84065d5faf2dc03cfa871deeb0f1c7
            47ffffffffffffffffffffffffffffffffff010200
            """),
        "V17": bytes("""
            8b010701020002065d5faf2dc03cfa871deeb0f1c745822221adc380cb83fdaa10e52a88df5368081751d2edbfdeecd6
            7e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b84a2deabd8060009fc705b13992703518ada8e58a4b836059866
            5f1aece65cad492814d8e75f313c1f2eb07c62e92f01410b77e1a4d15ff49d9e04fe529af7ab607bc00d563f0c
            """),
        "V18": bytes("""
            8b010701020001065d5faf2dc03cfa871deeb0f1c745822221adc380cb83fdaa10e52a88df5368081751d2edbfdeecd6
            7e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b84a2deabd8060009fc705b13992703518ada8e58a4b836059866
            5f1aece65cad492814d8e75f313c1f2eb07c62e92f01410b77e1a4d15ff49d9e04fe529af7ab607bc00d563f0c
            """),
        "V19": bytes("""
            8b01070002081751d2edbfdeecd67e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b84065d5faf2dc03cfa871dee
            b0f1c745822221adc380cb83fdaa10e52a88df5368a2deabd8060102003518eae59d4e4857729edd55a76d2a0b193aa7
            f4e2d34d15517d845a9b550d94379eee77411b51821895ff6b2e87385f2b8529f88bef283965c2a8ab912d9a0c
            """),
        "V20": bytes("""
            87020900010200081751d2edbfdeecd67e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b84065d5faf2dc03cfa87
            1deeb0f1c745822221adc380cb83fdaa10e52a88df53680201ea31120c046a6a3a6deada683fa23589acf4b5283c7c64
            f1ad3b142caea4136737a7a06f624bf6df0322b45b72b4b2370f801929901136ff952731496ca245d4c189410a152622
            ad98baf6a2f3009c337be71f1199da031276407bebf5c525e14f38c1054dc801e380d02faa9f7d3972ebef1b462ce79e
            98d03e7041ca90042013048ce23f7404e44c083d6c11c368c8f8d8cd9106d64ed105311932b8a51b3384c5ddf470954e
            b0fce8b50b73c46c15e84e20e5408e7f038c25d711eaa595d6
            """),
        "V21": bytes("""
            87020900010200081751d2edbfdeecd67e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b84065d5faf2dc03cfa87
            1deeb0f1c745822221adc380cb83fdaa10e52a88df53680101ea31120c046a6a3a6deada683fa23589acf4b5283c7c64
            f1ad3b142caea4136737a7a06f624bf6df0322b45b72b4b2370f801929901136ff952731496ca245d4c189410a152622
            ad98baf6a2f3009c337be71f1199da031276407bebf5c525e14f38c1054dc801e380d02faa9f7d3972ebef1b462ce79e
            98d03e7041ca90042013048ce23f7404e44c083d6c11c368c8f8d8cd9106d64ed105311932b8a51b3384c5ddf470954e
            b0fce8b50b73c46c15e84e20e5408e7f038c25d711eaa595d6
            """),
        "V22": bytes("""
            e3010901020000065d5faf2dc03cfa871deeb0f1c745822221adc380cb83fdaa10e52a88df5368081751d2edbfdeecd6
            7e55843f0c69f2f0ae857f6956dd65d6bb906ffafb9b840203020101c754b9d211323db12c3f755a3e77c8af5630429f
            c37313a17f3053e8dd972cc27b7a16e804b4c1bb6742d6a6b231fd4446228688695e032574b3d05f753e7d88f912334d
            3025bf6998a8157ae80f9a4a915a6fb55b7112f62a2b089aeb707dcda1b838ecda4df42ba57f8b0e894b16175b854e60
            ee08f268eb9c009c50a9cb714848c763112d73a17238b3b5c798d4baf2085f2b0316f22cb5
            """),
        "V23": bytes("""
            43080001065d5faf2dc03cfa871deeb0f1c745822221adc380cb83fdaa10e52a88df5368081751d2edbfdeecd67e5584
            3f0c69f2f0ae857f6956dd65d6bb906ffafb9b84
            """),
        "V24": bytes("""
            0101
            """),
    ]

    static let peerSeed = bytes("28eb16c06a4ed673cc84b6c31b11b56942852d5471f5546e3ba20d8598d7a434")
    static let peerKey = PublicKey(hex: "8ba8c1e7f7e2033225f1ade804d732edc0a3149e8a910f8fb4ed7ccb49557ecd")!
    /// Frames a from-spec Python peer sent and the real 0.5.12 node accepted (sigRes, sigReq, root announce).
    static let peerFrames: [[UInt8]] = [
        bytes("4c03038ea5e9dfc3cf8ac622013f11c7cfdd230a7e15d8ebb0eb4e65cfa4211e1795f931eb745810eba211cebf63debf10640296fb1ae17beacf862fa7290a9d2720c2acfddc1ff0df1b4d7c09"),
        bytes("060201959aef3a"),
        bytes("c401048ba8c1e7f7e2033225f1ade804d732edc0a3149e8a910f8fb4ed7ccb49557ecd8ba8c1e7f7e2033225f1ade804d732edc0a3149e8a910f8fb4ed7ccb49557ecd012a00fd8123d0b3a98854ddd28c3a4e13cd4c03f023b69570bfd44c068899bffa016f9110b766398498358e9da05a6a33aba2125b607162d476bb5664c4857572ae0efd8123d0b3a98854ddd28c3a4e13cd4c03f023b69570bfd44c068899bffa016f9110b766398498358e9da05a6a33aba2125b607162d476bb5664c4857572ae0e"),
    ]
    /// The real node's frames to the Python peer.
    static let nodeToPeerFrames: [[UInt8]] = [
        bytes("0b02038ea5e9dfc3cf8ac622"),
        bytes("2105ffffffffffffffffffffffffffffffff00000000000000000000000000000000"),
        bytes("cc0104065d5faf2dc03cfa871deeb0f1c745822221adc380cb83fdaa10e52a88df5368065d5faf2dc03cfa871deeb0f1c745822221adc380cb83fdaa10e52a88df536801a9d2acca83beafd24e009c459fea44741dc116efe966940571f294c4ad10ffdb22381114af7416e6225543c33d1c7259b2617277c249b78742a17232b5487bfc9e186f23df51e3f12c099c459fea44741dc116efe966940571f294c4ad10ffdb22381114af7416e6225543c33d1c7259b2617277c249b78742a17232b5487bfc9e186f23df51e3f12c09"),
        bytes("cc010412a3d601988a425d19d5ec8a60f07169f7f165def127ceba483a1591b7330e5f065d5faf2dc03cfa871deeb0f1c745822221adc380cb83fdaa10e52a88df536802f08f83a3ecacd7e92a012cd1fe8cffedf9923d88b59efffe0fb49b3642ec19df1d81d199cd5687b1f0a647af59cfcbc955b5946158f0e3d15f903871472e7009fb1c27e62a8dee4920008bf1ea2c134c7539c6c26f1c00b362ada664a80e6a80af34454307c3847f9cc0408d95d23d9e56b9b78526fee433633ed0bebb0f510d3ae5c80713c8bf8e2a03"),
        bytes("470301959aef3a02f4544617c3f6ff3a5218a650bc3058874c71551a14e17366445457c1ff4346fd14099538a0df23b236bac16085052b0c83d9a60f33ccca1153b9e45af67c5507"),
    ]
}
