import Foundation
import Testing

/// Replays the kept fuzz inputs (crashers found and fixed, and seeds such as the captured vectors)
/// of FuzzRegressions/<target>/ through the same checks the libFuzzer targets of Fuzz/ run
/// (FuzzHarness.swift), so a regression fails `swift test` without libFuzzer. A new input for a
/// target is kept by copying it into that target's directory.
@Suite struct FuzzRegressionTests {
    /// Found through #filePath: the test target declares no resources.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzRegressions")

    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let dir = root.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: dir.appendingPathComponent($0)))) }
    }

    @Test(arguments: FuzzHarness.coreTargets)
    func replay(_ target: String) throws {
        let inputs = try Self.inputs(target)
        #expect(!inputs.isEmpty, "no kept inputs for \(target)")
        for input in inputs {
            do {
                if target == "router05" { _ = try Router05FuzzHarness.run(input.bytes) } else { try FuzzHarness.run(target, input.bytes) }
            } catch {
                Issue.record("FuzzRegressions/\(target)/\(input.name): \(error)")
            }
        }
    }

    /// Every directory belongs to a replayed target, so no kept input is silently skipped.
    @Test func everyDirectoryIsReplayed() throws {
        let dirs = try FileManager.default.contentsOfDirectory(atPath: Self.root.path).filter { !$0.hasPrefix(".") }
        #expect(Set(dirs) == Set(FuzzHarness.coreTargets))
    }
}
