import Testing
import RhizomeCore
import RhizomeCrypto
@testable import RhizomeSessions

/// Drops the first message for which `matches` holds, delivers everything else.
final class DropFirst: @unchecked Sendable {
    let matches: (NetMessage) -> Bool
    var dropped: [NetMessage] = []
    init(_ matches: @escaping (NetMessage) -> Bool) { self.matches = matches }
    func lose(_ m: NetMessage) -> Bool {
        guard dropped.isEmpty, matches(m) else { return false }
        dropped.append(m)
        return true
    }
}

/// Issue 13 (chaos 0.5): one lost ACK used to silence a pair for 60 s. The initiator's repeated
/// INITs carried the buffer's creation seq, the responder ignored them as not newer, and nothing
/// re-sent the ACK until the responder's empty session idled out.
@Suite struct HandshakeRetryTests {
    let a = V.node1, b = V.node2
    var A: PublicKey { a.publicKey }
    var B: PublicKey { b.publicKey }
    let T = UInt64(Mesh.unixStart)

    func isAckFromB(_ m: NetMessage) -> Bool { isStandard(m, type: 2, from: b.publicKey) }

    /// Both ends ours: the first ACK is lost, A keeps sending every 0.5 s; the pair is up within
    /// about a second, not after B's session times out.
    @Test(arguments: [ProtocolVersion.v05, .v04])
    func lostAckIsRecoveredWithinSeconds(version: ProtocolVersion) {
        var mesh = Mesh([a, b], version: version)
        let drop = DropFirst(isAckFromB)
        mesh.lose = drop.lose
        var deliveredAt: Double?
        for step in 0..<20 {
            mesh.advance(to: Double(step) * 0.5)
            mesh.sessionSend(0, to: 1, [2, UInt8(step)])
            if deliveredAt == nil, !mesh.nodes[1].other.isEmpty { deliveredAt = mesh.now }
        }
        #expect(drop.dropped.count == 1)
        #expect((deliveredAt ?? .infinity) <= 1.5)
        let up = mesh.nodes[0].sessions.hasSession(with: B)
        #expect(up)
    }

    /// B's side alone (A as ironwood: its repeats keep the first seq): a repeated INIT on a session
    /// that has received nothing gets the same ACK again (same seq and keys), at most once a second.
    @Test func repeatedInitGetsTheSameAckAgain() throws {
        var mesh = Mesh([a, b], version: .v05)
        let drop = DropFirst(isAckFromB)
        mesh.lose = drop.lose
        mesh.sessionSend(0, to: 1, [2, 1])
        let initA = try #require(mesh.log.first { isStandard($0, type: 1, from: A) })
        let firstAck = try #require(drop.dropped.first.flatMap { openHandshake($0, recipient: a) })
        #expect(mesh.nodes[1].sessions.counters.resentAcks == 0)

        // The same INIT again (ironwood's repeat): B answers with the same ACK.
        mesh.advance(to: 1.5)
        let before = mesh.log.count
        mesh.inject(initA)
        let acks = mesh.log[before...].filter(isAckFromB)
        try #require(acks.count == 1)
        let again = try #require(openHandshake(acks[0], recipient: a))
        #expect(again == firstAck)
        #expect(mesh.nodes[1].sessions.counters.resentAcks == 1)
        // It reached A, which made its session, sent its ACK and the buffered data.
        let up = mesh.nodes[0].sessions.hasSession(with: B)
        #expect(up)
        #expect(mesh.nodes[1].other.map { $0.data } == [[2, 1]])

        // Now B has received traffic: a replayed INIT gets nothing.
        mesh.advance(to: 5)
        let later = mesh.log.count
        mesh.inject(initA)
        #expect(!mesh.log[later...].contains(where: isAckFromB))
        #expect(mesh.nodes[1].sessions.counters.resentAcks == 1)
    }

    /// A restarted initiator (as ironwood, repeating its first INIT) meets our old session, which
    /// has received traffic before: the ACK to its INIT is lost, and the repeat still gets it again.
    @Test func repeatedInitAfterTheInitiatorRestarted() throws {
        var mesh = Mesh([a, b], version: .v05)
        mesh.sessionSend(0, to: 1, [2, 1])
        mesh.sessionSend(1, to: 0, [2, 2])
        #expect(mesh.nodes[1].other.count == 1 && mesh.nodes[0].other.count == 1)
        mesh.advance(to: 5)
        mesh.nodes[0] = Node(keys: a, now: 5, unixTime: Mesh.unixStart + 5, seed: 99, version: .v05)
        let drop = DropFirst(isAckFromB)
        mesh.lose = drop.lose
        let start = mesh.log.count
        mesh.sessionSend(0, to: 1, [2, 3])
        #expect(drop.dropped.count == 1)
        let initA = try #require(mesh.log[start...].first { isStandard($0, type: 1, from: A) })
        mesh.advance(to: 6.5)
        let before = mesh.log.count
        mesh.inject(initA)
        #expect(mesh.log[before...].filter(isAckFromB).count == 1)
        let up = mesh.nodes[0].sessions.hasSession(with: B)
        #expect(up)
        #expect(mesh.nodes[1].other.last?.data == [2, 3])
    }

    /// The re-send is throttled: repeats within a second of the last ACK are ignored.
    @Test func ackResendIsThrottled() throws {
        var mesh = Mesh([a, b], version: .v05)
        mesh.lose = { isStandard($0, type: 2, from: V.node2.publicKey) }  // every ACK from B lost
        mesh.sessionSend(0, to: 1, [2, 1])
        let initA = try #require(mesh.log.first { isStandard($0, type: 1, from: A) })
        for t in [0.2, 0.5, 0.9, 1.0, 1.4, 1.9, 2.0] {
            mesh.advance(to: t)
            mesh.inject(initA)
        }
        // ACKs at 0 (the first), 1.0, 2.0.
        #expect(mesh.log.filter(isAckFromB).count == 3)
        #expect(mesh.nodes[1].sessions.counters.resentAcks == 2)
    }

    /// A's side alone (B as ironwood, which ignores an INIT that is not newer): a repeated INIT
    /// from the pending buffer carries the current second, with the buffer's keys unchanged.
    @Test func repeatedInitCarriesTheCurrentSecond() throws {
        var mesh = Mesh([a, b], version: .v05)
        mesh.lose = { $0.from == V.node1.publicKey }  // B never hears A
        for t in [0.0, 0.4, 1.2, 3.7] {
            mesh.advance(to: t)
            mesh.sessionSend(0, to: 1, [2, 1])
        }
        let inits = mesh.log.filter { isStandard($0, type: 1, from: A) }.compactMap { openHandshake($0, recipient: b) }
        try #require(inits.count == 4)
        #expect(inits.map(\.seq) == [T, T, T + 1, T + 3])
        #expect(Set(inits.map(\.current)).count == 1 && Set(inits.map(\.next)).count == 1)
        #expect(inits.allSatisfy { $0.keySeq == 0 })
    }
}
