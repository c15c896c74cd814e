import RhizomeCore
import RhizomeCrypto
import Testing

/// The `router05` fuzz harness (Fuzz05Harness.swift) over deterministic inputs, so its
/// properties hold on every `swift test` without libFuzzer: seeded random bytes, and inputs
/// biased toward well-formed messages, and inputs that start from a router with a tree parent, a
/// filter and a path entry.
@Suite struct Router05FuzzTests {
    static func input(_ i: Int) -> [UInt8] {
        var rng = SeededRandom(seed: 0x0505_0000 &+ UInt64(i))
        let length = 16 + Int(rng.nextWord() % 480)
        var bytes = [UInt8](repeating: 0, count: length)
        bytes.withUnsafeMutableBytes { rng.fill($0) }
        if i % 3 == 2 {
            // Start from a router with a parent, a filter and a path (see `treeAndPath`).
            bytes = treeAndPath + bytes
        } else if i % 3 == 1 {
            // Bias the operation bytes: mostly well-formed messages (ops 3–13), few raw frames.
            var at = 0
            while at < bytes.count {
                bytes[at] = 3 + bytes[at] % 11
                at += 1 + Int(rng.nextWord() % 12)
            }
        }
        return bytes
    }

    @Test func deterministicInputs() throws {
        var failures: [String] = []
        for i in 0..<300 {
            do { try Router05FuzzHarness.run(Self.input(i)) } catch {
                if failures.count < 5 { failures.append("input \(i): \(error)") }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// A hand-made sequence that reaches the deep paths: the harness's checks then run on real
    /// exchanges (a parent chosen, a bloom-guided lookup, a notify creating a path), not only on
    /// rejected input. Key 3 is the smallest of the harness's keys, ours (key 0) is not.
    @Test func handMadeSequenceReachesTreeAndPaths() throws {
        let h = try Router05FuzzHarness.run(Self.treeAndPath)
        let keys = Router05FuzzHarness.pairs.map(\.publicKey)
        #expect(keys.min() == keys[3])
        #expect(h.router.rootKey == keys[3])
        #expect(h.router.parentKey == keys[1])
        let tree = Set(h.router.treeEntries.map(\.key))
        #expect(tree.isSuperset(of: [keys[0], keys[1], keys[3]]))
        #expect(h.router.pathEntries.contains { $0.key == keys[1] })
        let types = Set(h.sent.compactMap(\.first))
        #expect(types.isSuperset(of: [WireType05.announce.rawValue, WireType05.pathLookup.rawValue]), "\(types.sorted())")
    }

    static let treeAndPath: [UInt8] = [
        7, 0, 5,                          // link 1's peer answers the router's sig request, port 5
        8, 0, 0, 3, 0, 0, 9, 0, 3, 2,     // link 1: root 3's announcement, then peer 1's under 3
        9, 0, 0x21, 1,                    // link 1: a bloom holding key 1
        1, 4,                             // 1.5 s: maintenance (parent choice, announcement, blooms)
        4, 1, 3, 0xaa, 0xbb, 0xcc,        // traffic to key 1: cached, looked up via link 1
        11, 0, 1, 0, 0x40, 3, 0, 0, 0xff, // notify from key 1 for us (coords ours + [3])
        15, 0, 3,                         // echo a sent frame on link 1
    ]
}
