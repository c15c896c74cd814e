import RhizomeCrypto
import RhizomeCore

// The checks behind the `router05` libFuzzer target (Fuzz/Targets/router05.swift), compiled with
// FuzzHarness.swift (whose `FuzzFailure`, `fuzzCheck`, `FuzzHarness.hex` and cursor it uses) into
// that binary and into RhizomeCoreTests, where `Router05FuzzTests` runs it over deterministic
// inputs. Public API only; a violated property throws, never traps.

/// Drives one `Router05` with a byte-coded sequence of operations, like `RouterFuzzHarness` does
/// for 0.4.7: raw frames on its links, 0.5 messages the harness builds and signs with keys it
/// owns (sig requests and responses answering the router's own requests, announcement chains,
/// blooms, lookups, notifies, brokens, traffic), time steps, links up and down, sends and
/// lookups, echoes of its own frames. Every `close` is honoured with `linkDown`, as the node
/// does. Properties: no trap; every frame the router sends decodes as a 0.5 message, re-encodes
/// to itself, fits a frame and goes to a live link; an undecodable frame on a live link closes
/// it; every received frame also goes through the data path (`receiveTraffic`) while a copy of
/// the router takes the general path (`receive`), and both must queue the same actions and
/// counters; the peer table matches the live links (one non-zero port per remote key).
struct Router05FuzzHarness {
    /// Key 0 is the router's own; 1–3 belong to the peers of links 1–3; 4–5 to distant nodes.
    static let pairs = RouterFuzzHarness.pairs
    static let links: [LinkID] = [1, 2, 3, 4, 99]  // 99 is never up; 4 may be a second link to a key
    static let timeSteps: [Double] = [0, 0.01, 0.5, 1, 1.5, 3, 30, 61, 241, 301]
    static let startUnixTime = 1_795_313_042.0

    var router: Router05
    var now = 0.0
    var linkKey: [LinkID: Int] = [:]
    /// Frames the router sent, for the echo operation.
    var sent: [[UInt8]] = []
    /// The last sig request the router sent on each link (answered by operation 7).
    var requests: [LinkID: SigRequest05] = [:]

    var local: PublicKey { Self.pairs[0].publicKey }

    init() {
        router = Router05(keys: Self.pairs[0], now: 0, unixTime: Self.startUnixTime, random: SeededRandom(seed: 5))
    }

    /// Runs one input; returns the harness (for tests that look at where it got).
    @discardableResult
    static func run(_ data: UnsafeRawBufferPointer) throws -> Router05FuzzHarness {
        var h = Router05FuzzHarness()
        try h.drain()
        h.router.linkUp(1, key: pairs[1].publicKey, priority: 0, now: 0)
        h.linkKey[1] = 1
        h.router.linkUp(2, key: pairs[2].publicKey, priority: 0, now: 0)
        h.linkKey[2] = 2
        try h.drain()
        var c = RouterFuzzHarness.Cursor(data: data)
        var ops = 0
        while !c.isAtEnd && ops < 128 {
            ops += 1
            try h.step(&c)
        }
        // Let the timers run, in a few jumps.
        for _ in 0..<4 {
            guard let wake = h.router.nextWakeup else { break }
            h.now = max(h.now, wake)
            h.router.tick(now: h.now)
            try h.drain()
        }
        return h
    }

    @discardableResult
    static func run(_ bytes: [UInt8]) throws -> Router05FuzzHarness {
        try bytes.withUnsafeBytes { try run($0) }
    }

    func link(_ b: UInt8) -> LinkID { Self.links[Int(b) % Self.links.count] }
    func key(_ c: inout RouterFuzzHarness.Cursor) -> PublicKey { Self.pairs[c.key()].publicKey }

    /// Coordinates: usually the router's own (so that routing ends here) or a peer-like
    /// extension of them, else arbitrary ports.
    func coords(_ c: inout RouterFuzzHarness.Cursor) -> [PeerPort] {
        let b = c.u8()
        switch b >> 6 {
        case 0: return router.coords
        case 1: return router.coords + [c.nonzeroPort()]
        case 2: return Array(router.coords.dropLast())
        default: return c.ports(nonzero: true)
        }
    }

    func watermark(_ c: inout RouterFuzzHarness.Cursor) -> UInt64 {
        let b = c.u8()
        return b >= 0xc0 ? .max : UInt64(b & 15)
    }

    mutating func step(_ c: inout RouterFuzzHarness.Cursor) throws {
        let op = c.u8()
        switch op % 16 {
        case 0:
            // A raw frame (type ‖ body) from the input.
            let l = link(c.u8())
            let length = Int(c.u8()) << 8 | Int(c.u8())
            try receive(c.take(length), on: l)
        case 1:
            now += Self.timeSteps[Int(c.u8()) % Self.timeSteps.count]
            router.tick(now: now)
            try drain()
        case 2:
            let l = link(c.u8())
            router.linkDown(l, now: now)
            linkKey[l] = nil
            requests[l] = nil
            try drain(justDown: l)
        case 3:
            let l = link(c.u8())
            let k = c.key()
            let priority = c.u8() % 4
            if l != 99, linkKey[l] == nil {
                linkKey[l] = k
                router.linkUp(l, key: Self.pairs[k].publicKey, priority: priority, now: now)
                try drain()
            }
        case 4:
            let dest = key(&c)
            let payload = Array(c.take(Int(c.u8() % 32)))
            router.sendTraffic(payload: payload, to: dest, now: now)
            try drain()
        case 5:
            router.lookup(key(&c), now: now)
            try drain()
        case 6:
            let l = link(c.u8())
            let request = SigRequest05(seq: UInt64(c.u8() % 4), nonce: UInt64(c.u8()))
            try send(request, on: l, corrupt: false, &c)
        case 7:
            // The peer's answer to the router's outstanding request (a valid signature), or to a
            // made-up one; sometimes signed by someone else or corrupted.
            let lb = c.u8()
            let l = link(lb)
            let request = requests[l] ?? SigRequest05(seq: UInt64(c.u8() % 4), nonce: UInt64(c.u8()))
            let signer = lb & 0x20 == 0 ? (linkKey[l] ?? 1) : c.key()
            let response = SigResponse05(answering: request, node: local, port: c.nonzeroPort(), signer: Self.pairs[signer])
            try send(response, on: l, corrupt: lb & 0xc0 == 0xc0, &c)
        case 8:
            // An announcement chain, root first: root → intermediates → the link's peer (or
            // someone else), each countersigning its parent's response.
            let l = link(c.u8())
            let flags = c.u8()
            let root = c.key()
            var chain = [root]
            for _ in 0..<Int(c.u8() % 3) { chain.append(c.key()) }
            chain.append(flags & 2 == 0 ? (linkKey[l] ?? 1) : c.key())
            let seq = UInt64(c.u8() % 4) + 1
            try send(Announcement05(rootSigner: Self.pairs[root], seq: seq, nonce: UInt64(c.u8())), on: l, corrupt: false, &c)
            for (parent, child) in zip(chain, chain.dropFirst()) where parent != child {
                let request = SigRequest05(seq: UInt64(c.u8() % 4) + 1, nonce: UInt64(c.u8()))
                let response = SigResponse05(answering: request, node: Self.pairs[child].publicKey, port: c.nonzeroPort(),
                                             signer: Self.pairs[parent])
                let ann = Announcement05(signer: Self.pairs[child], parent: Self.pairs[parent].publicKey, response: response)
                try send(ann, on: l, corrupt: flags & 8 != 0 && c.u8() < 0x40, &c)
            }
        case 9:
            // A bloom: empty, full, or holding some keys' transforms.
            let l = link(c.u8())
            let shape = c.u8()
            var bloom = BloomFilter05.empty
            if shape < 0x20 {
                bloom = BloomFilter05(words: [UInt64](repeating: .max, count: BloomFilter05.wordCount))
            } else {
                for _ in 0..<Int(shape % 4) { bloom.insert(KeyTransform05.subnetKey(key(&c))) }
            }
            try send(bloom, on: l, corrupt: false, &c)
        case 10:
            let l = link(c.u8())
            let lookup = PathLookup05(source: key(&c), dest: key(&c), from: coords(&c))
            try send(lookup, on: l, corrupt: false, &c)
        case 11:
            // A notify signed by its source, usually for us, about coordinates near ours.
            let lb = c.u8()
            let l = link(lb)
            let source = Self.pairs[c.key()]
            let seq = UInt64(Self.startUnixTime + now) &+ UInt64(c.u8() % 4)
            let info = NotifyInfo05(signedBy: source, seq: seq, path: coords(&c))
            let dest = c.u8() < 0xc0 ? local : key(&c)
            let notify = PathNotify05(path: coords(&c), watermark: watermark(&c), source: source.publicKey, dest: dest, info: info)
            try send(notify, on: l, corrupt: lb & 0xc0 == 0xc0, &c)
        case 12:
            let l = link(c.u8())
            let broken = PathBroken05(path: coords(&c), watermark: watermark(&c), source: key(&c), dest: key(&c))
            try send(broken, on: l, corrupt: false, &c)
        case 13:
            let l = link(c.u8())
            let traffic = Traffic05(path: coords(&c), from: coords(&c), source: key(&c), dest: key(&c),
                                    watermark: watermark(&c), payload: Array(c.take(Int(c.u8() % 16))))
            try send(traffic, on: l, corrupt: false, &c)
        case 14:
            // Dummy or keepalive, with whatever body.
            let l = link(c.u8())
            let type = c.u8() & 1
            let body = Array(c.take(Int(c.u8() % 4)))
            try ([type] + body).withUnsafeBytes { try receive($0, on: l) }
        default:
            // Echo a frame the router sent back to it, on some link.
            let l = link(c.u8())
            let i = Int(c.u8())
            if !sent.isEmpty {
                try sent[i % sent.count].withUnsafeBytes { try receive($0, on: l) }
            }
        }
    }

    mutating func send<M: WireMessage05>(_ m: M, on l: LinkID, corrupt: Bool, _ c: inout RouterFuzzHarness.Cursor) throws {
        var frame = [M.wireType.rawValue]
        m.encode(into: &frame)
        if corrupt {
            let at = Int(c.u8()) << 8 | Int(c.u8())
            frame[at % frame.count] ^= max(1, c.u8())
        }
        guard frame.count <= Frame05.maxMessageLength else { return }
        try frame.withUnsafeBytes { try receive($0, on: l) }
    }

    mutating func receive(_ frame: UnsafeRawBufferPointer, on l: LinkID) throws {
        let live = linkKey[l] != nil
        let decodable = (try? Message05(decoding: frame)) != nil
        // Differential: the data path must do what the general path does, its decision turned
        // into the actions the general path would have queued.
        var general = router
        general.receive(frame: frame, from: l, now: now)
        let disposition = router.receiveTraffic(frame: frame, from: l, now: now)
        switch disposition {
        case .forward, .forwardRewriting:
            let (link, out) = disposition.forwardedFrame(from: frame)!
            router.actions.append(.send(link: link, frame: out))
        case .deliver(let source, let payload):
            router.actions.append(.deliver(source: source, payload: Array(frame[payload])))
        case .handled:
            break
        }
        try fuzzCheck("\(router.actions)" == "\(general.actions)" && "\(router.counters)" == "\(general.counters)",
                      "data path and general path differ on \(FuzzHarness.hex(frame)): \(router.actions) vs \(general.actions)")
        let closed = try drain()
        if live && !decodable {
            try fuzzCheck(closed.contains(l), "undecodable frame \(FuzzHarness.hex(frame)) on link \(l) did not close it")
        }
    }

    /// Performs the router's actions; returns the links it closed. As in the node, a link asked
    /// to close goes down after the batch that asked for it, one link at a time.
    @discardableResult
    mutating func drain(justDown: LinkID? = nil) throws -> [LinkID] {
        var closed: [LinkID] = []
        var pending: [LinkID] = []
        var tolerated = justDown
        var rounds = 0
        while rounds < 64 {
            rounds += 1
            let batch = router.takeActions()
            if batch.isEmpty {
                guard !pending.isEmpty else { break }
                let l = pending.removeFirst()
                router.linkDown(l, now: now)
                linkKey[l] = nil
                requests[l] = nil
                closed.append(l)
                tolerated = l
                continue
            }
            defer { tolerated = nil }
            for action in batch {
                switch action {
                case .send(let l, let frame):
                    try fuzzCheck(linkKey[l] != nil || l == tolerated, "sent on link \(l), which is not up")
                    try fuzzCheck(!frame.isEmpty && frame.count <= Frame05.maxMessageLength, "sent a frame of \(frame.count) bytes")
                    let decoded = frame.withUnsafeBytes { buf in
                        Result { () throws(WireError) -> Message05 in try Message05(decoding: buf) }
                    }
                    guard case .success(let m) = decoded else {
                        throw FuzzFailure("the router sent an undecodable frame: \(decoded) \(FuzzHarness.hex(frame))")
                    }
                    var again = [m.wireType.rawValue]
                    m.encodeBody(into: &again)
                    try fuzzCheck(again == frame, "a frame the router sent does not re-encode to itself: \(FuzzHarness.hex(frame))")
                    if case .sigRequest(let request) = m { requests[l] = request }
                    if sent.count < 64 { sent.append(frame) } else { sent[Int(now) % 64] = frame }
                case .deliver, .deliverOutOfBand, .learnedKey:
                    break
                case .close(let l, _):
                    try fuzzCheck(linkKey[l] != nil, "closed link \(l), which is not up")
                    if !pending.contains(l) { pending.append(l) }
                }
            }
        }
        try fuzzCheck(router.actions.isEmpty, "actions keep coming")
        // What the admin API reads must not trap, and must agree with the links: every live
        // link but one to our own key is listed; links to one key share its non-zero port.
        let status = router.peerStatus
        let expected = Set(linkKey.filter { $0.value != 0 }.keys)
        try fuzzCheck(Set(status.map(\.link)) == expected, "peerStatus lists \(status.map(\.link)) for links \(expected.sorted())")
        var portOf: [PublicKey: PeerPort] = [:]
        for s in status {
            try fuzzCheck(s.port != 0 && (portOf[s.key] ?? s.port) == s.port, "peer ports: \(status.map { ($0.link, $0.port) })")
            portOf[s.key] = s.port
        }
        try fuzzCheck(Set(portOf.values).count == portOf.count, "two keys share a port")
        _ = router.treeEntries
        _ = router.pathEntries
        _ = router.blooms
        _ = router.rootKey
        _ = router.parentLink
        _ = router.coords
        _ = router.tableSizes
        _ = router.nextWakeup
        return closed
    }
}
