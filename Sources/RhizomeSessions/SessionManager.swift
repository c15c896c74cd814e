import RhizomeCore
import RhizomeCrypto

/// What the session layer asks its caller to do, in order.
public enum SessionAction: Sendable, Equatable {
    /// Send `payload` to `to` as a network-layer *standard* payload (kind 1).
    case send(to: PublicKey, payload: [UInt8])
    /// Authenticated data from `from`, for the layer above (it starts with the core type byte).
    case deliver(from: PublicKey, data: [UInt8])
}

public enum SessionError: Error, Equatable, Sendable {
    /// SEND refused: `data` is longer than the manager's `mtu` (0.4: 53050, 0.5: 130914).
    case oversized(Int)
}

/// A session for the admin `getSessions` command.
public struct SessionSummary: Sendable, Equatable {
    public let key: PublicKey
    /// Sum of delivered `data` lengths (what ironwood counts as `rx`).
    public let bytesReceived: UInt64
    /// Sum of sent `data` lengths (`tx`).
    public let bytesSent: UInt64
    /// Seconds since the session was created.
    public let uptime: Double
}

/// Drops and notable events, for the admin API and tests.
public struct SessionCounters: Sendable, Equatable {
    /// SEND calls refused for size.
    public var refusedOversize = 0
    /// INIT/ACK of the wrong size, that did not open, or with a bad signature.
    public var droppedBadHandshake = 0
    /// INIT/ACK whose seq was not newer than the session's.
    public var ignoredOldHandshake = 0
    /// TRAFFIC too short, not parseable.
    public var droppedMalformedTraffic = 0
    /// TRAFFIC with a nonce not above its row's high-water mark (0.4: the ordinary row only).
    /// In 0.5 the next rows also count here.
    public var droppedReplayedTraffic = 0
    /// TRAFFIC that made us send an INIT (unknown key indices, failed authentication).
    public var trafficTriggeringInit = 0
    /// TRAFFIC from a key with no session (answered with a throw-away INIT).
    public var trafficWithoutSession = 0
    /// INITs not sent in answer to TRAFFIC because `InitRateLimiter` refused them (counted also
    /// in `trafficWithoutSession` or `trafficTriggeringInit`).
    public var rateLimitedInits = 0
    /// Authenticated TRAFFIC whose plaintext lacks the 32-byte next key.
    public var droppedShortPlaintext = 0
    /// Empty, dummy or unknown-type messages.
    public var droppedOther = 0
    /// Sends that could not be encrypted (the remote advertised a low-order session key).
    public var droppedUnencryptable = 0
    /// ACKs sent again for a repeated INIT on a session that has received nothing since the ACK
    /// (see `handleHandshake`).
    public var resentAcks = 0
    /// Sessions removed to make room (table at `maxSessions`).
    public var evictedSessions = 0
    /// Pending packets replaced by a newer one, or lost with their evicted buffer.
    public var replacedPending = 0
    public var evictedBuffers = 0
    public init() {}
}

/// ironwood's encrypted layer (`encrypted/`, spec sessions-and-ipv6.md §4) as a sans-IO state
/// machine: per-remote-key sessions, the INIT/ACK handshake, TRAFFIC boxes and the key ratchet,
/// implemented exactly as ironwood does it in the chosen `version`: ec61cea for 0.4 (the 60 s
/// rotation throttle also gates the ordinary-case `recvNonce` update; §4.9), 743fe2f for 0.5
/// (strict per-row nonce high-water marks, the throttle only on ROTATE, a larger MTU; v05 spec
/// §4.2, §4.3). Messages and the handshake are the same in both.
///
/// Entry points take `now` (monotonic seconds). INIT/ACK `seq` is Unix seconds, taken as
/// `unixTime - now(at init) + now`, so it never goes backwards. Randomness comes from the injected
/// `RandomSource`. Results accumulate in `actions`; drain them with `takeActions()`. Call
/// `tick(now:)` at `nextWakeup` (entry points also expire due state first, so late ticks are safe).
///
/// Bounds: at most `maxSessions` sessions and `maxBuffers` pending-init buffers. When a new one is
/// needed and the table is full, the entry with the earliest idle deadline — the least recently
/// active one — is evicted (its peer is not told; a later packet re-handshakes, as after an idle
/// timeout). Sessions are only created from INIT/ACKs with a valid signature of the remote key,
/// buffers only by local SENDs. Each buffer holds one packet (ironwood keeps only the latest).
/// INITs answering TRAFFIC pass `initLimiter` first (at most 1/s per key, 200/s in all); TRAFFIC
/// from a key with no session keeps no state beyond the limiter's bounded table.
public struct SessionManager: Sendable {
    public let keys: SigningKeyPair
    public var localKey: PublicKey { keys.publicKey }
    /// Our static X25519 secret (§4.2), used only for INIT/ACK.
    let staticSecret: BoxSecretKey
    let unixOffset: Double
    var random: any RandomSource & Sendable

    public let maxSessions: Int
    public let maxBuffers: Int
    /// The ironwood generation whose RECEIVE rules and MTU apply.
    public let version: ProtocolVersion
    /// Largest `data` a SEND accepts (`SessionConstants.mtu(version)`).
    public let mtu: Int

    var sessions: [PublicKey: Session] = [:]
    var buffers: [PublicKey: PendingInit] = [:]
    var sessionTimers = DeadlineHeap<PublicKey>()
    var bufferTimers = DeadlineHeap<PublicKey>()
    var generationCounter: UInt64 = 0
    /// Throttles INITs sent in answer to TRAFFIC (1/s per key, 200/s in all).
    public var initLimiter = InitRateLimiter()

    /// What the caller must do, in order. Drain with `takeActions()`.
    public var actions: [SessionAction] = []
    public var counters = SessionCounters()

    /// - Parameters:
    ///   - unixTime: the wall-clock Unix time at monotonic time `now`.
    ///   - random: source of every session and one-time key pair.
    ///   - version: 0.4 (ironwood ec61cea) or 0.5 (743fe2f) receive rules and MTU.
    public init(
        keys: SigningKeyPair, now: Double, unixTime: Double, random: any RandomSource & Sendable,
        maxSessions: Int = 65536, maxBuffers: Int = 65536, version: ProtocolVersion = .v04
    ) {
        precondition(maxSessions > 0 && maxBuffers > 0)
        self.keys = keys
        self.staticSecret = keys.curve25519PrivateKey
        self.unixOffset = unixTime - now
        self.random = random
        self.maxSessions = maxSessions
        self.maxBuffers = maxBuffers
        self.version = version
        self.mtu = SessionConstants.mtu(version)
    }

    public mutating func takeActions() -> [SessionAction] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }

    /// Unix seconds at `now`, truncated as Go's `time.Now().Unix()`.
    func unixSeconds(_ now: Double) -> UInt64 { UInt64(max(0, (unixOffset + now).rounded(.down))) }

    mutating func nextGeneration() -> UInt64 {
        generationCounter &+= 1
        return generationCounter
    }

    // MARK: queries

    public var sessionCount: Int { sessions.count }
    public var pendingCount: Int { buffers.count }
    public func hasSession(with key: PublicKey) -> Bool { sessions[key] != nil }

    /// The sessions for the admin `getSessions` command, in key-byte order: those with the `limit`
    /// smallest keys (`KeySelection`).
    public func sessionSummaries(now: Double, limit: Int = .max) -> [SessionSummary] {
        KeySelection.smallest(sessions.values, limit: limit) { $0.remote }
            .map { SessionSummary(key: $0.remote, bytesReceived: $0.rx, bytesSent: $0.tx, uptime: max(0, now - $0.since)) }
    }

    // MARK: timers

    /// When `tick` must next run, or nil if nothing is scheduled. May be early (a timer that was
    /// reset is rescheduled when it comes due), never late.
    public var nextWakeup: Double? { earlierDeadline(sessionTimers.earliest, bufferTimers.earliest) }

    /// Deletes sessions idle for 60 s and buffers not refreshed for 60 s.
    public mutating func tick(now: Double) {
        _ = sessionTimers.expire(in: &sessions, now: now)
        _ = bufferTimers.expire(in: &buffers, now: now)
        sessionTimers.compactIfNeeded(liveIn: sessions)
        bufferTimers.compactIfNeeded(liveIn: buffers)
    }

    @inline(__always)
    mutating func expireDue(now: Double) {
        if let w = nextWakeup, w <= now { tick(now: now) }
    }

    // MARK: sending

    /// SEND(remoteKey, data): encrypt to an existing session, or buffer `data` (replacing any
    /// earlier pending packet) and send an INIT. Throws, sending nothing, if `data` exceeds `mtu`.
    public mutating func send(to remote: PublicKey, data: UnsafeRawBufferPointer, now: Double) throws(SessionError) {
        guard data.count <= mtu else {
            counters.refusedOversize += 1
            throw .oversized(data.count)
        }
        expireDue(now: now)
        if let index = sessions.index(forKey: remote) {
            encryptAndSend(at: index, data, now: now)
        } else {
            bufferAndInit(remote, Array(data), now: now)
        }
    }

    public mutating func send(to remote: PublicKey, data: [UInt8], now: Double) throws(SessionError) {
        let result = data.withUnsafeBytes { d in
            Result { () throws(SessionError) in try send(to: remote, data: d, now: now) }
        }
        try result.get()
    }

    mutating func encryptAndSend(at index: Dictionary<PublicKey, Session>.Index, _ data: UnsafeRawBufferPointer, now: Double) {
        let remote = sessions.keys[index]
        if let payload = sessions.values[index].seal(data, now: now, random: &random) {
            actions.append(.send(to: remote, payload: payload))
        } else {
            counters.droppedUnencryptable += 1
        }
    }

    mutating func encryptAndSend(to remote: PublicKey, _ data: [UInt8], now: Double) {
        guard let index = sessions.index(forKey: remote) else { return }
        data.withUnsafeBytes { encryptAndSend(at: index, $0, now: now) }
    }

    /// BUFFER_AND_INIT (§4.6). Unlike ironwood, a repeated INIT from an existing buffer carries
    /// the current Unix second as its seq (same keys): ironwood's repeats keep the buffer's
    /// creation time, so a responder that already accepted it ignores them and never re-sends a
    /// lost ACK; its empty session then blocks the pair until it idles out after 60 s (issue 13,
    /// chaos 0.5). A newer seq makes any responder update and ACK again, at most once a second.
    mutating func bufferAndInit(_ remote: PublicKey, _ data: [UInt8], now: Double) {
        let template: Handshake
        let remoteStatic: BoxPublicKey?
        if let index = buffers.index(forKey: remote) {
            counters.replacedPending += 1
            buffers.values[index].data = data
            buffers.values[index].expiry = now + SessionConstants.bufferTimeout
            buffers.values[index].template.seq = max(buffers.values[index].template.seq, unixSeconds(now))
            template = buffers.values[index].template
            remoteStatic = buffers.values[index].remoteStatic
        } else {
            if buffers.count >= maxBuffers, bufferTimers.evictEarliest(from: &buffers) != nil {
                counters.evictedBuffers += 1
            }
            let c = BoxKeyPair.generate(using: &random)
            let n = BoxKeyPair.generate(using: &random)
            template = Handshake(current: c.publicKey, next: n.publicKey, keySeq: 0, seq: unixSeconds(now))
            remoteStatic = BoxPublicKey(ed25519: remote)
            let generation = nextGeneration()
            let expiry = now + SessionConstants.bufferTimeout
            buffers[remote] = PendingInit(
                generation: generation, remoteStatic: remoteStatic, template: template,
                currentPair: c, nextPair: n, data: data, expiry: expiry)
            bufferTimers.push(remote, deadline: expiry, generation: generation)
        }
        sendHandshake(SessionConstants.typeInit, template, to: remote, remoteStatic: remoteStatic)
    }

    /// Seals an INIT/ACK with a fresh one-time key and queues it. Nothing is sent if the remote's
    /// key has no X25519 form (ironwood would encrypt to a meaningless value; §2.1).
    mutating func sendHandshake(_ type: UInt8, _ h: Handshake, to remote: PublicKey, remoteStatic: BoxPublicKey?) {
        guard let remoteStatic else { return }
        let ephemeral = BoxKeyPair.generate(using: &random)
        if let msg = SessionWire.sealHandshake(type: type, h, signer: keys, recipient: remoteStatic, ephemeral: ephemeral) {
            actions.append(.send(to: remote, payload: msg))
        }
    }

    // MARK: receiving

    /// ON_MESSAGE(fromKey, msg): a network-layer standard payload addressed to us.
    public mutating func receive(from remote: PublicKey, message: UnsafeRawBufferPointer, now: Double) {
        expireDue(now: now)
        guard let type = message.first else {
            counters.droppedOther += 1
            return
        }
        switch type {
        case SessionConstants.typeInit, SessionConstants.typeAck:
            guard let h = SessionWire.openHandshake(message, ourStatic: staticSecret, sender: remote) else {
                counters.droppedBadHandshake += 1
                return
            }
            handleHandshake(from: remote, h, isAck: type == SessionConstants.typeAck, now: now)
        case SessionConstants.typeTraffic:
            handleTraffic(from: remote, message, now: now)
        default:
            counters.droppedOther += 1
        }
    }

    public mutating func receive(from remote: PublicKey, message: [UInt8], now: Double) {
        message.withUnsafeBytes { receive(from: remote, message: $0, now: now) }
    }

    /// SESSION_FOR: the existing session, or a new one (taking over a pending buffer's keys).
    /// Returns the buffered data to send once the handshake has been handled.
    mutating func sessionFor(_ remote: PublicKey, _ h: Handshake, now: Double) -> [UInt8]? {
        if sessions[remote] != nil { return nil }
        if sessions.count >= maxSessions, sessionTimers.evictEarliest(from: &sessions) != nil {
            counters.evictedSessions += 1
        }
        let buffer = buffers.removeValue(forKey: remote)
        let generation = nextGeneration()
        var session = Session(
            remote: remote, remoteStatic: buffer?.remoteStatic ?? BoxPublicKey(ed25519: remote), from: h,
            generation: generation, now: now, random: &random, version: version)
        if let buffer {
            session.send = buffer.currentPair
            session.nextLocal = buffer.nextPair
            session.fixShared(recvNonce: 0, sendNonce: 0)
        }
        sessions[remote] = session
        sessionTimers.push(remote, deadline: session.expiry, generation: generation)
        return buffer?.data
    }

    /// HANDLE_INIT, and HANDLE_ACK (an ACK while no session existed is handled as an INIT).
    ///
    /// One addition to ironwood: an INIT repeating the seq our last ACK answered, on a session
    /// that has received nothing since that ACK, means the initiator is still waiting (the ACK, or
    /// our path lookup for it, was lost). ironwood ignores it, so the pair stays silent until our
    /// session idles out after 60 s (issue 13; after a restart of the initiator our old session
    /// lives on and the wait is as long); we send the same ACK again (same seq and keys, so an
    /// initiator that did get the first one ignores it), at most once a second per session.
    mutating func handleHandshake(from remote: PublicKey, _ h: Handshake, isAck: Bool, now: Double) {
        let existed = sessions[remote] != nil
        let buffered = sessionFor(remote, h, now: now)
        let updated = sessions[remote]!.update(with: h, now: now, random: &random)
        if !updated { counters.ignoredOldHandshake += 1 }
        if updated && (!isAck || !existed) {
            sendAck(to: remote, seq: unixSeconds(now), answering: h.seq, now: now)
        } else if !updated && !isAck, let s = sessions[remote], s.rx == s.rxAtAck, s.ackedSeq == h.seq, h.seq == s.seq,
                  now - s.ackSentAt >= SessionConstants.ackResendInterval {
            counters.resentAcks += 1
            sendAck(to: remote, seq: s.lastAckSeq, answering: h.seq, now: now)
        }
        if let buffered { encryptAndSend(to: remote, buffered, now: now) }
    }

    /// Our ACK for the session with `remote`, recording what it answered (for the re-send above).
    mutating func sendAck(to remote: PublicKey, seq: UInt64, answering remoteSeq: UInt64, now: Double) {
        guard let index = sessions.index(forKey: remote) else { return }
        sessions.values[index].ackedSeq = remoteSeq
        sessions.values[index].lastAckSeq = seq
        sessions.values[index].ackSentAt = now
        sessions.values[index].rxAtAck = sessions.values[index].rx
        let s = sessions.values[index]
        sendHandshake(SessionConstants.typeAck, s.handshake(seq: seq), to: remote, remoteStatic: s.remoteStatic)
    }

    /// HANDLE_TRAFFIC, allocating the plaintext (the general path; the data path uses `openTraffic`).
    mutating func handleTraffic(from remote: PublicKey, _ msg: UnsafeRawBufferPointer, now: Double) {
        var plain = [UInt8](repeating: 0, count: msg.count)
        if let range = plain.withUnsafeMutableBytes({ openTrafficMessage(from: remote, msg, into: $0, now: now) }) {
            actions.append(.deliver(from: remote, data: Array(plain[range])))
        }
    }

    /// HANDLE_TRAFFIC into `output`: the range of `output` holding the data to deliver, or nil when
    /// there is nothing to deliver (every other outcome is handled here: counters, INIT).
    mutating func openTrafficMessage(
        from remote: PublicKey, _ msg: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, now: Double
    ) -> Range<Int>? {
        guard let index = sessions.index(forKey: remote) else {
            // Throw-away INIT: keys forgotten at once, no state kept (a spoofed sender costs us
            // only this message). If the remote ACKs, HANDLE_ACK builds a fresh session. The
            // limiter is asked before any key is made: forged sources are free to an attacker.
            counters.trafficWithoutSession += 1
            guard initLimiter.allow(remote, now: now) else {
                counters.rateLimitedInits += 1
                return nil
            }
            let c = BoxKeyPair.generate(using: &random)
            let n = BoxKeyPair.generate(using: &random)
            let h = Handshake(current: c.publicKey, next: n.publicKey, keySeq: 0, seq: unixSeconds(now))
            sendHandshake(SessionConstants.typeInit, h, to: remote, remoteStatic: BoxPublicKey(ed25519: remote))
            return nil
        }
        switch sessions.values[index].receive(msg, into: output, now: now, version: version, random: &random) {
        case .deliver(let range):
            return range
        case .sendInit:
            counters.trafficTriggeringInit += 1
            guard initLimiter.allow(remote, now: now) else {
                counters.rateLimitedInits += 1
                return nil
            }
            let s = sessions.values[index]
            sendHandshake(SessionConstants.typeInit, s.handshake(seq: unixSeconds(now)), to: remote, remoteStatic: s.remoteStatic)
        case .malformed:
            counters.droppedMalformedTraffic += 1
        case .replay:
            counters.droppedReplayedTraffic += 1
        case .shortPlaintext:
            counters.droppedShortPlaintext += 1
        }
        return nil
    }
}
