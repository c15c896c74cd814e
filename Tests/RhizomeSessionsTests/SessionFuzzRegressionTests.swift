import Foundation
import Testing

/// Replays the kept inputs of FuzzRegressions/<target>/ for the `session` and `oob` fuzz targets
/// through the same checks libFuzzer runs (SessionFuzzHarness.swift), plus a deterministic batch
/// of generated operation sequences, so a regression fails `swift test` without libFuzzer.
@Suite struct SessionFuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzRegressions")

    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let dir = root.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: dir.appendingPathComponent($0)))) }
    }

    @Test(arguments: SessionFuzzHarness.targets)
    func replay(_ target: String) throws {
        let inputs = try Self.inputs(target)
        #expect(!inputs.isEmpty, "no kept inputs for \(target)")
        for input in inputs {
            do { try SessionFuzzHarness.run(target, input.bytes) } catch {
                Issue.record("FuzzRegressions/\(target)/\(input.name): \(error)")
            }
        }
    }

    /// 400 pseudo-random operation sequences per target (both protocol versions), the same on
    /// every run.
    @Test(arguments: SessionFuzzHarness.targets)
    func generated(_ target: String) throws {
        var state: UInt64 = 0x5EED
        for i in 0..<400 {
            var bytes: [UInt8] = [UInt8(i & 1)]
            for _ in 0..<(64 + i % 300) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(UInt8(truncatingIfNeeded: state >> 33))
            }
            do { try SessionFuzzHarness.run(target, bytes) } catch {
                Issue.record("\(target) generated input \(i) (\(bytes.map { String(format: "%02x", $0) }.joined())): \(error)")
                return
            }
        }
    }

    /// Every directory belongs to a replayed target, so no kept input is silently skipped.
    @Test func everyDirectoryIsReplayed() throws {
        let dirs = try FileManager.default.contentsOfDirectory(atPath: Self.root.path).filter { !$0.hasPrefix(".") }
        #expect(Set(dirs) == Set(SessionFuzzHarness.targets))
    }
}
