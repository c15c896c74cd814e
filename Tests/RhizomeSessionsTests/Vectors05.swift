import RhizomeCrypto

/// Yggdrasil 0.5.12 vectors: shared/spec/v05/vectors/node-keys.json (nodes A and B) and
/// node-session.json, copied verbatim.
enum V5 {
    static let a = try! SigningKeyPair(privateKey: V.bytes("fd38bd2742f878deb2601e3188dda3788e404d18d91034dd9d2ed59b21883c6075b38a411f5d6857af5fc570dd7c4bc76bc5cc23f751150937a301794b56b8f0"))
    static let b = try! SigningKeyPair(privateKey: V.bytes("fca66804ff333b04590cc25b387a4e2b8781e428ec84cefb37df88498bc7fa4826e1c4eae5cbc96e135efca7afdc43ef6692e69f5c83305210d8a124f54f0484"))
    static let aX25519Public = V.bytes("9365cdabe618a233c8e18130cee8e2b7e4c94278ddcb788f2adaa291cc421f7c")
    static let bX25519Public = V.bytes("06075101abba431ee229677139283c46d9f815711e7640579f06dc94dae81f49")

    /// A captured INIT/ACK: who sent it and the fields it decrypts to.
    struct CapturedHandshake: Sendable {
        let fromA: Bool
        let type: UInt8
        let payload: [UInt8]
        let current: [UInt8]
        let next: [UInt8]
        let keySeq: UInt64
        let seq: UInt64
        var boxKey: [UInt8]? = nil
    }

    /// captured_first_contact: INIT A→B, ACK B→A, ACK A→B (first session), then the same three
    /// for the second session.
    static let firstContactHandshakes: [CapturedHandshake] = [
        CapturedHandshake(fromA: true, type: 1, payload: V.bytes("0100514685c1b8b420f4b9a8e5ff5c648ee690ca5b3bb3475dd805bb869d68cd4704b3e7e13df86110f735e3151b92f8a7e8670b567f9563b6a16d77bd870261ee3ef4ac88952948c6535f7bab55428377bdb638bd644bc338511ebf2de2a3f225561c8c6986577667ac9602407e167f35a2c6cf1a43b899491c6e9f501c0ddece0fe2d897d04a1d27ceb394052ad18bdbd9325ef53b316c9e8ff5a5499d56814c08823ac49c10a9a812fd2053d814a9df2e6af1d253377a200e668894ae9c2c59"),
                          current: V.bytes("40be9ae6072f74ba18071b9476d91c9d2922c8e964892c4175499853a64b813f"), next: V.bytes("81a5922a1a865d9260592491a88cf203100cefdb7c3bc639233819a7318e787d"), keySeq: 0, seq: 1795878715,
                          boxKey: V.bytes("0738f644223f0ae3e8681b12842876529a4379c3db71fd4299cdfe56d6544b25")),
        CapturedHandshake(fromA: false, type: 2, payload: V.bytes("0239fc607a7a87da4e1e4a1a975818e5ae4154e0511b19e3b6e312eee2b8ee73571548ca5681f3a0b02f8d37913a539238608b8e79fb340a0bf13d9c61c2f2918059822164377f443128946edb5ee2fd6983d4736a1b62d531df46b30ba5811aa0a4e625b8e5f24cb40ab294b25233e5a201bd202e92a8643a382de4b8a684cf7b0db4baa4925cc6197ee0d1868e483ac5d23103a159b7accb4d8080078211cbc58a99c1479836162beeb201dc1ceb0a2b1d4ee3915f6ab17ab8d01e8ae6eeac28"),
                          current: V.bytes("2f25ec2db267518be82590e3a8265de57c2b48fda7942d6c3fc6bf2204cb123c"), next: V.bytes("20f355165bfc628fe96abdd101d5a89714d986ccff8f1e8a323bf3f5460f3913"), keySeq: 1, seq: 1795878715,
                          boxKey: V.bytes("689e3b7f0423e2cd18ab0ba345e556df3044758039ef019faff23845a4ba2fae")),
        CapturedHandshake(fromA: true, type: 2, payload: V.bytes("0285fc9fa2e304d37c9c210ca9f2b8ad9e4cc9b724c3ebe9d87251f1aa16aa776d0389cfb8d6b1fdc6961a2f16fe3dd43dcd7319f68c11aaa8ab98a17bef2a11967761c66600736770fef28a314af0c5e2955507821ce886b2c9921e230ee34d3e7b5f8288bce6de892596028530f03859cf7ecc838cf8f9c517909b4f7fb5514de42b5082478825ed0083ff24b41fa57d18357ad9e62416418544193b2b06591e0eaf9906ef3a23c4c48202c981e0985218725e4b84ec1e7898eb3895d0919a3c"),
                          current: V.bytes("81a5922a1a865d9260592491a88cf203100cefdb7c3bc639233819a7318e787d"), next: V.bytes("eac3440d266ce1c12bd3294ed1ea65ebf09701db85188e1924aa198c971a5720"), keySeq: 1, seq: 1795878715,
                          boxKey: V.bytes("af9f2ab11e2932a0a66502b55daecb1204b6e8d381c679eb820fbc643edeefa3")),
        CapturedHandshake(fromA: true, type: 1, payload: V.bytes("015c5cb8b9b369df3f7e8a051c3e53ff6ab0ee89d2de16324ce7ab2702a0fc6c7c30ef78cd19fc138b2eda9bb81e31d4d0231785ed5e613dc827f84b09c6c2b620961390d107a476428686d219e22597f871810c421175b63b1bc9b9e694d63fe20efb357759f5ef8f8417758e7ea76ecf90c4d0b133c0e2e1b977175378aad1b38923bb922b0722bc783c6d9319c106f90a336b32a586a0d5e2c845af853f6f83ed216e1e64b5e762729a4d4d7aae6af38d0cec8effbbd4e79a9c7e206b60e3ef"),
                          current: V.bytes("6b95c58b3ee3434d40447e33c4b4db37964b3deaed2f246c5276ec250742217b"), next: V.bytes("644cdab9044082ad780ff0a88c56e2e08cb5c335db450da55580255242392f3f"), keySeq: 0, seq: 1795878983,
                          boxKey: V.bytes("0b4df1e837e84a71a8106912e4adb164155c536b4de4c029c76cf75ed16dec7b")),
        CapturedHandshake(fromA: false, type: 2, payload: V.bytes("0212da3032bf52b659d5c81e1795c8cac3f8330c2173993b07ca76d6d5f51ef027fdde343cfca807c936834f7041b232141f302bd2cf89464d61d544e5ad2c086bc1f7c9f736d8229e588b8e185e4c14ea4d22dcce9641b1624d05181d9947a42ac0e83ae6a578d27d25ebf4dfe5a86285b68556e80806f7bb2f66df808bcd904f6a48a8a53f93c696f53db0a5d8e45997a168d9a424da356f1a6d244aa7538dc5df99820f6a95f8ea3b55a76a79a6769122ac9929e3ca5705bf10ce9a476b12f9"),
                          current: V.bytes("cdef14618644e601ea8e8b44f7c5d9d0d162c6a91ac0f8421a0ca88d2c6cce5c"), next: V.bytes("eb9d491023cf2d279057e6e9a968d9b7aa23fc17eb7a31e691552a39137ee30e"), keySeq: 1, seq: 1795878983,
                          boxKey: V.bytes("ec24713e79ea1bd455ff53bf4b32f1fd13a25cc4a8edb7a50424d3c45e98acb7")),
        CapturedHandshake(fromA: true, type: 2, payload: V.bytes("024d6a8dd6075201414bf8ca775d111269641590e939e68043a4b4c95da119390d43b691ee57fde3904c580e70e94e1d67bbb2039fb687bae8e8282990d773277a82d50d2110958130f0a677d6618873175e46e87b90af68bd2d7a82d9303f0500841a7e94d85272a517078776844eda457b6f9e7ed61fa93b298a4b275e7ad5ac356b6946b2fa26cbfe0c8982c67cfb1cb37889831702c039e0dcf96bbef4c9f292ebda886b67f30553a6a05f0edf33176086e0a28807c577a8c9189a7f4ea7f2"),
                          current: V.bytes("644cdab9044082ad780ff0a88c56e2e08cb5c335db450da55580255242392f3f"), next: V.bytes("3f005281244068c9885e1a83db6c9252cc887d76fc5e97c6aaac4cd4d47d1362"), keySeq: 1, seq: 1795878983,
                          boxKey: V.bytes("df89f324020c47bcde0a62e04b3b0091ee83a6fa4b28e5f4509ed8f9fea3c297")),
    ]

    /// captured_restart_recovery: the handshake messages in order.
    static let restartHandshakes: [CapturedHandshake] = [
        CapturedHandshake(fromA: false, type: 1, payload: V.bytes("016aa1e7f441a707b033db7f208531661b7c9be2fa987e71a838045264fa378d26d85ef7bd5d3683b680b7d4499dbbd8ff8d1f76085904ad5920b165e5991ccd20d712c1e71ac888b2d747473b2c4874a61b2970421a931bcabf952b0f1cc0a046856f0fce11155fd9b9afc20a0d0f1ed7982540f2ce1a0ff0a5b8ae572c4da35a12234a004599b3d9424f7735583af3ea3c2e370c8f8516a87ed772941b163bea2d8503f460ec6caae9b367ce5b2f6668830936221d9207f9ce56536db63eb407"),
                          current: V.bytes("0c84e36fe116614cf698d240734d20553b585a44a2fa3f8f833da5f15192cf76"), next: V.bytes("eb7117956bc4e23fefd1499b83121d8a75818af0e1fdbf8213917edc822ec519"), keySeq: 0, seq: 1795878987),
        CapturedHandshake(fromA: true, type: 2, payload: V.bytes("020cfc2f11fcd0662065cbb82f22476003692c908eb9f2400fbb2438649e552950f7a6a17ae77cdc5010f67c56defa16ce99fb1db58aebe407bcb112dfd75083d947cb344c9251a9b5c920c1beac732102ccc2f39c52acd06c277cc237d1399ce0f779236ce57299f75d7eb50abd5920244418c371e834e94214f32dd813f33addc9f66cf8ff0ffcccbf00725c06e50463f143f6fd2b81431e1fa5cc65742fcaa8a3f79d05a5f3db5722f1e153f4b03798c3367a831bedb6e14357dad7853deca2"),
                          current: V.bytes("ec6dc9fa47601d3d7f982f06ebc6162127b3bac21800f5ae250a213813206e50"), next: V.bytes("083dc20536acf94d1b9380ec982d8a99bbbb8631a359a80977b1614ecc0aa206"), keySeq: 3, seq: 1795878987),
        CapturedHandshake(fromA: false, type: 2, payload: V.bytes("025dadac2fb59511d3341a129503165eec184a331eff683d28546a6162d98bd701ec2c02930b37e3b5d8202ab1ce0f5ff2da7591962914640e5ff9032186af97fe6cbb1b37460523e5b0f315a204837ff12aa77969bfdbee5fb67a993c0569cda701909bf43faf4e3148501108e0256e4aa6a2e66f7c54569b01ae133e1a16fd14781c1980134e4e20742b27d8dfc26b9bf4879b101362a49d51796e268fb57f09d0bcd1c32f49b9f4a98db2f4d9407e75510131cd286a8346a95763006092056f"),
                          current: V.bytes("637f9d1195b97b10403203144076b533bc4167c44b5ab737366c84287911e04a"), next: V.bytes("04085801d8b2e1503d366dc76dc8c4c3e0386021fa68dcc49d1391fee6481c6b"), keySeq: 1, seq: 1795878987),
        CapturedHandshake(fromA: false, type: 1, payload: V.bytes("01447d5c1e12c3b96608542ab75d2e2a57a672889d34213c2a0db40421525bcd175444777d3f94ed034dcb58eb2c77b69aace4cf6ed7b7b5f187e8e653b08834a0e5ec4f247ff7848bacd4aa8f4b642c5d04f32697e8be4e0269d5dfee77fa268d191605f97a6add888484c38b4d8f2c667bdc998ddf4f9df4e9f6d614ea032523f9d7578e0b001425dd95dd7577d491cca182186b86c0ea33f2c4afc8d84da9406b2938350a83f96fa50a622abe25c8ecf4d9edb4f57f3743a560944da84f6430"),
                          current: V.bytes("637f9d1195b97b10403203144076b533bc4167c44b5ab737366c84287911e04a"), next: V.bytes("04085801d8b2e1503d366dc76dc8c4c3e0386021fa68dcc49d1391fee6481c6b"), keySeq: 1, seq: 1795878988),
        CapturedHandshake(fromA: true, type: 2, payload: V.bytes("02e417b28343b8f3405b0f15c16542ad2b3bb8083ee7e5f32d7456987e01cc1a4a834998660d3dff9d1ca24ebf09f0772fc195d60cb6e2c7c553e5e75995df1cb72bc1997e7a0023f9f85775c8589cb0c191d89660b0001ad9a5168caeac7edd5f360ad40233d690038ab93ceccdd55e31fc945335eabf2b40ac27cd2ac669ef271eaac60f311b49bb2497b8e01dc9eb0c5603d2d39944f13c6151403c98a32f699ceae536db859a04405bd6e1c863b215a3d2a84aa424c19ff265cf45ea092f84"),
                          current: V.bytes("083dc20536acf94d1b9380ec982d8a99bbbb8631a359a80977b1614ecc0aa206"), next: V.bytes("d9a9acf17b644cb6e042e346d7b443e79f53cf19d5d791645d2a8e8f60f75875"), keySeq: 4, seq: 1795878988),
    ]

    /// captured_first_contact: the first TRAFFIC message (A→B 1,1 nonce 1, a 104-byte ping).
    static let firstTraffic = V.bytes("030101013f04e9220baf5ae97437dcc97d1475b5465b6448ee9fe76002f679c407b74b97ec42b1b34a7f1814a919f8bc6d841397b5613fc5eda646acc735fd7a8317f20d1c8de7c2726620790f6f9a758f951f73133aa13c52b47a3557bd69d4a632311d86216ab65e23ae786d4f9e377784baa6676dce37031b917e2ecf83db29b4443bdc5612ad669eb669e303875d3e6a6025860c1d756aa0148158")

    /// captured_first_contact: TRAFFIC headers (A→B?, senderLocalKeySeq, senderRemoteKeySeq, nonce, inner length).
    static let firstContactTraffic: [(fromA: Bool, a: UInt64, b: UInt64, n: UInt64, inner: Int)] = [
        (true, 1, 1, 1, 105),
        (false, 2, 1, 1, 105),
        (true, 2, 2, 1, 105),
        (false, 2, 1, 2, 105),
        (true, 2, 2, 2, 105),
        (false, 2, 1, 3, 105),
        (true, 2, 2, 3, 1449),
        (true, 2, 2, 4, 2),
        (false, 2, 1, 4, 24),
        (true, 2, 2, 5, 110),
        (false, 2, 1, 5, 2),
        (false, 2, 1, 6, 2),
        (true, 2, 2, 6, 110),
        (true, 2, 2, 7, 3),
        (false, 2, 1, 7, 99),
        (true, 2, 2, 8, 3),
        (false, 2, 1, 8, 99),
        (true, 2, 2, 9, 3),
        (false, 2, 1, 9, 35),
        (true, 2, 2, 10, 3),
        (false, 2, 1, 10, 35),
        (true, 2, 2, 11, 3),
        (false, 2, 1, 11, 67),
        (true, 2, 2, 12, 3),
        (false, 2, 1, 12, 67),
        (true, 1, 1, 1, 105),
        (false, 2, 1, 1, 105),
    ]

    /// derived_init (A → B).
    static let initEphemeralPrivate = V.bytes("b8186883056a62cb52c89ca553e3eb672a84910479bfc3f0d0f23e12f50ae0e4")
    static let initCurrentPrivate = V.bytes("5f54775b7d97de64ff45ccb206f203dd30bb9249eaf41bb7d3865c00b998e26b")
    static let initCurrent = V.bytes("c66dc21187a7c764326e8d9c942a4db3889f6565f857772828604822f49c1628")
    static let initNextPrivate = V.bytes("0a8f8b048d682657808223e8871095f5761bcc7b218784635fbb4a2c95d32d35")
    static let initNext = V.bytes("cfe294cf2777f78d469afd5ae20349f355813df4ee169a05b78aba84b482940b")
    static let initPayload = V.bytes("013af8e117b58ad41e0a8a27d0f579d41aee30778a3e7f0b5335af967949bb3c46e0925ddc4f7c284d4d53ad6a6d50b93bb262aea9b1f7e641ffd6832dd3cfdc164f27d0a56806496b4aed2d606bd680286cb395a6d86a14e28aed092026b8ab7c46e1d824902de9899cfbcda38ab8fd95d1ac53f8db395224154115fba2c864eff68442ba865647748d3123c1267affcc26cd465d1fe57e68b82f24d79f71c8ecc938c2242d8e567c2eb10024edee7289a4a089d98c8440cb98170a0800143d63")
    static let ackPayload = V.bytes("023af8e117b58ad41e0a8a27d0f579d41aee30778a3e7f0b5335af967949bb3c463b6b5b46d591eb8725c05fbabec70f8c0ad3c054c1533494c5c5393d9fd5ba1188d959a2513e5134a91dd69675ab9ab596306ca142166e982666bfe1f8560db4541fbe0875de743659b306f75e4b259fd1ac53f8db395224154115fba2c864eff68442ba865647748d3123c1267affcc26cd465d1fe57e68b82f24d79f71c8ecc938c2242d8e567c2eb10024edee7289a4a089d98c8440ca98170a0800143d63")
    static let initSeq: UInt64 = 1795878715

    /// derived_traffic: header 1,1 nonce 1.
    static let trafficSendPrivate = V.bytes("2881eac6c6f444f6de7cc041e27c5150f8399f305dcc9831e37ded927b7f0b6d")
    static let trafficSendPublic = V.bytes("b0a4ed16ba7d02ae3665520a1cee9e05bcf87b6aca052fb52c74353844792b01")
    static let trafficRemoteCurrentPrivate = V.bytes("ae68408454f2061a3531d21d3d9a78c7ce2d646fc2b0f722b7637d0ded71b053")
    static let trafficRemoteCurrentPublic = V.bytes("1855923b8d471d07d989eb5916e65ee5ecba5fbcc2902b39922f29924d83456f")
    static let trafficSenderNext = V.bytes("0f1e100c75dfe4e38f9862e3057fcc5d7049d9ccf8e414bbcbc3becbdb37f31b")
    static let trafficShared = V.bytes("e7bb897673a21b48c5df2fe7dd713334039b3cc30dcee1e3636b9174451dee46")
    static let trafficData = V.bytes("016000000000083a4002012931d6fb828a5ea14280ea3c8a0e0202c8f1d8a8d1a1b48f65081ac2811d8000f00000010001")
    static let trafficPayload = V.bytes("03010101d861264d1bf3eefd52e4bf6fc00693f3cca6cd7b39e05fd35dbe57bf2f371e3920c017cc643d429e4ef2428539b43df6aeeac562baad7f3ddd2df5fadf48507eb4493fade2ca066f4866fbc4d6be9370af9078e3ea19fea60026a2cc5fdb876b86")
}
