import Testing
import RhizomeCrypto
@testable import RhizomeCore

/// Issue 13: debug and admin answers over big tables list a bounded number of entries, chosen
/// and sorted by raw key bytes.
@Suite struct KeySelectionTests {
    static func randomKeys(_ n: Int, seed: UInt64) -> [PublicKey] {
        var rng = SeededRandom(seed: seed)
        return (0..<n).map { _ in PublicKey(w0: rng.nextWord(), w1: rng.nextWord(), w2: rng.nextWord(), w3: rng.nextWord()) }
    }

    /// The byte order of the keys, computed independently of `PublicKey.<`.
    static func byteOrdered(_ keys: [PublicKey]) -> Bool {
        zip(keys, keys.dropFirst()).allSatisfy { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }

    @Test func smallestIsTheSortedPrefix() {
        let keys = Self.randomKeys(5000, seed: 4)
        let picked = KeySelection.smallest(keys, limit: 300) { $0 }
        #expect(picked == Array(keys.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }.prefix(300)))
        #expect(KeySelection.smallest(keys.prefix(10), limit: 300) { $0 }.count == 10)
        #expect(KeySelection.smallest(keys, limit: 0) { $0 }.isEmpty)
    }

    /// A tree table of 65,536 entries: the admin answer holds `adminAnswerLimit` entries, the
    /// remote answer's key list its own limit, both the smallest keys in byte order.
    @Test func treeTableOf65536AnswersBoundedAndInKeyByteOrder() throws {
        let keys = Self.randomKeys(65_536, seed: 9)
        var r = Router05(keys: SigningKeyPair.generate(), now: 0, unixTime: 1e9, random: SeededRandom(seed: 1))
        let sig = try #require(Signature(bytes: [UInt8](repeating: 0, count: 64)))
        for k in keys {
            r.infos[k] = Info05(parent: k, seq: 1, nonce: 0, port: 0, psig: sig, sig: sig, expiry: 100, generation: 0)
        }
        #expect(r.infos.count >= 65_536)
        let all = Array(r.infos.keys).sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        let admin = r.treeEntries(limit: KeySelection.adminAnswerLimit)
        #expect(admin.count == KeySelection.adminAnswerLimit)
        #expect(admin.map(\.key) == Array(all.prefix(KeySelection.adminAnswerLimit)))
        #expect(Self.byteOrdered(admin.map(\.key)))
        let remote = r.treeKeys(limit: 4091)
        #expect(remote == Array(all.prefix(4091)))
        // Paths likewise.
        for k in keys.prefix(20_000) { r.paths[k] = Path05(coords: [1, 2], seq: 1, created: 0, expiry: 100, generation: 0) }
        let paths = r.pathEntries(limit: 1000)
        #expect(paths.count == 1000 && Self.byteOrdered(paths.map(\.key)))
    }
}
