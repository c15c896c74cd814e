import Testing
import RhizomeCrypto
@testable import RhizomeCore

/// Runs the "wire05" fuzz checks (FuzzHarness.swift) over deterministic pseudo-random inputs:
/// mutations of the captured frames (bit flips, truncations, insertions, spliced tails) and plain
/// random bytes, so the round-trip properties are exercised on every `swift test` without libFuzzer.
@Suite struct V05WireFuzzTests {
    static func inputs(count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SeededRandom(seed: seed)
        let ids = V05WireVectorTests.capturedIDs
        let seeds: [[UInt8]] = ids.map { id in
            let f = V05Vectors.frames[id]!
            let body = V05WireVectorTests.body(id)
            return Array(f.suffix(body.count + 1))
        }
        var out = [[UInt8]]()
        for i in 0..<count {
            var x = seeds[Int(rng.next() % UInt64(seeds.count))]
            switch i % 6 {
            case 0:  // bit flips
                for _ in 0..<(1 + Int(rng.next() % 3)) where !x.isEmpty {
                    x[Int(rng.next() % UInt64(x.count))] ^= UInt8(1 << (rng.next() % 8))
                }
            case 1:  // truncation
                x = Array(x.prefix(Int(rng.next() % UInt64(x.count + 1))))
            case 2:  // inserted bytes
                let at = Int(rng.next() % UInt64(x.count + 1))
                x.insert(contentsOf: (0..<(1 + Int(rng.next() % 4))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 3:  // body without its type byte, so other types' decoders see it
                x = Array(x.dropFirst())
            case 4:  // another frame's tail spliced on
                let other = seeds[Int(rng.next() % UInt64(seeds.count))]
                x = Array(x.prefix(Int(rng.next() % UInt64(x.count + 1)))) + other.suffix(Int(rng.next() % UInt64(other.count + 1)))
            default:  // random bytes with a plausible type byte
                x = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if !x.isEmpty { x[0] = UInt8(rng.next() % 11) }
            }
            out.append(x)
        }
        return out
    }

    @Test func randomInputsHoldTheProperties() throws {
        for (i, input) in Self.inputs(count: 600, seed: 0x05_05).enumerated() {
            do { try FuzzHarness.run("wire05", input) } catch {
                Issue.record("input \(i) \(FuzzHarness.hex(input)): \(error)")
            }
        }
    }

    /// The harness is not vacuous: a property it checks fails when it should.
    @Test func harnessCanFail() {
        #expect(throws: FuzzFailure.self) { try fuzzCheck(false, "x") }
        #expect(throws: FuzzFailure.self) { try FuzzHarness.run("no-such-target", [1]) }
        // Each captured frame passes, and decodes as what it is.
        for id in V05WireVectorTests.capturedIDs {
            let m = Array(V05Vectors.frames[id]!.suffix(V05WireVectorTests.body(id).count + 1))
            #expect(throws: Never.self) { try FuzzHarness.run("wire05", m) }
        }
    }
}
