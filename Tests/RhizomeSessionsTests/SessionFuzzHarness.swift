import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
import RhizomeSessions

// The checks behind the libFuzzer targets `session` and `oob` of Fuzz/ (issue 13: every decoder a
// remote node can reach has a target).
//
// Compiled twice, like the other harnesses: into the fuzz binaries by Fuzz/run.sh, and into
// RhizomeSessionsTests, where SessionFuzzRegressionTests replays FuzzRegressions/<target>/.
// Public API only; a violated property is thrown, never trapped.

struct SessionFuzzFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@inline(__always)
func sessionFuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw SessionFuzzFailure(message()) }
}

enum SessionFuzzHarness {
    static let targets = ["session", "oob"]

    static func run(_ target: String, _ data: UnsafeRawBufferPointer) throws {
        switch target {
        case "session": try session(Array(data))
        case "oob": try outOfBand(Array(data))
        default: throw SessionFuzzFailure("unknown fuzz target \(target)")
        }
    }

    static func run(_ target: String, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try run(target, $0) }
    }

    /// Fixed keys: A is the node under test, B an honest peer the harness drives, and two keys
    /// whose secrets only the harness holds (forgers reuse B's or their own key with bytes the
    /// input chooses, which cannot authenticate).
    static let keyA = try! SigningKeyPair(seed: [UInt8](repeating: 0xA1, count: 32))
    static let keyB = try! SigningKeyPair(seed: [UInt8](repeating: 0xB2, count: 32))
    static let others = [try! SigningKeyPair(seed: [UInt8](repeating: 0xC3, count: 32)).publicKey,
                         try! SigningKeyPair(seed: [UInt8](repeating: 0xD4, count: 32)).publicKey]

    /// Reads the input as operations.
    struct Reader {
        var bytes: [UInt8]
        var at = 0
        var done: Bool { at >= bytes.count }
        mutating func byte() -> UInt8 {
            guard at < bytes.count else { return 0 }
            defer { at += 1 }
            return bytes[at]
        }
        mutating func take(_ n: Int) -> [UInt8] {
            let end = min(bytes.count, at + n)
            defer { at = end }
            return Array(bytes[at..<end])
        }
    }

    /// Byte-coded operations on a session layer A (small caps, so eviction is exercised) talking
    /// with an honest B: handshakes and traffic between them, raw and mutated messages from B's
    /// key and from others, replays, time steps. Properties: nothing traps; A's state stays within
    /// its caps; A delivers only from B, and only exactly what B sent; nothing B sent is
    /// delivered twice (replays rejected: 0.5's receive rules, 0.4's sliding window); every
    /// message A asks to send goes to a key it heard from or sent to.
    static func session(_ input: [UInt8]) throws {
        var r = Reader(bytes: input)
        let version: ProtocolVersion = r.byte() & 1 == 0 ? .v04 : .v05
        var now = 1000.0
        var a = SessionManager(keys: keyA, now: now, unixTime: 1_700_000_000, random: SeededRandom(seed: 1),
                               maxSessions: 4, maxBuffers: 4, version: version)
        var b = SessionManager(keys: keyB, now: now, unixTime: 1_700_000_000, random: SeededRandom(seed: 2), version: version)
        var sentByB: [[UInt8]: Int] = [:]          // payload → times B was asked to send it
        var deliveredFromB: [[UInt8]: Int] = [:]
        var lastFromB: [UInt8] = []
        var toB: [[UInt8]] = []                      // A → B messages in flight
        var toA: [[UInt8]] = []                      // B → A messages in flight
        var counter: UInt32 = 0

        func drainA() throws {
            for action in a.takeActions() {
                switch action {
                case .send(let to, let payload):
                    try sessionFuzzCheck(to == keyB.publicKey || others.contains(to), "A sends to an unknown key \(to.hex)")
                    if to == keyB.publicKey { toB.append(payload) }
                case .deliver(let from, let data):
                    try sessionFuzzCheck(from == keyB.publicKey, "A delivered data from \(from.hex), which only the harness can sign for")
                    try sessionFuzzCheck(sentByB[data] != nil, "A delivered \(data.count) bytes B never sent")
                    deliveredFromB[data, default: 0] += 1
                    try sessionFuzzCheck(deliveredFromB[data]! <= sentByB[data]!, "A delivered B's data more often than B sent it (a replay got through)")
                }
            }
            try sessionFuzzCheck(a.sessionCount <= a.maxSessions && a.pendingCount <= a.maxBuffers,
                                 "A's state beyond its caps: \(a.sessionCount) sessions, \(a.pendingCount) buffers")
        }
        func drainB() {
            for action in b.takeActions() {
                if case .send(let to, let payload) = action, to == keyA.publicKey {
                    toA.append(payload)
                    lastFromB = payload
                }
            }
        }

        var steps = 0
        while !r.done && steps < 256 {
            steps += 1
            switch r.byte() % 9 {
            case 0: // B sends a unique payload to A
                counter &+= 1
                let data = [0x01, UInt8(counter >> 24), UInt8(truncatingIfNeeded: counter >> 16), UInt8(truncatingIfNeeded: counter >> 8),
                            UInt8(truncatingIfNeeded: counter)] + r.take(Int(r.byte() % 32))
                sentByB[data, default: 0] += 1
                try? b.send(to: keyA.publicKey, data: data, now: now)
                drainB()
            case 1: // A sends to B (starts or uses a session)
                try? a.send(to: keyB.publicKey, data: [0x01] + r.take(Int(r.byte() % 16)), now: now)
                try drainA()
            case 2: // deliver the oldest message in flight to A
                if !toA.isEmpty { a.receive(from: keyB.publicKey, message: toA.removeFirst(), now: now) }
                try drainA()
            case 3: // deliver the oldest message in flight to B
                if !toB.isEmpty { b.receive(from: keyA.publicKey, message: toB.removeFirst(), now: now) }
                drainB()
            case 4: // replay B's latest message
                if !lastFromB.isEmpty { a.receive(from: keyB.publicKey, message: lastFromB, now: now) }
                try drainA()
            case 5: // B's latest message with one byte changed
                if !lastFromB.isEmpty {
                    var m = lastFromB
                    let i = Int(r.byte()) % m.count
                    m[i] ^= r.byte() | 1
                    a.receive(from: keyB.publicKey, message: m, now: now)
                }
                try drainA()
            case 6: // raw bytes from B's key or another key
                let from = r.byte() % 3 == 0 ? keyB.publicKey : others[Int(r.byte()) % others.count]
                a.receive(from: from, message: r.take(Int(r.byte())), now: now)
                try drainA()
            case 7: // time passes
                now += Double(r.byte()) / 4
                a.tick(now: now)
                b.tick(now: now)
                try drainA()
                drainB()
            default: // drop or reorder: move the newest message for A to the front
                if toA.count > 1 { toA.insert(toA.removeLast(), at: 0) } else if !toA.isEmpty { toA.removeAll() }
            }
        }
    }

    /// IPv6 out-of-band payloads (0.4 key lookups and responses) and incoming packets from any
    /// key: nothing traps; a lookup is answered only when it names our /64 and is signed by its
    /// sender; only a signed response teaches a key; the cache stays within its cap.
    static func outOfBand(_ input: [UInt8]) throws {
        var r = Reader(bytes: input)
        let version: ProtocolVersion = r.byte() & 1 == 0 ? .v04 : .v05
        var layer = IPv6Layer(keys: keyA, version: version, maxCacheEntries: 4, maxPending: 4, maxPendingBytes: 1 << 16)
        var now = 10.0
        var steps = 0
        while !r.done && steps < 256 {
            steps += 1
            let from = r.byte() % 2 == 0 ? keyB.publicKey : others[Int(r.byte()) % others.count]
            switch r.byte() % 4 {
            case 0: // raw out-of-band payload, to our key or to a partial key the input picks
                let to = r.byte() % 2 == 0 ? keyA.publicKey : (PublicKey(bytes: r.take(32) + [UInt8](repeating: 0, count: 32)) ?? keyA.publicKey)
                let before = layer.counters
                layer.handleOutOfBand(from: from, to: to, payload: r.take(Int(r.byte() % 80)), now: now)
                // The harness never signs with B's or the others' secrets here, so nothing verifies.
                try sessionFuzzCheck(layer.counters.lookupsAnswered == before.lookupsAnswered, "answered an unsigned lookup")
                try sessionFuzzCheck(layer.counters.responsesAccepted == before.responsesAccepted, "accepted an unsigned response")
            case 1: // a correctly signed lookup from B for our /64, or for someone else's
                let ours = r.byte() % 2 == 0
                let to = ours ? keyA.publicKey : others[0]
                let payload = [IPv6Layer.oobLookup] + keyB.sign(to.bytes).bytes
                let before = layer.counters
                layer.handleOutOfBand(from: keyB.publicKey, to: to, payload: payload, now: now)
                let answered = layer.counters.lookupsAnswered - before.lookupsAnswered
                try sessionFuzzCheck(answered == (version == .v04 && ours ? 1 : 0), "lookup (ours: \(ours), \(version)) answered \(answered) times")
            case 2: // an incoming packet of arbitrary bytes
                layer.handleIncoming(from: from, packet: r.take(Int(r.byte())), now: now)
            default:
                now += Double(r.byte())
                layer.tick(now: now)
            }
            for action in layer.takeActions() {
                if case .sendOutOfBand(let to, _) = action {
                    try sessionFuzzCheck(to == keyB.publicKey, "an out-of-band answer to \(to.hex), who never signed a lookup")
                }
            }
        }
    }
}
