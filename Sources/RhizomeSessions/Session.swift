import RhizomeCore
import RhizomeCrypto

/// The state kept for one remote key (spec §4.5), with ironwood's field names.
///
/// Key indexing: we advertise `send` (index `localKeySeq`) as our current key and `nextLocal` as
/// our next; the remote's `current` has index `remoteKeySeq`, its `next` index `remoteKeySeq + 1`.
struct Session: TimedEntry, Sendable {
    let remote: PublicKey
    /// The remote's static X25519 key, converted once; nil if libsodium refuses the key (then no
    /// INIT/ACK can be sent to it).
    let remoteStatic: BoxPublicKey?
    let generation: UInt64
    /// Monotonic time of creation (for `uptime`).
    let since: Double

    /// Last accepted init/ack seq of the remote.
    var seq: UInt64
    var remoteKeySeq: UInt64 = 0
    var current: BoxPublicKey
    var next: BoxPublicKey
    var localKeySeq: UInt64 = 0
    var recv: BoxKeyPair
    var send: BoxKeyPair
    var nextLocal: BoxKeyPair
    /// DH(current, recv); nil when libsodium refuses `current` (a low-order key).
    var recvShared: BoxSharedKey?
    /// DH(current, send); nil likewise.
    var sendShared: BoxSharedKey?
    var recvNonce: UInt64 = 0
    var sendNonce: UInt64 = 0
    /// 0.5: highest nonce accepted through the "fromNext and toSend" / "fromNext and toRecv" rows
    /// (0 whenever the shared keys are recomputed). Unused in 0.4, which checks no nonce there.
    var nextSendNonce: UInt64 = 0
    var nextRecvNonce: UInt64 = 0
    /// 0.4: anti-replay windows of the three rows (ironwood 0.4 checks only the ordinary row's
    /// nonce, against a mark that moves about once a minute). Each belongs to its row's shared
    /// key: reset when that key changes; on ROTATE the "fromNext and toSend" key becomes the
    /// ordinary one, and its window with it. `.unused` in 0.5 sessions (strict marks instead).
    var ordinaryWindow: ReplayWindow
    var nextSendWindow: ReplayWindow
    var nextRecvWindow: ReplayWindow
    /// 0.4: time of the last throttled success action of RECEIVE. 0.5: time of the last ROTATE.
    /// nil = never.
    var rotated: Double?
    /// When the idle timer fires.
    var expiry: Double

    /// DH(next, send) and DH(next, recv), the keys of the two "fromNext" rows of RECEIVE. ironwood
    /// recomputes them per packet; we cache them until `next`, `send` or `recv` changes (all such
    /// changes go through `fixShared`). In steady state one side decrypts every packet through
    /// "fromNext and toSend" for up to a minute, so this saves one X25519 per packet.
    var nextSendCache: CachedShared = .unknown
    var nextRecvCache: CachedShared = .unknown

    var rx: UInt64 = 0
    var tx: UInt64 = 0
    /// The remote seq our last ACK answered, that ACK's own seq, when it went out and `rx` then
    /// (for `SessionManager`'s ACK re-send; `ackedSeq` is nil until we send one).
    var ackedSeq: UInt64?
    var lastAckSeq: UInt64 = 0
    var ackSentAt: Double = -.infinity
    var rxAtAck: UInt64 = 0

    enum CachedShared: Sendable {
        case unknown
        case known(BoxSharedKey?)
    }

    /// SESSION_FOR step 2: a new session from a decrypted init/ack, with three fresh key pairs.
    init<R: RandomSource>(
        remote: PublicKey, remoteStatic: BoxPublicKey?, from h: Handshake, generation: UInt64, now: Double,
        random: inout R, version: ProtocolVersion = .v04
    ) {
        self.remote = remote
        let windowed = version == .v04
        ordinaryWindow = windowed ? ReplayWindow() : .unused
        nextSendWindow = windowed ? ReplayWindow() : .unused
        nextRecvWindow = windowed ? ReplayWindow() : .unused
        self.remoteStatic = remoteStatic
        self.generation = generation
        self.since = now
        seq = h.seq &- 1
        current = h.current
        next = h.next
        recv = BoxKeyPair.generate(using: &random)
        send = BoxKeyPair.generate(using: &random)
        nextLocal = BoxKeyPair.generate(using: &random)
        expiry = now + SessionConstants.sessionTimeout
        fixShared(recvNonce: 0, sendNonce: 0)
    }

    /// Which replay window `fixShared` keeps: one whose row's key has not changed (the caller has
    /// already moved the old window into that row).
    enum KeptWindow { case none, ordinary, nextRecv }

    /// "Recompute shared keys (r, s)" (0.5 also zeroes the two next-row high-water marks; 0.4
    /// resets the replay windows but `keep`).
    mutating func fixShared(
        recvNonce r: UInt64, sendNonce s: UInt64, knownRecvShared: BoxSharedKey?? = nil, keep: KeptWindow = .none
    ) {
        recvShared = knownRecvShared ?? BoxSharedKey(theirs: current, ours: recv.secretKey)
        sendShared = BoxSharedKey(theirs: current, ours: send.secretKey)
        recvNonce = r
        sendNonce = s
        nextSendNonce = 0
        nextRecvNonce = 0
        nextSendCache = .unknown
        nextRecvCache = .unknown
        if keep != .ordinary { ordinaryWindow.reset() }
        nextSendWindow.reset()
        if keep != .nextRecv { nextRecvWindow.reset() }
    }

    /// recv := send, send := nextLocal, nextLocal := new, localKeySeq += 1 (shared keys not touched).
    mutating func advanceLocalKeys<R: RandomSource>(random: inout R) {
        recv = send
        send = nextLocal
        nextLocal = BoxKeyPair.generate(using: &random)
        localKeySeq &+= 1
    }

    /// The handshake we advertise (our INIT, or ACK with type 0x02).
    func handshake(seq: UInt64) -> Handshake {
        Handshake(current: send.publicKey, next: nextLocal.publicKey, keySeq: localKeySeq, seq: seq)
    }

    /// INIT/ACK with a newer seq: UPDATE (§4.6). Returns false (and changes nothing) if not newer.
    mutating func update<R: RandomSource>(with h: Handshake, now: Double, random: inout R) -> Bool {
        guard h.seq > seq else { return false }
        // recv becomes the old send key, so a row whose remote key is the old `next` keeps the
        // old "fromNext and toSend" key, and must keep its replay window (the remote's nonces go on).
        // 0.5 likewise keeps that row's nonce mark: zeroing it would let a relay replay, after an
        // old ACK, traffic the row already took (found by the session fuzz target).
        var keep = KeptWindow.none
        var keptMark: UInt64 = 0
        if h.current == next {
            swap(&ordinaryWindow, &nextSendWindow)
            keep = .ordinary
            keptMark = nextSendNonce
        } else if h.next == next {
            swap(&nextRecvWindow, &nextSendWindow)
            keep = .nextRecv
            keptMark = nextSendNonce
        }
        current = h.current
        next = h.next
        seq = h.seq
        remoteKeySeq = h.keySeq
        advanceLocalKeys(random: &random)
        // The send nonce is deliberately kept.
        fixShared(recvNonce: keep == .ordinary ? keptMark : 0, sendNonce: sendNonce, keep: keep)
        if keep == .nextRecv { nextRecvNonce = keptMark }
        expiry = now + SessionConstants.sessionTimeout
        return true
    }

    /// ENCRYPT_AND_SEND's state change: takes the next nonce and returns what is needed to build
    /// the message. Nil if our send key cannot be computed (the remote advertised a low-order key;
    /// ironwood would send with a key anyone can derive, we send nothing).
    mutating func reserveSeal<R: RandomSource>(dataLength: Int, now: Double, random: inout R) -> TrafficSeal? {
        sendNonce &+= 1
        if sendNonce == 0 {
            // Unreachable in practice (2^64 packets): rotate our keys and go out with nonce 0.
            advanceLocalKeys(random: &random)
            fixShared(recvNonce: 0, sendNonce: 0)
        }
        guard let shared = sendShared else { return nil }
        tx &+= UInt64(dataLength)
        expiry = now + SessionConstants.sessionTimeout
        return TrafficSeal(localKeySeq: localKeySeq, remoteKeySeq: remoteKeySeq, nonce: sendNonce,
                           nextPublic: nextLocal.publicKey, shared: shared)
    }

    /// ENCRYPT_AND_SEND into a new array.
    mutating func seal<R: RandomSource>(_ data: UnsafeRawBufferPointer, now: Double, random: inout R) -> [UInt8]? {
        guard let ticket = reserveSeal(dataLength: data.count, now: now, random: &random) else { return nil }
        return SessionWire.sealTraffic(ticket, data: data)
    }

    enum ReceiveOutcome {
        /// Authenticated: hand the data upward; it lies at this range of the output buffer.
        case deliver(Range<Int>)
        /// Unknown key-index combination or failed authentication: send INIT, drop.
        case sendInit
        /// Malformed, or a replay (a nonce not above its row's high-water mark): silent drop.
        case malformed
        case replay
        /// Authenticated but shorter than the 32-byte next key (ironwood would crash): dropped.
        case shortPlaintext
    }

    private enum Row { case ordinary, nextSend, nextRecv }

    /// RECEIVE(S, msg): classification, decryption, the success actions. The plaintext
    /// (next key ‖ data) is written to `output`, which must hold `msg.count` bytes and must not
    /// overlap `msg`.
    ///
    /// The rules differ by version. 0.4.7 (ec61cea, 0.4.7-S §4.6, §4.9): only the ordinary row
    /// checks its nonce, and the 60 s throttle gates every success action (the `recvNonce` update
    /// too). 0.5 (743fe2f, §4.3): each row has a strict nonce high-water mark, moved on every
    /// successful decryption; the throttle gates only ROTATE, and `rotated` marks rotations.
    mutating func receive<R: RandomSource>(
        _ msg: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, now: Double,
        version: ProtocolVersion, random: inout R
    ) -> ReceiveOutcome {
        guard let (a, b, n, offset) = SessionWire.parseTrafficHeader(msg) else { return .malformed }
        let strict = version == .v05
        let fromCurrent = a == remoteKeySeq
        let fromNext = a == remoteKeySeq &+ 1
        let toRecv = b &+ 1 == localKeySeq
        let toSend = b == localKeySeq
        let row: Row
        let key: BoxSharedKey?
        if fromCurrent && toRecv {
            guard n > recvNonce, strict || !ordinaryWindow.isUsed || ordinaryWindow.check(n) else { return .replay }
            row = .ordinary
            key = recvShared
        } else if fromNext && toSend {
            guard strict ? n > nextSendNonce : !nextSendWindow.isUsed || nextSendWindow.check(n) else { return .replay }
            row = .nextSend
            if case .known(let k) = nextSendCache { key = k } else {
                key = BoxSharedKey(theirs: next, ours: send.secretKey)
                nextSendCache = .known(key)
            }
        } else if fromNext && toRecv {
            guard strict ? n > nextRecvNonce : !nextRecvWindow.isUsed || nextRecvWindow.check(n) else { return .replay }
            row = .nextRecv
            if case .known(let k) = nextRecvCache { key = k } else {
                key = BoxSharedKey(theirs: next, ours: recv.secretKey)
                nextRecvCache = .known(key)
            }
        } else {
            return .sendInit
        }
        let boxed = UnsafeRawBufferPointer(rebasing: msg[offset...])
        guard let key, boxed.count >= BoxSharedKey.overhead else { return .sendInit }
        guard key.open(detached: boxed, nonce: n, into: output) else { return .sendInit }
        if !strict {
            switch row {
            case .ordinary: if ordinaryWindow.isUsed { ordinaryWindow.mark(n) }
            case .nextSend: if nextSendWindow.isUsed { nextSendWindow.mark(n) }
            case .nextRecv: if nextRecvWindow.isUsed { nextRecvWindow.mark(n) }
            }
        }
        let plainCount = boxed.count - BoxSharedKey.overhead
        guard plainCount >= 32 else { return .shortPlaintext }
        let throttleOpen = rotated.map { now - $0 > SessionConstants.rotationThrottle } ?? true
        if strict {
            switch row {
            case .ordinary:
                recvNonce = n
            case .nextSend:
                nextSendNonce = n
                if throttleOpen { rotate(n, output, key: key, viaNextSend: true, now: now, random: &random) }
            case .nextRecv:
                nextRecvNonce = n
                if throttleOpen { rotate(n, output, key: key, viaNextSend: false, now: now, random: &random) }
            }
        } else if throttleOpen {
            switch row {
            case .ordinary:
                recvNonce = n
            case .nextSend, .nextRecv:
                rotate(n, output, key: key, viaNextSend: row == .nextSend, now: now, random: &random)
            }
            rotated = now
        }
        rx &+= UInt64(plainCount - 32)
        expiry = now + SessionConstants.sessionTimeout
        return .deliver(32..<plainCount)
    }

    /// ROTATE(n, innerKey), the inner key being the first 32 bytes of `plain`. After it,
    /// recvShared = DH(old next, old send): the key just used when the row was "fromNext and
    /// toSend", so it is reused instead of recomputed.
    private mutating func rotate<R: RandomSource>(
        _ n: UInt64, _ plain: UnsafeMutableRawBufferPointer, key: BoxSharedKey, viaNextSend: Bool, now: Double,
        random: inout R
    ) {
        let innerKey = BoxPublicKey(bytes: Array(plain[0..<32]))!
        current = next
        next = innerKey
        remoteKeySeq &+= 1
        advanceLocalKeys(random: &random)
        // The new ordinary key is DH(old next, old send): the old "fromNext and toSend" key.
        swap(&ordinaryWindow, &nextSendWindow)
        fixShared(recvNonce: n, sendNonce: 0, knownRecvShared: viaNextSend ? .some(key) : nil, keep: .ordinary)
        rotated = now
    }
}

/// A packet waiting for the handshake (BUFFER_AND_INIT), with the keys our INIT advertises.
struct PendingInit: TimedEntry, Sendable {
    let generation: UInt64
    let remoteStatic: BoxPublicKey?
    /// Template: current = c.pub, next = n.pub, keySeq 0, seq = Unix time of the latest INIT
    /// sent from this buffer (ironwood keeps the creation time; see `bufferAndInit`).
    var template: Handshake
    let currentPair: BoxKeyPair
    let nextPair: BoxKeyPair
    var data: [UInt8]
    var expiry: Double
}
